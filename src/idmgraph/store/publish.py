"""Publish a release to a remote SPARQL store so that it is never seen half-loaded.

Through the SPARQL 1.1 Graph Store HTTP Protocol, each of the release's graphs is PUT into a
new *versioned* graph (``<graph IRI>?idmgraph-load=<id>``) that no query reads yet, and all of
them merged into one more (``urn:idmgraph:merged?idmgraph-load=<id>``): the default graph of
queries that name no dataset. It doubles what the remote stores, and makes those queries ~10x
faster in Oxigraph, which evaluates a default graph of many graphs as a union at every triple
pattern. The triple count of every new graph is checked against what was sent and the total
against the release manifest; then one PUT replaces the small pointer graph
(``urn:idmgraph:current``), which is the switch; then the graphs of every other load but the
one replaced are dropped. The replaced one stays until the next publication: a server reads
the pointer every few seconds, and a request reads the release it began on throughout
(:class:`~idmgraph.store.interface.Reading`), so both finish on whole graphs. A failure before
the switch drops the new graphs and leaves the served version as it was. Nothing here speaks
SPARQL Update: loading, switching and dropping are Graph Store requests.

A Graph Store PUT need not be atomic: Virtuoso clears the graph, then inserts its statements
as they are parsed, and a query meanwhile sees part of them. The versioned graphs are read by
no query until the switch, and the pointer says how many statements it holds, so a pointer
read half written is not followed (:func:`~idmgraph.store.remote.parse_pointer`).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import pyoxigraph

from idmgraph.base import formats
from idmgraph.base.errors import ConfigurationError, PublishFailed
from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import read_release
from idmgraph.store.evaluate import Term
from idmgraph.store.remote import (
    DEFAULT_GRAPH,
    HAS_PART,
    HAS_VERSION,
    LOAD_MARKER,
    MERGED,
    POINTER_GRAPH,
    POINTER_QUERY,
    STATEMENTS,
    TRIPLES,
    Pointer,
    Remote,
    parse_pointer,
)
from idmgraph.store.remotequery import INTERNAL, MARKER

NTRIPLES = formats.by_name("ntriples").media_type
_COUNTS = """SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER(STRENDS(STR(?g), "{marker}")) }} GROUP BY ?g"""
# A triple pattern, not GRAPH ?g { }: Virtuoso answers that with one row, ?g unbound.
_LOADED = f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER(CONTAINS(STR(?g), "{MARKER}")) }}"""
# Typed literals other than strings: what a store may rewrite as it loads them. Stores keep
# numbers, booleans and dates as values, and write them back each in its own way: "1e1" as a
# double reads "10" in Oxigraph, "10.0" in Virtuoso.
_TYPED = """SELECT DISTINCT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRENDS(STR(?g), "{marker}"))
  FILTER(isLiteral(?o) && LANG(?o) = "" && DATATYPE(?o) != <{string}>) }}"""
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_SHOWN = 3  # rewritten literals quoted in the message


@dataclass(frozen=True, kw_only=True)
class Published:
    """What a publication did."""

    version: str
    marker: str  # versioned graph = graph IRI + marker
    graphs: tuple[str, ...]  # the release's graph IRIs
    triples: int
    replaced: str | None  # the version served before, if any
    dropped: int  # graphs of loads before the replaced one that were dropped
    seconds: float


def publish_remote(settings: Settings, *, environ: Mapping[str, str] | None = None) -> Published:
    """Publish the release in ``settings.release_dir`` to the store ``settings.store`` names."""
    release = read_release(settings.release_dir)
    return publish_dataset(
        Remote.from_settings(settings, environ),
        release.dataset_file,
        version=release.version,
        expected_triples=release.triples,
    )


def publish_dataset(
    remote: Remote, dataset: Path, *, version: str, expected_triples: int | None = None
) -> Published:
    """Load ``dataset`` (N-Quads or TriG) as the current version of the remote store."""
    if remote.graph_store_url is None:
        raise ConfigurationError("publishing needs remote_graph_store_url (the Graph Store URL)")
    started = time.monotonic()
    graphs = _read_graphs(dataset)
    marker = f"{MARKER}{uuid.uuid4().hex[:12]}"
    with httpx.Client(auth=remote.query_auth, timeout=600) as client:
        session = _Session(client, remote)
        old = parse_pointer(session.select(POINTER_QUERY))
        try:
            for name, triples in sorted(graphs.items()):
                session.put(name + marker, _ntriples(triples))
            session.put(MERGED + marker, _ntriples(set().union(*graphs.values())))
            _verify(session, marker, graphs, expected_triples)
            _verify_literals(session, marker, graphs)
        except (httpx.HTTPError, PublishFailed) as exc:
            session.drop(name + marker for name in [*graphs, MERGED])
            raise PublishFailed(f"nothing was switched: {exc}") from exc
        total = sum(len(triples) for triples in graphs.values())
        pointer = Pointer(
            version=version,
            marker=marker,
            graphs=tuple(sorted(name + marker for name in graphs)),
            triples=total,
            default_graph=MERGED + marker,
        )
        session.put(POINTER_GRAPH, _pointer_body(pointer))  # the switch: one atomic PUT
        kept = (marker, old.marker) if old is not None else (marker,)
        stale = [g for g in session.loaded_graphs() if not g.endswith(kept)]
        session.drop(stale)
    return Published(
        version=version,
        marker=marker,
        graphs=tuple(sorted(graphs)),
        triples=total,
        replaced=old.version if old else None,
        dropped=len(stale),
        seconds=time.monotonic() - started,
    )


class _Session:
    """The few requests a publication makes, with their answers checked."""

    def __init__(self, client: httpx.Client, remote: Remote) -> None:
        self._client = client
        self._remote = remote
        self._store = remote.graph_store_url or ""
        self._auth = remote.auth or httpx.USE_CLIENT_DEFAULT  # writes: the publishing account

    def select(self, query: str) -> bytes:
        accept = formats.by_name("json").content_type
        response = self._client.post(
            self._remote.query_url, data={"query": query}, headers={"Accept": accept}
        )
        response.raise_for_status()
        if "x-sparql-maxrows" in response.headers:  # Virtuoso's ResultSetMaxRows cut it
            raise PublishFailed(
                f"the store cut a check's answer at {response.headers['x-sparql-maxrows']} "
                "rows (Virtuoso [SPARQL] ResultSetMaxRows); set it to 0"
            )
        return response.content

    def put(self, graph: str, body: bytes) -> None:
        response = self._client.put(
            self._store,
            params={"graph": graph},
            content=body,
            headers={"Content-Type": NTRIPLES},
            auth=self._auth,
        )
        response.raise_for_status()

    def drop(self, graphs: Iterable[str]) -> None:
        for graph in graphs:
            # a graph left behind here is dropped by the next publication, so errors pass
            with contextlib.suppress(httpx.HTTPError):
                self._client.delete(self._store, params={"graph": graph}, auth=self._auth)

    def loaded_graphs(self) -> list[str]:
        rows = _column_rows(self.select(_LOADED), "g")
        return [term.value for (term,) in rows if isinstance(term, pyoxigraph.NamedNode)]


def _verify(
    session: _Session,
    marker: str,
    graphs: Mapping[str, set[pyoxigraph.Triple]],
    expected_triples: int | None,
) -> None:
    """Compare every loaded graph's size with what was sent, and the total with the manifest."""
    counts = _column_rows(session.select(_COUNTS.format(marker=marker)), "g", "n")
    loaded = {
        graph.value: int(count.value)
        for graph, count in counts
        if isinstance(graph, pyoxigraph.NamedNode) and isinstance(count, pyoxigraph.Literal)
    }
    merged = loaded.pop(MERGED + marker, 0)
    distinct = len(set().union(*graphs.values()))
    if merged != distinct:
        raise PublishFailed(f"merged graph: {merged} statements loaded, {distinct} sent")
    for name, triples in graphs.items():
        found = loaded.get(name + marker, 0)
        if found != len(triples):
            raise PublishFailed(f"<{name}>: {found} statements loaded, {len(triples)} sent")
    total = sum(loaded.values())
    if expected_triples is not None and total != expected_triples:
        raise PublishFailed(f"{total} statements loaded, the release has {expected_triples}")


def _verify_literals(
    session: _Session, marker: str, graphs: Mapping[str, set[pyoxigraph.Triple]]
) -> None:
    """Refuse a store holding typed literals otherwise than the embedded store holds them.

    Its answers would then differ from the embedded store's (another ``STR()``, another
    lexical form on every page), so the release is not switched to.
    """
    typed = _column_rows(session.select(_TYPED.format(marker=marker, string=_XSD_STRING)), "o")
    loaded: set[object] = {term for (term,) in typed}
    sent = _as_embedded(
        triple.object
        for triples in graphs.values()
        for triple in triples
        if isinstance(triple.object, pyoxigraph.Literal)
        and triple.object.language is None
        and triple.object.datatype.value != _XSD_STRING
    )
    if loaded != sent:
        changed = sorted(str(term) for term in sent - loaded)
        found = sorted(str(term) for term in loaded - sent)
        raise PublishFailed(
            "the store holds typed literals otherwise than the embedded store: "
            f"{', '.join(changed[:_SHOWN]) or 'none'} ({len(changed)}) are read there as "
            f"{', '.join(found[:_SHOWN]) or 'none'} ({len(found)}); its answers would differ"
        )


def _as_embedded(literals: Iterable[pyoxigraph.Literal]) -> set[object]:
    """The literals as the embedded store (Oxigraph) holds and writes them back."""
    store = pyoxigraph.Store()
    node = pyoxigraph.NamedNode(INTERNAL + "literal")
    store.extend(pyoxigraph.Quad(node, node, literal) for literal in literals)
    return {quad.object for quad in store}


def _column_rows(body: bytes, *names: str) -> list[tuple[Term, ...]]:
    """The rows of a JSON answer in which every one of ``names`` is bound, as plain tuples.

    pyoxigraph's solutions must be dropped by the thread that made them: held by a frame that a
    traceback keeps (a failed check raises right after reading them), they would be collected
    later, maybe by another thread. So they never leave this function.
    """
    solutions = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    rows = []
    for row in solutions:
        terms = tuple(row[name] for name in names)
        if all(term is not None for term in terms):
            rows.append(cast(tuple[Term, ...], terms))
    return rows


def _read_graphs(dataset: Path) -> dict[str, set[pyoxigraph.Triple]]:
    fmt = formats.by_extension(dataset.suffix).oxigraph
    if not isinstance(fmt, pyoxigraph.RdfFormat):
        raise ConfigurationError(f"{dataset}: not an RDF dataset")
    graphs: dict[str, set[pyoxigraph.Triple]] = {}
    for quad in pyoxigraph.parse(path=str(dataset), format=fmt):
        if not isinstance(quad.graph_name, pyoxigraph.NamedNode):
            raise ConfigurationError(f"{dataset}: a statement outside any named graph")
        graphs.setdefault(quad.graph_name.value, set()).add(quad.triple)
    return graphs


def _ntriples(triples: Iterable[pyoxigraph.Triple]) -> bytes:
    return pyoxigraph.serialize(list(triples), format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def _pointer_body(pointer: Pointer) -> bytes:
    node = pyoxigraph.NamedNode(POINTER_GRAPH)
    integer = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    triples = [
        pyoxigraph.Triple(
            node, pyoxigraph.NamedNode(HAS_VERSION), pyoxigraph.Literal(pointer.version)
        ),
        pyoxigraph.Triple(
            node, pyoxigraph.NamedNode(LOAD_MARKER), pyoxigraph.Literal(pointer.marker)
        ),
        pyoxigraph.Triple(
            node,
            pyoxigraph.NamedNode(TRIPLES),
            pyoxigraph.Literal(str(pointer.triples), datatype=integer),
        ),
    ]
    if pointer.default_graph is not None:
        triples.append(
            pyoxigraph.Triple(
                node,
                pyoxigraph.NamedNode(DEFAULT_GRAPH),
                pyoxigraph.NamedNode(pointer.default_graph),
            )
        )
    triples += [
        pyoxigraph.Triple(node, pyoxigraph.NamedNode(HAS_PART), pyoxigraph.NamedNode(graph))
        for graph in pointer.graphs
    ]
    # how many statements the pointer holds, this one included: a half-written one is ignored
    count = pyoxigraph.Literal(str(len(triples) + 1), datatype=integer)
    triples.append(pyoxigraph.Triple(node, pyoxigraph.NamedNode(STATEMENTS), count))
    return _ntriples(triples)
