"""Real SPARQL clients against the running endpoint: SPARQLWrapper in every result format and
rdflib's SPARQLStore. Expected answers are computed by a local Oxigraph store over the same
fixture, so the endpoint must agree with a direct evaluation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, cast

import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import ResultRow
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.web.conftest import BASE, FIXTURE, Endpoint

LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
RECOMMENDATIONS = (
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/idmgraph/def/Recommendation> ; ?p ?o }"
)


# what the endpoint answers each SPARQLWrapper format with (N3 is not served: it gets Turtle)
ACCEPTED = {
    TURTLE: "text/turtle",
    N3: "text/turtle",
    RDFXML: "application/rdf+xml",
    JSONLD: "application/ld+json",
}


@pytest.fixture(scope="module")
def local() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(FIXTURE), format=pyoxigraph.RdfFormat.TRIG)
    return store


def expected_rows(local: pyoxigraph.Store) -> set[tuple[str, str]]:
    solutions = local.query(LABELS, use_default_graph_as_union=True)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    return {(row["s"].value, row["label"].value) for row in solutions}


def expected_graph(local: pyoxigraph.Store, query: str) -> rdflib.Graph:
    triples = local.query(query, use_default_graph_as_union=True, base_iri=BASE)
    assert isinstance(triples, pyoxigraph.QueryTriples)
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def answer(client: SPARQLWrapper) -> tuple[str, bytes]:
    """Send the request through SPARQLWrapper; the media type and body of its answer."""
    result = client.query()
    try:
        return result.response.headers["content-type"].split(";")[0], result.response.read()
    finally:
        result.response.close()


def converted(client: SPARQLWrapper) -> Any:
    """SPARQLWrapper's own conversion (JSON, XML, CSV, TSV), with the response closed: a dict,
    a DOM document or bytes, by the format asked for."""
    result = client.query()
    try:
        return result.convert()
    finally:
        result.response.close()


def as_rdflib(body: bytes, media_type: str) -> rdflib.Graph:
    """Parse with Oxigraph (rdflib's JSON-LD parser warns about its own deprecated classes)."""
    rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert rdf_format is not None, media_type
    triples = [quad.triple for quad in pyoxigraph.parse(body, format=rdf_format)]
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def wrapper(endpoint: Endpoint, query: str, return_format: str, method: str = GET) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint.url)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_select_json(endpoint: Endpoint, local: pyoxigraph.Store, method: str) -> None:
    result = converted(wrapper(endpoint, LABELS, JSON, method))
    rows = {(b["s"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]}
    assert rows == expected_rows(local)


def test_select_xml(endpoint: Endpoint, local: pyoxigraph.Store) -> None:
    document = converted(wrapper(endpoint, LABELS, XML))
    rows = set()
    for result in document.getElementsByTagName("result"):
        cells = {
            binding.getAttribute("name"): binding.firstChild.firstChild.nodeValue
            for binding in result.getElementsByTagName("binding")
        }
        rows.add((cells["s"], cells["label"]))
    assert rows == expected_rows(local)


@pytest.mark.parametrize(("return_format", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_select_csv_tsv(
    endpoint: Endpoint, local: pyoxigraph.Store, return_format: str, delimiter: str
) -> None:
    raw = converted(wrapper(endpoint, LABELS, return_format))
    text = raw.decode("utf-8")
    if delimiter == ",":
        rows = {(row["s"], row["label"]) for row in csv.DictReader(io.StringIO(text))}
        assert rows == expected_rows(local)
    else:
        header, *lines = text.rstrip("\n").split("\n")
        assert header == "?s\t?label"
        # TSV keeps N-Triples terms: compare them as Oxigraph writes them
        assert len(lines) == len(expected_rows(local))
        subjects = {line.split("\t")[0].strip("<>") for line in lines}
        assert subjects == {s for s, _ in expected_rows(local)}


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_ask(endpoint: Endpoint, return_format: str) -> None:
    yes = wrapper(endpoint, f"ASK {{ <{BASE}id/rec/X.1003> ?p ?o }}", return_format)
    no = wrapper(endpoint, "ASK { <urn:nothing> ?p ?o }", return_format)
    if return_format == JSON:
        assert (converted(yes)["boolean"], converted(no)["boolean"]) == (True, False)
    else:
        values = [
            converted(client).getElementsByTagName("boolean")[0].firstChild.nodeValue
            for client in (yes, no)
        ]
        assert values == ["true", "false"]


@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, JSONLD])
@pytest.mark.parametrize("method", [GET, POST])
def test_construct(
    endpoint: Endpoint, local: pyoxigraph.Store, return_format: str, method: str
) -> None:
    media_type, body = answer(wrapper(endpoint, RECOMMENDATIONS, return_format, method))
    assert media_type == ACCEPTED[return_format]
    graph = as_rdflib(body, media_type)
    expected = expected_graph(local, RECOMMENDATIONS)
    assert len(expected) > 5
    assert isomorphic(graph, expected)


def test_describe(endpoint: Endpoint, local: pyoxigraph.Store) -> None:
    query = f"DESCRIBE <{BASE}id/rec/X.1001>"
    media_type, body = answer(wrapper(endpoint, query, TURTLE))
    graph = as_rdflib(body, media_type)
    assert isomorphic(graph, expected_graph(local, query))


def test_rdflib_sparqlstore(endpoint: Endpoint, local: pyoxigraph.Store) -> None:
    graph = rdflib.Graph(SPARQLStore(query_endpoint=endpoint.url, returnFormat="json"))
    try:
        assert len(graph) == len(local)
        rows = cast("Iterable[ResultRow]", graph.query(LABELS))
        assert {(str(s), str(o)) for s, o in rows} == expected_rows(local)
        subject = rdflib.URIRef(f"{BASE}id/rec/X.1002")
        labels = set(graph.objects(subject, rdflib.RDFS.label))
        assert labels == {
            rdflib.Literal("X.1002 fixture recommendation", lang="en"),
            rdflib.Literal("X.1002 Empfehlung", lang="de"),
        }
        assert graph.query(f"ASK {{ <{subject}> ?p ?o }}").askAnswer is True
    finally:
        graph.close()
