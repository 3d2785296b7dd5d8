"""Fair shares of the query workers: no client can hold them all or queue without end.

Each client (its address, see :data:`current_client`) may hold at most ``share`` of the
``slots`` at once; its further queries wait in its own queue, and when a slot frees the
waiting clients are served in turn (round robin), so a client sending many heavy queries
delays only itself. A client whose queue is full, or a server whose waiting room is full, is
answered at once with :class:`~idmgraph.base.errors.Busy` (503 and Retry-After) rather than kept
waiting for a deadline. A client's queue counts requests, not queries: a page that asks a
dozen queries at once is one request waiting.

>>> import asyncio
>>> async def demo() -> list[str]:
...     share = FairShare(slots=2, share=1, client_queue=4, max_waiting=8)
...     async with share.slot(Asker("a"), timeout=1):
...         async with share.slot(Asker("b"), timeout=1):
...             return sorted(share.holders())
>>> asyncio.run(demo())
['a', 'b']
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from idmgraph.base.errors import Busy, QueryTimeout


@dataclass(frozen=True)
class Asker:
    """Who a query is asked for: a client (its address) and which of its requests."""

    client: str
    request: int = 0


# Set by the web layer for each request (the address, or the one a trusted proxy forwarded);
# the CLI and start-up ask as the empty client.
current_asker: contextvars.ContextVar[Asker] = contextvars.ContextVar(
    "asker",
    default=Asker(""),  # noqa: B039 - frozen, never mutated
)


class FairShare:
    """``slots`` permits handed out with a per-client cap and round-robin waiting."""

    def __init__(self, *, slots: int, share: int, client_queue: int, max_waiting: int) -> None:
        self._free = slots
        self._share = max(1, share)
        self._client_queue = client_queue
        self._max_waiting = max_waiting
        self._holding: dict[str, int] = {}
        self._waiting: OrderedDict[str, deque[tuple[int, asyncio.Future[None]]]] = OrderedDict()
        self._waiting_count = 0

    def holders(self) -> dict[str, int]:
        """How many slots each client holds now."""
        return dict(self._holding)

    @asynccontextmanager
    async def slot(self, asker: Asker, *, timeout: float) -> AsyncIterator[None]:
        """Hold one slot for ``asker`` for the block; waits at most ``timeout`` seconds."""
        await self._acquire(asker, timeout)
        try:
            yield
        finally:
            self._release(asker.client)

    async def _acquire(self, asker: Asker, timeout: float) -> None:
        client = asker.client
        if self._free > 0 and self._holding.get(client, 0) < self._share and not self._waiting:
            self._take(client)
            return
        queue = self._waiting.get(client, deque())
        requests = {request for request, _ in queue}
        if asker.request not in requests and len(requests) >= self._client_queue:
            raise Busy(f"{len(requests)} requests of this client are already waiting")
        if self._waiting_count >= self._max_waiting:
            raise Busy(f"{self._waiting_count} queries are already waiting for a worker")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, queue).append((asker.request, waiter))
        self._waiting_count += 1
        self._dispatch()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(waiter)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.done() and not waiter.cancelled():
                self._release(client)  # granted just as the wait ended: hand it on
            else:
                waiter.cancel()
                self._forget(client, waiter)
            if isinstance(exc, TimeoutError):
                raise QueryTimeout(f"no worker was free within {timeout:g} s") from None
            raise

    def _take(self, client: str) -> None:
        self._free -= 1
        self._holding[client] = self._holding.get(client, 0) + 1

    def _release(self, client: str) -> None:
        self._free += 1
        left = self._holding.get(client, 0) - 1
        if left > 0:
            self._holding[client] = left
        else:
            self._holding.pop(client, None)
        self._dispatch()

    def _forget(self, client: str, waiter: asyncio.Future[None]) -> None:
        queue = self._waiting.get(client)
        entry = next((item for item in queue or () if item[1] is waiter), None)
        if queue is None or entry is None:
            return
        queue.remove(entry)
        self._waiting_count -= 1
        if not queue:
            del self._waiting[client]

    def _dispatch(self) -> None:
        """Grant free slots to waiting clients under their share, each in turn."""
        for client in list(self._waiting):
            if self._free <= 0:
                return
            if self._holding.get(client, 0) >= self._share:
                continue
            queue = self._waiting.pop(client)
            _request, waiter = queue.popleft()
            self._waiting_count -= 1
            if queue:
                self._waiting[client] = queue  # to the back of the line
            self._take(client)
            waiter.set_result(None)
