"""The named queries on the web: ``/queries`` (the catalogue) and ``/queries/{name}``.

``/queries/{name}`` answers an HTML page with a form for the parameters and the results, or
the answer itself by extension (``.json``, ``.csv``, ``.tsv``, ``.xml``, ``.ttl`` …, and ``.rq``
for the query text) or by Accept. Parameter values come from the URL, are checked against their
declared type and allowed values (400 problem otherwise) and are bound as typed terms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest, NotAcceptable, NotFound
from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.pipeline.queries import Catalogue, NamedQuery, QueryForm, QueryKind, catalogue_triples
from idmgraph.reading.report import Link, cell_html, table
from idmgraph.store.interface import Store
from idmgraph.store.request import QueryAnswer, QueryRequest
from idmgraph.web.description import public_base
from idmgraph.web.headers import answer_headers, not_modified
from idmgraph.web.negotiation import choose
from idmgraph.web.pages import render

QUERIES_PATH = page("queries")
SOURCE_EXTENSION = "rq"
SOURCE_TYPE = formats.QUERY_MEDIA_TYPE
RESERVED = ("format", "output", "results")  # format tokens clients send, never parameters
KIND_TITLES = {
    QueryKind.GAP: "Gap analysis: computed by the graph, not stated by SG17",
    QueryKind.INVENTORY: "Inventories",
    QueryKind.EXAMPLE: "Examples",
}


def router(
    settings: Settings, store: Store, catalogue: Catalogue, *, link: Link = str
) -> APIRouter:
    """The routes of the named queries, reading ``catalogue`` and querying ``store``.

    ``link`` maps a result IRI to the address its cell links to (``urls.Urls.href`` serves
    our IRIs from this server); by default the IRI itself, which dereferences.
    """
    routes = APIRouter()

    @routes.get(QUERIES_PATH, include_in_schema=False)
    async def listing(request: Request) -> Response:
        groups = [(KIND_TITLES[kind], catalogue.of_kind(kind)) for kind in QueryKind]
        return render(request, "queries.html", {"groups": groups, "base": QUERIES_PATH})

    @routes.get(QUERIES_PATH + ".json", include_in_schema=False)
    async def listing_json(request: Request) -> Response:
        base = public_base(request, settings) + QUERIES_PATH
        body = [_entry(query, base) for query in catalogue]
        return Response(json.dumps(body, indent=1), media_type=formats.JSON_MEDIA_TYPE)

    @routes.get(QUERIES_PATH + ".ttl", include_in_schema=False)
    async def listing_rdf(request: Request) -> Response:
        triples = catalogue_triples(
            catalogue, queries_url=public_base(request, settings) + QUERIES_PATH
        )
        body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE) or b""
        return Response(body, media_type=formats.by_name("turtle").content_type)

    @routes.get(QUERIES_PATH + "/{target}", include_in_schema=False)
    async def one(request: Request, target: str) -> Response:
        name, _, extension = target.partition(".")
        query = catalogue.get(name)
        if extension == SOURCE_EXTENSION:
            return Response(query.sparql, media_type=f"{SOURCE_TYPE}; charset=utf-8")
        fmt = _format(request, query, extension)
        try:
            given = _given(request, query)
        except BadRequest as error:
            if fmt.kind is not formats.Kind.PAGE:
                raise
            # a person mistyped a value: show the form again with the problem, still a 400
            context = {"query": query, "given": dict(request.query_params), "error": error.detail}
            return render(request, "queries-item.html", {**context, "base": QUERIES_PATH},
                          status_code=400)  # fmt: skip
        if fmt.kind is formats.Kind.PAGE:
            return await _page(request, query, given, settings=settings, store=store, link=link)
        return await answer(request, query, given, fmt, settings=settings, store=store)

    return routes


def _entry(query: NamedQuery, base: str) -> dict[str, Any]:
    """One query of the machine-readable catalogue."""
    return {
        "name": query.name,
        "url": f"{base}/{query.name}",
        "title": query.title,
        "kind": query.kind.value,
        "form": query.form.value,
        "description": query.description,
        "parameters": [
            {"name": item.name, "type": item.type.value, "default": item.default,
             "allowed": list(item.allowed), "description": item.description}
            for item in query.parameters
        ],
    }  # fmt: skip


def _given(request: Request, query: NamedQuery) -> dict[str, str]:
    given: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in RESERVED:
            continue
        if key == "query" and not any(item.name == "query" for item in query.parameters):
            raise BadRequest("a named query's text is fixed; send a query of your own to /sparql")
        if key in given:
            raise BadRequest(f"parameter {key!r} is given twice; give it once", parameter=key)
        given[key] = value
    query.bindings(given)  # unknown names and bad values fail here, before any evaluation
    return given


def _format(request: Request, query: NamedQuery, extension: str) -> formats.Format:
    kind = formats.Kind.GRAPH if query.form is QueryForm.CONSTRUCT else formats.Kind.RESULTS
    if extension:
        try:
            fmt = formats.lookup(extension)
        except KeyError:
            raise NotFound(f"no format has the extension .{extension}") from None
        if fmt.kind not in (kind, formats.Kind.PAGE):
            raise NotAcceptable(f"{fmt.label} cannot carry the answer of this query")
        return fmt
    tokens = tuple(token for name in RESERVED for token in request.query_params.getlist(name))
    accept = request.headers.get("accept")
    page = choose(accept=accept, kind=formats.Kind.PAGE, tokens=tokens, fallback=True)
    try:
        data = choose(accept=accept, kind=kind, tokens=tokens)
    except NotAcceptable:
        return page
    # a browser sends text/html first; a client asking for data names its type
    html_first = accept is not None and "html" in accept.split(",")[0]
    return page if html_first and not tokens else data


async def answer(
    request: Request,
    query: NamedQuery,
    given: Mapping[str, str],
    fmt: formats.Format,
    *,
    settings: Settings,
    store: Store,
) -> Response:
    """The query's answer serialised in ``fmt``, with an ETag from the release version."""
    # the query text is part of the key: a changed .rq file must not be answered from a cache
    key = repr((query.sparql, sorted(given.items()), fmt.name, settings.max_result_rows))
    etag = f'"{store.version}-q-{hashlib.sha256(key.encode()).hexdigest()[:20]}"'
    headers = answer_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    result = await _evaluate(query, given, fmt, settings=settings, store=store)
    if result.truncated:
        headers["Results-Truncated"] = f"max-rows={settings.max_result_rows}"
    return Response(result.body, headers=headers, media_type=fmt.content_type)


async def _evaluate(
    query: NamedQuery,
    given: Mapping[str, str],
    fmt: formats.Format,
    *,
    settings: Settings,
    store: Store,
) -> QueryAnswer:
    """The named query with the given parameter values, under the endpoint's limits."""
    request = QueryRequest.of(
        query.sparql,
        shape=query.shape,
        format=fmt,
        substitutions=query.bindings(given),
        timeout=settings.query_timeout,
        max_rows=settings.max_result_rows,
        max_bytes=settings.max_answer_bytes,
    )
    return await store.query(request)


async def _page(
    request: Request,
    query: NamedQuery,
    given: Mapping[str, str],
    *,
    settings: Settings,
    store: Store,
    link: Link,
) -> Response:
    context: dict[str, Any] = {
        "query": query,
        "given": given,
        "base": QUERIES_PATH,
        "downloads": _downloads(query, given),
    }
    fmt = formats.by_name("turtle" if query.form is QueryForm.CONSTRUCT else "json")
    result = await _evaluate(query, given, fmt, settings=settings, store=store)
    if query.form is QueryForm.CONSTRUCT:
        context["graph"] = result.body.decode("utf-8")
    else:
        parsed = pyoxigraph.parse_query_results(
            result.body, format=pyoxigraph.QueryResultsFormat.JSON
        )
        assert isinstance(parsed, pyoxigraph.QuerySolutions)
        answer_table = table(parsed)
        context["columns"] = answer_table.variables
        context["rows"] = [[cell_html(cell, link) for cell in row] for row in answer_table.rows]
    context["truncated"] = result.truncated
    return render(request, "queries-item.html", context, headers={"Vary": "Accept"})


def _downloads(query: NamedQuery, given: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, URL) of every format the answer can be downloaded in, with the same values."""
    kind = formats.Kind.GRAPH if query.form is QueryForm.CONSTRUCT else formats.Kind.RESULTS
    suffix = f"?{urlencode(dict(given))}" if given else ""
    items = [
        (fmt.label, f"{QUERIES_PATH}/{query.name}.{_extension(fmt)}{suffix}")
        for fmt in formats.of_kind(kind)
    ]
    items.append(("SPARQL query", f"{QUERIES_PATH}/{query.name}.{SOURCE_EXTENSION}"))
    return items


def _extension(fmt: formats.Format) -> str:
    """The short extension a person types: .json for SPARQL JSON, else the registry's."""
    return fmt.name if fmt.name == "json" else fmt.extension


def openapi_paths(catalogue: Catalogue) -> dict[str, Any]:
    """OpenAPI 3.1 path items, one per named query, for the application's OpenAPI document."""
    paths: dict[str, Any] = {}
    for query in catalogue:
        kind = formats.Kind.GRAPH if query.form is QueryForm.CONSTRUCT else formats.Kind.RESULTS
        content: dict[str, Any] = {fmt.media_type: {} for fmt in formats.of_kind(kind)}
        parameters = [
            {
                "name": item.name,
                "in": "query",
                "required": False,
                "description": item.description,
                "schema": _schema(item.type.value, item.default, item.allowed),
            }
            for item in query.parameters
        ]
        paths[f"{QUERIES_PATH}/{query.name}"] = {
            "get": {
                "operationId": f"query_{query.name.replace('-', '_')}",
                "summary": query.title,
                "description": query.description,
                "tags": [f"named queries: {query.kind.value}"],
                "parameters": parameters,
                "responses": {
                    "200": {"description": "The answer", "content": content},
                    "400": {"description": "A parameter value is not valid"},
                },
            }
        }
    return paths


def _schema(kind: str, default: str | None, allowed: tuple[str, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer" if kind == "integer" else "string"}
    if kind == "date":
        schema["format"] = "date"
    elif kind == "iri":
        schema["format"] = "iri"
    if default is not None:
        schema["default"] = default
    if allowed:
        schema["enum"] = list(allowed)
    return schema
