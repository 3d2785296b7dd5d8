"""Real remote stores on 127.0.0.1 for the remote-store tests: ``oxigraph serve`` (PyPI
``oxigraph``) or OpenLink Virtuoso (:mod:`tests.virtuososerver`).

Which backend the HTTP tests run on: ``--backend remote`` (``oxigraph serve``), ``--backend
virtuoso``, or ``IDMGRAPH_TEST_BACKEND`` (default ``embedded``). Each remote store gets its own
server, killed when the fixture ends, and with the test process (``setpriv --pdeathsig``) if
that dies first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from idmgraph.base.settings import Settings
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.interface import Store
from idmgraph.store.publish import publish_dataset, publish_remote
from idmgraph.store.remote import PASSWORD_VARIABLE, USER_VARIABLE, Remote, RemoteStore
from idmgraph.store.workers import WorkerLimits
from tests.processes import free_port, running_process, stop, wait_ready, with_parent
from tests.virtuososerver import VirtuosoServer, virtuoso_server

__all__ = ["free_port", "running_process", "stop", "wait_ready", "with_parent"]

BACKEND_VARIABLE = "IDMGRAPH_TEST_BACKEND"


@dataclass(frozen=True)
class OxigraphServer:
    """A running ``oxigraph serve`` and its protocol URLs."""

    base: str

    @property
    def query_url(self) -> str:
        """SPARQL query endpoint."""
        return self.base + "/query"

    @property
    def store_url(self) -> str:
        """Graph Store Protocol endpoint."""
        return self.base + "/store"

    def remote(self) -> Remote:
        """The Remote naming this server, without credentials."""
        return Remote(query_url=self.query_url, graph_store_url=self.store_url)

    @property
    def admin_auth(self) -> httpx.Auth | None:
        """Credentials of Graph Store requests made by the tests themselves: none."""
        return None


RemoteServer = OxigraphServer | VirtuosoServer
REMOTE_BACKENDS = ("remote", "virtuoso")


def _executable() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the 'oxigraph' command is missing: pip install -e '.[test]'")
    return found


@contextmanager
def oxigraph_server(*, query_timeout: float = 10.0) -> Iterator[OxigraphServer]:
    """Start an in-memory ``oxigraph serve`` on a free loopback port; stop it on exit.

    Its own timeout follows ours: a query we abandon at ``query_timeout`` would otherwise go
    on using a core of this machine and slow the next tests down.
    """
    port = free_port()
    command = [_executable(), "serve", "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout-s", str(math.ceil(query_timeout) + 1)]
    server = OxigraphServer(base=f"http://127.0.0.1:{port}")
    with running_process(command, ready=server.query_url + "?query=ASK%7B%7D"):
        yield server


def backend() -> str:
    """The backend the HTTP tests run on: ``embedded``, ``remote`` or ``virtuoso``."""
    return os.environ.get(BACKEND_VARIABLE, "embedded")


def is_remote() -> bool:
    """Whether the HTTP tests run on a remote store (``oxigraph serve`` or Virtuoso)."""
    return backend() in REMOTE_BACKENDS


@contextmanager
def remote_server(*, query_timeout: float = 10.0) -> Iterator[RemoteServer]:
    """A new server of the remote backend chosen (``oxigraph serve`` unless ``virtuoso``)."""
    start = virtuoso_server if backend() == "virtuoso" else oxigraph_server
    with start(query_timeout=query_timeout) as server:
        yield server


def credentials(server: RemoteServer) -> dict[str, str]:
    """The environment variables holding ``server``'s publishing account, if it has one."""
    remote = server.remote()
    if remote.user is None:
        return {}
    return {USER_VARIABLE: remote.user, PASSWORD_VARIABLE: remote.password or ""}


@contextmanager
def dataset_store(
    dataset: Path,
    *,
    workers: int,
    service_allowlist: tuple[str, ...] = (),
    query_timeout: float = 10.0,
    version: str | None = None,
) -> Iterator[Store]:
    """The store the HTTP tests run on, holding ``dataset`` (N-Quads or TriG).

    Its version is ``version``, by default a hash of the file that no release folder names.
    """
    version = version or hashlib.sha256(dataset.read_bytes()).hexdigest()[:16]
    if not is_remote():
        limits = WorkerLimits(network=bool(service_allowlist))
        yield OxigraphStore.from_file(dataset, version=version, workers=workers, limits=limits)
        return
    with remote_server(query_timeout=query_timeout) as server:
        publish_dataset(server.remote(), dataset, version=version)
        # the read path: queries carry no publishing credentials
        reader = dataclasses.replace(server.remote(), user=None, password=None)
        yield RemoteStore(reader, expected_version=version, service_allowlist=service_allowlist)


@contextmanager
def release_settings(settings: Settings) -> Iterator[Settings]:
    """``settings``, pointed at a remote store the release was published to when remote.

    It is published as ``idmgraph publish`` does, from the settings and the environment.
    """
    if not is_remote():
        yield settings
        return
    with remote_server(query_timeout=settings.query_timeout) as server:
        remote = dataclasses.replace(
            settings,
            store="sparql:" + server.query_url,
            remote_graph_store_url=server.store_url,
            remote_auth=server.remote().auth_scheme,
        )
        publish_remote(remote, environ=credentials(server))
        yield remote
