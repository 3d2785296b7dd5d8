"""The OpenAPI 3.1 document of the server, served at ``/openapi.json``.

Written from what the routes really take rather than from FastAPI's route introspection (the
routes read their parameters from the request, so FastAPI would describe none of them): the
media types come from the format registry, the named queries and their parameters from the
query catalogue. Fuzzers (schemathesis, tests/web/test_fuzz.py) read it, so a status or a
content type it declares is a promise a test holds the server to.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from idmgraph import __version__
from idmgraph.base import formats
from idmgraph.base.settings import Settings
from idmgraph.base.urls import (
    DATA_PREFIX,
    FORMAT_PARAMETER,
    ONTOLOGY_PREFIX,
    SHAPES_PREFIX,
    page,
    resource_formats,
)
from idmgraph.pipeline.queries import Catalogue
from idmgraph.reading.report import DATE_PARAMETER
from idmgraph.web import queries
from idmgraph.web.problems import PROBLEM_TYPE

OPENAPI_PATH = page("openapi")
HTML = formats.by_name("html").media_type
JSON = formats.JSON_MEDIA_TYPE
MARKDOWN = formats.MARKDOWN_MEDIA_TYPE
PROTOCOL_FORM = formats.FORM_MEDIA_TYPE
PROTOCOL_QUERY = formats.QUERY_MEDIA_TYPE

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
_ANY: dict[str, Any] = {"schema": {}}


def endpoint(settings: Settings, catalogue: Catalogue) -> Callable[[Request], Awaitable[Response]]:
    """The handler of ``/openapi.json``: the document is written once, when the app is built."""
    body = json.dumps(document(settings, catalogue), indent=1).encode()

    async def answer(_request: Request) -> Response:
        return Response(body, media_type=JSON, headers={"Cache-Control": "public, max-age=3600"})

    return answer


def document(settings: Settings, catalogue: Catalogue) -> dict[str, Any]:
    """The whole OpenAPI document of an application built with ``settings``."""
    paths: dict[str, Any] = {
        page("sparql"): _sparql(settings),
        page("home"): _get("The landing page", {"200": _page("The landing page")}),
        page("health"): _get(
            "Readiness: whether a query can be evaluated now",
            {"200": _ok("Ready", {JSON: _ANY}), "503": _not_ready()},
        ),
        page("query"): _get("The YASGUI query page", {"200": _page("The query page")}),
        page("lookup"): _lookup(),
        page("downloads"): _get("The release's dumps", {"200": _page("Every dump")}),
        page("links_csv"): _get(
            "Outgoing links as CSV",
            {"200": _ok("The link mapping", {formats.by_name("csv").media_type: _ANY})},
        ),
        page("void"): _description("The VoID description of the dataset"),
        page("catalog"): _description("The DCAT catalogue of the dataset"),
        page("context"): _get(
            "The JSON-LD context of the dumps",
            {"200": _ok("The context", {formats.by_name("jsonld").media_type: _ANY})},
        ),
        page("gaps"): _gaps(),
        page("gaps") + ".md": _get(
            "The gap-analysis report as Markdown",
            {"200": _ok("The report", {MARKDOWN: _ANY}), "400": _problem("A bad date")},
            parameters=[_date_parameter()],
        ),
        **_landscape(page("landscape")),
        page("changes"): _changes(),
        page("queries"): _get("The named queries", {"200": _page("The catalogue")}),
        page("queries") + ".json": _get(
            "The named queries as JSON", {"200": _ok("The catalogue", {JSON: _ANY})}
        ),
        page("queries") + ".ttl": _get(
            "The named queries as RDF",
            {"200": _ok("The catalogue", {formats.by_name("turtle").media_type: _ANY})},
        ),
        OPENAPI_PATH: _get("This document", {"200": _ok("OpenAPI 3.1", {JSON: _ANY})}),
    }
    for prefix in (DATA_PREFIX, ONTOLOGY_PREFIX, SHAPES_PREFIX):
        paths[prefix + "{path}"] = _resource(prefix)
    for path, item in queries.openapi_paths(catalogue).items():
        paths[path] = _named_query(item)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "idmgraph",
            "version": __version__,
            "description": "Linked data and a read-only SPARQL 1.1 endpoint over the ITU-T "
            "identity-management standards landscape.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Problem": _PROBLEM_SCHEMA},
            "headers": {
                "Retry-After": {
                    "description": "Seconds after which the request may succeed",
                    "schema": {"type": "integer", "minimum": 0},
                },
                "Location": {"description": "Where the thing is", "schema": {"type": "string"}},
            },
        },
    }


def _get(
    summary: str, responses: dict[str, Any], *, parameters: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def _ok(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": content}


def _page(description: str) -> dict[str, Any]:
    return _ok(description, {HTML: _ANY})


def _problem(description: str, *, html: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if html:  # a person's browser is shown a page rather than a problem document
        content[HTML] = _ANY
    return _ok(description, content)


def _unavailable() -> dict[str, Any]:
    answer = _problem("The query was stopped at its time limit, or no worker is free")
    answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return answer


def _not_ready() -> dict[str, Any]:
    return {
        "description": "Not ready: the query engine restarts, or every worker is held",
        "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
        "content": {JSON: _ANY},
    }


def _redirect(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Location": {"$ref": "#/components/headers/Location"}},
    }


def _content(*kinds: formats.Kind) -> dict[str, Any]:
    """One entry per registered format of ``kinds``, under the media type it is sent with."""
    return {fmt.media_type: _ANY for kind in kinds for fmt in formats.of_kind(kind)}


def _format_names(*kinds: formats.Kind) -> list[str]:
    return [fmt.name for kind in kinds for fmt in formats.of_kind(kind)]


def _graph_list(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": what,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
    }


def _sparql(settings: Settings) -> dict[str, Any]:
    """``/sparql``: the SPARQL 1.1 Protocol, by GET and by POST (form or query body)."""
    answers = _content(formats.Kind.RESULTS, formats.Kind.GRAPH)
    timeout = {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": f"Seconds; only lowers the limit of {settings.query_timeout:g} s",
    }
    parameters = [
        {
            "name": "query",
            "in": "query",
            "required": False,
            "description": "A SPARQL query; without one, the service description answers",
            "schema": {"type": "string"},
        },
        _graph_list("default-graph-uri", "The default graph, merged from these graphs"),
        _graph_list("named-graph-uri", "The named graphs the query sees"),
        {
            "name": FORMAT_PARAMETER,
            "in": "query",
            "required": False,
            "description": "The answer's format, instead of Accept",
            "schema": {"type": "string", "enum": _format_names(formats.Kind.RESULTS)},
        },
        {"name": "timeout", "in": "query", "required": False, "schema": timeout},
    ]
    responses = {
        "200": _ok("The answer, or the service description", answers),
        "304": {"description": "The answer the client holds (If-None-Match) is current"},
        "400": _problem("The query or a parameter is malformed, or SERVICE is not allowed"),
        "403": _problem("An update: the endpoint is read-only"),
        "406": _problem("No format of Accept can carry the answer"),
        "503": _unavailable(),
    }
    form = {
        "type": "object",
        "required": ["query"],
        "properties": {
            "query": {"type": "string"},
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
            "timeout": timeout,
        },
    }
    post_responses = {
        **responses,
        "413": _problem(f"The body is over {settings.max_request_bytes} bytes"),
        "415": _problem(f"A body that is neither {PROTOCOL_FORM} nor {PROTOCOL_QUERY}"),
    }
    return {
        "get": {
            "summary": "Evaluate a read-only SPARQL query",
            "operationId": "sparql_get",
            "parameters": parameters,
            "responses": responses,
        },
        "post": {
            "summary": "Evaluate a read-only SPARQL query sent in the body",
            "operationId": "sparql_post",
            "parameters": parameters[1:4],
            "requestBody": {
                "required": True,
                "content": {
                    PROTOCOL_FORM: {"schema": form},
                    PROTOCOL_QUERY: {"schema": {"type": "string"}},
                },
            },
            "responses": post_responses,
        },
    }


def _resource(prefix: str) -> dict[str, Any]:
    """A thing (303 to its document) or a document (``.html``, ``.ttl`` …) under ``prefix``."""
    documents = {fmt.media_type: _ANY for fmt in (formats.by_name("html"), *resource_formats())}
    return {
        "get": {
            "summary": f"A resource under {prefix}: its IRI redirects to its document",
            "operationId": "resource_" + prefix.strip("/"),
            "parameters": [
                {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": FORMAT_PARAMETER,
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": [fmt.extension for fmt in resource_formats()],
                    },
                },
            ],
            "responses": {
                "200": _ok("The document", documents),
                "303": _redirect("The document describing the thing"),
                "304": {"description": "The document the client holds is current"},
                "404": _problem("Nothing is known under this path", html=True),
                "406": _problem("No format of Accept fits"),
                "503": _unavailable(),
            },
        }
    }


def _lookup() -> dict[str, Any]:
    identifier = {
        "name": "id",
        "in": "query",
        "required": True,
        "description": "ITU-T X.1095, T-REC-X.1095-202311-I, X.pet_auth, an ITU handle …",
        "schema": {"type": "string"},
    }
    return _get(
        "Resolve an outside identifier to a resource",
        {
            "303": _redirect("The resource the identifier names"),
            "300": _ok("The identifier names several resources", {HTML: _ANY, JSON: _ANY}),
            "400": _problem("No identifier was given"),
            "404": _problem("No resource is known by this identifier", html=True),
            "503": _unavailable(),
        },
        parameters=[identifier],
    )


def _description(summary: str) -> dict[str, Any]:
    return _get(
        summary,
        {
            "200": _ok("The description", _content(formats.Kind.GRAPH)),
            "304": {"description": "The description the client holds is current"},
            "406": _problem("No RDF format of Accept fits"),
        },
        parameters=[
            {
                "name": FORMAT_PARAMETER,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": _format_names(formats.Kind.GRAPH)},
            }
        ],
    )


def _date_parameter() -> dict[str, Any]:
    return {
        "name": DATE_PARAMETER,
        "in": "query",
        "required": False,
        "description": "The date the report is computed for (the latest report's by default)",
        "schema": {"type": "string", "format": "date"},
    }


def _gaps() -> dict[str, Any]:
    return _get(
        "The gap-analysis report, computed by the graph",
        {
            "200": _page("The report"),
            "304": {"description": "The report the client holds is current"},
            "400": _problem("A bad date", html=True),
            "503": _unavailable(),
        },
        parameters=[_date_parameter()],
    )


def _landscape(path: str) -> dict[str, Any]:
    def filter_(name: str, what: str, kind: str = "") -> dict[str, Any]:
        schema = {"type": "string", **({"format": kind} if kind else {})}
        return {"name": name, "in": "query", "required": False, "description": what,
                "schema": schema}  # fmt: skip

    parameters = [
        filter_(DATE_PARAMETER, "The date the landscape is shown for (today by default)", "date"),
        filter_("body", "Only this body (its name, such as ITU, or its IRI)"),
        filter_("topic", "Only lines of this topic (its notation)"),
        filter_("status", "Only approved, development, withdrawn or discontinued lines"),
        filter_("since", "Only lines changed on or after this date", "date"),
    ]
    answers = {
        "": ("The landscape page", HTML),
        ".csv": ("The landscape as CSV", formats.by_name("csv").media_type),
        ".json": ("The landscape as JSON", JSON),
    }
    return {
        path + suffix: _get(
            summary,
            {
                "200": _ok("The landscape", {media_type: _ANY}),
                "304": {"description": "The landscape the client holds is current"},
                "400": _problem("A bad date or status", html=not suffix),
                "503": _unavailable(),
            },
            parameters=parameters,
        )
        for suffix, (summary, media_type) in answers.items()
    }


def _changes() -> dict[str, Any]:
    def report(name: str, what: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "description": what,
                "schema": {"type": "string"}}  # fmt: skip

    return _get(
        "What changed between two reports (by default the two latest)",
        {
            "200": _ok("The changes", {HTML: _ANY, JSON: _ANY}),
            "400": _problem("An unknown report", html=True),
            "503": _unavailable(),
        },
        parameters=[
            report("from", "The earlier report's folder name"),
            report("to", "The later report's folder name"),
            {
                "name": FORMAT_PARAMETER,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["json"]},
            },
        ],
    )


def _named_query(item: dict[str, Any]) -> dict[str, Any]:
    """A named query's path item, with the answers every named query can also give."""
    operation = dict(item["get"])
    responses = dict(operation["responses"])
    answer = dict(responses["200"])
    # a browser (Accept: text/html first) gets the page with the form and the results
    answer["content"] = {**answer["content"], HTML: _ANY}
    responses["200"] = answer
    responses["304"] = {"description": "The answer the client holds is current"}
    responses["400"] = _problem("A parameter value is not valid", html=True)
    responses["406"] = _problem("No format of Accept can carry the answer")
    responses["503"] = _unavailable()
    operation["responses"] = responses
    return {"get": operation}
