"""``/health``: ready only when a query can really be evaluated now.

A balancer's readiness check: 200 when a trivial query was just evaluated by the store (never
answered from a cache), 503 with Retry-After otherwise — while the query engine restarts, or
when every worker is held past the probe's time. Concurrent checks share one evaluation, so
the path cannot be used to flood the workers.
"""

from __future__ import annotations

import asyncio
import json

from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.errors import RequestError
from idmgraph.base.urls import SYSTEM_PAGES
from idmgraph.store.interface import Store

HEALTH_PATH = SYSTEM_PAGES["health"]
PROBE_SECONDS = 2.0


class Health:
    """The readiness check of one store, with at most one probe in flight."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._probe: asyncio.Task[str | None] | None = None

    async def check(self) -> str | None:
        """None when ready, else why not."""
        if self._probe is None:
            self._probe = asyncio.get_running_loop().create_task(self._run())
            self._probe.add_done_callback(self._forget)
        return await asyncio.shield(self._probe)

    def _forget(self, _task: asyncio.Task[str | None]) -> None:
        self._probe = None

    async def _run(self) -> str | None:
        try:
            await self._store.probe(timeout=PROBE_SECONDS)
        except RequestError as exc:
            return exc.detail
        return None

    async def endpoint(self, request: Request) -> Response:
        """Answer 200 ``{"status": "ready"}`` or 503 with the reason."""
        problem = await self.check()
        body = {"status": "ready" if problem is None else "unavailable"}
        body["release"] = self._store.version
        if problem is not None:
            body["detail"] = problem
        headers = {"Cache-Control": "no-store"}
        if problem is not None:
            headers["Retry-After"] = "5"
        payload = b"" if request.method == "HEAD" else json.dumps(body).encode()
        return Response(
            payload,
            status_code=200 if problem is None else 503,
            media_type=formats.JSON_MEDIA_TYPE,
            headers=headers,
        )
