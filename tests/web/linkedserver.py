"""A real uvicorn server on 127.0.0.1 serving the repository's own release with every linked-data
route (``idmgraph.web.linked.install``), for the resource, lookup and download tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from idmgraph.release import Release
from idmgraph.settings import Settings
from idmgraph.store import open_store
from idmgraph.web.app import create_app
from idmgraph.web.linked import install

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Server:
    """The running server and the release it serves."""

    base: str
    settings: Settings
    release: Release


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(release: Release) -> Iterator[Server]:
    """Start the server over ``release``; stop it when the generator is closed."""
    settings = Settings(root=ROOT, dist_dir=release.directory, query_workers=2)
    app = create_app(settings, open_store(settings))
    install(app, settings, app.state.store)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Server(base=f"http://127.0.0.1:{port}", settings=settings, release=release)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
