"""Pages computed from the whole graph (``/landscape``, ``/gaps``): per release and date, each
computed once, kept, and the default one computed ahead.

A release never changes, so what a page computes from it on a date is kept. Concurrent first
requests share one computation; a failed one is not kept. The queries of such a computation
may run several query timeouts (``COMPUTED_PAGE_TIMEOUTS``): their deadline counts the wait for
a worker too, and the application's own reads hold one client's share of the workers, so a
page of twenty queries, or one of every edition of the whole catalogues, took longer than one
timeout on a busy machine and was then refused on every request, its work thrown away each time.

With ``warm_pages`` the server computes each page's default (today's landscape, the gap report
on its queries' own dates) as it starts, and again when the day or the release changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from idmgraph.base.lru import ByteLRU
from idmgraph.base.settings import Settings
from idmgraph.store.interface import Store

V = TypeVar("V")
Key = tuple[str, str]  # (release version, date; "" for the page's own defaults)
# The queries of a computed page may run this many query timeouts (see the module's text).
COMPUTED_PAGE_TIMEOUTS = 6
# How often a warmer looks whether the day or the release changed, in seconds.
WARM_EVERY = 60.0

_log = logging.getLogger(__name__)


def computed_page_timeout(settings: Settings) -> float:
    """Seconds each query of a computed page may run (see ``COMPUTED_PAGE_TIMEOUTS``)."""
    return settings.query_timeout * COMPUTED_PAGE_TIMEOUTS


class Kept(Generic[V]):
    """Values per key, each computed once: concurrent first requests share one computation,
    and a failed one is not kept. ``size`` measures a value in the unit of ``max_size``."""

    def __init__(self, *, max_size: int, size: Callable[[V], int]) -> None:
        self._kept = ByteLRU[Key, V](max_bytes=max_size, max_entry_bytes=max_size)
        self._size = size
        self._running: dict[Key, asyncio.Future[V]] = {}

    def holds(self, key: Key) -> bool:
        """Whether the value of ``key`` is kept or under way."""
        return key in self._running or self._kept.get(key) is not None

    async def get(self, key: Key, compute: Callable[[], Awaitable[V]]) -> V:
        """The value of ``key``, computed by ``compute`` unless it is kept or under way."""
        found = self._kept.get(key)
        if found is not None:
            return found
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(self._compute(key, compute))
            self._running[key] = running
        # shielded: a client that leaves does not cancel what the others wait for
        return await asyncio.shield(running)

    async def _compute(self, key: Key, compute: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await compute()
            self._kept.put(key, value, size=self._size(value) + 1)
            return value
        finally:
            del self._running[key]


class PerRelease(Generic[V]):
    """What one page computes from the served release on a date, kept per (release, date)."""

    def __init__(
        self,
        store: Store,
        compute: Callable[[str], Awaitable[V]],
        *,
        name: str,
        default_date: Callable[[], str],
        size: Callable[[V], int],
        max_size: int,
    ) -> None:
        self._store = store
        self._compute = compute
        self._name = name
        self._default_date = default_date
        self._kept = Kept[V](max_size=max_size, size=size)

    @property
    def store(self) -> Store:
        """The store the page is computed from."""
        return self._store

    def key(self, date: str) -> Key:
        """The key of the page on ``date`` for the release the request reads."""
        return (self._store.version, date)

    async def on(self, date: str) -> V:
        """The page's value on ``date`` ("" for its defaults) for the release the request reads."""
        return await self._kept.get(self.key(date), lambda: self._compute(date))

    async def keep_warm(self, *, every: float = WARM_EVERY) -> None:
        """Compute the default value now, and again whenever its date or the release changes.

        A computation that fails is logged and not tried again for the same release and date:
        the first request then computes it, as it would without this.
        """
        failed: Key | None = None
        while True:
            key = self.key(self._default_date())
            if key != failed and not self._kept.holds(key):
                try:
                    await self.on(key[1])
                except Exception as exc:  # a warm-up never stops the server
                    _log.warning("%s could not be computed ahead: %s", self._name, exc)
                    failed = key
            await asyncio.sleep(every)
