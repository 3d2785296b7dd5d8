"""A real uvicorn server on 127.0.0.1 serving the repository's own release with the whole
application, for the resource, lookup, download and named-query tests."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release
from idmgraph.store.snapshot import open_served
from idmgraph.web.app import create_app
from tests.remoteserver import release_settings
from tests.web.running import running

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Server:
    """The running server and the release it serves."""

    base: str
    settings: Settings
    release: Release


def serve(
    release: Release,
    *,
    start_within: float = 30,
    max_answer_bytes: int = 32_000_000,
    warm_pages: bool = False,
) -> Generator[Server, None, None]:
    """Start the server over ``release``; stop it when the generator is closed. It computes
    no pages ahead unless told: tests ask for the pages they test (tests/web/test_perrelease.py
    holds the warm-up), and the warm-ups of every test server cost CI minutes."""
    # The whole release must fit one answer (the downloads are compared with a CONSTRUCT of
    # every triple); with the catalogues it holds more than the default 10 000 rows.
    local = Settings(
        root=ROOT,
        dist_dir=release.directory,
        query_workers=2,
        max_result_rows=100_000,
        max_answer_bytes=max_answer_bytes,
        warm_pages=warm_pages,
    )
    with (
        release_settings(local) as settings,
        running(_app(settings), start_within=start_within) as base,
    ):
        yield Server(base=base, settings=settings, release=release)


def _app(settings: Settings) -> FastAPI:
    serving = open_served(settings)  # as idmgraph serve does
    return create_app(settings, serving.store, served=serving.served)
