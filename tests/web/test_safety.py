"""Hard to abuse: SERVICE reaches only the allow-list, results and bodies are capped, and a
runaway query is stopped (503) without holding up other requests or burning a core."""

from __future__ import annotations

import csv
import io
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.remoteserver import is_remote
from tests.web.conftest import MAX_BYTES, MAX_ROWS, QUERY_TIMEOUT, Endpoint

RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
)

BLOCKED_QUERIES = [
    "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX c: <{base}> SELECT * {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
    "SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    'SELECT * {{ BIND("}}" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}',
    "SELECT * {{ # a comment ends at the line end\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ ?s ?p ?o . FILTER(?s<?o)SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
]


BLOCKED_IDS = [
    "iri",
    "lowercase-silent",
    "prefixed-name",
    "variable",
    "brace-in-string",
    "after-comment",
    "operator-not-iri",
    "unicode-escape",
    "nested",
]


@pytest.mark.parametrize("template", BLOCKED_QUERIES, ids=BLOCKED_IDS)
def test_service_outside_the_allowlist_reaches_nothing(
    client: httpx.Client, endpoint: Endpoint, template: str
) -> None:
    endpoint.blocked.requests.clear()
    url = endpoint.blocked.url
    query = template.format(url=url, base=url.removesuffix("sparql"))
    response = client.get("/sparql", params={"query": query})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    time.sleep(0.05)
    assert endpoint.blocked.requests == []


def test_service_on_the_allowlist_is_called(client: httpx.Client, endpoint: Endpoint) -> None:
    endpoint.blocked.requests.clear()
    query = f"SELECT ?remote {{ SERVICE <{endpoint.allowed.url}> {{ ?s ?p ?remote }} }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    assert [row["remote"]["value"] for row in bindings] == ["canary"]
    assert endpoint.allowed.requests
    assert endpoint.blocked.requests == []


def test_service_description_names_federation_only_with_an_allowlist(client: httpx.Client) -> None:
    assert "BasicFederatedQuery" in client.get("/sparql").text


CROSS = "SELECT * { ?a ?b ?c . ?d ?e ?f }"


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_row_cap_cuts_and_says_so(client: httpx.Client, accept: str) -> None:
    response = client.get("/sparql", params={"query": CROSS}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["results-truncated"] == f"max-rows={MAX_ROWS}"
    if accept == "text/csv":
        assert len(list(csv.reader(io.StringIO(response.text)))) == MAX_ROWS + 1
    else:
        assert len(response.json()["results"]["bindings"]) == MAX_ROWS


def test_row_cap_cuts_graphs_too(client: httpx.Client) -> None:
    query = "CONSTRUCT { ?a ?b ?d } WHERE { ?a ?b ?c . ?d ?e ?f }"
    response = client.get(
        "/sparql", params={"query": query}, headers={"accept": "application/n-triples"}
    )
    assert response.headers["results-truncated"] == f"max-rows={MAX_ROWS}"
    assert len(response.text.strip().splitlines()) == MAX_ROWS


def test_answers_within_the_cap_carry_no_truncation_header(
    client: httpx.Client, endpoint: Endpoint
) -> None:
    response = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    assert endpoint.store.triple_count() < MAX_ROWS
    assert len(response.json()["results"]["bindings"]) == endpoint.store.triple_count()
    assert "results-truncated" not in response.headers


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize(
    "content_type", ["application/sparql-query", "application/x-www-form-urlencoded"]
)
def test_large_bodies_are_refused(client: httpx.Client, chunked: bool, content_type: str) -> None:
    prefix = "query=" if content_type.endswith("urlencoded") else ""
    body = (prefix + "ASK {} #" + "x" * MAX_BYTES).encode()
    content = iter([body[:1000], body[1000:]]) if chunked else body
    response = client.post("/sparql", content=content, headers={"content-type": content_type})
    assert response.status_code == 413
    assert response.json()["status"] == 413


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_pids() -> list[int]:
    """Processes forked by the zygotes this test process started."""
    me = str(os.getpid())
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]

    def parent(pid: int) -> str:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return ""
        return next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))

    zygotes = {str(pid) for pid in pids if parent(pid) == me}
    return [pid for pid in pids if parent(pid) in zygotes]


def test_runaway_query_is_stopped_while_others_are_served(endpoint: Endpoint) -> None:
    with httpx.Client(base_url=endpoint.base, timeout=30) as probe, ThreadPoolExecutor(1) as pool:
        probe.get("/sparql", params={"query": "ASK {}"})  # open the connection beforehand
        started = time.monotonic()
        runaway = pool.submit(httpx.get, endpoint.url, params={"query": RUNAWAY}, timeout=30)
        time.sleep(0.5)
        ask = f"ASK {{ <urn:probe:{uuid.uuid4()}> ?p ?o }}"  # fresh: no cache can answer it
        asked = time.monotonic()
        answer = probe.get("/sparql", params={"query": ask})
        assert time.monotonic() - asked < 0.1
        assert answer.json()["boolean"] is False
        response = runaway.result()
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Query timeout"
    assert QUERY_TIMEOUT - 0.1 < elapsed < QUERY_TIMEOUT + 1


def _states(pid: int) -> set[str]:
    """The scheduler state of every thread of a process (a worker evaluates in a thread)."""
    states = set()
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            states.add(stat.read_text().rsplit(")", 1)[1].split()[0])
        except OSError:
            states.add("gone")
    return states or {"gone"}


def _sample_states(seconds: float) -> list[set[str]]:
    """The scheduler states of every worker thread, sampled every 50 ms (load-independent)."""
    samples = []
    for _ in range(int(seconds / 0.05)):
        samples.append(set().union(*(_states(pid) for pid in _worker_pids())))
        time.sleep(0.05)
    return samples


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.skipif(
    is_remote(),
    reason="about the embedded store's worker processes; the remote store's own time limit "
    "(oxigraph serve --timeout-s, Virtuoso MaxQueryExecutionTime) stops an abandoned query there",
)
def test_a_stopped_query_burns_no_core(endpoint: Endpoint) -> None:
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(
            httpx.get, endpoint.url, params={"query": RUNAWAY, "timeout": "1"}, timeout=30
        )
        time.sleep(0.2)
        # "R": running or waiting for a core; a busy machine may delay it, never put it to sleep
        assert any("R" in states for states in _sample_states(0.5))
        assert runaway.result().status_code == 503
    time.sleep(0.2)
    idle = {pid: _cpu_seconds(pid) for pid in _worker_pids()}
    assert idle
    # every worker left waits for a job ("S"); none is still evaluating the stopped query
    assert all(states <= {"S", "gone"} for states in _sample_states(0.5))
    assert all(_cpu_seconds(pid) - before < 0.05 for pid, before in idle.items() if _alive(pid))


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_a_request_may_lower_the_timeout(endpoint: Endpoint) -> None:
    started = time.monotonic()
    response = httpx.get(endpoint.url, params={"query": RUNAWAY, "timeout": "0.5"}, timeout=30)
    assert response.status_code == 503
    assert time.monotonic() - started < 1.5


def test_a_request_cannot_raise_the_timeout(endpoint: Endpoint) -> None:
    started = time.monotonic()
    response = httpx.get(endpoint.url, params={"query": RUNAWAY, "timeout": "600"}, timeout=30)
    assert response.status_code == 503
    assert time.monotonic() - started < QUERY_TIMEOUT + 1


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan"])
def test_bad_timeouts_are_refused(client: httpx.Client, value: str) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", "timeout": value})
    assert response.status_code == 400


def test_workers_recover_after_stopped_queries(endpoint: Endpoint) -> None:
    with ThreadPoolExecutor(4) as pool:
        queries = [f"ASK {{ <urn:after:{uuid.uuid4()}> ?p ?o }}" for _ in range(8)]
        answers = list(pool.map(lambda q: httpx.get(endpoint.url, params={"query": q}), queries))
    assert [a.status_code for a in answers] == [200] * 8
