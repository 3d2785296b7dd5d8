"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only queries, never updates.

A query arrives by GET, by POST form or by POST ``application/sparql-query``; a GET without
a query answers the service description. Answers carry a strong ETag made from the release
version, so a client revalidating an unchanged answer gets a 304 without any evaluation.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, UpdateRefused
from idmgraph.base.querytext import QueryShape, inspect_query
from idmgraph.base.settings import Settings
from idmgraph.store.interface import Store
from idmgraph.store.request import READ_ONLY, QueryRequest, answer_kind, checked_shape
from idmgraph.web import description
from idmgraph.web.headers import answer_headers, not_modified
from idmgraph.web.negotiation import choose

TRUNCATED_HEADER = "Results-Truncated"  # value: max-rows=N, sent only when the cap cut
FORM = formats.FORM_MEDIA_TYPE
QUERY_BODY = formats.QUERY_MEDIA_TYPE
UPDATE_BODY = formats.UPDATE_MEDIA_TYPE
UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
INLINE_INSPECTION_CHARS = 16_384  # longer query texts and forms are read off the event loop


@dataclass(frozen=True, kw_only=True)
class Protocol:
    """The protocol parameters of one request, from its URL and its body."""

    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: tuple[str, ...]  # format= values, in the order given
    timeout: str | None
    only_format: bool  # the request carries no parameter but (maybe) format= or output=


async def endpoint(request: Request) -> Response:
    """Answer one SPARQL Protocol request."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    protocol = await read_protocol(request, max_bytes=settings.max_request_bytes)
    if protocol.query is None:
        if request.method == "POST" or not protocol.only_format:
            raise BadRequest("the request carries no 'query' parameter")
        return description.response(
            request, settings=settings, store=store, tokens=protocol.formats
        )
    shape = await _checked(protocol.query, allowlist=settings.service_allowlist)
    kind = answer_kind(shape).format_kind
    fmt = choose(accept=request.headers.get("accept"), kind=kind, tokens=protocol.formats)
    etag = _etag(store.version, protocol, fmt, settings.max_result_rows)
    headers = answer_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    query = QueryRequest.of(
        protocol.query,
        shape=shape,
        format=fmt,
        base_iri=settings.base_iri,
        default_graphs=protocol.default_graphs,
        named_graphs=protocol.named_graphs,
        timeout=_timeout(protocol.timeout, settings.query_timeout),
        max_rows=settings.max_result_rows,
        max_bytes=settings.max_answer_bytes,
        # the front cache (web/cache.py) keeps a GET's whole response; a POST's is kept here
        kept=request.method == "POST",
    )
    answer = await store.query(query)
    if answer.truncated:
        headers[TRUNCATED_HEADER] = f"max-rows={settings.max_result_rows}"
    return Response(answer.body, headers=headers, media_type=fmt.content_type)


async def read_protocol(request: Request, *, max_bytes: int) -> Protocol:
    """Collect the protocol parameters; the URL's and the body's are read together."""
    params = MultiDict(request.query_params.multi_items())
    query_body: str | None = None
    if request.method == "POST":
        media_type, charset = _content_type(request.headers.get("content-type"))
        if media_type not in (FORM, QUERY_BODY):
            shown = media_type or "no Content-Type"
            raise UnsupportedMediaType(f"a query is POSTed as {FORM} or {QUERY_BODY}, not {shown}")
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType(f"charset={charset}: queries are read as UTF-8")
        text = _utf8(await _read_body(request, max_bytes))
        if media_type == FORM:
            params = MultiDict([*params.multi_items(), *await _form_fields(text)])
        else:
            query_body = text
    # the read-only middleware sees the URL's parameters, not a form body's
    for name in UPDATE_PARAMETERS:
        if name in params:
            raise UpdateRefused(READ_ONLY)
    queries = params.getlist("query") + ([query_body] if query_body is not None else [])
    if len(queries) > 1:
        raise BadRequest(f"the request carries {len(queries)} queries; send exactly one")
    return Protocol(
        query=queries[0] if queries else None,
        default_graphs=_graph_list(params, "default-graph-uri"),
        named_graphs=_graph_list(params, "named-graph-uri"),
        formats=tuple(params.getlist("format")),
        timeout=_single(params, "timeout"),
        only_format=all(key in ("format", "output") for key in params),
    )


async def _form_fields(text: str) -> list[tuple[str, str]]:
    # a body of many short fields takes parse_qsl a fifth of a second per megabyte
    if len(text) <= INLINE_INSPECTION_CHARS:
        return parse_qsl(text, keep_blank_values=True)
    return await asyncio.to_thread(parse_qsl, text, keep_blank_values=True)


async def _checked(query: str, *, allowlist: tuple[str, ...]) -> QueryShape:
    # Reading is linear, about a microsecond a token: a long text is read in a thread, where
    # the interpreter hands the event loop its turn every few milliseconds.
    if len(query) <= INLINE_INSPECTION_CHARS:
        return checked_shape(query, allowlist=allowlist)
    shape = await asyncio.to_thread(inspect_query, query)
    return checked_shape(query, allowlist=allowlist, shape=shape)


def _etag(version: str, protocol: Protocol, fmt: formats.Format, max_rows: int) -> str:
    key = repr((protocol.query, protocol.default_graphs, protocol.named_graphs, fmt.name, max_rows))
    return f'"{version}-{hashlib.sha256(key.encode()).hexdigest()[:20]}"'


def _timeout(requested: str | None, limit: float) -> float:
    if requested is None:
        return limit
    try:
        seconds = float(requested)
    except ValueError:
        raise BadRequest(f"timeout={requested!r} is not a number of seconds") from None
    if not seconds > 0:
        raise BadRequest(f"timeout={requested!r} must be positive")
    return min(seconds, limit)


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    media_type, *params = (part.strip() for part in header.split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.lower(), charset


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the request body exceeds {max_bytes} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the request body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the request body is not UTF-8: {exc.reason} at byte {exc.start}"
        ) from None


def _graph_list(params: MultiDict, name: str) -> tuple[str, ...] | None:
    values = params.getlist(name)
    return tuple(values) if values else None


def _single(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"'{name}' is given {len(values)} times; give it once")
    return values[0] if values else None
