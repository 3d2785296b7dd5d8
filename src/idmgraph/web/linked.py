"""The linked-data side of the application: landing page, resource pages, lookup, downloads,
the query page and the static files, installed by :func:`install` in ``create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.store.interface import Store
from idmgraph.store.snapshot import Served
from idmgraph.web import downloads, home, lookup, query_page, resources


def install(app: FastAPI, settings: Settings, store: Store, served: Served) -> None:
    """Add the landing page, resources, lookup, downloads, the query page and static files."""
    for module in (home, resources, lookup, query_page):
        app.include_router(module.router(settings, store))
    app.include_router(downloads.router(settings, store, served))
    if not any(getattr(route, "path", None) == page("static") for route in app.routes):
        app.mount(page("static"), StaticFiles(packages=[("idmgraph.web", "static")]), name="static")
