"""``/changes``: what moved between the two latest progress reports the store holds.

The comparison runs once per release (a release is immutable), on the statements of every
source graph, with :func:`idmgraph.diff.diff`. ``?format=json`` (or ``Accept:
application/json``) answers the same changes as JSON, the shape ``idmgraph diff --format json``
prints.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from idmgraph import formats
from idmgraph.diff import Changes, diff, graphs_of, latest_reports, snapshot_of
from idmgraph.errors import ConfigurationError, ReleaseMissing
from idmgraph.release import read_release
from idmgraph.settings import Settings
from idmgraph.store import Store
from idmgraph.web.pages import render

PATH = "/changes"
# Every statement of the source graphs; the ontology and shapes play no part in a diff.
_SOURCE_QUADS = """SELECT ?g ?s ?p ?o WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(STRSTARTS(STR(?g), "{prefix}"))
}}"""
_MAX_ROWS = 5_000_000  # an internal read, not a client's answer: the row cap is not for it


def router(settings: Settings, store: Store) -> APIRouter:
    """The ``/changes`` route over ``store``."""
    api = APIRouter()
    # One comparison per release, shared by the requests that arrive while it runs.
    remembered: dict[str, asyncio.Task[Changes | None]] = {}

    @api.get(PATH, name="changes")
    async def changes_page(request: Request) -> Response:
        """The changes between the two latest reports, as a page or as JSON."""
        if store.version not in remembered:
            remembered.clear()
            remembered[store.version] = asyncio.create_task(_latest_changes(settings, store))
        task = remembered[store.version]
        try:
            changes = await asyncio.shield(task)
        except Exception:
            remembered.pop(store.version, None)  # a failed comparison is tried again next time
            raise
        if _wants_json(request):
            body = changes.to_json() if changes is not None else None
            return JSONResponse({"changes": body}, headers={"Vary": "Accept"})
        return render(request, "changes.html", {"changes": changes}, headers={"Vary": "Accept"})

    return api


async def _latest_changes(settings: Settings, store: Store) -> Changes | None:
    """The changes from the second latest report to the latest; None with fewer than two.

    Read from the release's N-Quads dump when the store serves that release (2 s for 10^6
    statements, against ~15 s through a query), otherwise through the store: a remote store
    may serve a newer publication than this server's release folder.
    """
    prefix = settings.data_base + "source/"
    dump = release_dump(settings, store.version)
    if dump is not None:
        # Parsing and building rdflib graphs is seconds of CPU at 10^6 triples: off the loop.
        return await asyncio.to_thread(lambda: _compare_latest(_dump_quads(dump, prefix)))
    answer = await store.query(
        _SOURCE_QUADS.format(prefix=prefix.replace("\\", "\\\\").replace('"', '\\"')),
        format=formats.by_name("json"),
        timeout=settings.query_timeout,
        max_rows=_MAX_ROWS,
    )
    if answer.truncated:
        raise ConfigurationError(
            f"the release holds more than {_MAX_ROWS} source statements: too many to compare here"
        )
    return await asyncio.to_thread(lambda: _compare_latest(_answer_quads(answer.body)))


def release_dump(settings: Settings, version: str) -> Path | None:
    """The N-Quads dump of the release folder when it is release ``version``."""
    with contextlib.suppress(ReleaseMissing):
        release = read_release(settings.release_dir)
        if release.version == version:
            return release.dataset_file
    return None


def _dump_quads(dump: Path, prefix: str) -> Iterator[ox.Quad]:
    for quad in ox.parse(path=dump, format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix):
            yield quad


def _answer_quads(body: bytes) -> Iterator[ox.Quad]:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    for solution in solutions:
        quad = _quad(solution)
        if quad is not None:
            yield quad


def _compare_latest(quads: Iterable[ox.Quad]) -> Changes | None:
    graphs = graphs_of(quads)
    reports = latest_reports(graphs, 2)
    if len(reports) < 2:
        return None
    newest, previous = reports
    return diff(snapshot_of(graphs, previous), snapshot_of(graphs, newest))


def _quad(solution: ox.QuerySolution) -> ox.Quad | None:
    graph, subject, predicate, obj = (solution[name] for name in ("g", "s", "p", "o"))
    if not isinstance(graph, ox.NamedNode) or not isinstance(predicate, ox.NamedNode):
        return None
    if not isinstance(subject, ox.NamedNode | ox.BlankNode) or obj is None:
        return None
    return ox.Quad(subject, predicate, obj, graph)


def _wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept
