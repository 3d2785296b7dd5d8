"""The application factory: ``create_app(settings, store)``, nothing configured by globals."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from idmgraph import __version__
from idmgraph.base.errors import UpdateRefused
from idmgraph.base.settings import Settings
from idmgraph.base.urls import Urls, page
from idmgraph.pipeline.queries import project_catalogue
from idmgraph.store.fairshare import Asker, current_asker
from idmgraph.store.interface import Reading, Store, current_reading
from idmgraph.store.request import READ_ONLY
from idmgraph.store.snapshot import Served
from idmgraph.web import changes, gaps, landscape, linked, openapi, problems, queries, sparql
from idmgraph.web.cache import AnswerCache
from idmgraph.web.clients import client_address
from idmgraph.web.headers import ENDPOINT_PATH
from idmgraph.web.health import HEALTH_PATH, Health
from idmgraph.web.revalidation import Revalidation
from idmgraph.web.security import SecurityHeaders

ANSWER_CACHE_BYTES = 64_000_000
# Pages computed from the whole graph, kept per release like query answers: the gap report
# renders in 0.3 s at 10^5 triples and seconds at 10^6, the landing page in 50 ms at 10^5.
# /landscape is kept by its own router, per release and date: without ?on= it is today's.
PAGES_KEPT = ("/", gaps.GAPS_PATH, gaps.GAPS_PATH + ".md")


def create_app(settings: Settings, store: Store, *, served: Served | None = None) -> FastAPI:
    """The web application serving ``store`` and the release ``served`` (pinned on first use
    when not given); the store is started and closed with the app."""
    served = served or Served(settings.release_dir)

    catalogue = project_catalogue(settings)
    # pages computed from the whole graph, per release and date (web.perrelease)
    landscapes = landscape.landscapes(settings, store, catalogue)
    reports = gaps.reports(settings, store, catalogue)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await store.start()
        computed = (landscapes, reports) if settings.warm_pages else ()
        warming = [asyncio.create_task(page.keep_warm()) for page in computed]
        try:
            yield
        finally:
            for task in warming:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await store.close()
            served.close()

    app = _App(
        title="idmgraph",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.served = served  # the release time of Last-Modified
    app.trusted_proxies = settings.trusted_proxies
    problems.install(app)
    checker = Health(store)
    app.router.add_route(HEALTH_PATH, checker.endpoint, methods=["GET", "HEAD"])
    for path in (ENDPOINT_PATH, ENDPOINT_PATH + "/"):
        app.router.add_route(path, sparql.endpoint, methods=["GET", "POST"])
    app.state.catalogue = catalogue  # the service description lists the named queries
    # our own OpenAPI document: FastAPI's would describe none of the parameters routes read
    app.router.add_route(
        openapi.OPENAPI_PATH, openapi.endpoint(settings, catalogue), methods=["GET", "HEAD"]
    )
    link = Urls(settings.base_iri).href
    app.include_router(queries.router(settings, store, catalogue, link=link))
    app.include_router(gaps.router(reports, catalogue, link=link))
    app.include_router(landscape.router(landscapes, catalogue, link=link))
    app.include_router(changes.router(settings, store, served))
    linked.install(app, settings, store, served)
    # Starlette runs the last added middleware first: CORS wraps the read-only guard, so even
    # a refused update carries the CORS headers a browser needs to read the refusal.
    app.add_middleware(ReadOnly)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Link", "Vary", sparql.TRUNCATED_HEADER],
        max_age=86_400,
    )
    app.add_middleware(SecurityHeaders)  # outermost: every answer carries them, errors too
    return app


class _App(FastAPI):
    """FastAPI behind an answer cache that is consulted before anything else runs."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.trusted_proxies: tuple[str, ...] = ()
        self._requests = itertools.count(1)
        self._answers = AnswerCache(
            super().__call__,
            paths=(ENDPOINT_PATH, ENDPOINT_PATH + "/"),
            max_bytes=ANSWER_CACHE_BYTES,
            version=self._release_version,
            pages=PAGES_KEPT,
        )
        # outside the answer cache: remembered answers are revalidated by date too
        self._revalidated = Revalidation(
            self._answers,
            released=self._release_time,
            elsewhere=(landscape.LANDSCAPE_PATH, page("static")),
        )

    def _release_version(self) -> str:
        # A remote store can switch to a newly published release while the server runs.
        store: Store | None = getattr(self.state, "store", None)
        return store.version if store is not None else ""

    def _release_time(self) -> int | None:
        store: Store | None = getattr(self.state, "store", None)
        served: Served | None = getattr(self.state, "served", None)
        return served.released(store.version) if store is not None and served else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve from the answer cache, or run the application."""
        if scope["type"] == "http":
            # each request runs in a task of its own: this value is the request's alone
            client = client_address(scope, trusted=self.trusted_proxies)
            current_asker.set(Asker(client, next(self._requests)))
            # the release its reads find first, held for all of them: one page, one release
            current_reading.set(Reading())
            await self._follow_release()
        await self._revalidated(scope, receive, send)

    async def _follow_release(self) -> None:
        # A remote store may have switched to a release the folder now holds: its downloads,
        # VoID and date are pinned before the request reads any (off the event loop).
        store: Store | None = getattr(self.state, "store", None)
        served: Served | None = getattr(self.state, "served", None)
        if store is not None and served is not None:
            await served.follow(store.version)


class ReadOnly:
    """Refuses SPARQL Update on every route, before any route sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 403 to an update parameter or an ``application/sparql-update`` body."""
        if scope["type"] == "http" and _is_update(scope):
            refusal = problems.from_error(UpdateRefused(READ_ONLY))
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_update(scope: Scope) -> bool:
    raw: bytes = scope.get("query_string", b"")
    # every update parameter name contains "update" or "using": most requests skip the parse
    query = raw.decode("latin-1") if b"update" in raw or b"using" in raw else ""
    if query and any(
        name in sparql.UPDATE_PARAMETERS for name, _ in parse_qsl(query, keep_blank_values=True)
    ):
        return True
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media_type: bytes = value.split(b";")[0].strip().lower()
            return media_type == sparql.UPDATE_BODY.encode()
    return False
