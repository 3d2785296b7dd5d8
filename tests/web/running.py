"""One way to run the application for a test: uvicorn on 127.0.0.1, in a thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from idmgraph.base.settings import Settings
from idmgraph.web.server import server_config


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(app: ASGIApp, *, start_within: float = 30) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL. ``start_within`` seconds for
    the start (the store's workers load the release first: a whole catalogue takes longer)."""
    port = free_port()
    settings = getattr(getattr(app, "state", None), "settings", None) or Settings()
    server = uvicorn.Server(
        server_config(app, settings, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
