"""A real uvicorn server on 127.0.0.1 serving the endpoint fixture, and loopback canaries."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release
from idmgraph.store.cached import CachedStore
from idmgraph.store.interface import Store
from idmgraph.web.app import create_app
from tests.remoteserver import dataset_store
from tests.web.linkedserver import Server, serve
from tests.web.running import running

FIXTURE = Path(__file__).parent.parent / "fixtures" / "endpoint" / "graph.trig"
BASE = "https://w3id.org/idmgraph/"
REPORT = BASE + "id/source/fixture-report"
ROADMAP = BASE + "id/source/fixture-roadmap"
MAX_ROWS = 50
QUERY_TIMEOUT = 3.0
MAX_BYTES = 20_000


@dataclass
class Canary:
    """A loopback HTTP server that records every request it receives."""

    url: str
    requests: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Endpoint:
    """The running test server."""

    base: str
    store: Store
    settings: Settings
    blocked: Canary  # a SERVICE target not on the allow-list: must receive nothing
    allowed: Canary  # a SERVICE target on the allow-list

    @property
    def url(self) -> str:
        """The SPARQL endpoint URL."""
        return self.base + "/sparql"


_CANARY_JSON = json.dumps(
    {
        "head": {"vars": ["remote"]},
        "results": {"bindings": [{"remote": {"type": "literal", "value": "canary"}}]},
    }
).encode()
_CANARY_XML = (
    b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    b'<head><variable name="remote"/></head><results><result><binding name="remote">'
    b"<literal>canary</literal></binding></result></results></sparql>"
)


def _canary_handler(canary: Canary) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            canary.requests.append(f"{self.command} {self.path}")
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            # as a SPARQL service, in the results format asked for: Virtuoso asks XML only
            media, body = "application/sparql-results+json", _CANARY_JSON
            if "sparql-results+xml" in (self.headers.get("accept") or ""):
                media, body = "application/sparql-results+xml", _CANARY_XML
            self.send_response(200)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer  # noqa: N815 - the names http.server dispatches on
        do_POST = _answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler


@pytest.fixture(scope="session")
def canaries() -> Iterator[tuple[Canary, Canary]]:
    servers, pair = [], []
    for name in ("blocked", "allowed"):
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), http.server.BaseHTTPRequestHandler
        )
        canary = Canary(url=f"http://127.0.0.1:{server.server_address[1]}/{name}/sparql")
        server.RequestHandlerClass = _canary_handler(canary)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        pair.append(canary)
    yield pair[0], pair[1]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def endpoint(canaries: tuple[Canary, Canary]) -> Iterator[Endpoint]:
    blocked, allowed = canaries
    settings = Settings(
        query_timeout=QUERY_TIMEOUT,
        max_result_rows=MAX_ROWS,
        max_request_bytes=MAX_BYTES,
        service_allowlist=(allowed.url,),
        query_workers=2,
        # the endpoint's tests count its workers' states, CPU and slots: nothing else runs there
        warm_pages=False,
    )
    with (
        dataset_store(
            FIXTURE,
            workers=settings.query_workers,
            service_allowlist=settings.service_allowlist,
            query_timeout=settings.query_timeout,
        ) as store,
        running(create_app(settings, CachedStore(store))) as base,
    ):
        yield Endpoint(
            base=base,
            store=store,
            settings=settings,
            blocked=blocked,
            allowed=allowed,
        )


@pytest.fixture
def client(endpoint: Endpoint) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=endpoint.base, timeout=30) as http_client:
        yield http_client


# The whole application over the repository's own release, shared by the resource, lookup,
# download and named-query tests (a module may define its own ``server``/``http`` instead).


@pytest.fixture(scope="session", name="server")
def release_server(repository_release: Release) -> Iterator[Server]:
    generator = serve(repository_release)
    yield next(generator)
    generator.close()


@pytest.fixture(scope="session", name="http")
def release_http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=60) as client:
        yield client
