"""Descriptions of resources read from a real store holding the project's data."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from idmgraph.base import formats
from idmgraph.base.urls import resource_formats
from idmgraph.reading.describe import (
    Description,
    describe_resource,
    description_triples,
    document,
    exists,
    labels_of,
)
from tests.linkedstore import Running, running_store

ID = "https://w3id.org/idmgraph/id/"
DEF = "https://w3id.org/idmgraph/def/"
REPORT = ID + "source/sg17-idm-report-2023-09"
FACTS = ID + "source/external-facts"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    generator = running_store(tmp_path_factory.mktemp("describe"))
    yield next(generator)
    generator.close()


TOPICS = ID + "source/editorial-topics"


def about(running: Running, iri: str) -> Description:
    found = running.run(describe_resource(running.store, iri, settings=running.settings))
    assert found is not None, iri
    return found


def test_recommendation_has_label_type_identifier_and_sources(running: Running) -> None:
    found = about(running, ID + "rec/X.1095")
    assert found.label == "ITU-T X.1095"
    assert [t.iri for t in found.types] == [DEF + "Recommendation"]
    assert [t.text for t in found.types] == ["Recommendation"]  # a label, not the raw IRI
    assert [s.value.text for s in found.identifiers] == ["X.1095"]
    assert {g.iri for g in found.sources} == {REPORT, FACTS, TOPICS}


def test_every_statement_names_its_graph_and_outside_facts_their_evidence(running: Running) -> None:
    found = about(running, ID + "org/itu")
    by_predicate = {s.predicate.iri: s for s in found.statements}
    same = by_predicate["http://www.w3.org/2002/07/owl#sameAs"]
    assert same.value.iri == "http://www.wikidata.org/entity/Q376150"
    assert [g.iri for g in same.graphs] == [FACTS]
    assert same.evidence == ("https://www.wikidata.org/wiki/Q376150",)
    label = by_predicate["http://www.w3.org/2000/01/rdf-schema#label"]
    assert [g.iri for g in label.graphs] == [REPORT]
    assert label.evidence == ()
    assert {s.value.iri for s in found.links_out} == {
        "https://www.itu.int/",
        "http://www.wikidata.org/entity/Q376150",
    }


def test_inbound_links_are_labelled(running: Running) -> None:
    found = about(running, ID + "rec/X.1095")
    inbound = {(s.predicate.text, s.value.iri) for s in found.inbound}
    assert ("develops", ID + "workitem/X.pet_auth") in inbound
    assert ("edition of", ID + "rec/X.1095/edition/2023-11") in inbound
    labels = {s.value.iri: s.value.text for s in found.inbound}
    assert labels[ID + "workitem/X.pet_auth"] == "X.pet_auth"


def test_text_timeline_joins_work_item_events_and_editions(running: Running) -> None:
    found = about(running, ID + "rec/X.1095")
    steps = [(e.date, e.kind.text) for e in found.timeline]
    assert steps == [
        ("2023-09-08", "Consented"),
        ("2023-11-13", "Approved"),
        ("2023-11-13", "Edition"),
    ]
    assert all(e.exact for e in found.timeline)
    assert found.timeline[0].subject.iri == ID + "workitem/X.pet_auth"
    assert [s.iri for s in found.timeline[0].sources] == [REPORT]


def test_undated_event_uses_its_not_later_than_date(running: Running) -> None:
    found = about(running, ID + "workitem/X.1251rev")
    assert found.timeline, "the discontinued revision has a timeline"
    undated = [e for e in found.timeline if not e.exact]
    assert undated
    assert all(e.date for e in undated)


def test_ontology_term_is_described_from_the_ontology_graph(running: Running) -> None:
    found = about(running, DEF + "WorkItem")
    assert found.label == "Work item"
    assert {g.iri for g in found.sources} == {DEF}


def test_unknown_resource_is_none(running: Running) -> None:
    assert (
        running.run(describe_resource(running.store, ID + "rec/X.9999", settings=running.settings))
        is None
    )
    assert not running.run(exists(running.store, ID + "rec/X.9999", settings=running.settings))
    assert running.run(exists(running.store, ID + "rec/X.1095", settings=running.settings))


def test_labels_prefer_rdfs_label_then_canonical_name(running: Running) -> None:
    labels = running.run(
        labels_of(
            running.store,
            [ID + "org/itu", ID + "org/nist", DEF + "Text"],
            settings=running.settings,
        )
    )
    assert labels == {ID + "org/itu": "ITU", ID + "org/nist": "NIST", DEF + "Text": "ITU-T text"}


@pytest.mark.parametrize("fmt", resource_formats()[:-1], ids=lambda f: f.name)
def test_documents_parse_to_the_same_graph_in_every_format(
    running: Running, fmt: formats.Format
) -> None:
    iri = ID + "org/itu"
    reference = rdflib.Graph().parse(
        data=running.run(
            document(running.store, iri, formats.by_name("ntriples"), settings=running.settings)
        ),
        format="nt",
    )
    body = running.run(document(running.store, iri, fmt, settings=running.settings))
    if fmt.name == "jsonld":  # rdflib's JSON-LD parser warns (deprecated API): pyld reads it
        body = jsonld.to_rdf(json.loads(body), {"format": "application/n-quads"}).encode()
    parsed = rdflib.Graph().parse(
        data=body,
        format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}.get(fmt.name, "nt"),
    )
    assert len(parsed) == len(reference) > 10
    assert isomorphic(parsed, reference)


def test_jsonld_expands_to_the_turtle_graph(running: Running) -> None:
    iri = ID + "rec/X.509"
    turtle = rdflib.Graph().parse(
        data=running.run(
            document(running.store, iri, formats.by_name("turtle"), settings=running.settings)
        ),
        format="turtle",
    )
    compact = json.loads(
        running.run(
            document(running.store, iri, formats.by_name("jsonld"), settings=running.settings)
        )
    )
    nquads = jsonld.to_rdf(jsonld.expand(compact), {"format": "application/n-quads"})
    expanded = rdflib.Graph().parse(data=nquads, format="nt")
    assert isomorphic(expanded, turtle)


def test_description_holds_outbound_inbound_evidence_and_blank_structure(running: Running) -> None:
    triples = running.run(
        description_triples(
            running.store,
            "https://w3id.org/idmgraph/shapes/EditionShape",
            settings=running.settings,
        )
    )
    predicates = {t.predicate.value for t in triples}
    # the property shapes are blank nodes: their constraints travel with the shape
    assert "http://www.w3.org/ns/shacl#path" in predicates
    itu = running.run(description_triples(running.store, ID + "org/itu", settings=running.settings))
    assert not any(isinstance(t.subject, ox.Triple) for t in itu)
    subjects = {t.subject.value for t in itu if not isinstance(t.subject, ox.Triple)}
    assert ID + "group/itu-t" in subjects  # inbound: ITU-T is a sub-organisation of ITU
    assert any(t.predicate.value.endswith("#subject") for t in itu)  # evidence statements


def test_vocabulary_namespace_is_described_by_its_whole_graph(running: Running) -> None:
    triples = running.run(description_triples(running.store, DEF, settings=running.settings))
    subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    assert {DEF + "WorkItem", DEF + "provisionalName", DEF + "status/approved"} <= subjects
    assert len(triples) > 300


def test_blank_node_values_carry_their_own_statements(running: Running) -> None:
    found = about(running, "https://w3id.org/idmgraph/shapes/EditionShape")
    shapes = [s.value for s in found.statements if s.predicate.text == "property"]
    assert len(shapes) == 3  # three property shapes, not merged into one
    messages = {v.text for shape in shapes for p, v in shape.parts if p.text == "message"}
    date_message = (
        "An edition's date is an xsd:date, or an xsd:gYearMonth or xsd:gYear where the "
        "catalogue gives no day"
    )
    assert date_message in messages
