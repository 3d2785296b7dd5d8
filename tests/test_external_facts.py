"""The outside facts (data/external-facts/): every statement names its evidence, nothing
unconfirmed is asserted, and no IRI of ours carries an ITU edition letter."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from idmgraph.pipeline.release import Release

ID = "https://w3id.org/idmgraph/id/"
FACTS = ID + "source/external-facts"
PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX idm: <https://w3id.org/idmgraph/def/>
"""


def select(store: ox.Store, sparql: str) -> list[ox.QuerySolution]:
    """Rows of a query over the union of all graphs."""
    answer = store.query(PREFIXES + sparql, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    return list(answer)


@pytest.fixture(scope="module")
def store(repository_release: Release) -> ox.Store:
    loaded = ox.Store()
    loaded.load(path=repository_release.dataset_file, format=ox.RdfFormat.N_QUADS)
    return loaded


def test_every_outside_fact_names_its_evidence(store: ox.Store) -> None:
    # A statement of the outside-facts graph is evidenced either by its subject's own
    # dcterms:source (a resource minted there) or by a reified rdf:Statement.
    rows = select(
        store,
        f"""SELECT ?s ?p ?o WHERE {{ GRAPH <{FACTS}> {{
                ?s ?p ?o . FILTER(isIRI(?s) && ?s != <{FACTS}>)
                FILTER NOT EXISTS {{ ?s dcterms:source ?own }}
                FILTER NOT EXISTS {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                                         dcterms:source ?evidence }}
            }} }}""",
    )
    assert [str(row["s"]) + " " + str(row["p"]) for row in rows] == []
    statements = list(select(store, "SELECT ?st WHERE { ?st a rdf:Statement }"))
    assert len(statements) > 20


def test_only_confirmed_wikidata_items(store: ox.Store) -> None:
    rows = select(store, "SELECT ?s ?o WHERE { ?s owl:sameAs ?o }")
    found = {(row["s"].value, row["o"].value) for row in rows}
    entity = "http://www.wikidata.org/entity/"
    assert found == {
        (ID + "org/itu", entity + "Q376150"),
        (ID + "org/w3c", entity + "Q37033"),
        (ID + "org/nist", entity + "Q176691"),
        (ID + "org/iso", entity + "Q15028"),
    }


def test_correspondences_only_suggested_by_provisional_names_are_absent(store: ox.Store) -> None:
    # X.uaf12 -> X.1277.2 and X.ctap21 -> X.1278.2 merely echo FIDO UAF 1.2 and CTAP 2.1
    rows = select(
        store,
        f"""SELECT ?p ?o WHERE {{
            VALUES ?s {{ <{ID}rec/X.1277.2> <{ID}rec/X.1278.2> }}
            ?s ?p ?o . FILTER(isIRI(?o) && ?p != rdf:type && ?p != dcterms:subject)
        }}""",
    )
    targets = {row["o"].value for row in rows}
    assert targets == {
        "https://www.itu.int/rec/T-REC-X.1277.2",
        "https://www.itu.int/rec/T-REC-X.1278.2",
    }


def test_no_question_page_is_asserted(store: ox.Store) -> None:
    # the 2022-2024 instance of the Question page pattern is inferred, not confirmed
    rows = select(store, "SELECT ?o WHERE { ?s foaf:page|foaf:homepage ?o }")
    assert not any("/Pages/q" in row["o"].value for row in rows)


def test_no_iri_of_ours_holds_an_edition_letter(store: ox.Store) -> None:
    letter = re.compile(r"-[0-9]{6}-[A-Z]")
    ours = {
        term.value
        for quad in store
        for term in (quad.subject, quad.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith(ID)
    }
    assert ours
    assert [iri for iri in ours if letter.search(iri)] == []
