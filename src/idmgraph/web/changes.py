"""``/changes``: what moved between two progress reports the store holds.

By default the two latest; ``?from=SLUG&to=SLUG`` names others (the slugs of their source
graphs, as ``idmgraph diff`` takes them; ``to`` alone compares with the report before it).
The comparison is :func:`idmgraph.reading.comparison.compare_reports`; it runs once per release and
pair (a release is immutable), shared by the requests that arrive while it runs.
``?format=json`` (or ``Accept: application/json``) answers the same changes as JSON, the
shape ``idmgraph diff --format json`` prints.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.reading.comparison import Comparison, Pair, check_sources, compare_reports
from idmgraph.store.interface import Store
from idmgraph.store.snapshot import Served
from idmgraph.web.negotiation import prefers_json
from idmgraph.web.pages import render

PATH = page("changes")
_PAIRS_KEPT = 16  # comparisons kept per release (each pair of reports is one)


def router(settings: Settings, store: Store, served: Served) -> APIRouter:
    """The ``/changes`` route over ``store`` (and the dump of the release ``served``)."""
    api = APIRouter()
    # One comparison per release and pair, shared by the requests that arrive while it runs.
    remembered: OrderedDict[tuple[str, Pair], asyncio.Task[Comparison]] = OrderedDict()

    @api.get(PATH, name="changes")
    async def changes_page(request: Request) -> Response:
        """The changes between two reports (by default the two latest), as a page or JSON."""
        pair = (request.query_params.get("from") or None, request.query_params.get("to") or None)
        check_sources(settings, store, pair)
        key = (store.version, pair)
        if key not in remembered:
            for stale in [k for k in remembered if k[0] != store.version]:
                del remembered[stale]
            remembered[key] = asyncio.create_task(compare_reports(settings, store, served, pair))
            while len(remembered) > _PAIRS_KEPT:
                remembered.popitem(last=False)
        task = remembered[key]
        try:
            found = await asyncio.shield(task)
        except Exception:
            remembered.pop(key, None)  # a failed comparison is tried again next time
            raise
        changes = found.changes
        if _wants_json(request):
            body = changes.to_json() if changes is not None else None
            return JSONResponse({"changes": body}, headers={"Vary": "Accept"})
        context = {"changes": changes, "comparison": found, "slug": _slug(settings)}
        return render(request, "changes.html", context, headers={"Vary": "Accept"})

    return api


def _slug(settings: Settings) -> Callable[[str], str]:
    prefix = settings.data_base + "source/"
    return lambda iri: iri.removeprefix(prefix)


def _wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    return prefers_json(request.headers.get("accept"))
