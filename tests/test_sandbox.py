"""Query workers are sealed off the network whatever the query says, and stay within limits.

These tests talk to the embedded store directly, past every check of the web layer, so what
they show holds by the workers' construction, not by reading the query text.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from idmgraph.base import formats
from idmgraph.base.errors import AnswerTooLarge, BadRequest, ServiceUnavailable, WorkerStopped
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.request import QueryRequest
from idmgraph.store.workers import WorkerLimits

FIXTURE = Path(__file__).parent / "fixtures" / "endpoint" / "graph.trig"
JSON = formats.by_name("json")
T = TypeVar("T")
TSV = formats.by_name("tsv")

pytestmark = pytest.mark.skipif(os.uname().sysname != "Linux", reason="seccomp is Linux's")


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 - one canary per module

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture(scope="module")
def canary() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def _run(store: OxigraphStore, work: Callable[[OxigraphStore], Awaitable[T]]) -> T:
    async def main() -> T:
        await store.start()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())


def _spellings(url: str) -> list[str]:
    """SERVICE glued to every kind of token the grammar lets stand before it."""
    pattern = "{ ?x ?y ?z }"
    glued = ["1", "-1", "+1.5", "1e3", '"x"', "'x'", '"x"@en', "<http://a/>", "true", "?o ."]
    glued += ["?o }", "?o ;", "?o ,", "?o #c\n", "?o .#c\n", "(?o)", "[]"]
    queries = []
    for before in glued:
        for keyword in ("SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICE\tSILENT"):
            queries.append(f"SELECT * {{ ?s ?p {before}{keyword} <{url}> {pattern} }}")
    queries.append(f"SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {pattern} }}")
    prefix = url.rsplit("/", 1)[0]
    queries.append(f"PREFIX c: <{prefix}/> SELECT * {{ SERVICE c:sparql {pattern} }}")
    queries.append(f"SELECT * {{ \\u0053ERVICE <{url}> {pattern} }}")
    queries.append(f"ASK {{ SERVICE <{url}> {pattern} }}")
    queries.append(f"CONSTRUCT {{ ?x ?y ?z }} {{ SERVICE <{url}> {pattern} }}")
    return queries


def _ask_each(store: OxigraphStore, queries: list[str]) -> list[tuple[str, bool]]:
    """Each query's outcome (answered, or the refusal) and whether the canary was called."""

    async def work(store: OxigraphStore) -> list[tuple[str, bool]]:
        outcomes = []
        for query in queries:
            _Recorder.seen.clear()
            fmt = formats.by_name("ntriples") if query.startswith("CONSTRUCT") else JSON
            try:
                await store.query(QueryRequest.of(query, format=fmt, timeout=10, max_rows=10))
                outcome = "answered"
            except BadRequest as exc:
                outcome = exc.detail
            outcomes.append((outcome, bool(_Recorder.seen)))
        return outcomes

    return _run(store, work)


def test_a_sealed_worker_reaches_no_canary_whatever_the_spelling(canary: str) -> None:
    queries = _spellings(canary)
    assert len(queries) > 80
    # the control: which spellings reach the canary through a worker allowed the network
    open_worker = OxigraphStore.from_file(FIXTURE, workers=1, limits=WorkerLimits(network=True))
    reaching = [
        query
        for query, (_, called) in zip(queries, _ask_each(open_worker, queries), strict=True)
        if called
    ]
    assert len(reaching) >= 20, "the canary should be reachable through an open worker"
    sealed = OxigraphStore.from_file(FIXTURE, workers=1)
    outcomes = _ask_each(sealed, queries)
    assert not any(called for _, called in outcomes)
    refused = "SERVICE is not allowed: queries on this endpoint reach no network"
    by_query = dict(zip(queries, (outcome for outcome, _ in outcomes), strict=True))
    for query in reaching:  # SILENT turns the failure into an empty answer, as it should
        assert by_query[query] == ("answered" if "SILENT" in query else refused), query


def test_a_worker_with_network_reaches_the_canary(canary: str) -> None:
    # the same query through a worker allowed the network: shows the canary would notice
    store = OxigraphStore.from_file(FIXTURE, workers=1, limits=WorkerLimits(network=True))
    query = f"SELECT * {{ SERVICE SILENT <{canary}> {{ ?s ?p ?o }} }}"
    assert _ask_each(store, [query]) == [("answered", True)]


def test_nesting_past_the_parser_is_refused_not_crashed() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=1)
    deep = "SELECT * " + "{" * 5000 + "}" * 5000

    async def work(store: OxigraphStore) -> str:
        with pytest.raises(BadRequest) as refused:
            await store.query(QueryRequest.of(deep, format=JSON, timeout=10, max_rows=10))
        # and the store still answers
        answer = await store.query(QueryRequest.of("ASK {}", format=JSON, timeout=10, max_rows=10))
        assert b"true" in answer.body
        return refused.value.detail

    assert "deep" in _run(store, work)


def test_an_answer_past_the_byte_cap_is_refused_whole() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=1)
    query = "SELECT * { GRAPH ?g { ?s ?p ?o } }"

    async def work(store: OxigraphStore) -> None:
        whole = await store.query(QueryRequest.of(query, format=TSV, timeout=10, max_rows=100_000))
        assert len(whole.body) > 2_000
        with pytest.raises(AnswerTooLarge):
            await store.query(
                QueryRequest.of(query, format=TSV, timeout=10, max_rows=100_000, max_bytes=2_000)
            )
        # JSON is larger than the TSV it is written from: the cap holds on the final form too
        with pytest.raises(AnswerTooLarge):
            await store.query(
                QueryRequest.of(
                    query, format=JSON, timeout=10, max_rows=100_000, max_bytes=len(whole.body) + 10
                )
            )

    _run(store, work)


def test_a_query_past_its_memory_allowance_is_stopped() -> None:
    limits = WorkerLimits(memory_bytes=50_000_000)
    store = OxigraphStore.from_file(FIXTURE, workers=1, limits=limits)
    # each row holds a 1 MB string, and all of them are joined into one (300 MB here): an
    # ORDER BY of the rows was not enough, since reading the first rows of a sorted answer
    # took some 20 MB, in a worker now under and now over the allowance (a test of chance)
    hungry = (
        "SELECT (STRLEN(GROUP_CONCAT(?big)) AS ?length) { VALUES ?n { 1 2 3 4 5 6 7 8 9 10 } "
        '?s ?p ?o . BIND(CONCAT(STR(?s), STR(?n), STRUUID(), SUBSTR(STR(?o), 1, 0), "'
        + "x" * 200
        + '") AS ?seed) BIND(REPLACE(?seed, ".", "'
        + "y" * 5000
        + '") AS ?big) }'
    )

    async def work(store: OxigraphStore) -> str:
        with pytest.raises(WorkerStopped) as stopped:
            await store.query(
                QueryRequest.of(hungry, format=TSV, timeout=60, max_rows=10, max_bytes=10**10)
            )
        answer = await store.query(QueryRequest.of("ASK {}", format=JSON, timeout=10, max_rows=10))
        assert b"true" in answer.body
        return stopped.value.detail

    assert "MB" in _run(store, work)


def _zygote_pid() -> int:
    own = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == own and b"idmgraph.store.workers" in cmdline:
            return int(entry.name)
    raise AssertionError("no zygote found")


async def _until_dead(pid: int) -> None:
    """Wait until ``pid`` has exited (a zombie counts), then a moment for its children."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state in ("Z", "X"):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)


def test_the_store_restarts_a_killed_zygote() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=2)

    async def work(store: OxigraphStore) -> list[str]:
        await store.probe(timeout=5)
        zygote = _zygote_pid()
        os.kill(zygote, signal.SIGKILL)
        await _until_dead(zygote)  # and its workers with it (they die with their parent)
        seen = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                await store.probe(timeout=2)
                seen.append("ready")
                break
            except ServiceUnavailable as exc:
                seen.append(type(exc).__name__)
                await asyncio.sleep(0.2)
        # a fresh, uncached query is evaluated again
        answer = await store.query(
            QueryRequest.of(
                f"ASK {{ <urn:{time.time()}> ?p ?o }}", format=JSON, timeout=5, max_rows=1
            )
        )
        assert b"false" in answer.body
        return seen

    seen = _run(store, work)
    assert seen[-1] == "ready"
    assert len(seen) > 1  # it did notice
