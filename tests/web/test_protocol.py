"""Our own tests written from the W3C SPARQL 1.1 Protocol test manifest
(w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), for a read-only endpoint: every query
test keeps its request shape and expectation; every update test expects a refusal (4xx) that
changes nothing. The test names follow the manifest's entries.
"""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import BASE, REPORT, ROADMAP

X1001 = f"<{BASE}id/rec/X.1001>"
X1003 = f"<{BASE}id/rec/X.1003>"  # only in the roadmap graph
BOTH_TYPED = f"ASK {{ {X1001} a ?type . {X1003} a ?type . }}"
BOTH_NAMED = f"ASK {{ GRAPH ?g1 {{ {X1001} a ?type }} GRAPH ?g2 {{ {X1003} a ?type }} }}"
FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}


def boolean(response: httpx.Response) -> bool:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    answer: bool = response.json()["boolean"]
    return answer


def test_query_get(client: httpx.Client) -> None:
    assert boolean(client.get("/sparql/", params={"query": "ASK {}"})) is True


def test_query_post_form(client: httpx.Client) -> None:
    response = client.post(
        "/sparql/", params={"default-graph-uri": REPORT}, content="query=ASK%20%7B%7D", headers=FORM
    )
    assert boolean(response) is True


def test_query_post_direct(client: httpx.Client) -> None:
    assert boolean(client.post("/sparql/", content="ASK {}", headers=DIRECT)) is True


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_default_graphs(client: httpx.Client, method: str) -> None:
    both = (("default-graph-uri", REPORT), ("default-graph-uri", ROADMAP))
    one = (("default-graph-uri", REPORT),)
    for graphs, expected in ((both, True), (one, False)):
        if method == "GET":
            response = client.get("/sparql/", params=[("query", BOTH_TYPED), *graphs])
        else:
            response = client.post("/sparql/", params=graphs, content=BOTH_TYPED, headers=DIRECT)
        assert boolean(response) is expected


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_named_graphs(client: httpx.Client, method: str) -> None:
    named = (("named-graph-uri", REPORT), ("named-graph-uri", ROADMAP))
    if method == "GET":
        response = client.get("/sparql/", params=[("query", BOTH_NAMED), *named])
    else:
        response = client.post("/sparql/", params=named, content=BOTH_NAMED, headers=DIRECT)
    assert boolean(response) is True
    # with only named graphs given, the default graph is empty
    empty = client.get("/sparql", params=[("query", "ASK { ?s ?p ?o }"), *named])
    assert boolean(empty) is False
    only_report = (("named-graph-uri", REPORT),)
    assert boolean(client.get("/sparql", params=[("query", BOTH_NAMED), *only_report])) is False


def test_query_dataset_full(client: httpx.Client) -> None:
    query = f"ASK {{ {X1001} a ?type . GRAPH ?g {{ {X1003} a ?type }} }}"
    params = (("query", query), ("default-graph-uri", REPORT), ("named-graph-uri", ROADMAP))
    assert boolean(client.get("/sparql", params=params)) is True
    swapped = (("query", query), ("default-graph-uri", ROADMAP), ("named-graph-uri", REPORT))
    assert boolean(client.get("/sparql", params=swapped)) is False


def test_query_multiple_dataset(client: httpx.Client) -> None:
    # the query names the roadmap graph; the protocol's dataset (the report) takes precedence
    query = f"ASK FROM <{ROADMAP}> {{ {X1003} a ?type }}"
    assert boolean(client.get("/sparql", params={"query": query})) is True
    overridden = client.get("/sparql", params={"query": query, "default-graph-uri": REPORT})
    assert boolean(overridden) is False


def test_query_from_clause_is_not_widened_by_the_union_default_graph(client: httpx.Client) -> None:
    query = f"ASK FROM <{REPORT}> {{ {X1003} a ?type }}"
    assert boolean(client.get("/sparql", params={"query": query})) is False


def test_default_graph_is_the_union_of_all_graphs(client: httpx.Client) -> None:
    assert boolean(client.get("/sparql", params={"query": BOTH_TYPED})) is True


@pytest.mark.parametrize(
    ("query", "media_types"),
    [
        ("SELECT (1 AS ?value) {}", ("application/sparql-results+json",)),
        ("ASK {}", ("application/sparql-results+json",)),
        (f"DESCRIBE {X1001}", ("text/turtle",)),
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", ("text/turtle",)),
    ],
    ids=["select", "ask", "describe", "construct"],
)
def test_query_content_type(client: httpx.Client, query: str, media_types: tuple[str, ...]) -> None:
    response = client.post(
        "/sparql/", params={"default-graph-uri": REPORT}, content=query, headers=DIRECT
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] in media_types
    assert response.content


def test_relative_iris_resolve_against_the_base_iri(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"})
    assert f"<{BASE}s>" in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_query_method(client: httpx.Client, method: str) -> None:
    response = client.request(
        method, "/sparql/", params={"query": "ASK {}", "default-graph-uri": REPORT}, headers=FORM
    )
    assert 400 <= response.status_code < 500


def test_bad_multiple_queries(client: httpx.Client) -> None:
    response = client.get("/sparql/", params=[("query", "ASK {}"), ("query", "SELECT * {}")])
    assert response.status_code == 400
    both = client.post("/sparql", params={"query": "ASK {}"}, content="ASK {}", headers=DIRECT)
    assert both.status_code == 400


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        ("ASK {}", {"content-type": "text/plain"}),  # bad_query_wrong_media_type
        ("query=ASK%20%7B%7D", {}),  # bad_query_missing_form_type
        ("ASK {}", {}),  # bad_query_missing_direct_type
        ("ASK {}", {"content-type": "application/sparql-query; charset=UTF-16"}),  # non_utf8
    ],
    ids=["wrong_media_type", "missing_form_type", "missing_direct_type", "non_utf8"],
)
def test_bad_query_post(client: httpx.Client, content: str, headers: dict[str, str]) -> None:
    response = client.post("/sparql/", content=content, headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"


def test_bad_query_non_utf8_body(client: httpx.Client) -> None:
    response = client.post("/sparql", content="ASK {}".encode("utf-16"), headers=DIRECT)
    assert response.status_code == 400


def test_bad_query_syntax(client: httpx.Client) -> None:
    response = client.get("/sparql/", params={"query": "ASK {"})
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert (problem["status"], problem["line"], problem["column"]) == (400, 1, 6)


INSERT = f"INSERT DATA {{ GRAPH <{REPORT}> {{ <urn:x:s> <urn:x:p> <urn:x:o> }} }}"
INSERTED = "ASK { <urn:x:s> <urn:x:p> <urn:x:o> }"


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", "/sparql/", {"update": INSERT}, None, {}),  # bad_update_get
        ("POST", "/sparql/", None, {"update": INSERT}, {}),  # update_post_form
        ("POST", "/sparql/", None, INSERT, {"content-type": "application/sparql-update"}),
        ("POST", "/sparql/", {"using-graph-uri": REPORT}, INSERT, DIRECT),
        ("GET", "/sparql", {"query": INSERT}, None, {}),
        ("POST", "/sparql", None, INSERT, DIRECT),
        ("POST", "/sparql", None, f"LOAD <{BASE}> INTO GRAPH <{REPORT}>", DIRECT),
        ("POST", "/anything", None, INSERT, {"content-type": "application/sparql-update"}),
        ("GET", "/anything", {"update": INSERT}, None, {}),
    ],
    ids=[
        "update_get",
        "update_post_form",
        "update_post_direct",
        "update_dataset",
        "update_as_query",
        "update_as_direct_query",
        "load",
        "update_other_route",
        "update_get_other_route",
    ],
)
def test_updates_are_refused_and_change_nothing(
    client: httpx.Client,
    request_: tuple[str, str, dict[str, str] | None, dict[str, str] | str | None, dict[str, str]],
) -> None:
    method, path, params, body, headers = request_
    if isinstance(body, dict):
        response = client.request(method, path, params=params, data=body, headers=headers)
    else:
        response = client.request(method, path, params=params, content=body, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["title"] == "Read-only endpoint"
    assert boolean(client.get("/sparql", params={"query": INSERTED})) is False
