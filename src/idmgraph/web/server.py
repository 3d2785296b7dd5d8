"""``idmgraph serve``: the web application under uvicorn."""

from __future__ import annotations

import uvicorn

from idmgraph.settings import Settings
from idmgraph.snapshot import open_served
from idmgraph.web.app import create_app


def serve(settings: Settings) -> None:
    """Serve the release in ``settings.release_dir`` until interrupted."""
    # One pinned, verified release for the store and the web layer alike (idmgraph.snapshot).
    serving = open_served(settings)
    app = create_app(settings, serving.store, served=serving.served)
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, log_level="info")
