"""A store backed by a remote SPARQL 1.1 service (``store = "sparql:QUERY_URL"``).

Queries go over HTTP with httpx, not SPARQLWrapper: SPARQLWrapper blocks on urllib (a thread
per query), its timeout bounds each socket read rather than the whole answer, and a request in
flight cannot be cancelled when the client goes away. httpx's async client is awaited under
``asyncio.timeout``, so the deadline holds whatever the remote does.

Everything the endpoint promises is checked here, before a byte leaves: updates (LOAD
included) are refused, SERVICE reaches only the allow-list, syntax errors are reported by
Oxigraph's own parser with the client's line and column. That parser runs in a sandboxed
worker over an empty store (:class:`~idmgraph.store.embedded.OxigraphStore`), never in this process:
a text can take Oxigraph minutes to plan or overflow its stack. SELECT and graph answers are fetched
in a line-based format (SPARQL TSV, N-Triples) and read as they stream in, only until they pass
the row cap: the connection is then dropped, so neither this process nor the wire carries more
than the cap of a huge answer. The kept lines are written in the requested format by the same
code as on the embedded store (:mod:`idmgraph.store.evaluate`), so truncation and row counts agree.

The remote store holds each release in versioned graphs named by a pointer graph (see
:mod:`idmgraph.store.publish`); the store reads the pointer when it starts (refusing another version
than the release folder's) and again every few seconds, so queries follow a publication made
while serving. One request reads one release throughout: the first its reads find
(:class:`~idmgraph.store.interface.Reading`), whose graphs a publication keeps until the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph

from idmgraph.base import formats
from idmgraph.base.errors import (
    AnswerTooLarge,
    BadRequest,
    ConfigurationError,
    QueryTimeout,
    RequestError,
    UpdateRefused,
)
from idmgraph.base.settings import Settings
from idmgraph.store import evaluate
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.evaluate import BufferFull, CappedBuffer, graph_reply, solutions_reply
from idmgraph.store.fairshare import FairShare, current_asker
from idmgraph.store.interface import current_reading
from idmgraph.store.remotequery import HIDDEN, INTERNAL, is_internal, limited, rewrite, unversion
from idmgraph.store.request import READ_ONLY, AnswerKind, QueryAnswer, QueryRequest
from idmgraph.store.workers import StoreSource

SCHEME = "sparql:"
USER_VARIABLE = "IDMGRAPH_REMOTE_USER"
PASSWORD_VARIABLE = "IDMGRAPH_REMOTE_PASSWORD"  # noqa: S105 - a variable's name, not a secret
POINTER_GRAPH = INTERNAL + "current"
HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
HAS_PART = "http://purl.org/dc/terms/hasPart"
TRIPLES = "http://rdfs.org/ns/void#triples"
LOAD_MARKER = INTERNAL + "marker"
# A load's graphs merged into one: the default graph of every query that names no dataset.
# Oxigraph evaluates a default graph made of many graphs about 10x slower than one graph.
MERGED = INTERNAL + "merged"
DEFAULT_GRAPH = INTERNAL + "defaultGraph"  # the pointer's link to the load's merged graph
REFRESH_SECONDS = 5.0  # how often the pointer graph is read again while serving
REMOTE_SLOTS = 4  # queries in flight to the remote at once when no fair share is given
POINTER_QUERY = f"SELECT ?p ?o WHERE {{ GRAPH <{POINTER_GRAPH}> {{ <{POINTER_GRAPH}> ?p ?o }} }}"
# SELECT and graph answers are fetched in a line-based format (a row or a triple per line), so
# reading can stop once the cap is passed, and are written in the requested one here, as the
# embedded store does. ASK answers are fetched whole, as JSON.
_LINES = {"select": "tsv", "graph": "ntriples"}
_ASK_WIRE = formats.by_name("json")
_ERROR_BYTES = 500  # how much of a refusal's body is read and quoted


@dataclass(frozen=True, kw_only=True)
class Remote:
    """Where a remote store answers and how to authenticate to it."""

    query_url: str
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> Remote:
        """The remote ``settings.store`` names; credentials only from the environment."""
        if not settings.store.startswith(SCHEME):
            raise ConfigurationError(f"store={settings.store!r} is not 'sparql:QUERY_URL'")
        env = os.environ if environ is None else environ
        return cls(
            query_url=settings.store.removeprefix(SCHEME),
            graph_store_url=settings.remote_graph_store_url,
            user=env.get(USER_VARIABLE),
            password=env.get(PASSWORD_VARIABLE),
        )

    @property
    def auth(self) -> httpx.BasicAuth | None:
        """HTTP Basic credentials, when a user is set."""
        return httpx.BasicAuth(self.user, self.password or "") if self.user else None


@dataclass(frozen=True, kw_only=True)
class Pointer:
    """What the pointer graph says: the version served and its versioned graphs."""

    version: str
    marker: str  # versioned graph = the release's graph IRI + marker
    graphs: tuple[str, ...]  # versioned names
    triples: int
    default_graph: str | None = None  # the load's merged graph; None: published without one

    @property
    def versioned(self) -> dict[str, str]:
        """The release's graph IRIs, each with its versioned name."""
        return {name.removesuffix(self.marker): name for name in self.graphs}


def parse_pointer(body: bytes) -> Pointer | None:
    """Read the JSON answer of :data:`POINTER_QUERY`; None when no release was published."""
    solutions = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    values: dict[str, list[str]] = {}
    for row in solutions:
        predicate, value = row["p"], row["o"]
        if predicate is not None and value is not None:
            values.setdefault(predicate.value, []).append(value.value)
    if HAS_VERSION not in values:
        return None
    return Pointer(
        version=values[HAS_VERSION][0],
        marker=values[LOAD_MARKER][0],
        graphs=tuple(sorted(values.get(HAS_PART, []))),
        triples=int(values[TRIPLES][0]),
        default_graph=values.get(DEFAULT_GRAPH, [None])[0],
    )


class RemoteStore:
    """The current release of a remote SPARQL store, queried within our own limits."""

    def __init__(
        self,
        remote: Remote,
        *,
        expected_version: str | None = None,
        service_allowlist: tuple[str, ...] = (),
        refresh_seconds: float = REFRESH_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
        fairness: FairShare | None = None,
    ) -> None:
        self._remote = remote
        # the remote's capacity is shared between clients as the embedded workers are: one
        # client flooding the endpoint waits in its own queue, not in front of the others
        self._fair = fairness or FairShare(
            slots=REMOTE_SLOTS, share=REMOTE_SLOTS, client_queue=64, max_waiting=256
        )
        self._transport = transport  # None: httpx's own; the tests count bytes read with one
        self._expected = expected_version
        self._allowed = service_allowlist
        self._client: httpx.AsyncClient | None = None
        self._pointer = Pointer(version=expected_version or "", marker="", graphs=(), triples=0)
        self._refresh = refresh_seconds
        self._next_refresh = 0.0
        self._refreshing: asyncio.Task[None] | None = None
        self._refresh_began = 0.0
        self._followed_at = 0.0  # when the read of the pointer followed now began
        self._follower: asyncio.Task[None] | None = None
        # parses (and plans) queries for their syntax errors, sealed off the network
        self._parser = OxigraphStore(
            StoreSource(path=Path(os.devnull), format="nquads"), version="", workers=1
        )

    @property
    def version(self) -> str:
        """Version of the release the pointer graph names (to a request: the one it reads)."""
        return self._read().version

    def _read(self) -> Pointer:
        """The pointer the current request reads: the one it first saw, so that a page reads
        one release throughout (see :class:`~idmgraph.store.interface.Reading`)."""
        reading = current_reading.get()
        return self._pointer if reading is None else reading.hold(self, self._pointer)

    async def _reading(self) -> Pointer:
        """The pointer a query reads: the request's, else the latest (read again if due).

        A publication keeps the graphs of the release it replaces until the next one, so a
        request that began on that release can finish on it.
        """
        reading = current_reading.get()
        if reading is None or not reading.holds(self):
            await self._refreshed()
        return self._read()

    async def start(self) -> None:
        """Read the pointer graph; refuse a store holding another release than expected."""
        self._client = httpx.AsyncClient(
            auth=self._remote.auth, timeout=60, transport=self._transport
        )
        try:
            await self._parser.start()
            self._followed_at = asyncio.get_running_loop().time()
            pointer = self._checked(await self._post({"query": POINTER_QUERY}, "json", 60))
        except BaseException:
            await self.close()  # a store that did not start holds no connection
            raise
        self._follow(pointer)
        # also between queries: cached answers never reach query(), yet key on the version
        self._follower = asyncio.get_running_loop().create_task(self._keep_following())

    async def _keep_following(self) -> None:
        while True:
            await asyncio.sleep(max(self._refresh, 0.05))
            with contextlib.suppress(RequestError):
                await self._refreshed()

    def _follow(self, pointer: Pointer) -> None:
        self._pointer = pointer
        self._next_refresh = self._followed_at + self._refresh

    async def _refreshed(self) -> None:
        """Follow a publication made while serving (the next drops the graphs read until then).

        A query asked for now waits for a pointer read begun no earlier than now: a read
        already under way may have begun before the switch, and its answer be the old one.
        """
        asked = asyncio.get_running_loop().time()
        if asked < self._next_refresh:
            return
        task = self._refreshing
        if task is None or self._refresh_began < asked:
            task = asyncio.get_running_loop().create_task(self._read_pointer(asked))
            self._refreshing, self._refresh_began = task, asked
        await asyncio.shield(task)

    async def _read_pointer(self, began: float) -> None:
        try:
            pointer = parse_pointer(await self._post({"query": POINTER_QUERY}, "json", 10))
        finally:
            if self._refresh_began == began:
                self._refreshing = None
        # reads may overlap: an answer older than the one followed is not followed
        if pointer is not None and began >= self._followed_at:
            self._followed_at = began
            self._follow(pointer)

    def _checked(self, answer: bytes) -> Pointer:
        pointer = parse_pointer(answer)
        if pointer is None:
            raise ConfigurationError(
                f"{self._remote.query_url}: no idmgraph release published; run 'idmgraph publish'"
            )
        if self._expected is not None and pointer.version != self._expected:
            raise ConfigurationError(
                f"{self._remote.query_url} serves release {pointer.version}, the release folder "
                f"holds {self._expected}; run 'idmgraph publish'"
            )
        return pointer

    async def close(self) -> None:
        """Stop following the pointer and close the HTTP connections."""
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
            self._follower = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await self._parser.close()

    async def probe(self, *, timeout: float) -> None:
        """Ask the remote store a trivial query now; raises when it does not answer."""
        await self._post({"query": "ASK {}"}, _ASK_WIRE.name, timeout)

    def graphs(self) -> tuple[str, ...]:
        """IRIs of the release's named graphs, sorted."""
        return tuple(sorted(self._read().versioned))

    def triple_count(self) -> int:
        """Number of statements of the release."""
        return self._read().triples

    async def query(self, request: QueryRequest) -> QueryAnswer:
        """Send a checked, rewritten query; past its timeout it is abandoned (503)."""
        await self._check(request)
        pointer = await self._reading()
        versioned = pointer.versioned
        try:
            text = rewrite(
                request.sparql,
                graphs=versioned,
                base_iri=request.base_iri,
                substitutions=dict(request.substitutions),
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        data: dict[str, str | list[str]] = {"query": text}
        if request.has_protocol_dataset:
            defaults, named = request.default_graphs or (), request.named_graphs or ()
            data["default-graph-uri"] = [_graph(iri, versioned) for iri in defaults]
            data["named-graph-uri"] = [_graph(iri, versioned) for iri in named]
        elif request.union_default_graph:
            # the union of the version's graphs, and nothing else, as on the embedded store
            merged = pointer.default_graph
            data["named-graph-uri"] = list(pointer.graphs)
            data["default-graph-uri"] = [merged] if merged else list(pointer.graphs)
        async with self._fair.slot(current_asker.get(), timeout=request.timeout):
            return await self._answer(request, data, pointer.marker)

    async def _answer(
        self, request: QueryRequest, data: dict[str, str | list[str]], marker: str
    ) -> QueryAnswer:
        kind, fmt, timeout = request.kind, request.format, request.timeout
        if kind is AnswerKind.ASK:
            body = await self._post(data, _ASK_WIRE.name, timeout)
            return _ask(unversion(body, marker), fmt)
        if kind is AnswerKind.SELECT:  # the remote stops by itself; graph answers are cut below
            data["query"] = limited(str(data["query"]), request.max_rows)
        # a SELECT keeps one line more than the cap (its header), a graph answer none
        lines = request.max_rows + 1 if kind is AnswerKind.SELECT else request.max_rows
        read = _first_lines(lines, request.max_bytes)
        body, cut = await self._send(data, _LINES[kind.value], timeout, read)
        body = unversion(body, marker)
        if kind is AnswerKind.SELECT:
            reply = solutions_reply(body, truncated=cut, fmt=fmt)
        else:
            reply = graph_reply(body, truncated=cut, fmt=fmt)
        if len(reply.body) > request.max_bytes:
            detail = f"the answer exceeds {request.max_bytes} bytes; ask for fewer rows"
            raise AnswerTooLarge(detail)
        return QueryAnswer(
            kind=kind, format=fmt, body=reply.body, truncated=reply.truncated, rows=reply.rows
        )

    async def _check(self, request: QueryRequest) -> None:
        """What a remote store is never sent, and the syntax errors its parser would give.

        The remote store is not sandboxed: an update or a SERVICE it is sent, it may carry
        out. So the refusals hold here too, on the shape read where the query came in.
        """
        if request.shape.is_update:
            raise UpdateRefused(READ_ONLY)
        for target in request.shape.services:
            if target is None or target not in self._allowed:
                raise BadRequest(f"SERVICE <{target}> is not allowed; no query reaches it")
        request.check_format()
        if not request.shape.services:  # the parser's worker has no network: SERVICE fails
            # over the empty store the query is parsed and planned, and evaluates to nothing
            parse_only = dataclasses.replace(
                request, max_rows=1, default_graphs=None, named_graphs=None, substitutions=()
            )
            await self._parser.query(parse_only)

    async def _post(self, data: Mapping[str, object], media_type: str, timeout: float) -> bytes:
        body, _ = await self._send(data, media_type, timeout, _whole)
        return body

    async def _send(
        self,
        data: Mapping[str, object],
        media_type: str,
        timeout: float,
        read: Callable[[httpx.Response], Awaitable[tuple[bytes, bool]]],
    ) -> tuple[bytes, bool]:
        """POST a query and ``read`` its answer, all within ``timeout`` seconds."""
        if self._client is None:
            raise RuntimeError("the store was not started")
        accept = formats.by_name(media_type).content_type
        request = self._client.build_request(
            "POST", self._remote.query_url, data=data, headers={"Accept": accept}
        )
        try:
            async with asyncio.timeout(timeout):
                response = await self._client.send(request, stream=True)
                try:
                    if response.status_code == 200:
                        return await read(response)
                    refusal = await _head(response, _ERROR_BYTES)
                finally:
                    # an answer left unread is not drained: the connection is dropped instead
                    await response.aclose()
        except TimeoutError:
            raise QueryTimeout(f"the query ran past {timeout:g} s and was abandoned") from None
        except httpx.HTTPError as exc:
            raise QueryTimeout(f"the remote store did not answer: {exc}") from None
        if response.status_code == 400:
            text = refusal.decode("utf-8", errors="replace")
            raise BadRequest(f"the remote store refused the query: {text}")
        raise QueryTimeout(f"the remote store answered {response.status_code}")


def _graph(iri: str, versioned: Mapping[str, str]) -> str:
    return versioned.get(iri, HIDDEN if is_internal(iri) else iri)


async def _whole(response: httpx.Response) -> tuple[bytes, bool]:
    return await response.aread(), False


async def _head(response: httpx.Response, size: int) -> bytes:
    """The first ``size`` bytes of the body, the rest left unread."""
    found = b""
    async for chunk in response.aiter_bytes():
        found += chunk
        if len(found) >= size:
            break
    return found[:size]


def _first_lines(
    max_lines: int, max_bytes: int
) -> Callable[[httpx.Response], Awaitable[tuple[bytes, bool]]]:
    """A reader that stops once it holds more than ``max_lines`` lines: the rest never comes."""

    async def read(response: httpx.Response) -> tuple[bytes, bool]:
        buffer = CappedBuffer(max_lines, max_bytes)
        try:
            with contextlib.suppress(BufferFull):
                async for chunk in response.aiter_bytes():
                    buffer.write(chunk)
        except evaluate.AnswerTooLarge:
            raise AnswerTooLarge(
                f"the answer exceeds {max_bytes} bytes; ask for fewer rows"
            ) from None
        return buffer.kept()

    return read


def _ask(body: bytes, fmt: formats.Format) -> QueryAnswer:
    """The JSON boolean answer, in ``fmt``."""
    if fmt.name != _ASK_WIRE.name:
        parsed = pyoxigraph.parse_query_results(body, format=_results(_ASK_WIRE))
        assert isinstance(parsed, pyoxigraph.QueryBoolean)
        body = parsed.serialize(format=_results(fmt)) or b""
    return QueryAnswer(kind=AnswerKind.ASK, format=fmt, body=body, rows=1)


def _results(fmt: formats.Format) -> pyoxigraph.QueryResultsFormat:
    assert isinstance(fmt.oxigraph, pyoxigraph.QueryResultsFormat)
    return fmt.oxigraph
