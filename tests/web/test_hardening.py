"""Safe to put on the internet (issue 11): each defect an attacker found, as a test against a
real server. The fairness load test is in test_load.py.

The servers get their settings as IDMGRAPH_* variables: ``max_answer_bytes`` (the byte cap of
one answer) and ``worker_memory_mb`` (what a query worker may allocate beyond the store) among
them. ``/health`` answers 200 when queries can be answered and 503 with Retry-After when they
cannot.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmgraph.pipeline.release import Release
from tests.web.abuse import (
    HOSTILE,
    QUERY_BODY,
    Hostile,
    Served,
    freeze_probe,
    served,
    served_for_tests,
    skip_on_remote,
)
from tests.web.conftest import Canary, Endpoint

PROBLEM = "application/problem+json"
QUERY_TIMEOUT = 3.0
MAX_REQUEST_BYTES = 1_000_000  # the default: the hostile bodies all fit under it
MAX_ANSWER_BYTES = 1_000_000
WORKER_MEMORY_MB = 128
SETTINGS = {
    "query_timeout": str(QUERY_TIMEOUT),
    "max_request_bytes": str(MAX_REQUEST_BYTES),
    "max_answer_bytes": str(MAX_ANSWER_BYTES),
    "worker_memory_mb": str(WORKER_MEMORY_MB),
    "query_workers": "2",
}


@pytest.fixture(scope="module")
def hardened(
    repository_release: Release, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``idmgraph serve`` in its own process over the repository's release."""
    with served_for_tests(repository_release, tmp_path_factory, "hardened", SETTINGS) as server:
        yield server


@pytest.fixture
def fresh(repository_release: Release, tmp_path: Path) -> Iterator[Served]:
    """A server of its own, for a test that may wedge or break it."""
    skip_on_remote()
    with served(repository_release, log=tmp_path / "server.log", settings=SETTINGS) as server:
        yield server


def fresh_ask() -> str:
    """A query no cache has seen: it must be evaluated."""
    return f"ASK {{ <urn:hardening:{uuid.uuid4()}> ?p ?o }}"


# 1. SERVICE spelled in every way the lexer could read differently from Oxigraph.

# What may stand right before SERVICE, inside a group pattern: name -> text.
GLUES = {
    "integer": "?s ?p 1",
    "negative": "?s ?p -1",
    "positive": "?s ?p +1",
    "decimal": "?s ?p 1.5",
    "double": "?s ?p 1e3",
    "string": '?s ?p "s"',
    "single-quoted": "?s ?p 's'",
    "long-string": '?s ?p """s"""',
    "language": '?s ?p "s"@en',
    "typed": '?s ?p "s"^^<urn:t>',
    "iri": "?s ?p <urn:x>",
    "variable": "?s ?p ?o",
    "dollar-variable": "?s ?p $o",
    "boolean": "?s ?p true",
    "prefixed": "?s ?p ex:a",
    "blank-node": "?s ?p _:b",
    "anonymous": "?s ?p []",
    "collection": "?s ?p (1)",
    "filter": "FILTER(?s)",
    "bind": "BIND(1 AS ?b)",
    "group": "{}",
    "optional": "OPTIONAL {}",
    "dot": "?s ?p ?o .",
    "comma": "?s ?p ?o ,",
    "comment": "#x\n",
    "comment-naming-service": "# SERVICE <urn:nowhere>\n",
    "nothing": "",
}
SPELLINGS = {
    "upper": "SERVICE",
    "lower": "service",
    "mixed": "SeRvIcE",
    "escaped-first": "\\u0053ERVICE",
    "escaped-long": "\\U00000053ERVICE",
    "escaped-last-lower": "servic\\u0065",
}
SEPARATORS = {"glued": "", "space": " "}
SILENT = ("", "SILENT ", "silent ")
# the blocked canary's URL as an IRI, a prefixed name, a variable bound to it, escaped
# (placeholders are replaced, never str.format-ted: glues hold braces)
TARGETS = ("<{url}>", "ex:sparql", "?e", "<{escaped}>")


def _service_queries() -> list[tuple[str, str]]:
    """(id, template) for every glue, spelling and separator; SILENT and the way the target
    is written take turns, so each is met with many glues."""
    found = []
    combinations = itertools.product(GLUES.items(), SPELLINGS.items(), SEPARATORS.items())
    for index, ((glue, before), (spelling, keyword), (joint, space)) in enumerate(combinations):
        silent = SILENT[index % len(SILENT)]
        target = TARGETS[index // len(SILENT) % len(TARGETS)]
        text = (
            "PREFIX ex: <{base}> SELECT * { VALUES ?e { <{url}> } "
            + f"{before}{space}{keyword} {silent}{target} {{ ?x ?y ?z }} }} LIMIT 1"
        )
        found.append((f"{glue}-{joint}-{spelling}", text))
    return found


SERVICE_QUERIES = _service_queries()


def test_the_service_family_is_generated() -> None:
    assert len(SERVICE_QUERIES) == len(GLUES) * len(SPELLINGS) * len(SEPARATORS)
    assert any("1SERVICE <{url}>" in text for _, text in SERVICE_QUERIES)


@pytest.mark.parametrize(
    "template", [text for _, text in SERVICE_QUERIES], ids=[name for name, _ in SERVICE_QUERIES]
)
def test_no_spelling_of_service_reaches_the_network(
    client: httpx.Client, endpoint: Endpoint, template: str
) -> None:
    url = endpoint.blocked.url
    escaped = url.replace(":", "\\u003A", 1)
    query = (
        template.replace("{escaped}", escaped)
        .replace("{base}", url.removesuffix("sparql"))
        .replace("{url}", url)
    )
    endpoint.blocked.requests.clear()
    response = client.post("/sparql", content=query.encode(), headers=QUERY_BODY)
    # the canary answers before Oxigraph's SERVICE call returns: no wait is needed
    assert endpoint.blocked.requests == [], query
    assert 400 <= response.status_code < 500, (query, response.status_code)
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("glue", ["1", "2"])
def test_the_reported_spelling_reaches_nothing(
    hardened: Served, canaries: tuple[Canary, Canary], glue: str
) -> None:
    """The attacker's query, on data that holds the number (the release has 1 and 2), so
    that the pattern before SERVICE matches and Oxigraph does call the target."""
    blocked, _allowed = canaries
    query = f"SELECT ?x {{ ?s ?p {glue}SERVICE <{blocked.url}> {{ ?x ?y ?z }} }} LIMIT 1"
    blocked.requests.clear()
    response = httpx.get(hardened.base + "/sparql", params={"query": query}, timeout=30)
    assert blocked.requests == []
    assert response.status_code == 400


# 2. One request must not freeze the server for everyone else.


@pytest.mark.parametrize("hostile", HOSTILE, ids=[hostile.name for hostile in HOSTILE])
def test_a_hostile_request_is_refused_while_others_are_served(
    fresh: Served, hostile: Hostile
) -> None:
    found = freeze_probe(fresh.base, hostile, budget=10)
    # generous against the 100 ms target: on the code of the issue the probe waits 4-300 s
    assert found.probe_seconds < 1.0, found
    # an answer, or a connection dropped at once: refused either way
    assert found.hostile_status in (0, 400, 413, 431), found
    assert found.hostile_seconds < 5, found
    assert found.hostile_bytes < 10_000, "the hostile request is echoed back"


@pytest.mark.parametrize(
    ("name", "size"), [("accept", 1_000_000), ("x-padding", 20_000_000)], ids=["1MB", "20MB"]
)
def test_huge_headers_are_refused(hardened: Served, name: str, size: int) -> None:
    try:
        response = httpx.get(
            hardened.base + "/sparql",
            params={"query": "ASK {}"},
            headers={name: "a" * size},
            timeout=30,
        )
    except (httpx.RemoteProtocolError, httpx.WriteError, httpx.ReadError):
        pass  # the server may drop such a connection rather than answer it
    else:
        assert response.status_code in (400, 413, 431)
        assert len(response.content) < 10_000
    # and the server is still there for everyone else
    assert httpx.get(hardened.base + "/sparql", params={"query": fresh_ask()}).status_code == 200


# 4. A dead zygote: queries recover, or the server exits; /health says so meanwhile.


def _status(base: str, path: str, **params: str) -> httpx.Response | None:
    try:
        return httpx.get(base + path, params=params, timeout=QUERY_TIMEOUT + 5)
    except httpx.TransportError:
        return None


def test_health_is_ready_when_queries_are_answered(hardened: Served) -> None:
    health = httpx.get(hardened.base + "/health")
    assert health.status_code == 200
    assert "no-store" in health.headers.get("cache-control", "")


def test_queries_recover_when_the_zygote_is_killed(fresh: Served) -> None:
    zygote = fresh.zygote()
    assert zygote is not None, "no child process runs -m idmgraph.store.workers"
    os.kill(zygote, signal.SIGKILL)
    deadline = time.monotonic() + 30
    recovered = False
    while time.monotonic() < deadline and fresh.process.poll() is None:
        # /health first: the server only goes from broken to mended, so a query failing
        # after /health said ready means /health lied
        health = _status(fresh.base, "/health")
        answer = _status(fresh.base, "/sparql", query=fresh_ask())
        if answer is not None and answer.status_code == 200:
            recovered = True
            break
        if answer is not None:
            assert answer.status_code == 503, answer.text
            assert "retry-after" in answer.headers
        if health is not None:
            assert health.status_code == 503, "/health said ready, then a query failed"
            assert "retry-after" in health.headers
        time.sleep(0.1)
    if fresh.process.poll() is not None:
        assert fresh.process.returncode != 0, "the server stopped as if all was well"
        return
    assert recovered, "uncached queries still fail 30 s after the zygote was killed"
    assert httpx.get(fresh.base + "/health").status_code == 200
    assert fresh.zygote() not in (None, zygote)


def test_cached_answers_do_not_hide_a_dead_zygote(fresh: Served) -> None:
    """The issue: a cached ASK {} answered 200 while every other query failed."""
    assert httpx.get(fresh.base + "/sparql", params={"query": "ASK {}"}).status_code == 200
    zygote = fresh.zygote()
    assert zygote is not None
    os.kill(zygote, signal.SIGKILL)
    time.sleep(QUERY_TIMEOUT + 1)
    if fresh.process.poll() is not None:
        assert fresh.process.returncode != 0
        return
    answer = httpx.get(fresh.base + "/sparql", params={"query": fresh_ask()}, timeout=30)
    health = httpx.get(fresh.base + "/health")
    assert (answer.status_code, health.status_code) in ((200, 200), (503, 503))


# 6. Memory stays bounded.


def _padded_ask(size: int) -> bytes:
    """A query of about ``size`` bytes that no cache has seen, cheap to evaluate."""
    head = f"ASK {{}} # {uuid.uuid4()} ".encode()
    return head + b"x" * (size - len(head))


def test_many_distinct_large_posts_do_not_grow_memory(hardened: Served) -> None:
    # answered, or refused as too long: either way nothing of them may stay behind
    accepted = (200, 400, 413)
    with httpx.Client(base_url=hardened.base, timeout=60, headers=QUERY_BODY) as client:
        for _ in range(20):  # warm up: allocator arenas, caches of small answers
            assert client.post("/sparql", content=_padded_ask(990_000)).status_code in accepted
        before = hardened.rss()
        for _ in range(300):
            assert client.post("/sparql", content=_padded_ask(990_000)).status_code in accepted
        grown = hardened.rss() - before
    # 300 bodies are 300 MB; the answer caches are allowed their 2 x 64 MB
    assert grown < 160_000_000, f"the server grew by {grown / 1e6:.0f} MB"


def _big_strings(rows: int, doublings: int) -> str:
    """SELECT of ``rows`` rows of a 16 x 2^doublings character string each."""
    binds = " ".join(
        f"BIND(CONCAT(?a{step}, ?a{step}) AS ?a{step + 1})" for step in range(doublings)
    )
    values = " ".join(str(n) for n in range(rows))
    return (
        f'SELECT ?i ?a{doublings} {{ VALUES ?i {{ {values} }} BIND("0123456789abcdef" AS ?a0) '
        f"{binds} }}"
    )


def test_an_answer_over_the_byte_cap_is_not_delivered(hardened: Served) -> None:
    query = _big_strings(rows=64, doublings=13)  # 64 rows of 128 kB: 8 MB of answer
    response = httpx.post(
        hardened.base + "/sparql",
        content=query.encode(),
        headers={**QUERY_BODY, "accept": "application/sparql-results+json"},
        timeout=60,
    )
    if response.status_code == 200:
        # cut, and said so
        assert "results-truncated" in response.headers, "8 MB delivered over a 1 MB cap"
        assert len(response.content) <= MAX_ANSWER_BYTES * 1.1
    else:
        assert 400 <= response.status_code < 600
        assert response.headers["content-type"] == PROBLEM
        assert len(response.content) < 10_000


def test_an_answer_under_the_byte_cap_is_whole(hardened: Served) -> None:
    query = _big_strings(rows=4, doublings=10)  # 4 rows of 16 kB
    response = httpx.post(
        hardened.base + "/sparql",
        content=query.encode(),
        headers={**QUERY_BODY, "accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert "results-truncated" not in response.headers
    assert len(response.json()["results"]["bindings"]) == 4


def test_a_query_over_the_worker_memory_limit_is_stopped(hardened: Served) -> None:
    # the strings ?a0 … ?a23 of one solution hold 268 MB (1.4 s on the code of the issue,
    # under the 3 s timeout); the answer is one small number
    binds = " ".join(f"BIND(CONCAT(?a{n}, ?a{n}) AS ?a{n + 1})" for n in range(23))
    query = f'SELECT (STRLEN(?a23) AS ?n) {{ BIND("0123456789abcdef" AS ?a0) {binds} }}'
    response = httpx.post(
        hardened.base + "/sparql", content=query.encode(), headers=QUERY_BODY, timeout=60
    )
    assert response.status_code != 200, "a worker held 268 MB of strings over a 128 MB limit"
    assert response.headers["content-type"] == PROBLEM
    if response.status_code == 503:
        assert "retry-after" in response.headers
    after = httpx.get(hardened.base + "/sparql", params={"query": fresh_ask()}, timeout=30)
    assert after.status_code == 200


# 9. What crashes the parser is the client's error: 400, and the server carries on.

PARSER_BREAKERS = {
    "nested-braces-5000": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "nested-parentheses-5000": "SELECT * { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
}
# Valid SPARQL that crashed a worker on the code of the issue (503 without Retry-After): it
# may be refused (400) or evaluated under the limits (503 with Retry-After when stopped).
HUGE_VALID = "SELECT * { " + "?s ?p ?o . " * 90_000 + "}"


def _post_query(base: str, query: str) -> httpx.Response:
    assert len(query.encode()) < MAX_REQUEST_BYTES
    return httpx.post(base + "/sparql", content=query.encode(), headers=QUERY_BODY, timeout=60)


@pytest.mark.parametrize("query", PARSER_BREAKERS.values(), ids=PARSER_BREAKERS.keys())
def test_queries_that_break_the_parser_are_bad_requests(hardened: Served, query: str) -> None:
    response = _post_query(hardened.base, query)
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    after = httpx.get(hardened.base + "/sparql", params={"query": fresh_ask()}, timeout=30)
    assert after.status_code == 200


def test_90000_triple_patterns_crash_nothing(hardened: Served) -> None:
    response = _post_query(hardened.base, HUGE_VALID)
    assert response.status_code in (400, 503), response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    if response.status_code == 503:
        assert "retry-after" in response.headers, response.text[:300]
    after = httpx.get(hardened.base + "/sparql", params={"query": fresh_ask()}, timeout=30)
    assert after.status_code == 200
