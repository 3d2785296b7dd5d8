"""Server processes for the tests: started as children that die with the test process."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


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
def running_process(
    command: list[str], *, ready: str, budget: float = 30, cwd: Path | None = None
) -> Iterator[None]:
    """Run a server process (dying with this one) until ``ready`` answers; stop it on exit."""
    process = subprocess.Popen(
        with_parent(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd
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
