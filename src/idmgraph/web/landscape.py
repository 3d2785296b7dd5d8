"""The standards landscape on the web: ``/landscape`` (HTML), ``.csv`` and ``.json``, for a date.

The two landscape queries run through the store (concurrently); the core module
:mod:`idmgraph.reading.landscape` folds their answers into lines, and the filters of the query
string (``body``, ``topic``, ``status``, ``since``) narrow them. ``?on=DATE`` shows the
landscape as it stood on that date.

A landscape is computed once per release and date and kept, today's ahead
(:mod:`idmgraph.web.perrelease`); its answers are read and folded off the event loop, which
serves the other requests meanwhile. The HTML lists at most ``PAGE_LINES`` lines per page
(``?page=``), with the counts and the timeline of every line the filters keep; the CSV and JSON
are always complete, and kept once written.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import threading
from collections.abc import Awaitable, Callable
from dataclasses import astuple
from math import ceil
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest, NotFound
from idmgraph.base.lru import ByteLRU
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
from idmgraph.web.perrelease import Key, PerRelease, computed_page_timeout

LANDSCAPE_PATH = page("landscape")
CSV = formats.by_name("csv").content_type
FILTERS = ("body", "topic", "status", "since")
PAGE_PARAMETER = "page"
# Lines one HTML page lists: the whole catalogues give 65 000 lines, which no reader scrolls and
# which take seconds to render; the IdM scope (under 200 lines) stays one page.
PAGE_LINES = 1_000
# Landscapes kept, counted in lines (a whole-catalogue one is 65 000): a few dates of a release.
KEPT_LINES = 250_000
# A representation of the landscape: the request, the key and the whole landscape, its filters,
# the headers.
Respond = Callable[[Request, Key, Landscape, Filters, dict[str, str]], Response]
# Bytes of CSV and JSON kept once written: the whole-catalogue JSON (36 000 lines) took 2 s to
# write, and scripts ask for it whole, again and again.
WRITTEN_BYTES = 128_000_000


def landscapes(settings: Settings, store: Store, catalogue: Catalogue) -> PerRelease[Landscape]:
    """The landscapes of the served release per date, each computed once; today's ahead."""
    return PerRelease(
        store,
        functools.partial(build, settings=settings, store=store, catalogue=catalogue),
        name="today's landscape",
        default_date=today,
        size=lambda landscape: len(landscape.lines),
        max_size=KEPT_LINES,
    )


def router(
    landscapes: PerRelease[Landscape], catalogue: Catalogue, *, link: Link = str
) -> APIRouter:
    """The routes of the landscape; ``link`` maps an IRI to the address it links to."""

    written = ByteLRU[tuple[Key, str, Filters], bytes](
        max_bytes=WRITTEN_BYTES, max_entry_bytes=WRITTEN_BYTES // 2
    )
    writing = threading.Lock()

    def html(
        request: Request, _key: Key, whole: Landscape, filters: Filters, headers: dict[str, str]
    ) -> Response:
        shown = whole.filtered(filters)
        number = _page(request, len(shown.lines))
        lines = shown.lines[(number - 1) * PAGE_LINES : number * PAGE_LINES]
        context = {
            "title": TITLE,
            "body": landscapeview.body_html(shown, link=link, lines=lines),
            "pager": _pager(request, number, len(shown.lines)),
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
            _: Request, key: Key, whole: Landscape, filters: Filters, headers: dict[str, str]
        ) -> Response:
            with writing:  # answers are written in threads: one at a time reads the LRU
                found = written.get((key, media_type, filters))
            if found is None:
                found = write(whole.filtered(filters)).encode("utf-8")
                # the filters are the client's text: their size counts, or the budget would not
                # bound many tiny answers under long distinct filters
                size = len(found) + sum(map(len, (*key, media_type, *astuple(filters))))
                with writing:
                    written.put((key, media_type, filters), found, size=size)
            return Response(found, media_type=media_type, headers=headers)

        return respond

    def endpoint(respond: Respond) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            # without ?on= the landscape is today's: the ETag names the day it was computed on
            headers = validators(request, landscapes.store, f"{LANDSCAPE_PATH}-{today()}")
            if not_modified(request, headers["ETag"]):
                return Response(status_code=304, headers=headers)
            filters = _filters(request)
            on = request.query_params.get(DATE_PARAMETER) or today()
            plan(catalogue, on=on)  # a bad date is a 400 before anything runs or is kept
            key = landscapes.key(on)
            whole = await landscapes.on(on)
            # off the event loop: the whole-catalogue CSV or JSON takes a second or two to write
            return await asyncio.to_thread(respond, request, key, whole, filters, headers)

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


def _page(request: Request, lines: int) -> int:
    """The page number asked (1 without ``?page=``); past the last page is a 404."""
    given = request.query_params.get(PAGE_PARAMETER, "").strip() or "1"
    if not given.isdigit() or int(given) < 1:
        raise BadRequest(f"page must be a whole number from 1, not {given!r}")
    number = int(given)
    if number > max(1, ceil(lines / PAGE_LINES)):
        raise NotFound(f"page {number}: the landscape has {lines} lines, {PAGE_LINES} a page")
    return number


def _pager(request: Request, number: int, lines: int) -> dict[str, str | int]:
    """What the page says of the pages: empty when every line is on it."""
    if lines <= PAGE_LINES:
        return {}
    last = ceil(lines / PAGE_LINES)

    def address(to: int) -> str:
        return f"{request.url.path}?{urlencode({**request.query_params, PAGE_PARAMETER: to})}"

    return {
        "first": (number - 1) * PAGE_LINES + 1,
        "last": min(number * PAGE_LINES, lines),
        "lines": lines,
        "previous": address(number - 1) if number > 1 else "",
        "next": address(number + 1) if number < last else "",
    }


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


async def build(date: str, *, settings: Settings, store: Store, catalogue: Catalogue) -> Landscape:
    """Run the landscape's queries for ``date`` and assemble it (off the event loop: at
    whole-catalogue scale the fold takes seconds)."""
    planned = plan(catalogue, on=date)
    answers = await asyncio.gather(
        *(
            answer_table(store, settings, query, values, timeout=computed_page_timeout(settings))
            for query, values in planned
        )
    )
    named = {query.name: found for (query, _), found in zip(planned, answers, strict=True)}
    return await asyncio.to_thread(assemble, named, on=date)
