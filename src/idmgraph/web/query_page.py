"""``/query``: YASGUI, served from the package's own static files, prefilled with examples.

YASGUI comes from npm (``@triply/yasgui``); ``npm ci`` copies its built files into
``web/static/vendor/yasgui/`` (see ``package.json``), never a CDN.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base.namespaces import IDM_NS
from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.store.interface import Store
from idmgraph.web import pages

YASGUI_FILES = ("vendor/yasgui/yasgui.min.js", "vendor/yasgui/yasgui.min.css")
PREFIXES = f"""PREFIX idm: <{IDM_NS}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@dataclass(frozen=True, kw_only=True)
class Example:
    """A query the page offers to load."""

    title: str
    sparql: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        title="Recommendations with their titles",
        sparql=PREFIXES
        + """
SELECT ?number ?title WHERE {
  ?rec a idm:Recommendation ; skos:notation ?number .
  OPTIONAL { ?rec dcterms:title ?title }
}
ORDER BY ?number""",
    ),
    Example(
        title="Work items and their latest lifecycle event",
        sparql=PREFIXES
        + """
SELECT ?item ?name ?event ?date WHERE {
  ?item a idm:WorkItem ; skos:notation ?name ; idm:lifecycleEvent ?e .
  ?e idm:eventType/rdfs:label ?event .
  OPTIONAL { ?e dcterms:date ?d } OPTIONAL { ?e idm:notLaterThan ?n }
  BIND(COALESCE(?d, ?n) AS ?date)
  FILTER NOT EXISTS {
    ?item idm:lifecycleEvent ?later .
    OPTIONAL { ?later dcterms:date ?ld } OPTIONAL { ?later idm:notLaterThan ?ln }
    FILTER(COALESCE(?ld, ?ln) > ?date)
  }
}
ORDER BY ?name""",
    ),
    Example(
        title="Links to other catalogues",
        sparql="""PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?resource ?link ?target WHERE {
  VALUES ?link { owl:sameAs foaf:homepage foaf:page }
  ?resource ?link ?target .
}
ORDER BY ?resource""",
    ),
)


def yasgui_installed() -> bool:
    """Whether the set-up step has copied YASGUI into the static folder."""
    static = files("idmgraph.web").joinpath("static")
    return all(static.joinpath(name).is_file() for name in YASGUI_FILES)


def router(settings: Settings, store: Store) -> APIRouter:
    """The ``/query`` route."""

    async def query(request: Request) -> Response:
        context = {
            "examples": EXAMPLES,
            "endpoint": page("sparql"),
            "installed": yasgui_installed(),
            "triples": store.triple_count(),
            "timeout": settings.query_timeout,
        }
        return pages.render(request, "query.html", context)

    routes = APIRouter()
    routes.add_api_route(page("query"), query, methods=["GET", "HEAD"], include_in_schema=False)
    return routes
