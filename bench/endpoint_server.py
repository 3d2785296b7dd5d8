"""Run the idmgraph endpoint over one RDF file for the benchmark: endpoint_server.py FILE PORT."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from idmgraph.base.settings import Settings
from idmgraph.store.cached import CachedStore
from idmgraph.store.embedded import OxigraphStore
from idmgraph.web.app import create_app
from idmgraph.web.server import server_config


def main() -> None:
    data, port = Path(sys.argv[1]), int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    settings = Settings(port=port, query_workers=workers, query_timeout=60.0)
    store = CachedStore(OxigraphStore.from_file(data, workers=workers))
    app = create_app(settings, store)
    # the server as `idmgraph serve` runs it (bounded request heads), one client's share
    # left at every worker: the benchmark's clients share one address
    uvicorn.Server(server_config(app, settings, host="127.0.0.1", log_level="warning")).run()


if __name__ == "__main__":
    main()
