"""Dereferencing on a real server: 303 pattern, negotiation, format URLs, ETag/304, 404, pages."""

from __future__ import annotations

import json
import re

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from idmgraph.base import formats
from idmgraph.base.urls import ONTOLOGY_NS, SHAPES_NS, Urls, resource_formats, split_document
from idmgraph.pipeline.release import Release

ID = "https://w3id.org/idmgraph/id/"
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}


@pytest.fixture(scope="module")
def dataset(repository_release: Release) -> ox.Store:
    store = ox.Store()
    store.load(path=repository_release.dataset_file, format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def our_iris(dataset: ox.Store) -> list[str]:
    """Every IRI of ours the graph mentions, as subject or object."""
    urls = Urls("https://w3id.org/idmgraph/")
    found = set()
    for quad in dataset:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and urls.is_ours(term.value):
                found.add(term.value)
    assert len(found) > 250
    return sorted(found)


@pytest.fixture(scope="module")
def class_samples(dataset: ox.Store) -> dict[str, str]:
    """One resource of ours per class used in the graph."""
    rows = dataset.query(
        """SELECT ?class (MIN(STR(?x)) AS ?one) WHERE {
             ?x a ?class . FILTER(isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/idmgraph/"))
           } GROUP BY ?class""",
        use_default_graph_as_union=True,
    )
    assert isinstance(rows, ox.QuerySolutions)
    samples = {row["class"].value: row["one"].value for row in rows}
    assert len(samples) > 20
    return samples


def path_of(iri: str) -> str:
    path = Urls("https://w3id.org/idmgraph/").path(iri)
    assert path is not None
    return path


def parse(body: bytes, fmt_name: str) -> rdflib.Graph:
    if fmt_name == "jsonld":
        nquads = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads"})
        return rdflib.Graph().parse(data=nquads, format="nt")
    return rdflib.Graph().parse(data=body, format=RDFLIB_FORMATS[fmt_name])


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        ("text/html", "html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("text/turtle;q=0.5, application/ld+json", "jsonld"),
        ("text/html;q=0.1, text/turtle;q=0.9", "ttl"),
        ("application/rdf+xml;q=0.9, application/*;q=0.1", "rdf"),
        ("*/*", "html"),
        (None, "html"),
    ],
)
def test_thing_redirects_303_to_the_negotiated_document(
    http: httpx.Client, accept: str | None, extension: str
) -> None:
    headers = {"accept": accept} if accept else {}
    response = http.get("/id/rec/X.1095", headers=headers)
    assert response.status_code == 303
    assert response.headers["location"] == f"/id/rec/X.1095.{extension}"
    assert "accept" in response.headers["vary"].lower()
    assert 'rel="describedby"' in response.headers["link"]


def test_format_parameter_overrides_accept(http: httpx.Client) -> None:
    response = http.get("/id/rec/X.1095", params={"format": "nt"}, headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/id/rec/X.1095.nt"


def test_unacceptable_formats_are_refused(http: httpx.Client) -> None:
    assert http.get("/id/rec/X.1095", headers={"accept": "image/png"}).status_code == 406
    response = http.get("/id/rec/X.1095", params={"format": "nquads"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("fmt", resource_formats(), ids=lambda f: f.name)
def test_every_class_in_every_format_with_etag_and_304(
    http: httpx.Client, class_samples: dict[str, str], fmt: formats.Format
) -> None:
    for cls, iri in class_samples.items():
        thing = path_of(iri)
        redirect = http.get(thing, params={"format": fmt.extension})
        assert redirect.status_code == 303, (cls, iri)
        response = http.get(redirect.headers["location"])
        assert response.status_code == 200, (cls, iri, response.text[:300])
        assert response.headers["content-type"].split(";")[0] == fmt.media_type
        etag = response.headers["etag"]
        links = response.headers["link"]
        assert all(f'type="{other.media_type}"' in links for other in resource_formats())
        again = http.get(redirect.headers["location"], headers={"if-none-match": etag})
        assert again.status_code == 304, (cls, iri)
        assert again.content == b""
        if fmt.name != "html":
            graph = parse(response.content, fmt.name)
            assert (rdflib.URIRef(iri), None, None) in graph, (cls, iri)


def test_every_uri_of_ours_dereferences(http: httpx.Client, our_iris: list[str]) -> None:
    failures = []
    for iri in our_iris:
        thing = path_of(iri)
        redirect = http.get(thing, headers={"accept": "text/turtle"})
        if redirect.status_code != 303:
            failures.append((iri, redirect.status_code))
            continue
        document = http.get(redirect.headers["location"])
        if document.status_code != 200 or not len(parse(document.content, "turtle")):
            failures.append((iri, document.status_code))
    assert failures == []


def test_html_pages_of_every_uri(http: httpx.Client, our_iris: list[str]) -> None:
    failures = [
        iri
        for iri in our_iris
        if http.get(path_of(iri) + (".html" if not iri.endswith("/") else "index.html")).status_code
        != 200
    ]
    assert failures == []


@pytest.mark.parametrize("iri", [ID + "rec/X.509", ID + "org/itu", ID + "workitem/X.pet_auth"])
def test_jsonld_expands_to_the_turtle_graph(http: httpx.Client, iri: str) -> None:
    turtle = rdflib.Graph().parse(data=http.get(path_of(iri) + ".ttl").content, format="turtle")
    compact = http.get(path_of(iri) + ".jsonld").json()
    expanded = jsonld.expand(compact)
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), turtle)
    assert len(turtle) > 5


def test_description_is_what_the_endpoint_says(http: httpx.Client, dataset: ox.Store) -> None:
    iri = ID + "rec/X.1095"
    page = rdflib.Graph().parse(data=http.get("/id/rec/X.1095.nt").content, format="nt")
    answer = http.get(
        "/sparql",
        params={"query": f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"},
        headers={"accept": "application/n-triples"},
    )
    outbound = rdflib.Graph().parse(data=answer.content, format="nt")
    assert set(outbound) <= set(page)
    stated = {
        (q.predicate, q.object)
        for q in dataset.quads_for_pattern(ox.NamedNode(iri), None, None, None)
    }
    assert len(outbound) == len(stated) > 5


def test_recommendation_page_for_people(http: httpx.Client) -> None:
    response = http.get("/id/rec/X.1095.html")
    html = response.text
    assert "<h1>ITU-T X.1095</h1>" in html
    assert 'href="/id/workitem/X.pet_auth"' in html  # referenced by, as a link
    assert "Referenced by" in html
    assert "Timeline" in html
    assert "2023-11-13" in html
    assert 'href="https://www.itu.int/rec/T-REC-X.1095"' in html  # link out
    assert 'href="https://www.itu.int/t/aap/recdetails/10619"' in html  # evidence
    assert "SG17 IdM progress report, September 2023" in html  # source of statements
    assert ">Recommendation<" in html  # the type by its label
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert embedded is not None
    graph = jsonld.to_rdf(json.loads(embedded.group(1)), {"format": "application/n-quads"})
    assert f"<{ID}rec/X.1095>" in graph
    for extension in ("ttl", "jsonld", "nt", "rdf"):
        assert f'href="/id/rec/X.1095.{extension}"' in html


def test_ontology_and_shapes_answer_at_their_namespace(http: httpx.Client) -> None:
    for namespace, path, expected in (
        (ONTOLOGY_NS, "/def/", "Work item"),
        (SHAPES_NS, "/shapes/", "Edition"),
    ):
        redirect = http.get(path, headers={"accept": "text/html"})
        assert redirect.status_code == 303
        assert redirect.headers["location"] == path + "index.html"
        page = http.get(path + "index.html").text
        assert expected in page
        turtle = http.get(path, headers={"accept": "text/turtle"})
        assert turtle.status_code == 303
        graph = rdflib.Graph().parse(
            data=http.get(turtle.headers["location"]).content, format="turtle"
        )
        assert (rdflib.URIRef(namespace), None, None) in graph
    page = http.get("/def/index.html").text
    assert 'id="WorkItem"' in page
    assert "An item of a study group" in page  # the definition, from the ontology itself


def test_unknown_uri_gets_404_with_suggestions(http: httpx.Client) -> None:
    page = http.get("/id/rec/X.1095x", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert 'href="/id/rec/X.1095"' in page.text
    problem = http.get("/id/rec/X.1095x", headers={"accept": "application/json"})
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert "/id/rec/X.1095" in problem.json()["suggestions"]
    assert http.get("/id/nothing/here.ttl").status_code == 404
    assert http.get("/def/NoSuchTerm").status_code == 404


def test_dataset_iri_leads_to_its_description(http: httpx.Client) -> None:
    response = http.get("/id/dataset/idmgraph")
    assert response.status_code == 303
    assert response.headers["location"] == "/.well-known/void"


def test_head_answers_without_body(http: httpx.Client) -> None:
    response = http.head("/id/rec/X.1095.ttl")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"]


def test_every_resource_is_reachable_from_the_landing_page_by_links(
    http: httpx.Client, our_iris: list[str]
) -> None:
    asked, reached, queue = set(), set(), ["/"]
    link = re.compile(r'href="(/(?:id|def|shapes)/[^"#?]*|/)"')
    while queue:
        path = queue.pop()
        if path in asked:
            continue
        asked.add(path)
        response = http.get(path, headers={"accept": "text/html"}, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert 'href="/"' in response.text, path  # and back home
        reached.add(response.url.path)
        for target in link.findall(response.text):
            document = split_document(target)
            if document is None or document.format.name == "html":
                queue.append(target)
    pages = {path_of(iri) + ("index.html" if iri.endswith("/") else ".html") for iri in our_iris}
    assert sorted(pages - reached) == []


def test_outside_terms_show_their_labels_not_raw_iris(http: httpx.Client) -> None:
    html = http.get("/id/org/itu.html").text
    assert '<a href="http://www.w3.org/ns/org#FormalOrganization" rel="external">' in html
    assert ">Formal organization</a>" in html
    assert ">same as</a>" in html
    assert 'href="https://www.wikidata.org/wiki/Q376150"' in html  # the evidence


def test_shape_page_shows_its_constraints(http: httpx.Client) -> None:
    html = http.get("/shapes/EditionShape.html").text
    assert "An edition is an edition of exactly one text" in html
    assert 'href="/def/editionOf"' in html
