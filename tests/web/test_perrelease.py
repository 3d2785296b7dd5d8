"""Pages computed from the whole graph (/landscape, /gaps): one computation per (release, date),
shared by concurrent first requests; a failed one is not kept; the oldest used go past the
budget; their queries may run several query timeouts; the default one is computed ahead, as
the server starts and when the release changes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from idmgraph.base.errors import QueryTimeout
from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import load_catalogue
from idmgraph.reading import report
from idmgraph.reading.landscape import Landscape, plan, today
from idmgraph.reading.report import GapReport
from idmgraph.store.interface import Store
from idmgraph.store.request import QueryAnswer, QueryRequest
from idmgraph.web import gaps, landscape
from idmgraph.web.app import create_app
from idmgraph.web.perrelease import COMPUTED_PAGE_TIMEOUTS, Kept, PerRelease
from tests.remoteserver import dataset_store
from tests.web.running import running

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(ROOT / "queries", root=ROOT)
# a graph whose landscape has lines (tests/test_landscape.py knows them)
LANDSCAPE = ROOT / "tests" / "fixtures" / "landscape" / "graph.trig"


class Computations:
    """A landscape computation that counts its runs and can be made to fail."""

    def __init__(self, *, fail: bool = False) -> None:
        self.runs = 0
        self.fail = fail

    async def __call__(self) -> Landscape:
        self.runs += 1
        await asyncio.sleep(0.01)  # long enough for the other requests to arrive
        if self.fail:
            raise RuntimeError("the store timed out")
        return Landscape(on="2024-01-01", lines=())


def _kept(*, max_size: int = 100) -> Kept[Landscape]:
    return Kept[Landscape](max_size=max_size, size=lambda whole: len(whole.lines))


def test_concurrent_first_requests_share_one_computation() -> None:
    kept, compute = _kept(), Computations()

    async def requests() -> list[Landscape]:
        return list(
            await asyncio.gather(*(kept.get(("v1", "2024-01-01"), compute) for _ in range(3)))
        )

    first = asyncio.run(requests())
    assert compute.runs == 1
    assert first[0] is first[1] is first[2]
    assert asyncio.run(kept.get(("v1", "2024-01-01"), compute)) is first[0]
    asyncio.run(kept.get(("v2", "2024-01-01"), compute))  # another release: computed again
    asyncio.run(kept.get(("v1", "2024-02-01"), compute))  # another date: too
    assert compute.runs == 3


def test_a_failed_computation_is_not_kept() -> None:
    kept, failing = _kept(), Computations(fail=True)
    with pytest.raises(RuntimeError):
        asyncio.run(kept.get(("v1", "2024-01-01"), failing))
    working = Computations()
    asyncio.run(kept.get(("v1", "2024-01-01"), working))
    assert (failing.runs, working.runs) == (1, 1)


def test_past_the_line_budget_the_oldest_used_goes() -> None:
    kept, compute = _kept(max_size=2), Computations()
    for date in ("2024-01-01", "2024-02-01", "2024-01-01", "2024-03-01", "2024-01-01"):
        asyncio.run(kept.get(("v1", date), compute))
    # an empty landscape counts as one line: 01-01 stays (used last), 02-01 is pushed out
    assert compute.runs == 3
    asyncio.run(kept.get(("v1", "2024-02-01"), compute))
    assert compute.runs == 4


class Stop(Exception):
    """Raised by the recording store instead of answering."""


class RecordingStore:
    """A store that notes the timeout of each query it is asked and answers none."""

    version = "v1"

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    async def query(self, request: QueryRequest) -> QueryAnswer:
        self.timeouts.append(request.timeout)
        raise Stop


@pytest.mark.parametrize("page", [landscape, gaps], ids=["landscape", "gaps"])
def test_the_queries_of_a_computed_page_may_run_several_query_timeouts(page: Any) -> None:
    settings = Settings(root=ROOT, query_timeout=2.0)
    store = RecordingStore()
    with pytest.raises(Stop):
        asyncio.run(page.build("2024-01-01", settings=settings, store=store, catalogue=CATALOGUE))
    assert store.timeouts
    assert set(store.timeouts) == {2.0 * COMPUTED_PAGE_TIMEOUTS}
    assert COMPUTED_PAGE_TIMEOUTS > 1


class CountingStore:
    """A real store whose version can be changed, counting the landscape queries it is asked."""

    def __init__(self, store: Store, *, fail: bool = False) -> None:
        self._store = store
        self.version = store.version
        self.fail = fail
        self.asked: list[str] = []  # landscape queries
        self.gaps: list[str] = []  # gap report queries

    async def query(self, request: QueryRequest) -> QueryAnswer:
        if request.sparql in LANDSCAPE_TEXTS:
            self.asked.append(request.sparql)
        if request.sparql in GAPS_TEXTS:
            self.gaps.append(request.sparql)
        if self.fail:
            raise QueryTimeout("the store is too busy")
        return await self._store.query(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


LANDSCAPE_TEXTS = {query.sparql for query, _ in plan(CATALOGUE)}
GAPS_TEXTS = {query.sparql for query, _ in report.plan(CATALOGUE)}


async def _until(condition: Callable[[], bool], *, within: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


def _warming(
    counting: CountingStore, body: Callable[[PerRelease[Landscape]], Awaitable[None]]
) -> None:
    async def run() -> None:
        await counting.start()
        landscapes = landscape.landscapes(Settings(root=ROOT), counting, CATALOGUE)
        warming = asyncio.create_task(landscapes.keep_warm(every=0.05))
        try:
            await body(landscapes)
        finally:
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming
            await counting.close()

    asyncio.run(run())


def test_todays_landscape_is_computed_ahead_and_again_for_a_new_release() -> None:
    with dataset_store(LANDSCAPE, workers=1) as store:
        counting = CountingStore(store)

        async def body(landscapes: PerRelease[Landscape]) -> None:
            await _until(lambda: len(counting.asked) == len(LANDSCAPE_TEXTS))
            first = await landscapes.on(today())  # kept: no query asked for it
            assert first.lines
            assert len(counting.asked) == len(LANDSCAPE_TEXTS)
            counting.version = "another-release"
            await _until(lambda: len(counting.asked) == 2 * len(LANDSCAPE_TEXTS))
            assert await landscapes.on(today()) is not first

        _warming(counting, body)


def test_a_warm_up_that_fails_is_not_tried_again_for_the_same_release_and_day(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with dataset_store(LANDSCAPE, workers=1) as store:
        counting = CountingStore(store, fail=True)

        async def body(landscapes: PerRelease[Landscape]) -> None:
            await _until(lambda: bool(counting.asked))
            await asyncio.sleep(0.5)  # ten more rounds of the warmer
            assert len(counting.asked) <= len(LANDSCAPE_TEXTS)
            counting.fail = False  # a request computes it, as without the warmer
            assert (await landscapes.on(today())).lines

        _warming(counting, body)
    assert "could not be computed ahead" in caplog.text


@pytest.mark.parametrize("warm", [True, False])
def test_the_server_computes_its_pages_as_it_starts_when_told(warm: bool) -> None:
    with dataset_store(LANDSCAPE, workers=1) as store:
        counting = CountingStore(store)
        with running(create_app(Settings(warm_pages=warm), counting)):
            deadline = time.monotonic() + (30 if warm else 1)
            while time.monotonic() < deadline and (
                len(counting.asked) < len(LANDSCAPE_TEXTS) or len(counting.gaps) < len(GAPS_TEXTS)
            ):
                time.sleep(0.02)
    wanted = (len(LANDSCAPE_TEXTS), len(GAPS_TEXTS)) if warm else (0, 0)
    assert (len(counting.asked), len(counting.gaps)) == wanted


def test_the_gap_report_is_computed_once_per_release_and_date() -> None:
    with dataset_store(LANDSCAPE, workers=1) as store:
        counting = CountingStore(store)

        async def run() -> tuple[GapReport, ...]:
            await counting.start()
            try:
                reports = gaps.reports(Settings(root=ROOT), counting, CATALOGUE)
                return tuple(
                    await asyncio.gather(
                        reports.on(""), reports.on(""), reports.on("2020-01-01"), reports.on("")
                    )
                )
            finally:
                await counting.close()

        default, again, dated, third = asyncio.run(run())
    assert default is again is third
    assert dated.on == "2020-01-01"
    assert default.on is None
    assert len(counting.gaps) == 2 * len(GAPS_TEXTS)
