"""The standards landscape on the web: ``/landscape`` (HTML), ``.csv`` and ``.json``, for a date.

The two landscape queries run through the store (concurrently, under the query timeout); the
core module :mod:`idmgraph.reading.landscape` folds their answers into lines, and the filters of the
query string (``body``, ``topic``, ``status``, ``since``) narrow them. ``?on=DATE`` shows the
landscape as it stood on that date.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest
from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.pipeline.queries import Catalogue
from idmgraph.reading import landscapeview
from idmgraph.reading.landscape import (
    DATE_PARAMETER,
    STATUS_NAMES,
    STATUSES,
    TITLE,
    Filters,
    Landscape,
    assemble,
    plan,
    today,
)
from idmgraph.reading.report import Link
from idmgraph.store.interface import Store
from idmgraph.web.gaps import answer_table, validators
from idmgraph.web.headers import not_modified
from idmgraph.web.pages import render

LANDSCAPE_PATH = page("landscape")
CSV = formats.by_name("csv").content_type
FILTERS = ("body", "topic", "status", "since")
# A representation of the landscape: the request, the whole landscape, its filters, headers.
Respond = Callable[[Request, Landscape, Filters, dict[str, str]], Response]


def router(
    settings: Settings, store: Store, catalogue: Catalogue, *, link: Link = str
) -> APIRouter:
    """The routes of the landscape; ``link`` maps an IRI to the address it links to."""

    def html(
        request: Request, whole: Landscape, filters: Filters, headers: dict[str, str]
    ) -> Response:
        context = {
            "title": TITLE,
            "body": landscapeview.body_html(whole.filtered(filters), link=link),
            "on": whole.on,
            "filters": filters,
            "bodies": whole.bodies(),
            "topics": whole.topics(),
            "statuses": [(status, STATUS_NAMES[status]) for status in STATUSES],
            "query": request.url.query,
        }
        return render(request, "landscape.html", context, headers=headers)

    def text(write: Callable[[Landscape], str], media_type: str) -> Respond:
        def respond(
            _: Request, whole: Landscape, filters: Filters, headers: dict[str, str]
        ) -> Response:
            return Response(write(whole.filtered(filters)), media_type=media_type, headers=headers)

        return respond

    def endpoint(respond: Respond) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            # without ?on= the landscape is today's: the ETag names the day it was computed on
            headers = validators(request, store, f"{LANDSCAPE_PATH}-{today()}")
            if not_modified(request, headers["ETag"]):
                return Response(status_code=304, headers=headers)
            filters = _filters(request)
            whole = await build(request, settings=settings, store=store, catalogue=catalogue)
            return respond(request, whole, filters, headers)

        return answer

    routes = APIRouter()
    answers = {
        "": html,
        ".csv": text(landscapeview.as_csv, CSV),
        ".json": text(landscapeview.as_json, formats.JSON_MEDIA_TYPE),
    }
    for suffix, respond in answers.items():
        routes.add_api_route(
            LANDSCAPE_PATH + suffix, endpoint(respond), methods=["GET"], include_in_schema=False
        )
    return routes


def _filters(request: Request) -> Filters:
    """The filters of the query string; a bad status or date is a 400 before anything runs."""
    given = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    if given["status"] and given["status"] not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    if given["since"]:
        try:
            datetime.date.fromisoformat(given["since"])
        except ValueError:
            raise BadRequest(f"since: {given['since']!r} is not a valid date") from None
    return Filters(**given)


async def build(
    request: Request, *, settings: Settings, store: Store, catalogue: Catalogue
) -> Landscape:
    """Run the landscape's queries for the date asked (``?on=``) and assemble it."""
    planned = plan(catalogue, on=request.query_params.get(DATE_PARAMETER) or None)
    answers = await asyncio.gather(
        *(answer_table(store, settings, query, values) for query, values in planned)
    )
    named = {query.name: found for (query, _), found in zip(planned, answers, strict=True)}
    return assemble(named, on=planned[0][1][DATE_PARAMETER])
