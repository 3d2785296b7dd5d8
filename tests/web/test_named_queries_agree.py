"""Every named query answers on the remote store exactly as on the embedded one.

The remote store is the one the release server of the HTTP suite stands on (``oxigraph serve``
with ``--backend remote``, Virtuoso with ``--backend virtuoso``); the embedded store reads the
same release's N-Quads. Each query runs with its default parameters. Answers are compared row
for row as RDF terms: in order where the query has a top-level ORDER BY, as a multiset where it
does not; blank nodes, whose labels are the store's own, are compared as blank.

SPARQL leaves two orders to the engine, and engines (even two Oxigraphs loaded differently)
use that freedom: rows tied on every ORDER BY key, and the items a ``GROUP_CONCAT`` joins. The
former are compared by their keys' order only; the latter as the multiset of items joined.
Everything else must be equal: terms, datatypes, language tags, counts, rows.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.base import formats
from idmgraph.base.querytext import TOKEN
from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import NamedQuery, QueryForm, project_catalogue
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.interface import Store
from idmgraph.store.remote import Remote, RemoteStore
from idmgraph.store.request import QueryRequest
from tests.remoteserver import backend, is_remote
from tests.web.linkedserver import Server

pytestmark = pytest.mark.skipif(
    not is_remote(), reason="compares a remote store with the embedded one: --backend remote"
)

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = project_catalogue(Settings(root=ROOT))
BLANK = "_:blank"
# (GROUP_CONCAT(... ; separator=", ") AS ?name): the separator and the variable
_CONCAT = re.compile(r"GROUP_CONCAT\s*\(([^()]*)\)\s+AS\s+\?(\w+)", re.IGNORECASE)
_SEPARATOR = re.compile(r"""separator\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
MAX_ROWS = 1_000_000  # every row of every answer: a cut answer would compare nothing


class Stores:
    """Both stores started on one event loop of their own."""

    def __init__(self, embedded: Store, remote: Store) -> None:
        self.embedded = embedded
        self.remote = remote
        self.loop = asyncio.new_event_loop()

    def answers(self, query: NamedQuery) -> tuple[bytes, bytes]:
        """The query's answer on the embedded store and on the remote one."""
        request = _request(query)
        return (
            self.loop.run_until_complete(self.embedded.query(request)).body,
            self.loop.run_until_complete(self.remote.query(request)).body,
        )


@pytest.fixture(scope="module")
def stores(server: Server) -> Iterator[Stores]:
    remote = RemoteStore(Remote.from_settings(server.settings, environ={}))
    embedded = OxigraphStore.from_file(server.release.dataset_file, workers=1)
    both = Stores(embedded, remote)
    both.loop.run_until_complete(embedded.start())
    both.loop.run_until_complete(remote.start())
    yield both
    both.loop.run_until_complete(remote.close())
    both.loop.run_until_complete(embedded.close())
    both.loop.close()


def _request(query: NamedQuery) -> QueryRequest:
    graph = query.form is QueryForm.CONSTRUCT
    return QueryRequest.of(
        query.sparql,
        shape=query.shape,
        format=formats.by_name("ntriples" if graph else "json"),
        substitutions=query.bindings({}),
        timeout=60,
        max_rows=MAX_ROWS,
        max_bytes=500_000_000,
    )


def _term(term: object) -> str:
    return BLANK if isinstance(term, ox.BlankNode) else str(term)


Row = dict[str, str]


def concatenations(sparql: str) -> dict[str, str]:
    """The variables a GROUP_CONCAT binds, with their separators."""
    found = {}
    for arguments, name in _CONCAT.findall(sparql):
        separator = _SEPARATOR.search(arguments)
        found[name] = (separator.group(1) or separator.group(2) or "") if separator else " "
    return found


def _joined(term: object, separator: str) -> str:
    """A GROUP_CONCAT's value with its items in sorted order (their order is the engine's)."""
    if not isinstance(term, ox.Literal) or not separator:
        return _term(term)
    items = sorted(term.value.split(separator))
    return str(ox.Literal(separator.join(items), datatype=term.datatype))


def _rows(body: bytes, joined: dict[str, str]) -> list[Row]:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    return [
        {
            name: _joined(row[name], joined[name]) if name in joined else _term(row[name])
            for name in names
        }
        for row in solutions
    ]


def _triples(body: bytes) -> Counter[tuple[str, str, str]]:
    parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    return Counter((_term(t.subject), _term(t.predicate), _term(t.object)) for t in parsed)


def order_keys(sparql: str) -> list[str] | None:
    """The variables of the query's top-level ORDER BY (ASC/DESC unwrapped), in order.

    [] when the solutions are not ordered; None when a key is an expression of its own. Rows
    that tie on every key may come in any order: SPARQL leaves it to the engine.
    """
    tokens = [
        (match.lastgroup or "other", match.group(0))
        for match in TOKEN.finditer(sparql)
        if match.lastgroup not in ("space", "comment")
    ]
    depth = 0
    for index, (_kind, text) in enumerate(tokens):
        depth += {"{": 1, "}": -1}.get(text, 0)
        following = tokens[index + 1][1].upper() if index + 1 < len(tokens) else ""
        if depth == 0 and text.upper() == "ORDER" and following == "BY":
            return _keys([text for _, text in tokens[index + 2 :]])
    return []


def _keys(clause: list[str]) -> list[str] | None:
    keys: list[str] = []
    for text in clause:
        upper = text.upper()
        if upper in ("LIMIT", "OFFSET", "VALUES"):
            break
        if text.startswith("?"):
            keys.append(text[1:])
        elif upper not in ("ASC", "DESC", "(", ")"):
            return None
    return keys


def _counted(rows: list[Row]) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted(row.items())) for row in rows)


def test_the_catalogue_is_read() -> None:
    assert len(CATALOGUE) >= 20
    assert order_keys("SELECT * { { SELECT ?x {} ORDER BY ?x } }") == []
    assert order_keys("SELECT * { ?s ?p ?o } # ORDER BY ?s\nORDER BY DESC(?o) ?s") == ["o", "s"]
    assert order_keys("SELECT * { ?s ?p ?o } ORDER BY STR(?o)") is None
    text = """SELECT (GROUP_CONCAT(DISTINCT ?x; separator=", ") AS ?xs)
        (group_concat(?y) AS ?ys) WHERE {}"""
    assert concatenations(text) == {"xs": ", ", "ys": " "}


@pytest.mark.parametrize("name", [query.name for query in CATALOGUE])
def test_named_query_answers_as_on_the_embedded_store(stores: Stores, name: str) -> None:
    query = CATALOGUE.get(name)
    embedded, remote = stores.answers(query)
    where = f"{name} on {backend()}"
    if query.form is QueryForm.CONSTRUCT:
        given, sent = _triples(embedded), _triples(remote)
        assert sent - given == Counter(), f"{where}: statements only the remote gives"
        assert given - sent == Counter(), f"{where}: statements the remote lacks"
        return
    joined = concatenations(query.sparql)
    expected_rows, found_rows = _rows(embedded, joined), _rows(remote, joined)
    expected, found = _counted(expected_rows), _counted(found_rows)
    assert found - expected == Counter(), f"{where}: rows only the remote gives"
    assert expected - found == Counter(), f"{where}: rows the remote lacks"
    keys = order_keys(query.sparql)
    if keys is None:  # ordered by an expression: the whole order must agree
        assert found_rows == expected_rows, f"{where}: another order"
    elif keys:
        in_order = [[row.get(key) for key in keys] for row in expected_rows]
        assert [[row.get(key) for key in keys] for row in found_rows] == in_order, where
