"""The gap analysis on the web: ``/gaps`` (HTML) and ``/gaps.md`` (Markdown), for a date.

Every gap query runs through the store (concurrently, each under the query timeout); the
report module turns the answers into sections and diagrams, and each section links to its
query's page with the same parameter values: the evidence is one click away.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib

import pyoxigraph
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.pipeline.queries import Catalogue, NamedQuery
from idmgraph.reading.describe import INTERNAL_MAX_BYTES, INTERNAL_MAX_ROWS, whole
from idmgraph.reading.report import (
    DATE_PARAMETER,
    TITLE,
    GapReport,
    Link,
    Table,
    assemble,
    body_html,
    evidence_url,
    markdown,
    plan,
    table,
)
from idmgraph.store.interface import Store
from idmgraph.store.request import QueryRequest
from idmgraph.web.headers import CACHE_CONTROL, not_modified
from idmgraph.web.pages import render
from idmgraph.web.perrelease import PerRelease, computed_page_timeout
from idmgraph.web.queries import QUERIES_PATH

GAPS_PATH = page("gaps")
MARKDOWN = formats.MARKDOWN_MEDIA_TYPE + "; charset=utf-8"
# Rows shown per section on the page: a 10^6-triple landscape gives sections of 10 000 rows
# (a 5 MB page); every row stays one click away on the query's page.
PAGE_ROWS = 200


# Gap reports kept, counted in rows: a whole-catalogue report holds some 20 000.
KEPT_ROWS = 500_000


def reports(settings: Settings, store: Store, catalogue: Catalogue) -> PerRelease[GapReport]:
    """The gap reports of the served release per date ("": on its queries' own dates), each
    computed once; the default one ahead."""
    return PerRelease(
        store,
        functools.partial(build, settings=settings, store=store, catalogue=catalogue),
        name="the gap report",
        default_date=str,  # "": the report on its queries' own dates, whatever the day
        size=_rows,
        max_size=KEPT_ROWS,
    )


def _rows(report: GapReport) -> int:
    tables = (*(section.answer for section in report.sections), report.flows, report.statuses)
    return sum(len(table.rows) for table in tables)


def router(reports: PerRelease[GapReport], catalogue: Catalogue, *, link: Link = str) -> APIRouter:
    """The routes of the gap analysis; ``link`` maps a result IRI to the address it links to."""
    routes = APIRouter()

    async def report_of(request: Request) -> GapReport:
        on = request.query_params.get(DATE_PARAMETER) or ""
        plan(catalogue, on=on or None)  # a bad date is a 400 problem before anything runs
        return await reports.on(on)

    @routes.get(GAPS_PATH, include_in_schema=False)
    async def page(request: Request) -> Response:
        headers = validators(request, reports.store, GAPS_PATH)
        if not_modified(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        report = await report_of(request)
        body = body_html(
            report,
            link=link,
            evidence=lambda section: evidence_url(QUERIES_PATH, section),
            max_rows=PAGE_ROWS,
        )
        context = {"title": TITLE, "body": body, "on": report.date, "parameter": DATE_PARAMETER}
        return render(request, "gaps.html", context, headers=headers)

    @routes.get(GAPS_PATH + ".md", include_in_schema=False)
    async def text(request: Request) -> Response:
        headers = validators(request, reports.store, GAPS_PATH)
        if not_modified(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        report = await report_of(request)
        return Response(markdown(report), media_type=MARKDOWN, headers=headers)

    return routes


def validators(request: Request, store: Store, page: str) -> dict[str, str]:
    """ETag and Cache-Control of a computed page: it follows from the release, its path and
    query string."""
    asked = f"{request.url.path}?{request.url.query}"
    digest = hashlib.sha256(asked.encode()).hexdigest()[:12]
    name = page.strip("/")
    return {"ETag": f'"{store.version}-{name}-{digest}"', "Cache-Control": CACHE_CONTROL}


async def build(date: str, *, settings: Settings, store: Store, catalogue: Catalogue) -> GapReport:
    """Run the report's queries through the store for ``date`` ("": each query's default) and
    assemble the report."""
    on = date or None
    planned = plan(catalogue, on=on)
    answers = await asyncio.gather(
        *(
            answer_table(store, settings, query, values, timeout=computed_page_timeout(settings))
            for query, values in planned
        )
    )
    return assemble(
        planned, {query.name: found for (query, _), found in zip(planned, answers, strict=True)},
        on=on,
    )  # fmt: skip


async def answer_table(
    store: Store,
    settings: Settings,
    query: NamedQuery,
    values: dict[str, str],
    *,
    timeout: float | None = None,
) -> Table:
    """Run a named query through the store for a page, into a Table: every row (``timeout``
    instead of the query timeout when given).

    A page's reading is the application's own, not a client's: the client's row cap would cut
    a whole-catalogue landscape or a gap section silently, so past the internal bound it
    raises instead (as :func:`~idmgraph.reading.describe.select` does).
    """
    request = QueryRequest.of(
        query.sparql,
        shape=query.shape,
        format=formats.by_name("json"),
        substitutions=query.bindings(values),
        timeout=settings.query_timeout if timeout is None else timeout,
        max_rows=INTERNAL_MAX_ROWS,
        max_bytes=INTERNAL_MAX_BYTES,
    )
    answer = whole(await store.query(request), what=f"the named query {query.name}")
    # off the event loop: a whole-catalogue answer (tens of MB) takes seconds to read
    return await asyncio.to_thread(_table_of, answer.body)


def _table_of(body: bytes) -> Table:
    parsed = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    return table(parsed)
