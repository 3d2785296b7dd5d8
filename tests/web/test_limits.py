"""Bounded requests on a real server: request heads, Accept, nesting, fair workers, health.

The fairness and health tests run their own server (they kill its zygote or fill its workers),
so the shared endpoint of the other tests is never disturbed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from idmgraph.base.settings import Settings
from idmgraph.store.backends import fair_share
from idmgraph.store.cached import CachedStore
from idmgraph.store.embedded import OxigraphStore
from idmgraph.web.app import create_app
from tests.remoteserver import dataset_store, is_remote
from tests.web.conftest import FIXTURE, Endpoint
from tests.web.running import running

# far more work than any timeout here allows: holds a worker until it is stopped
HEAVY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"


def _raw(base: str, head: bytes) -> bytes:
    """Send a raw request head; the first bytes of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        # the server may close while we still send: its answer is already there
        with contextlib.suppress(OSError):
            connection.sendall(head)
        return connection.recv(200)


def test_a_huge_header_is_refused_431(endpoint: Endpoint) -> None:
    head = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: " + b"a" * 2_000_000
    assert _raw(endpoint.base, head + b"\r\n\r\n").startswith(b"HTTP/1.1 431")
    # and the server goes on serving
    assert httpx.get(endpoint.url, params={"query": "ASK {}"}).status_code == 200


def test_too_many_header_fields_are_refused_431(endpoint: Endpoint) -> None:
    fields = b"".join(b"X-F%d: 1\r\n" % index for index in range(500))
    head = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n"
    assert _raw(endpoint.base, head).startswith(b"HTTP/1.1 431")


def test_a_request_within_the_limits_passes(endpoint: Endpoint) -> None:
    fields = {f"X-F{index}": "1" * 100 for index in range(50)}
    response = httpx.get(endpoint.url, params={"query": "ASK {}"}, headers=fields)
    assert response.status_code == 200


def test_a_long_accept_header_is_not_echoed(client: httpx.Client) -> None:
    accept = ", ".join(f"x/y{index}" for index in range(5_000))
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": accept})
    assert response.status_code == 406
    assert len(response.text) < 2_000


def test_deep_nesting_is_refused_400(client: httpx.Client) -> None:
    response = client.post(
        "/sparql",
        content="SELECT * " + "{" * 5000 + "}" * 5000,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400
    assert "deep" in response.json()["detail"]


@pytest.mark.parametrize("glue", ["1", "-1", '"x"', "?o ."])
def test_service_glued_to_a_token_is_refused_400(
    client: httpx.Client, endpoint: Endpoint, glue: str
) -> None:
    endpoint.blocked.requests.clear()
    query = f"SELECT ?x {{ ?s ?p {glue}SERVICE <{endpoint.blocked.url}> {{ ?x ?y ?z }} }} LIMIT 1"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    time.sleep(0.05)
    assert endpoint.blocked.requests == []


@pytest.fixture(scope="module")
def own_server() -> Iterator[str]:
    settings = Settings(
        query_timeout=3.0, query_workers=2, client_share=1, client_queue=4, warm_pages=False
    )
    store = OxigraphStore.from_file(FIXTURE, workers=2, fairness=fair_share(settings))
    with running(create_app(settings, CachedStore(store))) as base:
        yield base


def _client(address: str) -> httpx.Client:
    # every 127.x.y.z address is this machine: each client gets an address of its own
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(transport=transport, timeout=30)


@pytest.mark.skipif(is_remote(), reason="about the embedded store's workers")
def test_one_client_cannot_take_every_worker(own_server: str) -> None:
    url = own_server + "/sparql"
    with (
        _client("127.0.0.2") as greedy,
        _client("127.0.0.3") as polite,
        ThreadPoolExecutor(4) as pool,
    ):
        heavy = [
            pool.submit(greedy.get, url, params={"query": HEAVY + f" # {n}"}) for n in range(3)
        ]
        time.sleep(0.5)
        answer = polite.get(url, params={"query": f"ASK {{ <urn:{time.time()}> ?p ?o }}"})
        # the greedy client's heavy queries hold one worker, in turn, never both
        assert answer.status_code == 200
        assert not any(future.done() for future in heavy)
        statuses = [future.result().status_code for future in heavy]
    assert statuses == [503, 503, 503]


@pytest.mark.skipif(is_remote(), reason="about the embedded store's workers")
def test_a_full_client_queue_is_answered_503_with_retry_after(own_server: str) -> None:
    url = own_server + "/sparql"
    with _client("127.0.0.4") as greedy, ThreadPoolExecutor(8) as pool:
        futures = [
            pool.submit(greedy.get, url, params={"query": HEAVY + f" # q{n}", "timeout": "3"})
            for n in range(8)
        ]
        answers = [future.result() for future in futures]
    busy = [answer for answer in answers if answer.json().get("title") == "Busy"]
    assert busy, [answer.status_code for answer in answers]
    assert all(answer.status_code == 503 and answer.headers["Retry-After"] for answer in busy)


def _zygote_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == os.getpid() and b"idmgraph.store.workers" in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(is_remote(), reason="about the embedded store's workers")
def test_health_tells_when_queries_cannot_run_and_the_store_heals() -> None:
    others = set(_zygote_pids())
    with (
        dataset_store(FIXTURE, workers=1) as store,
        running(create_app(Settings(warm_pages=False), CachedStore(store))) as base,
    ):
        ready = httpx.get(base + "/health")
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")
        before = set(_zygote_pids()) - others  # this server's zygote alone
        assert len(before) == 1
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        statuses = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = httpx.get(base + "/health")
            statuses.append(answer.status_code)
            if answer.status_code == 200 and 503 in statuses:
                break
            time.sleep(0.1)
        assert statuses[-1] == 200
        assert 503 in statuses  # it did say so while the engine restarted
        assert set(_zygote_pids()).isdisjoint(before)
        fresh = httpx.get(
            base + "/sparql", params={"query": f"ASK {{ <urn:{time.time()}> ?p ?o }}"}
        )
        assert fresh.status_code == 200


def test_health_answers_ready_on_the_shared_endpoint(endpoint: Endpoint) -> None:
    answer = httpx.get(endpoint.base + "/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "release": endpoint.store.version}
    assert answer.headers["cache-control"] == "no-store"


@pytest.fixture(scope="module")
def impatient_server() -> Iterator[str]:
    settings = Settings(
        head_timeout=0.5, body_timeout=0.5, query_timeout=2.0, query_workers=1, warm_pages=False
    )
    with (
        dataset_store(FIXTURE, workers=1, query_timeout=settings.query_timeout) as store,
        running(create_app(settings, CachedStore(store))) as base,
    ):
        yield base


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_head_sent_too_slowly_is_answered_408_and_closed(impatient_server: str) -> None:
    with _connect(impatient_server) as connection:
        connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        answer = _read_all(connection)  # the server closes: recv ends
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 8


def test_a_connection_that_sends_nothing_is_closed(impatient_server: str) -> None:
    with _connect(impatient_server) as connection:
        assert _read_all(connection) == b""


def test_the_next_head_on_a_kept_alive_connection_is_timed_too(impatient_server: str) -> None:
    with _connect(impatient_server) as connection:
        connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n")
        first = connection.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n")
        assert b"HTTP/1.1 408" in _read_all(connection)


def _slow_post(connection: socket.socket, path: str, body: bytes) -> None:
    """Send a whole head announcing ``body``, then only the first half of it."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/sparql-query\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    connection.sendall(head.encode("ascii") + body[: len(body) // 2])


def test_a_body_sent_too_slowly_is_answered_408_and_closed(
    impatient_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with _connect(impatient_server) as connection:
        _slow_post(connection, "/sparql", b"ASK { ?s ?p ?o }")
        started = time.monotonic()
        answer = _read_all(connection)  # the server closes: recv ends
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"request body took longer" in answer
    assert time.monotonic() - started < 8
    time.sleep(0.2)  # the application, told the client left, ends its request quietly
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_a_body_trickling_after_an_early_answer_is_cut_off(impatient_server: str) -> None:
    # the application answers 404 without reading the body; the rest comes a byte at a time,
    # each byte keeping the connection alive until the body's own deadline
    answer, closed = b"", False
    with _connect(impatient_server) as connection:
        _slow_post(connection, "/no-such-page", b"x" * 4096)
        connection.settimeout(0.2)
        started = time.monotonic()
        while not closed and time.monotonic() - started < 8:
            try:
                chunk = connection.recv(65536)
                answer, closed = answer + chunk, not chunk
            except TimeoutError:
                with contextlib.suppress(OSError):
                    connection.sendall(b"x")
    assert answer.startswith(b"HTTP/1.1 404")
    assert b"HTTP/1.1 408" not in answer
    assert closed


def test_a_body_sent_at_once_is_read(impatient_server: str) -> None:
    answer = httpx.post(
        impatient_server + "/sparql",
        content=b"ASK { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True


def test_a_slow_answer_is_not_cut_by_the_head_timeout(impatient_server: str) -> None:
    # the head is whole at once; the query then runs past head_timeout until its own deadline
    answer = httpx.get(impatient_server + "/sparql", params={"query": HEAVY}, timeout=30)
    assert answer.status_code == 503
    assert "Retry-After" in answer.headers
