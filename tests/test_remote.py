"""The remote store against a real store (``oxigraph serve``, or Virtuoso with ``--backend
virtuoso``): atomic publishing, limits, credentials."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import http.server
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pyoxigraph as ox
import pytest

from idmgraph.base import formats
from idmgraph.base.errors import (
    BadRequest,
    Busy,
    ConfigurationError,
    PublishFailed,
    QueryTimeout,
    RequestError,
    UpdateRefused,
)
from idmgraph.base.settings import Settings
from idmgraph.store.cached import CachedStore
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.fairshare import Asker, FairShare, current_asker
from idmgraph.store.interface import Reading, Store, current_reading
from idmgraph.store.publish import Published, publish_dataset
from idmgraph.store.remote import (
    DEFAULT_GRAPH,
    MERGED,
    PASSWORD_VARIABLE,
    POINTER_GRAPH,
    STATEMENTS,
    USER_VARIABLE,
    Remote,
    RemoteStore,
)
from idmgraph.store.remotequery import is_internal
from idmgraph.store.request import AnswerKind, QueryAnswer, QueryRequest
from tests.remoteserver import RemoteServer, backend, remote_server

T = TypeVar("T")
FIXTURE = Path(__file__).parent / "fixtures" / "endpoint" / "graph.trig"
REPORT = "https://w3id.org/idmgraph/id/source/fixture-report"
JSON = formats.by_name("json")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# 23^5 ≈ 6.4e6 solutions, each through a string filter: Virtuoso counts a bare product of
# patterns without enumerating it, so the filter makes every store walk them all
RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q
  FILTER(CONCAT(STR(?a), STR(?d), STR(?g), STR(?j), STR(?m)) != "x") }"""
# 23^6 ≈ 1.5e8 solutions over the fixture, streamed as they are found: sent whole, the answer
# would take minutes and gigabytes; a fresh blank node makes every constructed triple distinct
PRODUCT = "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
HUGE_SELECT = f"SELECT * WHERE {PRODUCT}"
COUNTED_PRODUCT = (
    f'SELECT (COUNT(*) AS ?n) WHERE {{ {PRODUCT[1:-1]} FILTER(CONCAT(STR(?a), STR(?d)) != "x") }}'
)
HUGE_GRAPH = f"CONSTRUCT {{ [] <urn:x:p> ?c }} WHERE {PRODUCT}"


@pytest.fixture(scope="module")
def shared_virtuoso() -> Iterator[RemoteServer | None]:
    """One Virtuoso for the module (it takes seconds to start); None on other backends."""
    if backend() != "virtuoso":
        yield None
        return
    with remote_server() as running:
        yield running


@pytest.fixture
def server(shared_virtuoso: RemoteServer | None) -> Iterator[RemoteServer]:
    """A remote store holding nothing of idmgraph's: a new ``oxigraph serve``, or the
    module's Virtuoso with every graph idmgraph wrote dropped."""
    if shared_virtuoso is None:
        with remote_server() as running:
            yield running
        return
    for graph in _all_graphs(shared_virtuoso):
        httpx.delete(
            shared_virtuoso.store_url, params={"graph": graph}, auth=shared_virtuoso.admin_auth
        ).raise_for_status()
    yield shared_virtuoso


@pytest.fixture
def grown(tmp_path: Path) -> Path:
    """The fixture dataset with one more statement in the report graph, as N-Quads."""
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    store.add(
        ox.Quad(
            ox.NamedNode(REPORT),
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal("grown"),
            ox.NamedNode(REPORT),
        )
    )
    path = tmp_path / "grown.nq"
    store.dump(str(path), format=ox.RdfFormat.N_QUADS)
    return path


def _size(path: Path) -> int:
    store = ox.Store()
    rdf_format = formats.by_extension(path.suffix).oxigraph
    assert isinstance(rdf_format, ox.RdfFormat)
    store.load(path=str(path), format=rdf_format)
    return len(store)


def _all_graphs(server: RemoteServer) -> set[str]:
    """Every named graph of idmgraph's the server holds, read past RemoteStore (which hides
    them); Virtuoso holds graphs of its own as well."""
    answer = httpx.post(
        server.query_url,
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": JSON.content_type},
    )
    rows = ox.parse_query_results(answer.content, format=ox.QueryResultsFormat.JSON)
    assert isinstance(rows, ox.QuerySolutions)
    return {g.value for g in (row["g"] for row in rows) if g is not None and is_internal(g.value)}


async def _count(
    store: Store, sparql: str = COUNT, *, named_graphs: tuple[str, ...] | None = None
) -> int:
    answer = await store.query(
        QueryRequest.of(sparql, format=JSON, timeout=10, max_rows=100, named_graphs=named_graphs)
    )
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    rows = list(parsed)
    if sparql == COUNT:
        return int(rows[0]["n"].value)
    return len(rows)


def _serve(remote: Remote, version: str, sparql: str = COUNT) -> int:
    async def run() -> int:
        store = RemoteStore(remote, expected_version=version)
        await store.start()
        try:
            return await _count(store, sparql)
        finally:
            await store.close()

    return asyncio.run(run())


def _loaded(published: Published) -> set[str]:
    """The versioned graphs of one publication: the release's and the merged one."""
    return {g + published.marker for g in [*published.graphs, MERGED]}


def test_publish_switches_then_drops_the_version_before_the_old(
    server: RemoteServer, grown: Path
) -> None:
    first = publish_dataset(server.remote(), FIXTURE, version="one")
    assert first.replaced is None
    assert _serve(server.remote(), "one") == _size(FIXTURE)
    second = publish_dataset(server.remote(), grown, version="two", expected_triples=_size(grown))
    assert (second.replaced, second.dropped) == ("one", 0)
    assert _serve(server.remote(), "two") == _size(FIXTURE) + 1
    with pytest.raises(ConfigurationError, match="serves release two"):
        _serve(server.remote(), "one")
    # the replaced load stays whole until the next publication: requests begun on it end on it
    assert _all_graphs(server) == _loaded(first) | _loaded(second) | {POINTER_GRAPH}
    third = publish_dataset(server.remote(), FIXTURE, version="three")
    # now the first load's graphs and its merged graph are dropped, the second's kept
    assert (third.replaced, third.dropped) == ("two", len(first.graphs) + 1)
    assert _all_graphs(server) == _loaded(second) | _loaded(third) | {POINTER_GRAPH}
    assert _serve(server.remote(), "three") == _size(FIXTURE)


def test_a_wrong_triple_count_leaves_the_old_version_served(
    server: RemoteServer, grown: Path
) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    before = _all_graphs(server)
    with pytest.raises(PublishFailed, match="the release has"):
        publish_dataset(server.remote(), grown, version="two", expected_triples=_size(grown) + 5)
    assert _all_graphs(server) == before  # the loaded graphs were dropped again
    assert _serve(server.remote(), "one") == _size(FIXTURE)


def test_a_failed_load_leaves_the_old_version_served(server: RemoteServer, grown: Path) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    broken = dataclasses.replace(server.remote(), graph_store_url=server.base + "/no-such-path")
    with pytest.raises(PublishFailed, match="nothing was switched"):
        publish_dataset(broken, grown, version="two")
    assert _serve(server.remote(), "one") == _size(FIXTURE)


def test_merged_default_graph_answers_as_the_graph_list_did(
    server: RemoteServer, grown: Path
) -> None:
    published = publish_dataset(server.remote(), grown, version="one")
    queries = (COUNT, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    merged = [_serve(server.remote(), "one", sparql) for sparql in queries]
    # the pointer as publications before the merged graph wrote it, and no merged graph
    ntriples = {"Accept": "application/n-triples"}
    auth = server.admin_auth
    old = httpx.get(server.store_url, params={"graph": POINTER_GRAPH}, headers=ntriples, auth=auth)
    newer = (DEFAULT_GRAPH.encode(), STATEMENTS.encode())  # what those publications did not write
    lines = [line for line in old.content.splitlines() if line.strip()]
    kept = [line for line in lines if not any(name in line for name in newer)]
    assert len(kept) == len(lines) - 2
    httpx.put(
        server.store_url,
        params={"graph": POINTER_GRAPH},
        content=b"\n".join(kept) + b"\n",
        headers={"Content-Type": "application/n-triples"},
        auth=auth,
    ).raise_for_status()
    httpx.delete(
        server.store_url, params={"graph": MERGED + published.marker}, auth=auth
    ).raise_for_status()
    listed = [_serve(server.remote(), "one", sparql) for sparql in queries]
    assert merged == listed == [_size(grown), len(published.graphs)]


@pytest.fixture
def published(server: RemoteServer) -> tuple[RemoteStore, RemoteServer]:
    publish_dataset(server.remote(), FIXTURE, version="one")
    return RemoteStore(server.remote(), expected_version="one"), server


def _rows_of(body: bytes) -> list[ox.QuerySolution]:
    """The rows of a JSON answer. The parsed answer object stays in this frame: pyoxigraph
    refuses to free it from another thread, which a garbage collection of a coroutine frame
    caught in a reference cycle (an exception kept by pytest.raises) may do later."""
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def _within(store: RemoteStore, body: Callable[[RemoteStore], Awaitable[T]]) -> T:
    async def run() -> T:
        await store.start()
        try:
            return await body(store)
        finally:
            await store.close()

    return asyncio.run(run())


def test_queries_see_only_the_current_version(
    published: tuple[RemoteStore, RemoteServer],
) -> None:
    store, _server = published

    async def body(store: RemoteStore) -> tuple[int, ...]:
        hidden = f"SELECT * WHERE {{ GRAPH <{POINTER_GRAPH}> {{ ?s ?p ?o }} }}"
        graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        answer = await store.query(QueryRequest.of(graphs, format=JSON, timeout=10, max_rows=100))
        named = {row["g"].value for row in _rows_of(answer.body)}
        assert named == set(store.graphs())
        return (
            await _count(store, hidden),
            await _count(store, f"SELECT * FROM <{POINTER_GRAPH}> WHERE {{ ?s ?p ?o }}"),
            await _count(
                store, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=(POINTER_GRAPH,)
            ),
            await _count(store, f"SELECT * WHERE {{ GRAPH <{REPORT}> {{ ?s ?p ?o }} }}"),
        )

    pointer, from_pointer, named_pointer, report = _within(store, body)
    assert (pointer, from_pointer, named_pointer) == (0, 0, 0)
    assert report > 0


def test_timeouts_row_caps_and_refusals_hold(
    published: tuple[RemoteStore, RemoteServer],
) -> None:
    store, server = published

    async def body(store: RemoteStore) -> None:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            await store.query(QueryRequest.of(RUNAWAY, format=JSON, timeout=0.5, max_rows=10))
        assert time.monotonic() - started < 3
        capped = await store.query(
            QueryRequest.of("SELECT * WHERE { ?s ?p ?o }", format=JSON, timeout=10, max_rows=3)
        )
        rows = _rows_of(capped.body)
        assert (capped.truncated, capped.rows, len(rows)) == (True, 3, 3)
        for update in (
            "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }",
            f"LOAD <{server.base}/store?default>",
            "DROP ALL",
        ):
            with pytest.raises(UpdateRefused):
                await store.query(QueryRequest.of(update, format=JSON, timeout=10, max_rows=10))
        with pytest.raises(BadRequest, match="SERVICE"):
            await store.query(QueryRequest.of(
                f"SELECT * WHERE {{ SERVICE <{server.query_url}> {{ ?s ?p ?o }} }}",
                format=JSON, timeout=10, max_rows=10,
            ))  # fmt: skip
        with pytest.raises(BadRequest) as syntax:
            await store.query(
                QueryRequest.of("SELECT * WHERE {\n  ?s ?p }", format=JSON, timeout=10, max_rows=10)
            )
        assert syntax.value.extra["line"] == 2

    before = _all_graphs(server)
    _within(store, body)
    assert _all_graphs(server) == before
    assert _serve(server.remote(), "one") == _size(FIXTURE)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A loopback SPARQL service that answers only requests with the right credentials."""

    seen: list[tuple[str, str | None]] = []  # noqa: RUF012 - one test at a time uses it
    expected = "Basic " + base64.b64encode(b"alice:s3cret w0rd").decode()

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        header = self.headers.get("authorization")
        self.seen.append((self.command, header))
        if header != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"head": {"vars": ["p", "o"]}, "results": {"bindings": []}}).encode()
        self.send_response(200 if self.command == "POST" else 204)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body) if self.command == "POST" else 0))
        self.end_headers()
        if self.command == "POST":
            self.wfile.write(body)

    do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 - the names http.server dispatches on

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    loopback = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=loopback.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{loopback.server_address[1]}"
    loopback.shutdown()
    loopback.server_close()


def test_credentials_come_from_the_environment_and_are_sent(recorder: str) -> None:
    settings = Settings(
        store=f"sparql:{recorder}/query", remote_graph_store_url=recorder + "/store"
    )
    env = {USER_VARIABLE: "alice", PASSWORD_VARIABLE: "s3cret w0rd"}
    remote = Remote.from_settings(settings, env)
    # the store answers, but holds no release: refused at start, after an authorised request
    with pytest.raises(ConfigurationError, match="no idmgraph release"):
        _within(RemoteStore(remote), lambda store: asyncio.sleep(0))
    with pytest.raises(PublishFailed):  # the recorder never holds what was PUT
        publish_dataset(remote, FIXTURE, version="one")
    methods = {method for method, _ in _Recorder.seen}
    assert methods == {"POST", "PUT", "DELETE"}
    assert all(header == _Recorder.expected for _, header in _Recorder.seen)
    # without the variables nothing is sent, and the store refuses us
    _Recorder.seen = []
    with pytest.raises(QueryTimeout, match="401"):
        _within(RemoteStore(Remote.from_settings(settings, {})), lambda store: asyncio.sleep(0))
    assert _Recorder.seen == [("POST", None)]


def test_no_setting_can_hold_a_credential() -> None:
    names = [item.name for item in dataclasses.fields(Settings)]
    assert not [name for name in names if "password" in name or "user" in name]


def test_a_running_store_follows_a_publication(server: RemoteServer, grown: Path) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    store = RemoteStore(server.remote(), expected_version="one", refresh_seconds=0)

    async def body(store: RemoteStore) -> tuple[int, str, int, str]:
        before = await _count(store), store.version
        publish_dataset(server.remote(), grown, version="two")  # switches to "two"
        return (*before, await _count(store), store.version)

    assert _within(store, body) == (_size(FIXTURE), "one", _size(FIXTURE) + 1, "two")


def test_a_request_reads_one_release_throughout(server: RemoteServer, grown: Path) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    store = RemoteStore(server.remote(), expected_version="one", refresh_seconds=0)

    async def request(store: RemoteStore, *, publish: bool) -> list[tuple[str, int, int]]:
        current_reading.set(Reading())  # as the web layer does for each request
        # a query first: it reads the pointer anew (refresh_seconds=0), the version would not
        count = await _count(store)
        seen = [(store.version, count, store.triple_count())]
        if publish:  # while the request runs: its next reads still find release one
            publish_dataset(server.remote(), grown, version="two")
            count = await _count(store)
            seen.append((store.version, count, store.triple_count()))
        return seen

    async def body(store: RemoteStore) -> list[tuple[str, int, int]]:
        # a task runs in a copy of the context: each request has a Reading of its own
        during = await asyncio.create_task(request(store, publish=True))
        after = await asyncio.create_task(request(store, publish=False))
        return [*during, *after]

    during, still, after = _within(store, body)
    assert during[:2] == ("one", _size(FIXTURE))
    assert still == during
    assert after[:2] == ("two", _size(FIXTURE) + 1)
    assert after[2] == during[2] + 1


class _SlowPointer(httpx.AsyncBaseTransport):
    """httpx's own transport, holding back each answer to a pointer read for a while."""

    def __init__(self, delay: float) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._delay = delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if b"urn%3Aidmgraph%3Acurrent" in request.content:
            await asyncio.sleep(self._delay)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_a_query_never_follows_a_pointer_read_begun_before_it(
    server: RemoteServer, grown: Path
) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    slow = _SlowPointer(delay=0.5)
    store = RemoteStore(server.remote(), refresh_seconds=0, transport=slow)

    async def body(store: RemoteStore) -> tuple[int, str]:
        early = asyncio.create_task(_count(store))  # its pointer read answers "one", late
        await asyncio.sleep(0.1)
        publish_dataset(server.remote(), grown, version="two")  # switches to "two"
        late = await _count(store)
        with contextlib.suppress(AssertionError, RequestError):
            await early  # raced the switch: whatever it saw, it was asked before
        return late, store.version

    assert _within(store, body) == (_size(FIXTURE) + 1, "two")


def test_closing_ends_a_pointer_read_in_flight(server: RemoteServer) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    slow = _SlowPointer(delay=1.0)
    store = RemoteStore(server.remote(), refresh_seconds=0, transport=slow)

    async def run() -> None:
        await store.start()
        await asyncio.sleep(0.2)  # the follower's pointer read is now held back
        await store.close()
        # nothing of the store is left running on the loop once it is closed
        others = asyncio.all_tasks() - {asyncio.current_task()}
        assert not others

    asyncio.run(run())


def test_cached_answers_follow_a_publication_too(server: RemoteServer, grown: Path) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    cached = CachedStore(RemoteStore(server.remote(), refresh_seconds=0.1))

    async def run() -> tuple[int, int, str]:
        await cached.start()
        try:
            first = await _count(cached)
            assert await _count(cached) == first  # now cached
            await asyncio.to_thread(publish_dataset, server.remote(), grown, version="two")
            await asyncio.sleep(0.5)  # the follower reads the pointer in the background
            return first, await _count(cached), cached.version
        finally:
            await cached.close()

    assert asyncio.run(run()) == (_size(FIXTURE), _size(FIXTURE) + 1, "two")


class _CountingTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, counting the bytes of answer bodies as they are read."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CountedStream(response.stream, self),
            extensions=response.extensions,
        )


class _CountedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, counter: _CountingTransport) -> None:
        self._inner = inner
        self._counter = counter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._counter.read += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def _rows(answer: QueryAnswer) -> int:
    """Rows or triples in the answer's body, parsed in its own format."""
    fmt = answer.format.oxigraph
    if fmt == ox.QueryResultsFormat.CSV:  # lossy, so pyoxigraph does not parse it
        return answer.body.count(b"\r\n") - 1
    if isinstance(fmt, ox.QueryResultsFormat):
        solutions = ox.parse_query_results(answer.body, format=fmt)
        assert isinstance(solutions, ox.QuerySolutions)
        return len(list(solutions))
    return len(list(ox.parse(answer.body, format=fmt)))


# Virtuoso builds a CONSTRUCT's whole answer before it sends the first triple, and a LIMIT
# cannot stand for a cap on triples: over 10^8 solutions the query runs into its timeout there.
WHOLE_CONSTRUCT = pytest.mark.skipif(
    backend() == "virtuoso",
    reason="Virtuoso computes a CONSTRUCT whole before sending it: no cut answer can be read "
    "early; such a query ends at query_timeout (503)",
)


@pytest.mark.parametrize(
    ("sparql", "name"),
    [
        (HUGE_SELECT, "json"),
        (HUGE_SELECT, "csv"),
        pytest.param(HUGE_GRAPH, "turtle", marks=WHOLE_CONSTRUCT),
        pytest.param(HUGE_GRAPH, "jsonld", marks=WHOLE_CONSTRUCT),
    ],
)
def test_a_capped_answer_is_read_only_up_to_the_cap(
    server: RemoteServer, sparql: str, name: str
) -> None:
    publish_dataset(server.remote(), FIXTURE, version="one")
    counting = _CountingTransport()
    store = RemoteStore(server.remote(), transport=counting)
    fmt = formats.by_name(name)

    async def body(store: RemoteStore) -> QueryAnswer:
        return await store.query(QueryRequest.of(sparql, format=fmt, timeout=5, max_rows=10))

    answer = _within(store, body)
    assert isinstance(answer, QueryAnswer)
    assert (answer.truncated, answer.rows, _rows(answer)) == (True, 10, 10)
    # read whole, the answer would run past the timeout; cut, it is ten lines and a chunk
    assert 0 < counting.read < 256_000


CAPPED = [
    ("SELECT * WHERE { ?s ?p ?o }", "json"),
    ("SELECT * WHERE { ?s ?p ?o }", "tsv"),
    ("SELECT * WHERE { ?s ?p ?o }", "xml"),
    ("SELECT DISTINCT ?p WHERE { ?s ?p ?o } ORDER BY ?p", "csv"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "ntriples"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "turtle"),
    (f"DESCRIBE <{REPORT}>", "rdfxml"),
    ("ASK { ?s ?p ?o }", "json"),
    ("ASK { ?s ?p ?o }", "csv"),
    ("ASK { ?s <urn:x:none> ?o }", "xml"),
]


@pytest.mark.parametrize("max_rows", [0, 1, 5, 10_000])
def test_caps_truncate_and_count_as_on_the_embedded_store(
    published: tuple[RemoteStore, RemoteServer], max_rows: int
) -> None:
    remote, _server = published
    embedded = OxigraphStore.from_file(FIXTURE, workers=1)

    async def run() -> list[tuple[object, ...]]:
        await remote.start()
        await embedded.start()
        found: list[tuple[object, ...]] = []
        try:
            for sparql, name in CAPPED:
                for store in (embedded, remote):
                    answer = await store.query(
                        QueryRequest.of(
                            sparql, format=formats.by_name(name), timeout=10, max_rows=max_rows
                        )
                    )
                    rows = answer.body if answer.kind is AnswerKind.ASK else _rows(answer)
                    found.append((sparql, name, answer.truncated, answer.rows, rows))
        finally:
            await embedded.close()
            await remote.close()
        return found

    found = asyncio.run(run())
    assert found[0::2] == found[1::2]  # embedded, remote, query by query
    assert any(truncated for *_, truncated, _, _ in found) == (max_rows < 10_000)


def test_a_client_holds_only_its_share_of_the_remote(
    published: tuple[RemoteStore, RemoteServer],
) -> None:
    _published, server = published
    fair = FairShare(slots=2, share=1, client_queue=0, max_waiting=8)
    store = RemoteStore(server.remote(), expected_version="one", fairness=fair)

    async def body(store: RemoteStore) -> tuple[str, bool]:
        async def ask(client: str, sparql: str, timeout: float) -> QueryAnswer:
            current_asker.set(Asker(client))  # each task has its own context
            return await store.query(
                QueryRequest.of(sparql, format=JSON, timeout=timeout, max_rows=10)
            )

        # 23^6 rows to count through a filter: far past its 3 s on any machine and store
        # (RUNAWAY takes about 2 s; Virtuoso counts a bare product without enumerating it)
        runaway = asyncio.create_task(ask("greedy", COUNTED_PRODUCT, 3))
        await asyncio.sleep(0.5)  # the runaway holds the greedy client's one slot
        with pytest.raises(Busy):  # its queue holds nothing more: refused at once
            await ask("greedy", "ASK {}", 10)
        other = await ask("patient", "ASK {}", 10)  # another client still has a slot
        with pytest.raises(QueryTimeout):
            await runaway
        return other.body.decode(), runaway.done()

    answer, done = _within(store, body)
    assert json.loads(answer)["boolean"] is True
    assert done


def test_a_store_that_rewrites_literals_is_refused_at_publication(
    server: RemoteServer, tmp_path: Path
) -> None:
    """A double written "1e1": Oxigraph (embedded or serve) reads it "10", Virtuoso "10.0"."""
    publish_dataset(server.remote(), FIXTURE, version="one")
    odd = tmp_path / "odd.nq"
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    store.dump(str(odd), format=ox.RdfFormat.N_QUADS)
    double = "<http://www.w3.org/2001/XMLSchema#double>"
    with odd.open("a", encoding="utf-8") as quads:  # as written, not as a store would write it
        quads.write(f'<{REPORT}> <urn:x:pages> "1e1"^^{double} <{REPORT}> .\n')
    if backend() == "virtuoso":
        with pytest.raises(PublishFailed, match=r'"10"\^\^.* are read there as "10.0"'):
            publish_dataset(server.remote(), odd, version="two")
        assert _serve(server.remote(), "one") == _size(FIXTURE)
        return
    publish_dataset(server.remote(), odd, version="two")
    answer = httpx.post(
        server.query_url,
        data={"query": "SELECT ?n WHERE { GRAPH ?g { ?s <urn:x:pages> ?n } }"},
        headers={"Accept": JSON.content_type},
    )
    assert b'"value":"10"' in answer.content
