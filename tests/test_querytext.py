"""The lexical reading of a query that decides on SERVICE, updates, forms and FROM."""

from __future__ import annotations

import pytest

from idmgraph.base.querytext import inspect_query


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("PREFIX select: <http://x/> ask { select:a ?p ?o }", "ASK"),
        ("BASE <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("# SELECT in a comment\nDESCRIBE <x>", "DESCRIBE"),
        ("", None),
    ],
)
def test_form(text: str, form: str | None) -> None:
    assert inspect_query(text).form == form


@pytest.mark.parametrize(
    ("text", "is_update"),
    [
        ("INSERT DATA { <a> <b> <c> }", True),
        ("PREFIX ex: <http://x/> DELETE WHERE { ?s ?p ?o }", True),
        ("LOAD <http://x/>", True),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
        ("SELECT * { ?s <http://x/insert> ?o }", False),
        ('SELECT ("DELETE" AS ?x) {}', False),
    ],
)
def test_update(text: str, is_update: bool) -> None:
    assert inspect_query(text).is_update is is_update


def test_dataset_clause() -> None:
    assert inspect_query("SELECT * FROM <g> { ?s ?p ?o }").has_dataset
    assert inspect_query("SELECT * FROM NAMED <g> { GRAPH ?g { ?s ?p ?o } }").has_dataset
    assert not inspect_query('SELECT * { ?s ?p "FROM" }').has_dataset


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("SELECT * { SERVICE <http://a/s> { } }", ("http://a/s",)),
        ("PREFIX e: <http://a/> SELECT * { SERVICE SILENT e:s { } }", ("http://a/s",)),
        ("PREFIX e: <http://a/> SELECT * { SERVICE e:s\\.x { } }", ("http://a/s.x",)),
        ("SELECT * { SERVICE ?endpoint { } }", (None,)),
        ("SELECT * { SERVICE <relative> { } }", (None,)),
        ("SELECT * { SERVICE unknown:s { } }", (None,)),
        ("SELECT * { SERVICE", (None,)),
        ("SELECT * { ?s ?p '''SERVICE <http://a/s> {}''' }", ()),
        ('SELECT * { ?s ?p "\\"SERVICE <http://a/s> {}" }', ()),
        ("SELECT * { <http://a/SERVICE> ?p ?o }", ()),
        ("SELECT * { ?s ?p ?o } # SERVICE <http://a/s>", ()),
        ("SELECT * { ?s ?p ?o FILTER(?s<?o)SERVICE<http://a/s>{} }", ("http://a/s",)),
        ("SELECT * { \\u0053ERVICE <http://a/s> {} }", ("http://a/s",)),
        ("SELECT * { ?s ?p '\\u0027 SERVICE <http://a/s> {} #' }", ("http://a/s",)),
    ],
)
def test_service_targets(text: str, services: tuple[str | None, ...]) -> None:
    assert inspect_query(text).services == services
