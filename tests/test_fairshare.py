"""Fair shares of the workers: a per-client cap, round-robin waiting, bounded queues."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from idmgraph.base.errors import Busy, QueryTimeout
from idmgraph.store.fairshare import Asker, FairShare

_REQUESTS = itertools.count(1)


def _share(**options: int) -> FairShare:
    values = {"slots": 2, "share": 1, "client_queue": 3, "max_waiting": 100, **options}
    return FairShare(**values)


async def _hold(
    share: FairShare, client: str, release: asyncio.Event, log: list[str], request: int = 0
) -> None:
    async with share.slot(Asker(client, request or next(_REQUESTS)), timeout=5):
        log.append(client)
        await release.wait()


def test_a_client_holds_at_most_its_share() -> None:
    async def main() -> list[str]:
        share, release, log = _share(), asyncio.Event(), list[str]()
        tasks = [asyncio.create_task(_hold(share, "greedy", release, log)) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert share.holders() == {"greedy": 1}  # the second slot stays free for others
        tasks.append(asyncio.create_task(_hold(share, "other", release, log)))
        await asyncio.sleep(0.05)
        assert share.holders() == {"greedy": 1, "other": 1}
        release.set()
        await asyncio.gather(*tasks)
        return log

    assert sorted(asyncio.run(main())) == ["greedy", "greedy", "greedy", "other"]


def test_waiting_clients_are_served_in_turn() -> None:
    async def main() -> list[str]:
        share, log = _share(slots=1, client_queue=10), list[str]()
        gate = asyncio.Event()
        first = asyncio.create_task(_hold(share, "a", gate, log))
        await asyncio.sleep(0.01)
        release = asyncio.Event()
        release.set()
        waiting = [asyncio.create_task(_hold(share, "a", release, log)) for _ in range(3)]
        await asyncio.sleep(0.01)
        waiting += [asyncio.create_task(_hold(share, "b", release, log)) for _ in range(2)]
        await asyncio.sleep(0.01)
        gate.set()
        await asyncio.gather(first, *waiting)
        return log

    # "a" queued three before "b" arrived, yet "b" is served as soon as its turn comes
    assert asyncio.run(main()) == ["a", "a", "b", "a", "b", "a"]


def test_a_full_queue_is_answered_busy_at_once() -> None:
    async def main() -> None:
        share, release, log = _share(slots=1, client_queue=2), asyncio.Event(), list[str]()
        tasks = [asyncio.create_task(_hold(share, "a", release, log)) for _ in range(3)]
        await asyncio.sleep(0.01)
        with pytest.raises(Busy):
            async with share.slot(Asker("a", 999), timeout=5):
                pass
        # another client still gets in line
        tasks.append(asyncio.create_task(_hold(share, "b", release, log)))
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())


def test_the_waiting_room_is_bounded_over_all_clients() -> None:
    async def main() -> None:
        share, release, log = _share(slots=1, max_waiting=2), asyncio.Event(), list[str]()
        tasks = [asyncio.create_task(_hold(share, name, release, log)) for name in "abc"]
        await asyncio.sleep(0.01)
        with pytest.raises(Busy):
            async with share.slot(Asker("d"), timeout=5):
                pass
        release.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())


def test_a_wait_past_the_deadline_times_out_and_leaves_no_trace() -> None:
    async def main() -> None:
        share, release, log = _share(slots=1), asyncio.Event(), list[str]()
        holder = asyncio.create_task(_hold(share, "a", release, log))
        await asyncio.sleep(0.01)
        with pytest.raises(QueryTimeout):
            async with share.slot(Asker("b"), timeout=0.05):
                pass
        release.set()
        await holder
        assert share.holders() == {}
        async with share.slot(Asker("b"), timeout=0.05):  # the slot is free again
            assert share.holders() == {"b": 1}

    asyncio.run(main())


def test_a_cancelled_wait_gives_its_place_back() -> None:
    async def main() -> None:
        share, release, log = _share(slots=1), asyncio.Event(), list[str]()
        holder = asyncio.create_task(_hold(share, "a", release, log))
        await asyncio.sleep(0.01)
        waiter = asyncio.create_task(_hold(share, "b", release, log))
        await asyncio.sleep(0.01)
        waiter.cancel()
        release.set()
        await holder
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert share.holders() == {}
        assert log == ["a"]

    asyncio.run(main())


def test_a_request_asking_many_queries_waits_as_one() -> None:
    async def main() -> list[str]:
        share, release, log = _share(slots=1, client_queue=2), asyncio.Event(), list[str]()
        holder = asyncio.create_task(_hold(share, "other", release, log))
        await asyncio.sleep(0.01)
        # one page of client "a" fans out twelve queries: they wait as one request
        page = [asyncio.create_task(_hold(share, "a", release, log, request=7)) for _ in range(12)]
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(holder, *page)
        return log

    assert asyncio.run(main()) == ["other"] + ["a"] * 12
