"""``idmgraph serve``: the web application under uvicorn."""

from __future__ import annotations

import uvicorn

from idmgraph.settings import Settings
from idmgraph.store import open_store
from idmgraph.web.app import create_app


def serve(settings: Settings) -> None:
    """Serve the release in ``settings.release_dir`` until interrupted."""
    app = create_app(settings, open_store(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, log_level="info")
