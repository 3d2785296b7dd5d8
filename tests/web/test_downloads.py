"""Downloads, VoID, DCAT, the @context and the link mapping, on a real server."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io

import httpx
import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, OWL, RDF, VOID

from idmgraph.base import formats
from tests.web.linkedserver import Server

ID = "https://w3id.org/idmgraph/id/"
RDFLIB = {
    "turtle": "turtle",
    "ntriples": "nt",
    "rdfxml": "xml",
    "jsonld": "json-ld",
    "nquads": "nquads",
    "trig": "trig",
}


@pytest.fixture(scope="module")
def endpoint_graph(http: httpx.Client) -> rdflib.Graph:
    """Every triple of the union graph, as the SPARQL endpoint answers it."""
    answer = http.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={"accept": "application/n-triples"},
    )
    assert answer.status_code == 200
    assert "results-truncated" not in answer.headers
    return rdflib.Graph().parse(data=answer.content, format="nt")


def test_listing_shows_every_distribution(http: httpx.Client, server: Server) -> None:
    page = http.get("/downloads")
    assert page.status_code == 200
    for item in server.release.distributions:
        assert f"/downloads/{server.release.version}/{item.file}" in page.text
        assert f"/downloads/latest/{item.file}" in page.text
        assert item.sha256 in page.text
        assert str(item.size) in page.text
        assert item.media_type in page.text


def test_versioned_files_match_their_checksums_and_never_change(
    http: httpx.Client, server: Server
) -> None:
    for item in server.release.distributions:
        response = http.get(f"/downloads/{server.release.version}/{item.file}")
        assert response.status_code == 200, item.file
        assert hashlib.sha256(response.content).hexdigest() == item.sha256
        assert len(response.content) == item.size
        assert "immutable" in response.headers["cache-control"]
        again = http.get(
            f"/downloads/{server.release.version}/{item.file}",
            headers={"if-none-match": response.headers["etag"]},
        )
        assert again.status_code == 304


def test_latest_redirects_to_the_versioned_url(http: httpx.Client, server: Server) -> None:
    response = http.get("/downloads/latest/idmgraph.ttl")
    assert response.status_code == 302
    assert response.headers["location"] == f"/downloads/{server.release.version}/idmgraph.ttl"
    assert http.get("/downloads/latest/nothing.txt").status_code == 404
    assert http.get("/downloads/000000000000/idmgraph.ttl").status_code == 404


@pytest.mark.parametrize(
    "fmt",
    [f for f in formats.of_kind(formats.Kind.GRAPH) if f.name != "jsonld"],
    ids=lambda f: f.name,
)
def test_dumps_hold_exactly_the_endpoint_triples(
    http: httpx.Client, server: Server, endpoint_graph: rdflib.Graph, fmt: formats.Format
) -> None:
    def downloaded(*, compressed: bool) -> bytes:
        item = server.release.distribution(fmt.name, compressed=compressed)
        return http.get(f"/downloads/{server.release.version}/{item.file}").content

    body = downloaded(compressed=False)
    # the gzip file is the same document: compared byte for byte, it need not be parsed again
    assert gzip.decompress(downloaded(compressed=True)) == body
    if fmt.holds_datasets:
        # read with Oxigraph: rdflib's Dataset parser warns of its own deprecations
        assert isinstance(fmt.oxigraph, pyoxigraph.RdfFormat)
        quads = list(pyoxigraph.parse(body, format=fmt.oxigraph))
        union = rdflib.Graph().parse(
            data=pyoxigraph.serialize(
                [q.triple for q in quads], format=pyoxigraph.RdfFormat.N_TRIPLES
            ),
            format="nt",
        )
        assert {q.graph_name.value for q in quads} >= {ID + "source/external-facts"}
    else:
        union = rdflib.Graph().parse(data=body, format=RDFLIB[fmt.name])
    assert len(union) == len(endpoint_graph)
    assert isomorphic(union, endpoint_graph)


def test_jsonld_dump_expands_to_the_endpoint_triples(
    http: httpx.Client, server: Server, endpoint_graph: rdflib.Graph
) -> None:
    from pyld import jsonld

    item = server.release.distribution("jsonld")
    document = http.get(f"/downloads/{server.release.version}/{item.file}").json()
    nquads = jsonld.to_rdf(jsonld.expand(document), {"format": "application/n-quads"})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), endpoint_graph)


@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog"])
def test_void_and_dcat(http: httpx.Client, server: Server, path: str) -> None:
    response = http.get(path, headers={"accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    dataset = rdflib.URIRef(ID + "dataset/idmgraph")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert len(list(graph.objects(dataset, DCAT.distribution))) == len(server.release.distributions)
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    assert (catalogs[0], DCAT.dataset, dataset) in graph
    services = list(graph.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    assert (services[0], DCAT.servesDataset, dataset) in graph
    assert str(graph.value(services[0], DCAT.endpointURL)).endswith("/sparql")
    same_as = list(graph.subjects(VOID.linkPredicate, OWL.sameAs))
    assert len(same_as) == 1
    linked = graph.value(same_as[0], VOID.triples)
    assert isinstance(linked, rdflib.Literal)
    assert int(linked) == 4  # ITU, W3C, NIST, ISO
    assert (same_as[0], RDF.type, VOID.Linkset) in graph
    etag = response.headers["etag"]
    assert (
        http.get(path, headers={"accept": "text/turtle", "if-none-match": etag}).status_code == 304
    )


def test_void_in_other_formats(http: httpx.Client) -> None:
    response = http.get("/.well-known/void", headers={"accept": "application/n-triples"})
    assert response.headers["content-type"].startswith("application/n-triples")
    assert len(rdflib.Graph().parse(data=response.content, format="nt")) > 50


def test_context_is_served(http: httpx.Client) -> None:
    response = http.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    context = response.json()["@context"]
    assert context["idm"] == "https://w3id.org/idmgraph/def/"


def test_link_mapping_for_catalogue_owners(http: httpx.Client) -> None:
    response = http.get("/downloads/links.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows
    same = [r for r in rows if r["property"] == str(OWL.sameAs)]
    assert {r["our_uri"] for r in same} == {
        ID + "org/itu",
        ID + "org/w3c",
        ID + "org/nist",
        ID + "org/iso",
    }
    assert all(r["evidence"].startswith("https://www.wikidata.org/wiki/Q") for r in same)
    handle = [r for r in rows if r["outside_identifier"] == "11.1002/1000/15708"]
    # one row per evidence: the outside facts' and the ITU-T catalogue's record of the edition
    assert {r["our_uri"] for r in handle} == {ID + "rec/X.1095/edition/2023-11"}
    # nothing merely suggested by a provisional name is linked (X.uaf12 -> FIDO UAF)
    assert not any("fidoalliance.org/specs" in r["outside_identifier"] for r in rows)
