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

Stores differ (OpenLink Virtuoso most): what each one does is found out when the store starts
and handled in :mod:`idmgraph.store.remotedialect`.
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
from idmgraph.store.remotedialect import (
    TSV_PROBE,
    VIRTUOSO_PROBE,
    VIRTUOSO_SORTED_TOP,
    Dialect,
    builtin_iris,
    check_complete,
    json_as_tsv,
    reads_standard_tsv,
    refusal_text,
    virtuoso_dialect,
)
from idmgraph.store.remotedialect import refusal as refused
from idmgraph.store.remotequery import (
    HIDDEN,
    INTERNAL,
    is_internal,
    limited,
    rewrite,
    unversion,
    without_dataset_clauses,
)
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
# How many statements the pointer graph holds, this one included: a store whose loads are not
# atomic (Virtuoso) may show a pointer half written, which is then not followed.
STATEMENTS = INTERNAL + "statements"
AUTH_SCHEMES = ("basic", "digest")
REFRESH_SECONDS = 5.0  # how often the pointer graph is read again while serving
REMOTE_SLOTS = 4  # queries in flight to the remote at once when no fair share is given
POINTER_QUERY = f"SELECT ?p ?o WHERE {{ GRAPH <{POINTER_GRAPH}> {{ <{POINTER_GRAPH}> ?p ?o }} }}"
# SELECT and graph answers are fetched in a line-based format (a row or a triple per line), so
# reading can stop once the cap is passed, and are written in the requested one here, as the
# embedded store does. ASK answers are fetched whole, as JSON.
_LINES = {"select": "tsv", "graph": "ntriples"}
_ASK_WIRE = formats.by_name("json")
# SELECT answers fetched as JSON (stores without standard TSV) may take this many times the
# answer's byte cap on the wire: JSON spells out every term's kind, TSV does not.
_JSON_WIRE_FACTOR = 4
_EVERY_CUT = 2**62  # a row count past any cut: every cut the store reports is refused
_ERROR_BYTES = 500  # how much of a refusal's body is read and quoted


@dataclass(frozen=True, kw_only=True)
class Remote:
    """Where a remote store answers and how to authenticate to it."""

    query_url: str
    graph_store_url: str | None = None
    user: str | None = None
    password: str | None = None
    auth_scheme: str = "basic"  # "digest": Digest, to the Graph Store only (Virtuoso's -auth)

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> Remote:
        """The remote ``settings.store`` names; credentials only from the environment."""
        if not settings.store.startswith(SCHEME):
            raise ConfigurationError(f"store={settings.store!r} is not 'sparql:QUERY_URL'")
        if settings.remote_auth not in AUTH_SCHEMES:
            raise ConfigurationError(
                f"remote_auth={settings.remote_auth!r}: one of {', '.join(AUTH_SCHEMES)}"
            )
        env = os.environ if environ is None else environ
        return cls(
            query_url=settings.store.removeprefix(SCHEME),
            graph_store_url=settings.remote_graph_store_url,
            user=env.get(USER_VARIABLE),
            password=env.get(PASSWORD_VARIABLE),
            auth_scheme=settings.remote_auth,
        )

    @property
    def auth(self) -> httpx.Auth | None:
        """Credentials for the Graph Store requests of a publication, when a user is set."""
        if not self.user:
            return None
        if self.auth_scheme == "digest":
            return httpx.DigestAuth(self.user, self.password or "")
        return httpx.BasicAuth(self.user, self.password or "")

    @property
    def query_auth(self) -> httpx.Auth | None:
        """Credentials for queries: Basic ones as for publishing; none beside Digest.

        A store asking Digest for its Graph Store (Virtuoso) answers queries to anyone, and
        its publishing account has no business on the read path.
        """
        return None if self.auth_scheme == "digest" else self.auth


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


def _complete_pointer(values: Mapping[str, list[str]]) -> bool:
    """Whether the pointer read holds as many statements as it says (when it says)."""
    stated = values.get(STATEMENTS)
    return stated is None or (
        len(stated) == 1 and int(stated[0]) == sum(len(found) for found in values.values())
    )


def parse_pointer(body: bytes) -> Pointer | None:
    """Read the JSON answer of :data:`POINTER_QUERY`; None when no release was published.

    A pointer seen while it is being written (it says how many statements it holds, and
    fewer are there, or two versions are) is None too: the store keeps the version it had.
    """
    solutions = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    values: dict[str, list[str]] = {}
    for row in solutions:
        predicate, value = row["p"], row["o"]
        if predicate is not None and value is not None:
            values.setdefault(predicate.value, []).append(value.value)
    if len(values.get(HAS_VERSION, [])) != 1 or not _complete_pointer(values):
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
        self._dialect = Dialect()  # what the store does differently, read at start
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
            auth=self._remote.query_auth, timeout=60, transport=self._transport
        )
        try:
            await self._parser.start()
            self._followed_at = asyncio.get_running_loop().time()
            pointer = self._checked(await self._post({"query": POINTER_QUERY}, "json", 60))
            self._dialect = await self._probed()
        except BaseException:
            await self.close()  # a store that did not start holds no connection
            raise
        self._follow(pointer)
        # also between queries: cached answers never reach query(), yet key on the version
        self._follower = asyncio.get_running_loop().create_task(self._keep_following())

    @property
    def dialect(self) -> Dialect:
        """What the store was found to do differently when it started."""
        return self._dialect

    async def _probed(self) -> Dialect:
        """Ask the store how it writes TSV and whether it is Virtuoso (and cuts answers)."""
        standard = reads_standard_tsv(await self._post({"query": TSV_PROBE}, "tsv", 60))
        try:
            answer = await self._post({"query": VIRTUOSO_PROBE}, "json", 60)
        except RequestError as exc:
            # any other store refuses bif: (an undeclared prefix); a Virtuoso that refuses it
            # (no right to read its settings) says its name, and its limits are not known
            if "Virtuoso" not in str(exc):
                return Dialect(standard_tsv=standard)
            return Dialect(
                standard_tsv=standard,
                virtuoso=True,
                row_cut=None,
                sorted_top=VIRTUOSO_SORTED_TOP,
            )
        return virtuoso_dialect(answer, standard_tsv=standard)

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
        # a pointer read may outlive the follower that awaited it (shielded): it must end
        # before its connection's pool closes, or the connection is left to the collector
        refreshing, self._refreshing = self._refreshing, None
        if refreshing is not None:
            refreshing.cancel()
            # whatever it ended with, nobody waits for its answer any more
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await refreshing
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
        text = self._dialect.adapted(text, request.shape.form)
        data: dict[str, str | list[str]] = {"query": text}
        if request.has_protocol_dataset:
            # the protocol's dataset overrides the query's own (Virtuoso reads FROM first)
            data["query"] = without_dataset_clauses(text)
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
            if self._dialect.limits(str(data["query"]), request.max_rows + 1):
                data["query"] = limited(str(data["query"]), request.max_rows)
        else:
            self._dialect.check_graph_answers()
        # a SELECT keeps one line more than the cap (its header), a graph answer none
        lines = request.max_rows + 1 if kind is AnswerKind.SELECT else request.max_rows
        if kind is AnswerKind.SELECT and not self._dialect.standard_tsv:
            body, cut = await self._json_select(data, request, lines, marker)
        else:
            read = _first_lines(lines, request.max_bytes)
            body, cut = await self._send(
                data, _LINES[kind.value], timeout, read, max_rows=request.max_rows
            )
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

    async def _json_select(
        self, data: dict[str, str | list[str]], request: QueryRequest, lines: int, marker: str
    ) -> tuple[bytes, bool]:
        """A SELECT answer fetched whole as JSON, written as TSV and cut at ``lines`` lines.

        Whole is bounded: the query carries a LIMIT one past the cap, and the bytes are capped.
        """
        wire = request.max_bytes * _JSON_WIRE_FACTOR
        body, _ = await self._send(
            data, "json", request.timeout, _at_most(wire), max_rows=request.max_rows
        )
        buffer = CappedBuffer(lines)
        with contextlib.suppress(BufferFull):
            buffer.write(json_as_tsv(unversion(body, marker)))
        return buffer.kept()

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
        if self._dialect.virtuoso and (builtins := builtin_iris(request.sparql, request.base_iri)):
            raise BadRequest(
                f"<{builtins[0]}> names a built-in procedure of the remote store; "
                "no query reaches those"
            )
        if not request.shape.services:  # the parser's worker has no network: SERVICE fails
            # over the empty store the query is parsed and planned, and evaluates to nothing
            parse_only = dataclasses.replace(
                request, max_rows=1, default_graphs=None, named_graphs=None, substitutions=()
            )
            await self._parser.query(parse_only)

    async def _post(self, data: Mapping[str, object], media_type: str, timeout: float) -> bytes:
        body, _ = await self._send(data, media_type, timeout, _whole, max_rows=_EVERY_CUT)
        return body

    async def _send(
        self,
        data: Mapping[str, object],
        media_type: str,
        timeout: float,
        read: Callable[[httpx.Response], Awaitable[tuple[bytes, bool]]],
        *,
        max_rows: int,
    ) -> tuple[bytes, bool]:
        """POST a query and ``read`` its answer, all within ``timeout`` seconds.

        An answer the store says it cut before ``max_rows`` rows, or by its own time limit, is
        refused (:func:`~idmgraph.store.remotedialect.check_complete`).
        """
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
                        check_complete(response.headers, max_rows=max_rows)
                        return await read(response)
                    refusal = await _head(response, _ERROR_BYTES)
                finally:
                    # an answer left unread is not drained: the connection is dropped instead
                    await response.aclose()
        except TimeoutError:
            raise QueryTimeout(f"the query ran past {timeout:g} s and was abandoned") from None
        except httpx.HTTPError as exc:
            raise QueryTimeout(f"the remote store did not answer: {exc}") from None
        raise refused(response.status_code, refusal_text(unversion(refusal, self._pointer.marker)))


def _graph(iri: str, versioned: Mapping[str, str]) -> str:
    return versioned.get(iri, HIDDEN if is_internal(iri) else iri)


async def _whole(response: httpx.Response) -> tuple[bytes, bool]:
    return await response.aread(), False


def _at_most(size: int) -> Callable[[httpx.Response], Awaitable[tuple[bytes, bool]]]:
    """A reader of the whole answer that refuses one past ``size`` bytes."""

    async def read(response: httpx.Response) -> tuple[bytes, bool]:
        parts: list[bytes] = []
        held = 0
        async for chunk in response.aiter_bytes():
            parts.append(chunk)
            held += len(chunk)
            if held > size:
                raise AnswerTooLarge(f"the answer exceeds {size} bytes; ask for fewer rows")
        return b"".join(parts), False

    return read


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
    """The JSON boolean answer, in ``fmt``, written here whatever the store wrote.

    Written by the same code as the embedded store's, the bytes are the same on every store
    (Virtuoso's JSON carries a ``link`` member and spaces of its own).
    """
    parsed = pyoxigraph.parse_query_results(body, format=_results(_ASK_WIRE))
    assert isinstance(parsed, pyoxigraph.QueryBoolean)
    body = parsed.serialize(format=_results(fmt)) or b""
    return QueryAnswer(kind=AnswerKind.ASK, format=fmt, body=body, rows=1)


def _results(fmt: formats.Format) -> pyoxigraph.QueryResultsFormat:
    assert isinstance(fmt.oxigraph, pyoxigraph.QueryResultsFormat)
    return fmt.oxigraph
