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

The zygote seals itself off the network before it loads anything (:mod:`idmgraph.store.sandbox`),
so every worker is born sealed. A worker evaluates in a thread with a large stack (Oxigraph's
parser recurses per nesting level) while its main thread watches its memory. It tells the
parent when a query has been parsed and planned (an ``E`` frame before the ``R`` reply), so a
worker that dies before that was killed by the query's text: the client's fault, not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pyoxigraph

from idmgraph.base.errors import ConfigurationError
from idmgraph.store import sandbox
from idmgraph.store.evaluate import Job, Reply, evaluate, open_store

_LENGTH = struct.Struct(">Q")
_PID = struct.Struct(">q")
_PR_SET_PDEATHSIG = 1
_PLANNED = b"E"  # worker -> parent: the query is parsed and planned, evaluation begins
_REPLY = b"R"  # worker -> parent: a pickled Reply follows
_JOB_STACK_BYTES = 512 * 1024 * 1024  # address space only: pages are touched as used
_WATCH_SECONDS = 0.05
_LEAST_PRIORITY = 19  # the nice value of a demoted worker


@dataclass(frozen=True, kw_only=True)
class WorkerLimits:
    """What every worker of a zygote may do."""

    network: bool = False  # False: no socket but Unix ones (SERVICE cannot reach anything)
    memory_bytes: int = 1024 * 1024 * 1024  # allowance beyond the memory the worker is born with

    def argv(self) -> list[str]:
        """Command-line arguments naming these limits to the zygote."""
        return ["network" if self.network else "sealed", str(self.memory_bytes)]


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

    def __init__(self, message: str, *, planned: bool = False) -> None:
        super().__init__(message)
        self.planned = planned  # the query had been parsed and planned when the worker died


class Worker:
    """The parent's handle on one worker process, whose socket the event loop reads."""

    def __init__(self, pid: int, channel: _Channel) -> None:
        self.pid = pid
        self._channel = channel
        self.demoted = False

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

    def demote(self) -> None:
        """Lower the worker's CPU priority to the least, every thread of it (nice is per thread).

        A query still running after a short while is a batch job: it keeps its worker, but
        short queries and the event loop come first for the cores. A process cannot raise its
        priority back unprivileged, so a demoted worker is replaced once it answers.
        """
        self.demoted = True
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                os.setpriority(os.PRIO_PROCESS, int(task.name), _LEAST_PRIORITY)

    def kill(self) -> None:
        """Stop the worker now, wherever it is in its query."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._channel.close()


class _Channel(asyncio.Protocol):
    """Typed, length-prefixed frames over a worker's socket, one request at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._waiter: asyncio.Future[bytes] | None = None
        self._transport: asyncio.Transport | None = None
        self._lost = False
        self._planned = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write requests to."""
        # uvloop's transports do not subclass asyncio.Transport, but have its methods
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Collect bytes until a whole frame has arrived, then act on it."""
        self._buffer += data
        while self._buffer:
            if self._buffer[:1] == _PLANNED:
                del self._buffer[:1]
                self._planned = True
                continue
            header = 1 + _LENGTH.size
            if len(self._buffer) < header:
                return
            end = header + _LENGTH.unpack_from(self._buffer, 1)[0]
            if len(self._buffer) < end:
                return
            payload = bytes(self._buffer[header:end])
            del self._buffer[:end]
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        """The worker died or was killed: fail the pending request."""
        self._lost = True
        if self._waiter is not None and not self._waiter.done():
            gone = WorkerGone("the worker closed its socket", planned=self._planned)
            self._waiter.set_exception(gone)

    async def request(self, frame: bytes) -> bytes:
        """Write one frame and wait for the reply frame."""
        if self._lost or self._transport is None:
            raise WorkerGone("the worker is gone")
        self._waiter = asyncio.get_running_loop().create_future()
        self._planned = False
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

    def __init__(self, source: StoreSource, limits: WorkerLimits | None = None) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._control = parent_end
        self._lock = threading.Lock()
        argv = [str(child_end.fileno()), *source.argv(), *(limits or WorkerLimits()).argv()]
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "idmgraph.store.workers", *argv],
                pass_fds=[child_end.fileno()],
            )
        except OSError:
            parent_end.close()
            raise
        finally:
            child_end.close()
        try:
            ready = recv_frame(self._control)
        except WorkerGone:
            self.close()
            raise
        if isinstance(ready, BaseException):
            self.close()
            raise ready

    @property
    def alive(self) -> bool:
        """Whether the zygote process is still running (it can be killed from outside)."""
        return self._process.poll() is None

    def spawn(self) -> tuple[int, socket.socket]:
        """Fork a new worker from the loaded store: its pid and the parent's end of its socket.

        Thread-safe, and blocking for a few milliseconds: call it from a thread.
        """
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                socket.send_fds(self._control, [b"F"], [child_end.fileno()])
                child_end.close()
                pid = _PID.unpack(_recv_exactly(self._control, _PID.size))[0]
        except BaseException:  # the zygote is gone: nothing will use either end
            child_end.close()
            parent_end.close()
            raise
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


def _zygote_main(control: socket.socket, source: StoreSource, limits: WorkerLimits) -> None:
    # workers are never waited for: let the kernel reap them
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        if not limits.network:
            sandbox.block_network()
        # An on-disk store (RocksDB) does not survive a fork: each worker opens its own.
        store = open_store(source.path, source.format) if source.format else None
    except (OSError, SyntaxError, ValueError, ConfigurationError) as exc:
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
            _worker_after_fork(control, channel, store, source, limits)
        channel.close()
        control.sendall(_PID.pack(pid))


def _worker_after_fork(
    control: socket.socket,
    channel: socket.socket,
    store: pyoxigraph.Store | None,
    source: StoreSource,
    limits: WorkerLimits,
) -> None:
    code = 0
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _die_with_parent()
        _WorkerProcess(channel, limits).run(
            store if store is not None else open_store(source.path, None)
        )
    except BaseException:  # a forked child must never return into the zygote
        code = 1
    finally:
        os._exit(code)


class _WorkerProcess:
    """A worker: jobs in a large-stack thread, its memory watched by the main thread."""

    def __init__(self, channel: socket.socket, limits: WorkerLimits) -> None:
        self._channel = channel
        self._limits = limits
        self._write = threading.Lock()
        self._born = sandbox.resident_bytes()
        self._busy = False
        self._wake = threading.Event()

    def run(self, store: pyoxigraph.Store) -> None:
        threading.stack_size(_JOB_STACK_BYTES)
        jobs = threading.Thread(target=self._serve, args=(store,), daemon=True)
        jobs.start()
        threading.stack_size(0)
        # the backstop for an allocation faster than the watch: well above the allowance
        sandbox.cap_address_space(4 * self._limits.memory_bytes + _JOB_STACK_BYTES)
        while jobs.is_alive():
            self._wake.wait()  # asleep while no job runs: an idle worker costs nothing
            self._wake.clear()
            while self._busy:
                time.sleep(_WATCH_SECONDS)
                if self._grown() > self._limits.memory_bytes:
                    self._stop_for_memory()

    def _stop_for_memory(self) -> None:
        limit_mb = self._limits.memory_bytes // 1_000_000
        message = f"the query used more than {limit_mb} MB"
        self._send(_REPLY, Reply(error="memory", message=message, retire=True))
        os._exit(0)

    def _grown(self) -> int:
        return sandbox.resident_bytes() - self._born

    def _serve(self, store: pyoxigraph.Store) -> None:
        try:
            while True:
                try:
                    job = recv_frame(self._channel)
                except WorkerGone:
                    return
                self._busy = True
                self._wake.set()
                reply = evaluate(store, job, on_planned=self._planned)
                # memory a query left behind stays with the process: a worker that kept much
                # of its allowance is retired after answering, not carried into the next job
                retire = self._grown() > self._limits.memory_bytes // 2
                self._busy = False
                self._send(_REPLY, _with_retire(reply, retire=retire))
        finally:
            self._wake.set()  # let the main thread see that the jobs are over

    def _planned(self) -> None:
        with self._write:
            self._channel.sendall(_PLANNED)

    def _send(self, kind: bytes, value: Reply) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with self._write:
            self._channel.sendall(kind + _LENGTH.pack(len(data)) + data)


def _with_retire(reply: Reply, *, retire: bool) -> Reply:
    return dataclasses.replace(reply, retire=True) if retire else reply


def _die_with_parent() -> None:
    # Linux only: without it, a worker stuck in a long query would outlive a killed zygote.
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(0)


if __name__ == "__main__":
    _fd, _path, _format, _network, _memory = sys.argv[1:6]
    _zygote_main(
        socket.socket(fileno=int(_fd)),
        StoreSource(path=Path(_path), format=_format or None),
        WorkerLimits(network=_network == "network", memory_bytes=int(_memory)),
    )
