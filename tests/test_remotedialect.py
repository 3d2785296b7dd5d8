"""How the remote backend reads what stores (Virtuoso above all) answer, without a server.

The same behaviour is tested against a real Virtuoso by ``--backend virtuoso``; the answers
below are ones Virtuoso 7.2 gave, byte for byte.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from idmgraph.base.errors import BadRequest, QueryTimeout, StoreIncapable
from idmgraph.store.remotedialect import (
    Dialect,
    builtin_iris,
    check_complete,
    json_as_tsv,
    ordered,
    reads_standard_tsv,
    refusal,
    refusal_text,
    virtuoso_dialect,
)
from idmgraph.store.remotequery import without_dataset_clauses

XSD = "http://www.w3.org/2001/XMLSchema#"
VIRTUOSO_JSON = b"""
{ "head": { "link": [], "vars": ["s", "o", "n"] },
  "results": { "distinct": false, "ordered": true, "bindings": [
    { "s": { "type": "uri", "value": "http://ex/a" }\t, "o": { "type": "bnode", "value": "nodeID://b10000" }},
    { "s": { "type": "bnode", "value": "nodeID://b10000" }\t, "o": { "type": "literal", "xml:lang": "en-gb", "value": "hello" }\t, "n": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "5" }},
    { "s": { "type": "uri", "value": "http://ex/a" }\t, "o": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#string", "value": "tab\\there" }} ] } }"""  # noqa: E501


def test_virtuoso_json_becomes_standard_tsv() -> None:
    tsv = json_as_tsv(VIRTUOSO_JSON)
    rows = list(ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV))  # type: ignore[arg-type]
    assert [str(v) for v in rows[0]] == ["<http://ex/a>", str(rows[1]["s"]), "None"]
    assert isinstance(rows[0]["o"], ox.BlankNode)
    assert rows[0]["o"] == rows[1]["s"]  # one label, one blank node
    assert rows[1]["o"] == ox.Literal("hello", language="en-gb")
    assert rows[1]["n"] == ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))
    assert rows[2]["o"] == ox.Literal("tab\there")  # an explicit xsd:string is a plain string


def test_the_probes_tell_the_stores_apart() -> None:
    assert reads_standard_tsv(b"?x\n<urn:idmgraph:probe>\n")
    assert not reads_standard_tsv(b'"x"\n"urn:idmgraph:probe"\n')
    answer = b'{"head":{"vars":["cap","top"]},"results":{"bindings":[{"cap":{"type":"literal","value":"0"}}]}}'  # noqa: E501
    found = virtuoso_dialect(answer, standard_tsv=False)
    assert (found.virtuoso, found.row_cut, found.sorted_top) == (True, 0, 10_000)


def test_cut_and_partial_answers_are_refused() -> None:
    check_complete({}, max_rows=10)
    check_complete({"x-sparql-maxrows": "11"}, max_rows=10)  # past our cap: ours cuts anyway
    with pytest.raises(StoreIncapable, match="ResultSetMaxRows"):
        check_complete({"x-sparql-maxrows": "10"}, max_rows=10)
    with pytest.raises(QueryTimeout, match="incomplete"):
        check_complete({"x-sql-state": "S1TAT", "x-sql-message": "RC...: interrupted"}, max_rows=9)


def test_graph_answers_need_a_store_that_does_not_cut_them() -> None:
    Dialect().check_graph_answers()
    Dialect(virtuoso=True, row_cut=0).check_graph_answers()
    with pytest.raises(StoreIncapable, match="at 10000 solutions"):
        Dialect(virtuoso=True, row_cut=10_000).check_graph_answers()
    with pytest.raises(StoreIncapable, match="could not be read"):
        Dialect(virtuoso=True, row_cut=None).check_graph_answers()


def test_refusals_are_named() -> None:
    body = b"Virtuoso 37000 Error SP030: syntax error\n\nSPARQL query:\nSELECT <urn:secret>"
    text = refusal_text(body)
    assert text == "Virtuoso 37000 Error SP030: syntax error"
    assert isinstance(refusal(400, text), BadRequest)
    assert isinstance(refusal(500, "Virtuoso 22023 Error SR353: Sorted TOP"), StoreIncapable)
    timed_out = refusal(500, "Virtuoso S1T00 Error SR171: Transaction timed out")
    assert isinstance(timed_out, QueryTimeout)
    assert "time limit" in str(timed_out)
    assert str(refusal(502, "")) == "the remote store answered 502"
    federated = "Virtuoso 42000 Error SQ070:SECURITY: Must have select privileges on view DB.DBA.SPARQL_SINV_2"  # noqa: E501
    assert isinstance(refusal(500, federated), StoreIncapable)
    path = "Virtuoso 37000 Error TR...: Query contains a transitive derived table but neither end of it is bound by equality to other columns or parameters"  # noqa: E501
    assert isinstance(refusal(500, path), StoreIncapable)


def test_builtin_procedures_are_found_however_written() -> None:
    assert builtin_iris("SELECT * WHERE { ?s ?p ?o }") == []
    assert builtin_iris('SELECT (bif:sprintf("%s", 1) AS ?x) {}') == ["bif:sprintf"]
    assert builtin_iris("SELECT * { BIND(<SQL:proc>(1) AS ?x) }") == ["SQL:proc"]
    assert builtin_iris("PREFIX f: <bif:> SELECT (f:http_get(1) AS ?x) {}") == [
        "bif:",
        "bif:http_get",
    ]
    assert builtin_iris("SELECT (<\\u0062if:file_to_string>(1) AS ?x) {}") == ["bif:file_to_string"]
    assert builtin_iris('SELECT * { ?s ?p "bif:in a string" }') == []


def test_sorted_limits_and_order() -> None:
    assert ordered("SELECT * { ?s ?p ?o } ORDER BY ?s")
    assert not ordered("SELECT * { { SELECT * { ?s ?p ?o } ORDER BY ?s } }")
    assert not ordered('SELECT * { ?s ?p "ORDER BY" }')
    store = Dialect(virtuoso=True, sorted_top=100)
    assert store.limits("SELECT * { ?s ?p ?o } ORDER BY ?s", 100)
    assert not store.limits("SELECT * { ?s ?p ?o } ORDER BY ?s", 101)
    assert store.limits("SELECT * { ?s ?p ?o }", 101)  # no sort: a TOP of any size
    assert Dialect().limits("SELECT * { ?s ?p ?o } ORDER BY ?s", 10**7)


def test_virtuoso_is_sent_what_answers_as_sparql_says() -> None:
    virtuoso = Dialect(virtuoso=True)
    text = virtuoso.adapted("DESCRIBE <urn:x>", "DESCRIBE")
    assert text == 'define sql:describe-mode "CBD" DESCRIBE <urn:x>'
    assert Dialect().adapted("SELECT * { GRAPH ?g { } }", "SELECT") == "SELECT * { GRAPH ?g { } }"
    graphs = virtuoso.adapted("SELECT ?g {\n GRAPH ?g {\n } }", "SELECT")
    assert "GRAPH ?g { ?idmgraph_any_s" in graphs
    assert graphs.count("\n") == 2  # line numbers kept
    with pytest.raises(StoreIncapable, match="empty graph pattern"):
        virtuoso.adapted("ASK { GRAPH <urn:g> { } }", "ASK")


def test_a_protocol_dataset_blanks_the_query_s_own() -> None:
    text = "SELECT *\nFROM <urn:a>\nFROM NAMED ex:b WHERE { ?s ?p 'FROM <urn:c>' }"
    blanked = without_dataset_clauses(text)
    assert "urn:a" not in blanked
    assert "ex:b" not in blanked
    assert "'FROM <urn:c>'" in blanked
    assert blanked.count("\n") == text.count("\n")
    assert len(blanked) == len(text)
