"""The landscapes /landscape keeps: one computation per (release, date), shared by concurrent
first requests; a failed one is not kept; the oldest used go past the line budget; its queries
may run several query timeouts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.requests import Request

from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import load_catalogue
from idmgraph.reading.landscape import Landscape
from idmgraph.store.request import QueryAnswer, QueryRequest
from idmgraph.web.landscape import LANDSCAPE_TIMEOUTS, Kept, build

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(ROOT / "queries", root=ROOT)


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


def test_concurrent_first_requests_share_one_computation() -> None:
    kept, compute = Kept(), Computations()

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
    kept, failing = Kept(), Computations(fail=True)
    with pytest.raises(RuntimeError):
        asyncio.run(kept.get(("v1", "2024-01-01"), failing))
    working = Computations()
    asyncio.run(kept.get(("v1", "2024-01-01"), working))
    assert (failing.runs, working.runs) == (1, 1)


def test_past_the_line_budget_the_oldest_used_goes() -> None:
    kept, compute = Kept(max_lines=2), Computations()
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


def test_the_landscape_queries_may_run_several_query_timeouts() -> None:
    settings = Settings(root=ROOT, query_timeout=2.0)
    store = RecordingStore()
    request = Request({"type": "http", "query_string": b"on=2024-01-01", "headers": []})
    with pytest.raises(Stop):
        asyncio.run(build(request, settings=settings, store=store, catalogue=CATALOGUE))  # type: ignore[arg-type]
    assert store.timeouts
    assert set(store.timeouts) == {2.0 * LANDSCAPE_TIMEOUTS}
    assert LANDSCAPE_TIMEOUTS > 1
