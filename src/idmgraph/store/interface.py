"""The Store interface: what the web layer and the readers of the graph need from a store.

A store answers SPARQL queries with bytes already serialised in a registry format, so a remote
backend can hand through what it receives. The default graph of a query is the union of all
named graphs, unless the query or the request names a dataset.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol, TypeVar, cast

from idmgraph.store.request import QueryAnswer, QueryRequest

T = TypeVar("T")


class Store(Protocol):
    """What the web layer needs from a store, whatever holds the data."""

    @property
    def version(self) -> str:
        """Version of the release the store holds (HTTP caches key on it)."""
        ...

    async def start(self) -> None:
        """Make the store ready to answer (load data, start workers)."""

    async def close(self) -> None:
        """Release processes and connections."""

    def graphs(self) -> tuple[str, ...]:
        """IRIs of the named graphs, sorted."""
        ...

    def triple_count(self) -> int:
        """Number of statements over all graphs."""
        ...

    async def query(self, request: QueryRequest) -> QueryAnswer:
        """Evaluate a read-only query; raises a :class:`~idmgraph.base.errors.RequestError`."""
        ...

    async def probe(self, *, timeout: float) -> None:
        """Evaluate a trivial query now, never from a cache; raises when it cannot."""


class Reading:
    """The release one request reads: the first a store names to it, held for all its reads.

    A remote store switches to a newly published release while it serves. A page reads the
    store several times (its ETag from the version, then queries, some at once); were each read
    to take the latest release, one page could show two. The web layer starts a Reading for
    each request in :data:`current_reading` (a context variable: the tasks a request starts
    share it), and a store that can switch holds its release there on the request's first
    read. Without one (the CLI, direct calls) every read takes the latest release.
    """

    def __init__(self) -> None:
        self._held: dict[int, object] = {}

    def hold(self, store: object, release: T) -> T:
        """What ``store`` holds for this request: ``release`` unless it holds one already."""
        return cast(T, self._held.setdefault(id(store), release))

    def holds(self, store: object) -> bool:
        """Whether ``store`` holds a release for this request."""
        return id(store) in self._held


current_reading: ContextVar[Reading | None] = ContextVar("current_reading", default=None)
