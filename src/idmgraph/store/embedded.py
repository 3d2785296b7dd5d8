"""The embedded Oxigraph backend of the :class:`~idmgraph.store.interface.Store` interface.

It evaluates queries in worker processes (:mod:`idmgraph.store.workers`) so a
query past its deadline is killed rather than left burning a core.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from idmgraph.base import formats
from idmgraph.base.errors import (
    AnswerTooLarge,
    BadRequest,
    ConfigurationError,
    NotAcceptable,
    QueryTimeout,
    ServiceUnavailable,
    WorkerStopped,
)
from idmgraph.store.evaluate import Job, Reply
from idmgraph.store.fairshare import FairShare, current_asker
from idmgraph.store.request import AnswerKind, QueryAnswer, QueryRequest
from idmgraph.store.workers import StoreSource, Worker, WorkerGone, WorkerLimits, Zygote

LOG = logging.getLogger(__name__)
WATCH_SECONDS = 1.0  # how often the zygote is checked for life
# A query running longer than this yields the cores to short queries and the event loop.
SLOW_QUERY_SECONDS = 0.25


class OxigraphStore:
    """An embedded Oxigraph store evaluated by worker processes forked from one loaded copy.

    Workers are shared fairly between clients (:mod:`idmgraph.store.fairshare`). If the zygote dies
    (killed from outside, say), the store notices within a second, answers 503 meanwhile and
    starts a new one; :meth:`probe` tells whether a query can really be evaluated now.
    """

    def __init__(
        self,
        source: StoreSource,
        *,
        version: str,
        workers: int = 2,
        limits: WorkerLimits | None = None,
        fairness: FairShare | None = None,
    ) -> None:
        if workers < 1:
            raise ConfigurationError(f"query_workers={workers}: at least one worker is needed")
        self._source = source
        self._version = version
        self._size = workers
        self._limits = limits or WorkerLimits()
        self._fair = fairness or FairShare(
            slots=workers, share=workers, client_queue=1_000, max_waiting=10_000
        )
        self._zygote: Zygote | None = None
        self._idle: asyncio.Queue[Worker] | None = None
        self._threads = ThreadPoolExecutor(max_workers=2 * workers + 2, thread_name_prefix="sparql")
        self._graphs: tuple[str, ...] = ()
        self._triples = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._respawns: set[asyncio.Task[None]] = set()  # never cancelled: see close()
        self._recovering: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    def from_file(
        cls,
        path: Path,
        *,
        version: str | None = None,
        workers: int = 2,
        limits: WorkerLimits | None = None,
        fairness: FairShare | None = None,
    ) -> OxigraphStore:
        """A store loaded into memory from an RDF file (format from its extension)."""
        fmt = formats.by_extension(path.suffix)
        digest = version or hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        source = StoreSource(path=path, format=fmt.name)
        return cls(source, version=digest, workers=workers, limits=limits, fairness=fairness)

    @property
    def version(self) -> str:
        """Version of the release the store holds."""
        return self._version

    async def start(self) -> None:
        """Load the data in the zygote, fork the workers and read the store's shape."""
        await self._start_zygote()
        shape = await self._run(Job(sparql="", format="json", describe_store=True), timeout=60)
        self._graphs, self._triples = shape.graphs, shape.triples
        self._spawn_task(self._watch())

    async def _start_zygote(self) -> None:
        loop = asyncio.get_running_loop()
        self._zygote = await loop.run_in_executor(self._threads, Zygote, self._source, self._limits)
        idle: asyncio.Queue[Worker] = asyncio.Queue()
        for _ in range(self._size):
            pid, channel = await loop.run_in_executor(self._threads, self._zygote.spawn)
            idle.put_nowait(await Worker.connect(pid, channel))
        self._idle = idle

    async def close(self) -> None:
        """Kill the workers and end the zygote."""
        self._closed = True
        for task in list(self._tasks - self._respawns):
            task.cancel()
        # A respawn cancelled while the zygote forks would leave the new worker's socket and
        # process to nobody; each takes milliseconds, so they are waited for instead.
        if self._respawns:
            await asyncio.wait(self._respawns, timeout=10)
        self._kill_idle()
        if self._zygote is not None:
            await asyncio.get_running_loop().run_in_executor(self._threads, self._zygote.close)
            self._zygote = None
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _kill_idle(self) -> None:
        if self._idle is not None:
            while not self._idle.empty():
                self._idle.get_nowait().kill()

    def graphs(self) -> tuple[str, ...]:
        """IRIs of the named graphs, sorted."""
        return self._graphs

    def triple_count(self) -> int:
        """Number of statements over all graphs."""
        return self._triples

    async def query(self, request: QueryRequest) -> QueryAnswer:
        """Evaluate a query in a worker; a query past its timeout is killed (503)."""
        request.check_format()
        job = Job(
            sparql=request.sparql,
            format=request.format.name,
            base_iri=request.base_iri,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            # Oxigraph lets the union flag override FROM, so it is only set without one.
            union=not request.shape.has_dataset,
            substitutions=request.substitutions,
            max_rows=request.max_rows,
            max_bytes=request.max_bytes,
        )
        return _answer(await self._run(job, timeout=request.timeout), request.format)

    async def probe(self, *, timeout: float) -> None:
        """Evaluate a query on a worker now, never from a cache; raises when none can."""
        reply = await self._run(Job(sparql="ASK {}", format="json"), timeout=timeout)
        _answer(reply, formats.by_name("json"))

    async def _run(self, job: Job, *, timeout: float) -> Reply:
        if self._idle is None:
            raise RuntimeError("the store was not started")
        if self._recovering is not None:
            raise ServiceUnavailable("the query engine is restarting; try again in a moment")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._fair.slot(current_asker.get(), timeout=timeout):
            idle = self._idle
            try:
                async with asyncio.timeout_at(deadline):
                    worker = await idle.get()
            except TimeoutError:
                raise QueryTimeout(f"no worker was free within {timeout:g} s") from None
            return await self._call(worker, idle, job, deadline=deadline, timeout=timeout)

    async def _call(
        self,
        worker: Worker,
        idle: asyncio.Queue[Worker],
        job: Job,
        *,
        deadline: float,
        timeout: float,
    ) -> Reply:
        demotion = asyncio.get_running_loop().call_later(SLOW_QUERY_SECONDS, worker.demote)
        try:
            # asyncio.timeout, unlike wait_for, needs no extra task per query
            async with asyncio.timeout_at(deadline):
                reply = await worker.call(job)
        except TimeoutError:
            self._replace(worker, idle)
            raise QueryTimeout(f"the query ran past {timeout:g} s and was stopped") from None
        except WorkerGone as gone:
            self._replace(worker, idle)
            if not gone.planned and self._zygote is not None and self._zygote.alive:
                # the parser itself fell over this text: the same text will fell it again
                raise BadRequest("the query is too large or too deeply nested to parse") from None
            raise WorkerStopped("the worker evaluating the query stopped") from None
        except OSError:
            self._replace(worker, idle)
            raise WorkerStopped("the worker evaluating the query stopped") from None
        except BaseException:
            # cancelled (the client went away): the worker may still be busy, so replace it
            self._replace(worker, idle)
            raise
        finally:
            demotion.cancel()
        if reply.retire or worker.demoted:
            self._replace(worker, idle)
        else:
            idle.put_nowait(worker)
        return reply

    def _replace(self, worker: Worker, idle: asyncio.Queue[Worker]) -> None:
        worker.kill()
        if self._zygote is None or idle is not self._idle or self._closed:
            return
        respawn = self._spawn_task(self._respawn(self._zygote, idle))
        self._respawns.add(respawn)
        respawn.add_done_callback(self._respawns.discard)

    def _spawn_task(self, work: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _respawn(self, zygote: Zygote, idle: asyncio.Queue[Worker]) -> None:
        loop = asyncio.get_running_loop()
        try:
            pid, channel = await loop.run_in_executor(self._threads, zygote.spawn)
        except (OSError, WorkerGone):
            # the zygote is gone, and every worker with it; a respawn that outlived a restart
            # fails on the old zygote and must not restart the new one
            if zygote is self._zygote:
                self._recover()
            return
        worker = await Worker.connect(pid, channel)
        if idle is self._idle and not self._closed:
            idle.put_nowait(worker)
        else:  # a restart replaced the pool meanwhile, or the store closed
            worker.kill()

    async def _watch(self) -> None:
        """Notice a zygote that died while nothing was asked of it."""
        while not self._closed:
            await asyncio.sleep(WATCH_SECONDS)
            if self._zygote is not None and not self._zygote.alive:
                self._recover()

    def _recover(self) -> None:
        if self._recovering is None and not self._closed:
            self._recovering = self._spawn_task(self._restart())

    async def _restart(self) -> None:
        """Start a new zygote and workers, retrying until it works or the store closes."""
        pause = WATCH_SECONDS
        try:
            while not self._closed:
                old, self._zygote = self._zygote, None
                self._kill_idle()
                if old is not None:
                    await asyncio.get_running_loop().run_in_executor(self._threads, old.close)
                try:
                    await self._start_zygote()
                    return
                except (OSError, WorkerGone, ConfigurationError, SyntaxError, ValueError) as exc:
                    LOG.error("the query engine did not restart (%s); trying again", exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 30.0)
        finally:
            self._recovering = None


def _answer(reply: Reply, fmt: formats.Format) -> QueryAnswer:
    if reply.error == "syntax":
        raise BadRequest(reply.message, line=reply.line, column=reply.column)
    if reply.error == "mismatch":
        raise NotAcceptable(f"{fmt.label} cannot carry the answer of a {reply.kind} query")
    if reply.error == "network":
        raise BadRequest("SERVICE is not allowed: queries on this endpoint reach no network")
    if reply.error == "too-large":
        raise AnswerTooLarge(f"{reply.message}; ask for fewer rows or columns (LIMIT)")
    if reply.error == "memory":
        raise WorkerStopped(f"{reply.message} and was stopped")
    if reply.error is not None:
        raise BadRequest(f"the query could not be evaluated: {reply.message}")
    return QueryAnswer(
        kind=AnswerKind(reply.kind),
        format=fmt,
        body=reply.body,
        truncated=reply.truncated,
        rows=reply.rows,
    )
