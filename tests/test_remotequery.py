"""Query rewriting for the remote store: the same answers as Oxigraph's own substitutions."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.pipeline.queries import NamedQuery, Term, load_catalogue
from idmgraph.store.remotequery import HIDDEN, MAX_GRAPH_VARIABLES, limited, rewrite, unversion

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = load_catalogue(ROOT / "queries", root=ROOT)
SAMPLE_DATES = ("2023-09-08", "2023-11-01", "2022-03-01")


def _rows(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> list[str]:
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result))]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(repr([str(row[name]) for name in names]) for row in result)
    return sorted(str(triple) for triple in result)


def _cases() -> list[tuple[NamedQuery, dict[str, str]]]:
    cases = []
    for query in CATALOGUE:
        dated = [p for p in query.parameters if p.name == "on"]
        for on in SAMPLE_DATES if dated else ("",):
            cases.append((query, {"on": on} if on else {}))
    return cases


def _substituted(store: ox.Store, query: NamedQuery, bound: dict[str, Term]) -> list[str]:
    """The rows of ``query`` on the embedded store, its parameters bound by Oxigraph itself."""
    substitutions = {ox.Variable(name): term for name, term in bound.items()}
    return _rows(
        store.query(query.sparql, use_default_graph_as_union=True, substitutions=substitutions)
    )


@pytest.mark.parametrize(
    ("query", "given"), _cases(), ids=lambda v: getattr(v, "name", None) or str(v or "-")
)
def test_rewritten_bindings_answer_as_substitutions_do(
    release_store: ox.Store, query: NamedQuery, given: dict[str, str]
) -> None:
    bound = query.bindings(given)
    expected = _substituted(release_store, query, bound)
    text = rewrite(query.sparql, graphs={}, substitutions=bound)
    assert _rows(release_store.query(text, use_default_graph_as_union=True)) == expected


def test_graph_names_are_versioned_only_where_they_name_a_graph() -> None:
    graphs = {"https://w3id.org/idmgraph/id/source/r": "https://w3id.org/idmgraph/id/source/r?v"}
    text = rewrite(
        "PREFIX src: <id/source/> SELECT * FROM NAMED src:r WHERE {\n"
        "  GRAPH <id/source/r> { ?s ?p ?o } src:r ?q ?v .\n"
        "  GRAPH <urn:idmgraph:current> { ?a ?b ?c } }",
        graphs=graphs,
        base_iri="https://w3id.org/idmgraph/",
    )
    assert text.startswith("BASE <https://w3id.org/idmgraph/> PREFIX")
    assert "FROM NAMED <https://w3id.org/idmgraph/id/source/r?v> WHERE" in text
    assert "GRAPH <https://w3id.org/idmgraph/id/source/r?v> {" in text
    assert "src:r ?q ?v" in text  # the source as a subject keeps its own name
    assert f"GRAPH <{HIDDEN}>" in text
    assert "\n" in text.split("WHERE", 1)[1]  # line numbers are kept


def test_answers_lose_the_load_marker() -> None:
    body = b'{"g": {"type": "uri", "value": "https://x/g?idmgraph-load=ab12"}}'
    assert (
        unversion(body, "?idmgraph-load=ab12") == b'{"g": {"type": "uri", "value": "https://x/g"}}'
    )


def _numbers(count: int) -> ox.Store:
    store = ox.Store()
    for n in range(count):
        store.add(ox.Quad(ox.NamedNode(f"urn:n:{n}"), ox.NamedNode("urn:value"), ox.Literal(n)))
    return store


LIMITED = [
    "SELECT ?s WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1000",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3",
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o OFFSET 10 LIMIT 50",
    "SELECT ?s WHERE { ?s ?p ?o } # a closing comment",
    "SELECT ?s { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 40 } } ORDER BY DESC(?s)",
    "SELECT ?s ?o WHERE { ?s ?p ?o } VALUES ?o { 1 2 3 4 5 6 7 8 9 10 11 12 13 }",
    'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != "LIMIT 1") } GROUP BY ?p',
]


@pytest.mark.parametrize("sparql", LIMITED)
def test_a_limited_select_answers_the_first_rows_and_one_more(sparql: str) -> None:
    store = _numbers(30)
    answer = store.query(sparql)
    assert isinstance(answer, ox.QuerySolutions)
    whole = list(answer)
    for cap in (0, 4, 11, 100):
        text = limited(sparql, cap)
        capped = store.query(text)
        assert isinstance(capped, ox.QuerySolutions)
        cut = list(capped)
        assert len(cut) == min(len(whole), cap + 1), text
        assert [str(row[0]) for row in cut] == [str(row[0]) for row in whole[: cap + 1]]
        assert text.count("LIMIT") <= sparql.count("LIMIT") + 1


def _versioned(store: ox.Store, marker: str) -> tuple[ox.Store, dict[str, str]]:
    """A copy of ``store`` with every named graph renamed as a remote store names its version."""
    copy, graphs = ox.Store(), {}
    for quad in store:
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode):
            graphs[graph.value] = graph.value + marker
            graph = ox.NamedNode(graph.value + marker)
        copy.add(ox.Quad(quad.subject, quad.predicate, quad.object, graph))
    return copy, graphs


@pytest.fixture(scope="module")
def versioned_release(release_store: ox.Store) -> tuple[ox.Store, dict[str, str]]:
    return _versioned(release_store, "?idmgraph-load=t1")


@pytest.mark.parametrize(
    ("query", "given"), _cases(), ids=lambda v: getattr(v, "name", None) or str(v or "-")
)
def test_named_queries_answer_alike_over_versioned_graphs(
    release_store: ox.Store,
    versioned_release: tuple[ox.Store, dict[str, str]],
    query: NamedQuery,
    given: dict[str, str],
) -> None:
    bound = query.bindings(given)
    expected = _substituted(release_store, query, bound)
    store, graphs = versioned_release
    text = rewrite(query.sparql, graphs=graphs, substitutions=bound)
    answer = _rows(store.query(text, use_default_graph_as_union=True))
    answer = [unversion(row.encode(), "?idmgraph-load=t1").decode() for row in answer]
    if "GROUP_CONCAT" in query.sparql:  # SPARQL leaves the order of the parts to the engine
        answer, expected = _parts_sorted(answer), _parts_sorted(expected)
    assert answer == expected


def _parts_sorted(rows: list[str]) -> list[str]:
    return sorted("|".join(sorted(re.split(r", | / |[\"'\[\]]", row))) for row in rows)


def test_a_graph_variable_is_bound_to_the_release_name_inside_the_query() -> None:
    store = ox.Store()
    versioned = ox.NamedNode("urn:g?idmgraph-load=t1")
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("in"), versioned))
    store.add(ox.Quad(ox.NamedNode("urn:g"), ox.NamedNode("urn:by"), ox.Literal("body"), versioned))
    sparql = "SELECT * WHERE { GRAPH ?g { ?s <urn:p> ?o } ?g <urn:by> ?body }"
    text = rewrite(sparql, graphs={"urn:g": versioned.value})
    answer = store.query(text, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    rows = list(answer)
    assert [[str(row[name]) for name in ("g", "s", "o", "body")] for row in rows] == [
        ["<urn:g>", "<urn:s>", '"in"', '"body"']
    ]
    plain = ox.Store().query(sparql)
    rewritten = store.query(text)
    assert isinstance(plain, ox.QuerySolutions)
    assert isinstance(rewritten, ox.QuerySolutions)
    assert rewritten.variables == plain.variables
    # without versioned graphs the text is left as it was
    assert rewrite(sparql, graphs={}) == sparql


def test_many_graph_variables_are_refused_rather_than_amplified() -> None:
    graphs = {f"urn:g{n}": f"urn:g{n}?idmgraph-load=t1" for n in range(20)}
    few = "SELECT * WHERE { " + " ".join(f"GRAPH ?g{n} {{ }}" for n in range(3)) + " }"
    assert rewrite(few, graphs=graphs).count("VALUES") == 3
    many = "SELECT * WHERE { " + "GRAPH ?g { } " * (MAX_GRAPH_VARIABLES + 1) + "}"
    with pytest.raises(ValueError, match=r"GRAPH \?variable patterns"):
        rewrite(many, graphs=graphs)
