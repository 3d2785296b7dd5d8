"""compactld writes what pyld, the reference JSON-LD processor, would: checked against pyld."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld

import idmgraph.pipeline.compactld
from idmgraph.base.namespaces import RDF_TYPE, prefixes
from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import canonical
from idmgraph.pipeline.compactld import compact, dump, nodes
from idmgraph.pipeline.sources import load
from idmgraph.synth import write_project

ROOT = Path(__file__).resolve().parents[1]
RDF_LIST = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#first", RDF_TYPE[:-4] + "rest")
CONTEXT = {
    "e": "https://e.org/",
    "v": "https://e.org/vocab#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "stem": "https://e.org/stem",  # no gen-delim at its end: never a prefix
}


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def pyld_compact(triples: list[ox.Triple], context: dict[str, str]) -> dict[str, object]:
    """What pyld makes of the same triples."""
    nquads = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    found: dict[str, object] = jsonld.compact(expanded, {"@context": context})
    return found


def read_back(document: object) -> set[str]:
    """The triples a JSON-LD processor reads from a document, blank nodes canonicalised."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    dataset = ox.Dataset(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


def canonical_set(triples: list[ox.Triple]) -> set[str]:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


EDGES: dict[str, list[ox.Triple]] = {
    "types, arrays and literals": [
        ox.Triple(iri("https://e.org/a"), iri(RDF_TYPE), iri("https://e.org/vocab#C")),
        ox.Triple(iri("https://e.org/a"), iri(RDF_TYPE), iri("https://e.org/vocab#D")),
        ox.Triple(iri("https://e.org/a"), iri("https://e.org/vocab#p"), ox.Literal("plain")),
        ox.Triple(
            iri("https://e.org/a"), iri("https://e.org/vocab#p"), ox.Literal("x", language="fr")
        ),
        ox.Triple(
            iri("https://e.org/a"),
            iri("https://e.org/vocab#n"),
            ox.Literal("3", datatype=iri("http://www.w3.org/2001/XMLSchema#integer")),
        ),
        ox.Triple(
            iri("https://e.org/a"),
            iri("https://e.org/vocab#d"),
            ox.Literal("v", datatype=iri("https://other.org/dt")),
        ),
        ox.Triple(iri("https://e.org/b"), iri("https://e.org/vocab#q"), iri("https://e.org/a")),
    ],
    "blank nodes as subject, object and type": [
        ox.Triple(ox.BlankNode("x"), iri(RDF_TYPE), ox.BlankNode("k")),
        ox.Triple(iri("https://e.org/a"), iri("https://e.org/vocab#q"), ox.BlankNode("x")),
        ox.Triple(ox.BlankNode("x"), iri("https://e.org/vocab#p"), ox.Literal("in a blank")),
    ],
    "IRIs that equal or only start like a prefix": [
        ox.Triple(iri("https://e.org/"), iri("https://e.org/vocab#"), iri("https://e.org/vocab#")),
        ox.Triple(iri("https://e.org//x"), iri("https://e.org/stemmed"), iri("https://e.org/stem")),
        ox.Triple(iri("https://e.org/a"), iri("https://e.org/vocab#q"), iri("urn:x:y")),
    ],
    "one subject": [
        ox.Triple(iri("https://e.org/a"), iri("https://e.org/vocab#p"), ox.Literal("only")),
    ],
    "nothing": [],
}


@pytest.mark.parametrize("name", EDGES)
def test_same_document_as_pyld(name: str) -> None:
    assert compact(EDGES[name], CONTEXT) == pyld_compact(EDGES[name], CONTEXT)


@pytest.fixture(scope="module")
def repository_triples() -> tuple[list[ox.Triple], dict[str, str]]:
    settings = Settings(root=ROOT)
    content = canonical(load(settings))
    return list(content.triples), prefixes(settings.data_base)


def test_the_repository_graph_compacts_as_pyld_does_but_for_lists(
    repository_triples: tuple[list[ox.Triple], dict[str, str]],
) -> None:
    triples, names = repository_triples
    # pyld folds well-formed rdf:first/rdf:rest chains into @list; we keep the list nodes.
    in_lists = {t.subject for t in triples if t.predicate.value in RDF_LIST}
    assert in_lists, "the repository graph should hold an RDF list (a shape's sh:xone or sh:in)"
    listless = [t for t in triples if t.subject not in in_lists and t.object not in in_lists]
    sample = _every_kind_of_statement(listless, at_least=2_000)
    assert len(sample) > 2_000
    assert compact(sample, names) == pyld_compact(sample, names)


def _every_kind_of_statement(triples: list[ox.Triple], *, at_least: int) -> list[ox.Triple]:
    """Whole subjects, taken in order while they bring a kind of statement not seen yet (a
    predicate with a kind of object: IRI, blank node, datatype, language), then until
    ``at_least`` triples: pyld compacts the whole repository graph in a minute, this in
    seconds, and every way a statement is written is still compared."""

    def kind(triple: ox.Triple) -> tuple[str, ...]:
        term = triple.object
        if isinstance(term, ox.Literal):
            return (triple.predicate.value, term.datatype.value, term.language or "")
        return (triple.predicate.value, type(term).__name__)

    by_subject: dict[ox.NamedNode | ox.BlankNode | ox.Triple, list[ox.Triple]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, []).append(triple)
    seen: set[tuple[str, ...]] = set()
    sample: list[ox.Triple] = []
    for subject in sorted(by_subject, key=str):
        kinds = {kind(triple) for triple in by_subject[subject]}
        if not kinds <= seen or len(sample) < at_least:
            seen |= kinds
            sample += by_subject[subject]
    assert seen == {kind(triple) for triple in triples}
    return sample


def test_the_repository_dump_reads_back_as_the_same_graph(
    repository_triples: tuple[list[ox.Triple], dict[str, str]],
) -> None:
    triples, names = repository_triples
    document = json.loads(dump(triples, names))
    assert read_back(document) == canonical_set(triples)


def test_a_synthetic_landscape_reads_back_as_the_same_graph(tmp_path: Path) -> None:
    write_project(tmp_path, scale=3_000, seed=1)
    content = canonical(load(Settings(root=tmp_path)))
    names = prefixes(Settings(root=tmp_path).data_base)
    document = json.loads(dump(content.triples, names))
    assert read_back(document) == canonical_set(list(content.triples))


def test_a_suffix_starting_with_two_slashes_keeps_the_iri_whole() -> None:
    # "e://x" would expand as the absolute IRI e://x (JSON-LD 1.1 IRI expansion); pyld 2.0
    # still writes it, so this case is checked by reading back rather than against pyld.
    triples = [
        ox.Triple(iri("https://e.org///x"), iri("https://e.org/vocab#p"), iri("https://e.org///y"))
    ]
    document = compact(triples, CONTEXT)
    assert document["@id"] == "https://e.org///x"
    assert document["v:p"] == {"@id": "https://e.org///y"}
    assert read_back(document) == canonical_set(triples)


def test_the_dump_puts_one_node_per_line() -> None:
    triples = EDGES["types, arrays and literals"]
    lines = dump(triples, CONTEXT).decode().splitlines()
    graph = lines[lines.index('  "@graph": [') + 1 : -2]
    assert [json.loads(line.rstrip(",")) for line in graph] == nodes(triples, CONTEXT)
    assert lines[-2:] == ["  ]", "}"]


def test_the_dump_of_one_node_keeps_its_graph() -> None:
    document = json.loads(dump(EDGES["one subject"], CONTEXT))
    assert document["@graph"] == nodes(EDGES["one subject"], CONTEXT)


def test_an_empty_dump_is_its_context() -> None:
    assert json.loads(dump([], CONTEXT)) == {"@context": CONTEXT}


def test_rdf_star_is_refused() -> None:
    quoted = ox.Triple(iri("https://e.org/a"), iri("https://e.org/vocab#p"), ox.Literal("x"))
    with pytest.raises(TypeError, match="RDF-star"):
        nodes([ox.Triple(iri("https://e.org/a"), iri("https://e.org/vocab#says"), quoted)], CONTEXT)


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(idmgraph.pipeline.compactld)
    assert tried > 0
    assert failures == 0
