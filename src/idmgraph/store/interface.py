"""The Store interface: what the web layer and the readers of the graph need from a store.

A store answers SPARQL queries with bytes already serialised in a registry format, so a remote
backend can hand through what it receives. The default graph of a query is the union of all
named graphs, unless the query or the request names a dataset.
"""

from __future__ import annotations

from typing import Protocol

from idmgraph.store.request import QueryAnswer, QueryRequest


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
