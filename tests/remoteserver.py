"""A real ``oxigraph serve`` (PyPI ``oxigraph``) on 127.0.0.1, for the remote-store tests.

Which backend the HTTP tests run on: ``--backend remote`` or ``IDMGRAPH_TEST_BACKEND=remote``
(default ``embedded``). Each remote store gets its own in-memory server, killed when the
fixture ends, and with the test process (``setpriv --pdeathsig``) if that dies first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from idmgraph.base.settings import Settings
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.interface import Store
from idmgraph.store.publish import publish_dataset, publish_remote
from idmgraph.store.remote import Remote, RemoteStore
from idmgraph.store.workers import WorkerLimits

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


def _executable() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the 'oxigraph' command is missing: pip install -e '.[test]'")
    return found


def with_parent(command: list[str]) -> list[str]:
    """``command``, run so that the kernel kills it when this process dies."""
    # setpriv (util-linux) asks the kernel to kill the server with the test process; a
    # preexec_fn doing the same would run between fork and exec in a threaded process.
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *command] if setpriv else command


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


@contextmanager
def running_process(command: list[str], *, ready: str, budget: float = 30) -> Iterator[None]:
    """Run a server process (dying with this one) until ``ready`` answers; stop it on exit."""
    process = subprocess.Popen(
        with_parent(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(ready, process, budget=budget)
        yield
    finally:
        stop(process, budget=30)


def stop(process: subprocess.Popen[bytes], *, budget: float = 10) -> None:
    """Terminate ``process``, then kill it if it has not ended within ``budget`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes], *, budget: float = 30) -> None:
    """Wait until ``url`` answers over HTTP (any status); fail if ``process`` exits first."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {budget:g} s")


def backend() -> str:
    """The backend the HTTP tests run on: ``embedded`` or ``remote``."""
    return os.environ.get(BACKEND_VARIABLE, "embedded")


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
    if backend() != "remote":
        limits = WorkerLimits(network=bool(service_allowlist))
        yield OxigraphStore.from_file(dataset, version=version, workers=workers, limits=limits)
        return
    with oxigraph_server(query_timeout=query_timeout) as server:
        publish_dataset(server.remote(), dataset, version=version)
        yield RemoteStore(
            server.remote(), expected_version=version, service_allowlist=service_allowlist
        )


@contextmanager
def release_settings(settings: Settings) -> Iterator[Settings]:
    """``settings``, pointed at a remote store the release was published to when remote."""
    if backend() != "remote":
        yield settings
        return
    with oxigraph_server(query_timeout=settings.query_timeout) as server:
        remote = dataclasses.replace(
            settings, store="sparql:" + server.query_url, remote_graph_store_url=server.store_url
        )
        publish_remote(remote, environ={})
        yield remote
