"""Rendering of HTML pages: one Jinja2 environment, one base layout, no outside scripts."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from idmgraph.base.urls import ONTOLOGY_PREFIX, linkable, page

#: Links of the site navigation, in the order shown on every page.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Home", page("home")),
    ("Query", page("query")),
    ("Named queries", page("queries")),
    ("Gap analysis", page("gaps")),
    ("Landscape", page("landscape")),
    ("Changes", page("changes")),
    ("Downloads", page("downloads")),
    ("Ontology", ONTOLOGY_PREFIX),
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment, loaded from the package so an installed wheel works too."""
    env = Environment(
        loader=PackageLoader("idmgraph.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["navigation"] = NAVIGATION
    env.tests["linkable"] = linkable
    env.filters["link"] = link
    return env


def link(url: object) -> str:
    """``url`` for an ``href``, or an inert ``#`` when it is not :func:`linkable`."""
    return str(url) if linkable(url) else "#"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with ``context`` plus the request, as an HTML response."""
    body = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
