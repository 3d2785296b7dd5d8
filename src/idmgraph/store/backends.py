"""Which store serves the release: ``open_store(settings)`` reads the ``store`` setting.

``oxigraph:memory`` (the default) loads the release's N-Quads into worker processes,
``oxigraph:PATH`` an on-disk store loaded once, ``sparql:URL`` a remote SPARQL 1.1 store.
Every store is wrapped in a :class:`~idmgraph.store.cached.CachedStore`: a release never changes.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from idmgraph.base.errors import ConfigurationError
from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release, read_release
from idmgraph.store.cached import CachedStore
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.fairshare import FairShare
from idmgraph.store.interface import Store
from idmgraph.store.remote import Remote, RemoteStore
from idmgraph.store.workers import StoreSource, WorkerLimits

MEMORY = "oxigraph:memory"
VERSION_MARKER = "IDMGRAPH_VERSION"  # file in an on-disk store naming the release it holds


def open_store(settings: Settings, *, release: Release | None = None) -> Store:
    """The store ``settings.store`` names, holding ``release`` (a pinned snapshot's, so a
    rebuild cannot change what it loads) or else the release in ``settings.release_dir``."""
    release = release or read_release(settings.release_dir)
    if settings.store.startswith("sparql:"):
        remote = RemoteStore(
            Remote.from_settings(settings),
            expected_version=release.version,
            service_allowlist=settings.service_allowlist,
            fairness=fair_share(settings),
        )
        return CachedStore(remote)
    if settings.store == MEMORY:
        source = StoreSource(path=release.dataset_file, format="nquads")
    elif settings.store.startswith("oxigraph:"):
        directory = settings.resolve(Path(settings.store.removeprefix("oxigraph:")))
        _ensure_disk_store(directory, release.dataset_file, release.version)
        source = StoreSource(path=directory, format=None)
    else:
        raise ConfigurationError(
            f"store={settings.store!r}: expected 'oxigraph:memory', 'oxigraph:PATH' "
            "or 'sparql:QUERY_URL'"
        )
    inner = OxigraphStore(
        source,
        version=release.version,
        workers=settings.query_workers,
        limits=worker_limits(settings),
        fairness=fair_share(settings),
    )
    return CachedStore(inner)


def worker_limits(settings: Settings) -> WorkerLimits:
    """What the settings allow a query worker: network only for an allow-listed SERVICE."""
    return WorkerLimits(
        network=bool(settings.service_allowlist),
        memory_bytes=settings.worker_memory_mb * 1_000_000,
    )


def fair_share(settings: Settings) -> FairShare:
    """The workers' fair share between clients, as the settings say."""
    return FairShare(
        slots=settings.query_workers,
        share=settings.client_share,
        client_queue=settings.client_queue,
        max_waiting=settings.max_waiting,
    )


def _ensure_disk_store(directory: Path, dataset: Path, version: str) -> None:
    """Load the release into an on-disk store unless it already holds this version."""
    marker = directory / VERSION_MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == version:
        return
    if directory.exists() and any(directory.iterdir()) and not marker.is_file():
        raise ConfigurationError(f"{directory}: not an idmgraph store; refusing to overwrite it")
    store = pyoxigraph.Store(str(directory))
    store.clear()
    # the release's canonical blank node labels, not bulk_load's random ones: every replica
    # answers the same bytes (as evaluate.open_store)
    quads = pyoxigraph.parse(
        path=str(dataset), format=pyoxigraph.RdfFormat.N_QUADS, rename_blank_nodes=False
    )
    store.bulk_extend(quads)
    store.flush()
    del store
    marker.write_text(version + "\n", encoding="utf-8")
