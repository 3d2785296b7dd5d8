"""A store that remembers recent answers: a release never changes, so neither do they."""

from __future__ import annotations

from idmgraph.base.lru import ByteLRU
from idmgraph.store.interface import Store
from idmgraph.store.request import QueryAnswer, QueryRequest


class CachedStore:
    """A store that serves repeated queries from memory: a release never changes."""

    def __init__(self, inner: Store, *, max_bytes: int = 64_000_000) -> None:
        self._inner = inner
        self._answers = ByteLRU[tuple[object, ...], QueryAnswer](max_bytes=max_bytes)

    @property
    def version(self) -> str:
        """Version of the release the inner store holds."""
        return self._inner.version

    async def start(self) -> None:
        """Start the inner store."""
        await self._inner.start()

    async def close(self) -> None:
        """Close the inner store and forget every answer."""
        self._answers.clear()
        await self._inner.close()

    def graphs(self) -> tuple[str, ...]:
        """IRIs of the named graphs, sorted."""
        return self._inner.graphs()

    def triple_count(self) -> int:
        """Number of statements over all graphs."""
        return self._inner.triple_count()

    async def query(self, request: QueryRequest) -> QueryAnswer:
        """The remembered answer, or the inner store's (remembered when the request is kept)."""
        # the version too: a remote store follows a publication made while it serves
        key = request.key(self.version)
        cached = self._answers.get(key)
        if cached is not None:
            return cached
        answer = await self._inner.query(request)
        if request.kept:
            self._answers.put(key, answer, size=len(answer.body) + len(request.sparql))
        return answer

    async def probe(self, *, timeout: float) -> None:
        """Ask the inner store: a probe is never answered from memory."""
        await self._inner.probe(timeout=timeout)
