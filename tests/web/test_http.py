"""HTTP around the answers: negotiation, caching, CORS, HEAD, problems, service description."""

from __future__ import annotations

import httpx
import pyoxigraph
import pytest
import rdflib
from starlette.requests import Request

from idmgraph.base.settings import Settings
from idmgraph.web.description import public_base
from tests.web.conftest import Endpoint

SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/idmgraph/def/Recommendation> }"
CONSTRUCT = "CONSTRUCT WHERE { ?s a <https://w3id.org/idmgraph/def/Recommendation> }"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (SELECT, None, "application/sparql-results+json"),
        (SELECT, "*/*", "application/sparql-results+json"),
        (SELECT, "application/sparql-results+json;q=0.5, text/csv", "text/csv"),
        (SELECT, "text/*;q=0.9, application/sparql-results+xml;q=0.8", "text/csv"),
        (SELECT, "text/tab-separated-values, text/csv", "text/tab-separated-values"),
        (SELECT, "application/json", "application/sparql-results+json"),
        (SELECT, "application/sparql-results+xml, */*;q=0.1", "application/sparql-results+xml"),
        (CONSTRUCT, None, "text/turtle"),
        (CONSTRUCT, "application/n-triples", "application/n-triples"),
        (CONSTRUCT, "application/ld+json;q=1, text/turtle;q=0.4", "application/ld+json"),
        (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
        (CONSTRUCT, "application/n-quads", "application/n-quads"),
        (CONSTRUCT, "text/html, */*;q=0.1", "text/turtle"),
    ],
)
def test_content_negotiation(
    client: httpx.Client, query: str, accept: str | None, expected: str
) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected
    assert "accept" in {name.strip().lower() for name in response.headers["vary"].split(",")}


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "image/png"),
        (SELECT, "text/turtle"),
        (SELECT, "text/csv;q=0"),
        (CONSTRUCT, "application/sparql-results+json"),
    ],
)
def test_not_acceptable(client: httpx.Client, query: str, accept: str) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 406
    assert response.json()["title"] == "Not acceptable"


@pytest.mark.parametrize(
    ("query", "tokens", "accept", "status", "expected"),
    [
        (SELECT, ["csv"], "application/sparql-results+json", 200, "text/csv"),
        (SELECT, ["text/tab-separated-values"], None, 200, "text/tab-separated-values"),
        (SELECT, ["tsv", "text/tab-separated-values"], None, 200, "text/tab-separated-values"),
        (CONSTRUCT, ["nt"], None, 200, "application/n-triples"),
        # SPARQLWrapper's format=xml for CONSTRUCT defers to its specific Accept header
        (CONSTRUCT, ["xml"], "application/rdf+xml", 200, "application/rdf+xml"),
        (SELECT, ["turtle"], None, 406, None),
        (SELECT, ["no-such-format"], "*/*", 406, None),
    ],
)
def test_format_parameter(
    client: httpx.Client,
    query: str,
    tokens: list[str],
    accept: str | None,
    status: int,
    expected: str | None,
) -> None:
    params = tuple([("query", query)] + [("format", token) for token in tokens])
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", params=params, headers=headers)
    assert response.status_code == status, response.text
    if expected:
        assert response.headers["content-type"].split(";")[0] == expected


def test_strong_etag_and_304(client: httpx.Client, endpoint: Endpoint) -> None:
    first = client.get("/sparql", params={"query": SELECT})
    etag = first.headers["etag"]
    assert etag.startswith(f'"{endpoint.store.version}-')  # strong: no W/ prefix
    assert client.get("/sparql", params={"query": SELECT}).headers["etag"] == etag
    as_csv = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/csv"})
    assert as_csv.headers["etag"] != etag
    again = client.get("/sparql", params={"query": SELECT}, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert "max-age" in first.headers["cache-control"]
    other = client.get("/sparql", params={"query": SELECT}, headers={"if-none-match": '"x"'})
    assert other.status_code == 200


def test_head(client: httpx.Client) -> None:
    get = client.get("/sparql", params={"query": SELECT})
    head = client.head("/sparql", params={"query": SELECT})
    assert head.status_code == 200
    assert head.content == b""
    for name in ("etag", "content-type", "vary", "cache-control", "link"):
        assert head.headers[name] == get.headers[name]


def test_cors_simple_request(client: httpx.Client) -> None:
    response = client.get(
        "/sparql", params={"query": SELECT}, headers={"origin": "https://a.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "link", "results-truncated"} <= exposed


def test_cors_preflight_for_direct_post(client: httpx.Client) -> None:
    response = client.options(
        "/sparql",
        headers={
            "origin": "https://a.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    post = client.post(
        "/sparql",
        content="ASK {}",
        headers={"origin": "https://a.example", "content-type": "application/sparql-query"},
    )
    assert post.headers["access-control-allow-origin"] == "*"


def test_errors_are_problem_documents(client: httpx.Client) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404
    no_query = client.post("/sparql", data={"default-graph-uri": "urn:x"})
    assert no_query.status_code == 400
    assert set(no_query.json()) >= {"type", "title", "status", "detail"}


def _description(response: httpx.Response) -> rdflib.Graph:
    assert response.status_code == 200
    media_type = response.headers["content-type"].split(";")[0]
    rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type)
    triples = [quad.triple for quad in pyoxigraph.parse(response.content, format=rdf_format)]
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


@pytest.mark.parametrize("accept", [None, "application/ld+json", "text/html"])
def test_service_description(client: httpx.Client, endpoint: Endpoint, accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    graph = _description(response)
    service = rdflib.URIRef(endpoint.url)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    dataset = graph.value(service, SD.defaultDataset)
    names = {str(graph.value(g, SD.name)) for g in graph.objects(dataset, SD.namedGraph)}
    assert names == set(endpoint.store.graphs())
    assert (
        dataset,
        rdflib.RDFS.seeAlso,
        rdflib.URIRef(endpoint.base + "/.well-known/void"),
    ) in graph
    assert 'rel="describedby"' in response.headers["link"]


def test_service_description_behind_a_proxy(client: httpx.Client) -> None:
    headers = {
        "x-forwarded-proto": "https",
        "x-forwarded-host": "graph.example.org",
        "x-forwarded-prefix": "/idm",
    }
    graph = _description(client.get("/sparql", headers=headers))
    service = rdflib.URIRef("https://graph.example.org/idm/sparql")
    assert (service, SD.endpoint, service) in graph


def test_public_url_setting_wins_over_the_request() -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/sparql",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"x-forwarded-host", b"proxy.example")],
    }
    request = Request(scope)
    assert public_base(request, Settings()) == "http://proxy.example"
    assert public_base(request, Settings(public_url="https://w3id.example/idm/")) == (
        "https://w3id.example/idm"
    )
