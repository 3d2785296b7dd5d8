"""The landing page: dataset figures, entry lists into the graph, search, and the way onward."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base.namespaces import IDM_NS
from idmgraph.base.settings import Settings
from idmgraph.base.urls import ONTOLOGY_PREFIX, SHAPES_PREFIX, Urls, page
from idmgraph.reading.describe import RDFS, local_name, select
from idmgraph.store.interface import Store
from idmgraph.web import pages
from idmgraph.web.headers import CACHE_CONTROL, not_modified

ORG = "http://www.w3.org/ns/org#"
# Entry lists of the landing page: heading and the graph pattern binding ?x.
LISTS: tuple[tuple[str, str], ...] = (
    ("Study groups", f"?x a <{IDM_NS}StudyGroup>"),
    ("Questions", f"?x a <{IDM_NS}Question>"),
    ("Recommendations and other texts", f"?x a/<{RDFS}subClassOf>* <{IDM_NS}Text>"),
    ("Work items", f"?x a <{IDM_NS}WorkItem>"),
    ("Organisations", f"?x a ?c . VALUES ?c {{ <{ORG}Organization> <{ORG}FormalOrganization> }}"),
    ("Liaison partners", f"?flow <{IDM_NS}counterpart> ?x"),
    ("Sources", f"?x a/<{RDFS}subClassOf>* <{IDM_NS}Source>"),
)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One link of an entry list."""

    label: str
    href: str


@dataclass(frozen=True, kw_only=True)
class EntryList:
    """A heading and its links, in natural order (SG2 before SG17)."""

    title: str
    entries: tuple[Entry, ...]


async def entry_lists(store: Store, *, settings: Settings) -> list[EntryList]:
    """Every entry list of the landing page, read from the store in one query."""
    urls = Urls(settings.base_iri)
    unions = " UNION ".join(
        f'{{ {pattern} BIND("{index}" AS ?list) }}' for index, (_, pattern) in enumerate(LISTS)
    )
    rows = await select(
        store,
        f"SELECT DISTINCT ?list ?x ?label WHERE {{ {unions} FILTER(isIRI(?x)) "
        f"OPTIONAL {{ ?x <{RDFS}label> ?label }} }}",
        settings=settings,
    )
    grouped: dict[int, dict[str, Entry]] = {index: {} for index in range(len(LISTS))}
    for row in rows:
        iri = row["x"].value
        label = row["label"].value if "label" in row else local_name(iri)
        grouped[int(row["list"].value)][iri] = Entry(label=label, href=urls.href(iri))
    return [
        EntryList(
            title=title,
            entries=tuple(sorted(grouped[index].values(), key=lambda e: natural(e.label))),
        )
        for index, (title, _) in enumerate(LISTS)
    ]


def natural(text: str) -> tuple[tuple[int, str], ...]:
    """A sort key that orders numbers inside text by value: SG2 < SG17, X.509 < X.1095."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    )


def router(settings: Settings, store: Store) -> APIRouter:
    """The ``/`` route."""

    async def home(request: Request) -> Response:
        etag = f'"{store.version}-home"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        lists = await entry_lists(store, settings=settings)
        figures = [
            ("statements", store.triple_count()),
            ("named graphs", len(store.graphs())),
            *((item.title.lower(), len(item.entries)) for item in lists),
        ]
        context = {
            "lists": lists,
            "figures": figures,
            "pages": {
                name: page(name)
                for name in (
                    "query",
                    "gaps",
                    "downloads",
                    "void",
                    "catalog",
                    "queries",
                    "lookup",
                    "sparql",
                    "changes",
                )
            },
            "ontology": ONTOLOGY_PREFIX,
            "shapes": SHAPES_PREFIX,
            "version": store.version,
        }
        return pages.render(request, "home.html", context, headers=headers)

    routes = APIRouter()
    routes.add_api_route(page("home"), home, methods=["GET", "HEAD"], include_in_schema=False)
    return routes
