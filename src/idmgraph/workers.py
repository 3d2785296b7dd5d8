"""Worker processes that evaluate SPARQL, so a query past its deadline can be killed.

pyoxigraph has no query timeout and no cancellation, and a query holds its thread until it
ends. So queries run in worker processes, and a query past its deadline is stopped by killing
its worker. To make a replacement cheap, one *zygote* process loads the dataset once and forks
every worker from itself: a new worker is ready in milliseconds and shares the loaded store's
memory pages with its siblings (copy on write) instead of loading its own copy.

    parent (event loop) ──control socket──▶ zygote (holds the loaded store, forks)
          ▲                                    │ fork
          └────────── job socket ───────────▶ worker (evaluates one job at a time)

A worker exits when its job socket closes and is killed by the kernel when the zygote exits;
the zygote exits when the parent closes the control socket or dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pyoxigraph

from idmgraph.evaluate import Job, Reply, evaluate, open_store

_LENGTH = struct.Struct(">Q")
_PID = struct.Struct(">q")
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, kw_only=True)
class StoreSource:
    """Where workers get the dataset: an RDF file loaded into memory or an on-disk store."""

    path: Path
    format: str | None = None  # registry name of the file's format; None for an on-disk store

    def argv(self) -> list[str]:
        """Command-line arguments naming this source to the zygote."""
        return [str(self.path), self.format or ""]


class WorkerGone(Exception):
    """The worker closed its socket before answering (killed, or crashed)."""


class Worker:
    """The parent's handle on one worker process, whose socket the event loop reads."""

    def __init__(self, pid: int, channel: _Channel) -> None:
        self.pid = pid
        self._channel = channel

    @classmethod
    async def connect(cls, pid: int, sock: socket.socket) -> Worker:
        """Attach a freshly forked worker's socket to the running event loop."""
        # A protocol keeps the socket registered with the loop for the worker's whole life:
        # per-call sock_recv() registration cost more than the evaluation of a small query.
        loop = asyncio.get_running_loop()
        _transport, channel = await loop.create_unix_connection(_Channel, sock=sock)
        return cls(pid, channel)

    async def call(self, job: Job) -> Reply:
        """Send a job and wait for its reply without blocking the event loop."""
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        payload = await self._channel.request(_LENGTH.pack(len(data)) + data)
        reply = pickle.loads(payload)  # noqa: S301 - written by our own worker
        if not isinstance(reply, Reply):
            raise WorkerGone(f"worker {self.pid} sent {type(reply).__name__}")
        return reply

    def kill(self) -> None:
        """Stop the worker now, wherever it is in its query."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._channel.close()


class _Channel(asyncio.Protocol):
    """Length-prefixed frames over a worker's socket, one request at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._waiter: asyncio.Future[bytes] | None = None
        self._transport: asyncio.Transport | None = None
        self._lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write requests to."""
        # uvloop's transports do not subclass asyncio.Transport, but have its methods
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Collect bytes until a whole frame has arrived, then wake the caller."""
        self._buffer += data
        if len(self._buffer) < _LENGTH.size:
            return
        size = _LENGTH.unpack_from(self._buffer)[0]
        end = _LENGTH.size + size
        if len(self._buffer) < end:
            return
        payload = bytes(self._buffer[_LENGTH.size : end])
        del self._buffer[:end]
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        """The worker died or was killed: fail the pending request."""
        self._lost = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(WorkerGone("the worker closed its socket"))

    async def request(self, frame: bytes) -> bytes:
        """Write one frame and wait for the reply frame."""
        if self._lost or self._transport is None:
            raise WorkerGone("the worker is gone")
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(frame)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        """Drop the connection (the worker sees end of file)."""
        if self._transport is not None:
            self._transport.abort()


class Zygote:
    """The process that holds the loaded store and forks workers on request."""

    def __init__(self, source: StoreSource) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._control = parent_end
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "idmgraph.workers", str(child_end.fileno()), *source.argv()],
            pass_fds=[child_end.fileno()],
        )
        child_end.close()
        ready = recv_frame(self._control)
        if isinstance(ready, BaseException):
            self.close()
            raise ready

    def spawn(self) -> tuple[int, socket.socket]:
        """Fork a new worker from the loaded store: its pid and the parent's end of its socket.

        Thread-safe, and blocking for a few milliseconds: call it from a thread.
        """
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with self._lock:
            socket.send_fds(self._control, [b"F"], [child_end.fileno()])
            child_end.close()
            pid = _PID.unpack(_recv_exactly(self._control, _PID.size))[0]
        return pid, parent_end

    def close(self) -> None:
        """End the zygote; its workers are killed by the kernel when it exits."""
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        self._control.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def send_frame(channel: socket.socket, value: Any) -> None:
    """Write one length-prefixed pickled value."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    channel.sendall(_LENGTH.pack(len(data)) + data)


def recv_frame(channel: socket.socket) -> Any:
    """Read one length-prefixed pickled value (the peer is our own process tree)."""
    size = _LENGTH.unpack(_recv_exactly(channel, _LENGTH.size))[0]
    return pickle.loads(_recv_exactly(channel, size))  # noqa: S301 - written by our own worker


def _recv_exactly(channel: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = channel.recv_into(view[got:], size - got)
        if count == 0:
            raise WorkerGone("the peer closed its socket")
        got += count
    return bytes(buffer)


def _zygote_main(control: socket.socket, source: StoreSource) -> None:
    # workers are never waited for: let the kernel reap them
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        # An on-disk store (RocksDB) does not survive a fork: each worker opens its own.
        store = open_store(source.path, source.format) if source.format else None
    except (OSError, SyntaxError, ValueError) as exc:
        send_frame(control, exc)
        return
    send_frame(control, "ready")
    while True:
        message, fds, _flags, _address = socket.recv_fds(control, 1, 1)
        if not message or not fds:
            return
        channel = socket.socket(fileno=fds[0])
        pid = os.fork()
        if pid == 0:
            _worker_after_fork(control, channel, store, source)
        channel.close()
        control.sendall(_PID.pack(pid))


def _worker_after_fork(
    control: socket.socket,
    channel: socket.socket,
    store: pyoxigraph.Store | None,
    source: StoreSource,
) -> None:
    code = 0
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _die_with_parent()
        _serve_jobs(channel, store if store is not None else open_store(source.path, None))
    except BaseException:  # a forked child must never return into the zygote
        code = 1
    finally:
        os._exit(code)


def _serve_jobs(channel: socket.socket, store: pyoxigraph.Store) -> None:
    while True:
        try:
            job = recv_frame(channel)
        except WorkerGone:
            return
        send_frame(channel, evaluate(store, job))


def _die_with_parent() -> None:
    # Linux only: without it, a worker stuck in a long query would outlive a killed zygote.
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(0)


if __name__ == "__main__":
    _fd, _path, _format = sys.argv[1:4]
    _zygote_main(
        socket.socket(fileno=int(_fd)),
        StoreSource(path=Path(_path), format=_format or None),
    )
