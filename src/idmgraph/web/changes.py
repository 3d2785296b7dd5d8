"""``/changes``: what moved between the two latest progress reports the store holds.

The store is read once per release (a release is immutable): the statements of every source
graph, compared with :func:`idmgraph.diff.diff`. ``?format=json`` (or ``Accept:
application/json``) answers the same changes as JSON, the shape ``idmgraph diff --format json``
prints.
"""

from __future__ import annotations

import asyncio

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from idmgraph import formats
from idmgraph.diff import Changes, diff, graphs_of, latest_reports, snapshot_of
from idmgraph.errors import ConfigurationError
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
    """The changes from the second latest report to the latest; None with fewer than two."""
    prefix = settings.data_base + "source/"
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
    # Building rdflib graphs of the sources is seconds of CPU at 10^6 triples: off the loop.
    return await asyncio.to_thread(_compare_latest, answer.body)


def _compare_latest(body: bytes) -> Changes | None:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    quads = (_quad(solution) for solution in solutions)
    graphs = graphs_of(quad for quad in quads if quad is not None)
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
