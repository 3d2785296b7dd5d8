"""Dereferencing: every IRI of ours answers, HTML for people and RDF for machines.

One Cool-URIs pattern everywhere, **303 See Other**: the IRI of a thing (``/id/rec/X.1095``,
``/def/WorkItem``, ``/shapes/EditionShape``) never answers with a document. It redirects to the
document describing it, ``<path>.<ext>``, in the format named by ``?format=`` or negotiated from
``Accept`` (q-values honoured; HTML when the client states no preference). Documents answer 200
with ``Link`` headers to their alternates and to the dataset description, an ``ETag`` made from
the release version, and 304 to a matching ``If-None-Match``. An unknown path under a namespace
answers 404 with suggestions: a page for people, a problem document for machines.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from idmgraph.base import formats
from idmgraph.base.errors import NotAcceptable, NotFound
from idmgraph.base.settings import Settings
from idmgraph.base.urls import (
    DATA_PREFIX,
    FORMAT_PARAMETER,
    ONTOLOGY_NS,
    ONTOLOGY_PREFIX,
    SHAPES_NS,
    SHAPES_PREFIX,
    Urls,
    local_segment,
    page,
    resource_formats,
    split_document,
)
from idmgraph.pipeline import compactld
from idmgraph.pipeline.queries import Catalogue, project_catalogue
from idmgraph.pipeline.void import dataset_iri
from idmgraph.reading.describe import (
    describe_resource,
    description_triples,
    document_prefixes,
    exists,
)
from idmgraph.reading.describe import document as rdf_document
from idmgraph.reading.editions import edition_history
from idmgraph.reading.lookup import Match, suggest
from idmgraph.reading.vocabulary import vocabulary_terms
from idmgraph.store.interface import Store
from idmgraph.web import pages
from idmgraph.web.headers import CACHE_CONTROL, not_modified
from idmgraph.web.lookup import IndexCache
from idmgraph.web.negotiation import parse_accept, prefers_html

HTML = formats.by_name("html")
TURTLE = formats.by_name("turtle")
RENDERED_BYTES = 32_000_000  # budget of the rendered-document cache
# Offered to a client that states no preference (*/*): a person's browser gets a page.
NEGOTIATION_ORDER = (HTML, *resource_formats()[:-1])


@dataclass(frozen=True)
class Resources:
    """The handlers of one app: settings, store, URL shapes and the lookup index."""

    settings: Settings
    store: Store
    urls: Urls
    index: IndexCache
    rendered: Rendered
    catalogue: Catalogue

    async def answer(self, request: Request) -> Response:
        """A thing's IRI: 303 to its document; a document: 200; anything else: 404."""
        path = request.scope["path"]
        iri = self.urls.iri(path)
        if iri is None:
            raise NotFound(f"{path} is not in a namespace of this server")
        if iri == dataset_iri(self.settings):
            return see_other(page("void"), vary=False)
        if await self.known(iri):
            return self.redirect(request, iri)
        document = split_document(path)
        if document is not None:
            thing = self.urls.iri(document.thing)
            if thing is not None and await self.known(thing):
                return await self.document(request, thing, document.format)
        return await self.not_found(request, path)

    async def known(self, iri: str) -> bool:
        """Whether the store says anything about ``iri`` (a malformed IRI is unknown)."""
        try:
            return await exists(self.store, iri, settings=self.settings)
        except ValueError:
            return False

    def redirect(self, request: Request, iri: str) -> Response:
        """303 from the thing to its document in the requested format."""
        tokens = request.query_params.getlist(FORMAT_PARAMETER)
        fmt = negotiate(request.headers.get("accept"), tokens=tokens)
        response = see_other(self.urls.document(iri, fmt), vary=True)
        response.headers["Link"] = self.links(iri)
        return response

    async def document(self, request: Request, iri: str, fmt: formats.Format) -> Response:
        """The description of ``iri`` in ``fmt``, revalidated by its ETag."""
        etag = f'"{self.store.version}-{fmt.extension}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Link": self.links(iri)}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        key = (self.store.version, iri, fmt.name)
        body = self.rendered.get(key)
        if body is None:
            if fmt is HTML:
                body = bytes((await self.page(request, iri)).body)
            else:
                body = await rdf_document(self.store, iri, fmt, settings=self.settings)
            self.rendered.put(key, body)
        return Response(body, headers={**headers, "Content-Type": fmt.content_type})

    async def page(self, request: Request, iri: str) -> Response:
        """The HTML page of ``iri``: the vocabulary page for a namespace, else a resource page."""
        found = await describe_resource(self.store, iri, settings=self.settings)
        if found is None:
            raise NotFound(f"nothing is known about {iri}")
        triples = await description_triples(self.store, iri, settings=self.settings)
        context = {
            "d": found,
            "href": self.urls.href,
            "alternates": self.alternates(iri),
            # embedded with the tojson filter, which escapes <, >, & and ' (see resource.html)
            "jsonld": compactld.compact(triples, document_prefixes(self.settings)),
            "history": await edition_history(
                self.store, self.catalogue, iri, settings=self.settings
            ),
        }
        if iri in (ONTOLOGY_NS, SHAPES_NS):
            context["terms"] = await vocabulary_terms(self.store, iri, settings=self.settings)
            return pages.render(request, "ontology.html", context)
        return pages.render(request, "resource.html", context)

    async def not_found(self, request: Request, path: str) -> Response:
        """404 with suggestions: a page when HTML is preferred, else a problem document."""
        hints = suggest(local_segment(path), await self.index.get())
        detail = f"nothing is known under {path}"
        if not prefers_html(request.headers.get("accept")):
            raise NotFound(detail, suggestions=[self.urls.href(m.iri) for m in hints])
        return not_found_page(request, detail, hints, self.urls)

    def alternates(self, iri: str) -> list[tuple[formats.Format, str]]:
        """Every document of ``iri`` with its path."""
        return [(fmt, self.urls.document(iri, fmt)) for fmt in resource_formats()]

    def links(self, iri: str) -> str:
        """The Link header: each alternate document, and the dataset description."""
        parts = [
            f'<{path}>; rel="alternate"; type="{fmt.media_type}"'
            for fmt, path in self.alternates(iri)
        ]
        parts.append(f'<{page("void")}>; rel="describedby"; type="{TURTLE.media_type}"')
        return ", ".join(parts)


class Rendered:
    """Documents already rendered, by (release version, IRI, format): a release never changes,
    and the vocabulary pages embed a whole graph, which takes a while to compact."""

    def __init__(self, *, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._used = 0
        self._bodies: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> bytes | None:
        """The remembered body, if any."""
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: tuple[str, str, str], body: bytes) -> None:
        """Remember a body, forgetting the least recently used beyond the byte budget."""
        self._bodies[key] = body
        self._used += len(body)
        while self._used > self._max_bytes and self._bodies:
            _old, dropped = self._bodies.popitem(last=False)
            self._used -= len(dropped)


def router(settings: Settings, store: Store) -> APIRouter:
    """Routes for ``/id/…``, ``/def/…`` and ``/shapes/…``."""
    handlers = Resources(
        settings=settings,
        store=store,
        urls=Urls(settings.base_iri),
        index=IndexCache(store=store, settings=settings),
        rendered=Rendered(max_bytes=RENDERED_BYTES),
        catalogue=project_catalogue(settings),
    )
    routes = APIRouter()
    for prefix in (DATA_PREFIX, ONTOLOGY_PREFIX, SHAPES_PREFIX):
        routes.add_api_route(
            prefix + "{rest:path}",
            handlers.answer,
            methods=["GET", "HEAD"],
            include_in_schema=False,
        )
    return routes


def negotiate(accept: str | None, *, tokens: list[str]) -> formats.Format:
    """The resource format a ``format=`` token names, else the best match of ``Accept``."""
    for token in tokens:
        try:
            fmt = formats.lookup(token.strip().lower())
        except KeyError:
            continue
        if fmt in NEGOTIATION_ORDER:
            return fmt
    if tokens:
        raise NotAcceptable(f"format={','.join(tokens)} names no format a resource is served in")
    ranges = parse_accept(accept or "*/*")
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, fmt in enumerate(NEGOTIATION_ORDER):
        for media_type in fmt.media_types:
            for media_range in ranges:
                specificity = media_range.matches(media_type)
                if not specificity or media_range.q <= 0:
                    continue
                key = (media_range.q, specificity, -index)
                if best is None or key > best:
                    best, chosen = key, fmt
    if chosen is None:
        offered = ", ".join(fmt.media_type for fmt in NEGOTIATION_ORDER)
        raise NotAcceptable(f"Accept: {accept} names nothing a resource is served in: {offered}")
    return chosen


def see_other(location: str, *, vary: bool) -> Response:
    """A 303 See Other; ``vary`` when the target depends on the Accept header."""
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if vary:
        response.headers["Vary"] = "Accept"
    return response


def not_found_page(request: Request, detail: str, hints: tuple[Match, ...], urls: Urls) -> Response:
    """The 404 page for people, with suggestions and the lookup form."""
    return pages.render(
        request,
        "not_found.html",
        {"detail": detail, "suggestions": hints, "href": urls.href},
        status_code=404,
        headers={"Cache-Control": "no-store"},
    )
