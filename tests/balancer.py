"""Replicas of ``idmgraph serve`` behind Debian's nginx, on 127.0.0.1, for the replica tests.

Every process dies with the test process (``setpriv --pdeathsig``, see
:func:`tests.remoteserver.with_parent`) and is stopped when its block ends, failed or not.
nginx runs in the foreground from a configuration written into a temporary folder that also
holds its pid file, error log and temporary files; nothing of the system's nginx is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.remoteserver import free_port, running_process, stop, wait_ready, with_parent

# Debian installs it in sbin, which an unprivileged user's PATH may not hold.
NGINX_PATH = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/sbin"))
# Which replica answered: added by the balancer, so the tests can see both were asked.
UPSTREAM_HEADER = "x-upstream"
_CLI = "from idmgraph.cli import main; raise SystemExit(main())"

# Round robin over the replicas, as the README shows, plus what a test run needs: its own
# pid file, logs and temporary files, and the answering replica in a header of its own.
# proxy_max_temp_file_size 0 streams big answers instead of spooling them to disk (workers
# started by root run as nobody, who cannot write into the test's temporary folder).
_CONFIG = """\
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_body_buffer_size 1m;
    upstream idmgraph {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://idmgraph;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_503;
            proxy_max_temp_file_size 0;
            add_header {upstream_header} $upstream_addr always;
        }}
    }}
}}
"""


def nginx() -> str:
    """The nginx executable; the test fails (never skips) without it: make test installs it."""
    found = shutil.which("nginx", path=NGINX_PATH)
    if found is None:
        pytest.fail("nginx is missing: apt-get install -y nginx (make test installs it)")
    return found


def nginx_config(*, folder: Path, port: int, upstreams: Sequence[str]) -> str:
    """The configuration of a round-robin balancer on 127.0.0.1:``port``."""
    servers = "\n".join(f"        server {address};" for address in upstreams)
    return _CONFIG.format(
        folder=folder, port=port, servers=servers, upstream_header=UPSTREAM_HEADER
    )


@contextmanager
def balancer(upstreams: Sequence[str], folder: Path) -> Iterator[str]:
    """nginx balancing ``upstreams`` (``host:port``) round robin; yields its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(nginx_config(folder=folder, port=port, upstreams=upstreams))
    # -e: the error log before the configuration is read, never the system's
    command = [nginx(), "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")]
    base = f"http://127.0.0.1:{port}"
    with running_process([*command, "-g", "daemon off;"], ready=base + "/health"):
        yield base


@contextmanager
def replica_servers(
    root: Path, *environs: Mapping[str, str], common: Mapping[str, str] | None = None
) -> Iterator[list[str]]:
    """``idmgraph --root ROOT serve``, once per environment (plus ``common``), all started at
    once on free ports of 127.0.0.1; yields their addresses (``host:port``)."""
    ports = [free_port() for _ in environs]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port, environ in zip(ports, environs, strict=True):
            command = [sys.executable, "-c", _CLI, "--root", str(root), "serve"]
            command += ["--host", "127.0.0.1", "--port", str(port)]
            env = {**os.environ, "IDMGRAPH_QUERY_WORKERS": "1", **(common or {}), **environ}
            processes.append(
                subprocess.Popen(
                    with_parent(command),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            )
        # uvicorn listens once the application has started: the store is loaded by then
        for port, process in zip(ports, processes, strict=False):
            wait_ready(f"http://127.0.0.1:{port}/health", process, budget=60)
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            stop(process, budget=30)
