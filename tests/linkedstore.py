"""A real Oxigraph store holding the project's own release (ontology, shapes, every source).

Shared by the tests of :mod:`idmgraph.reading.describe` and :mod:`idmgraph.reading.lookup`; the
store runs on one event loop of its own, which the tests drive with :meth:`Running.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import canonical
from idmgraph.pipeline.sources import load
from idmgraph.store.embedded import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@dataclass(frozen=True)
class Running:
    """A started store and the loop it runs on."""

    store: OxigraphStore
    settings: Settings
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one coroutine against the store to its end."""
        return self.loop.run_until_complete(coroutine)


def project_dataset(directory: Path, settings: Settings) -> Path:
    """Write the project's sources as canonical N-Quads into ``directory``."""
    path = directory / "idmgraph.nq"
    path.write_bytes(canonical(load(settings)).nquads)
    return path


def running_store(directory: Path) -> Generator[Running, None, None]:
    """Start a store over the project's data; stop it when the generator is closed."""
    settings = Settings(root=ROOT, query_workers=1)
    store = OxigraphStore.from_file(project_dataset(directory, settings), workers=1)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(store.start())
    try:
        yield Running(store=store, settings=settings, loop=loop)
    finally:
        loop.run_until_complete(store.close())
        loop.close()
