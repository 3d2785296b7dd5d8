"""Every named query answers on the remote store exactly as on the embedded one.

The remote store is the one the release server of the HTTP suite stands on (``oxigraph serve``
with ``--backend remote``, Virtuoso with ``--backend virtuoso``); the embedded store reads the
same release's N-Quads. Each query runs with its default parameters. Answers are compared row
for row as RDF terms: in order where the query has a top-level ORDER BY, as a multiset where it
does not; blank nodes, whose labels are the store's own, are compared as blank.
"""

from __future__ import annotations

import asyncio
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


def _rows(body: bytes) -> list[tuple[str, ...]]:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    names = solutions.variables
    return [tuple(_term(row[name]) for name in names) for row in solutions]


def _triples(body: bytes) -> Counter[tuple[str, str, str]]:
    parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    return Counter((_term(t.subject), _term(t.predicate), _term(t.object)) for t in parsed)


def ordered(sparql: str) -> bool:
    """Whether the query's own solutions are ordered (ORDER BY outside every group)."""
    depth, last = 0, ""
    for match in TOKEN.finditer(sparql):
        kind, text = match.lastgroup or "other", match.group(0)
        if kind in ("space", "comment", "string"):
            continue
        depth += {"{": 1, "}": -1}.get(text, 0)
        upper = text.upper()
        if depth == 0 and last == "ORDER" and upper == "BY":
            return True
        last = upper
    return False


def test_the_catalogue_is_read() -> None:
    assert len(CATALOGUE) >= 20
    assert ordered("SELECT * { { SELECT ?x {} ORDER BY ?x } }") is False
    assert ordered("SELECT * { ?s ?p ?o } # ORDER BY ?s\nORDER BY ?o") is True


@pytest.mark.parametrize("name", [query.name for query in CATALOGUE])
def test_named_query_answers_as_on_the_embedded_store(stores: Stores, name: str) -> None:
    query = CATALOGUE.get(name)
    embedded, remote = stores.answers(query)
    if query.form is QueryForm.CONSTRUCT:
        assert _triples(remote) == _triples(embedded), backend()
        return
    expected, found = _rows(embedded), _rows(remote)
    if not ordered(query.sparql):
        expected, found = sorted(expected), sorted(found)
    assert found == expected, f"{name} on {backend()}"
