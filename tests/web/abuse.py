"""Hostile clients against a real ``idmgraph serve``, shared by the hardening tests and
``bench/abuse_bench.py``: the server in its own process (so a wedged event loop or a killed
zygote cannot take the test process with it), a mix of ordinary requests, an abusive client,
and what /proc says about the server's processes.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from idmgraph.base import formats
from idmgraph.base.settings import env_name
from idmgraph.base.urls import Urls
from idmgraph.pipeline.release import Release
from tests.remoteserver import free_port, is_remote, stop, wait_ready, with_parent

ROOT = Path(__file__).resolve().parent.parent.parent
BASE = "https://w3id.org/idmgraph/"
# Every pair of statements with every other: far more work than any timeout allows.
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# Answered from the answer cache after its first request.
CACHED = "SELECT (COUNT(*) AS ?n) { ?s a ?type }"
# What other clients ask for: resources with a page, identifiers the lookup resolves.
RESOURCES = ("rec/X.1095", "rec/X.509", "rec/X.1254")
IDENTIFIERS = ("ITU-T X.1095", "X.1095", "T-REC-X.1095-202311-I")
# On loopback every client has the same address: the clients say who they are as a reverse
# proxy would, and the servers trust 127.0.0.1 as that proxy (setting trusted_proxies).
FORWARDED_FOR = "X-Forwarded-For"
ABUSER = "10.255.255.254"
BEHIND_A_PROXY = {"trusted_proxies": "127.0.0.1"}


def client_address(client: int) -> str:
    """The address ordinary client number ``client`` comes from."""
    return f"10.0.{client // 256}.{client % 256}"


@dataclass(frozen=True)
class Served:
    """A running ``idmgraph serve`` process."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def children(self) -> list[int]:
        """Pids of the server's direct children."""
        return [pid for pid in _pids() if _parent(pid) == self.process.pid]

    def zygote(self) -> int | None:
        """The child that forks the query workers (``python -m idmgraph.store.workers``)."""
        for pid in self.children():
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"idmgraph.store.workers" in argv:
                return pid
        return None

    def rss(self) -> int:
        """Resident set size of the server process alone, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def skip_on_remote() -> None:
    """The servers of these tests serve the embedded store whatever the backend: what they
    test is the web layer and the worker processes, so one pass is enough."""
    if is_remote():
        pytest.skip("runs on the embedded store only; the in-process tests run on both")


@contextmanager
def served(
    release: Release,
    *,
    log: Path,
    settings: Mapping[str, str] | None = None,
    root: Path = ROOT,
) -> Iterator[Served]:
    """``idmgraph serve`` over ``release`` (of the project in ``root``) on a free loopback
    port, until the block ends.

    ``settings`` are given by name as ``IDMGRAPH_*`` variables; a name the running code does
    not know is ignored by it, so tests can name settings that are still to come.
    """
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("IDMGRAPH_")}
    env.update({env_name(name): value for name, value in (settings or {}).items()})
    env[env_name("dist_dir")] = str(release.directory)
    command = [sys.executable, "-c", "from idmgraph.cli import main; raise SystemExit(main())"]
    command += ["--root", str(root), "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(with_parent(command), stdout=output, stderr=output, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/sparql?query=ASK%7B%7D", process, budget=120)
        yield Served(base=base, process=process, log=log)
    finally:
        stop(process)  # a wedged event loop answers SIGTERM only by being killed


@contextmanager
def served_for_tests(
    release: Release, folder: pytest.TempPathFactory, name: str, settings: Mapping[str, str]
) -> Iterator[Served]:
    """``served`` for a test fixture: skipped on the remote backend, logging under ``name``."""
    skip_on_remote()
    with served(release, log=folder.mktemp(name) / "server.log", settings=settings) as server:
        yield server


# Resources of a synthetic landscape, and the notations the lookup resolves, for Mix.discover.
_DISCOVER = """SELECT ?s ?notation {{ ?s <http://www.w3.org/2004/02/skos/core#notation> ?notation
  FILTER(STRSTARTS(STR(?s), "{prefix}") && CONTAINS(STR(?s), "/rec/")) }} ORDER BY ?s LIMIT 3"""


@dataclass(frozen=True)
class Mix:
    """What ordinary clients ask for, in turn: a cached SPARQL GET, an uncached one, a
    resource page, a lookup. By default resources of the repository's own release."""

    resources: tuple[str, ...] = RESOURCES  # paths under <base>id/
    identifiers: tuple[str, ...] = IDENTIFIERS

    @classmethod
    def discover(cls, base: str) -> Mix:
        """Resources with a notation (Recommendations) of whatever the server at ``base``
        serves, and those notations for the lookup."""
        query = _DISCOVER.format(prefix=BASE + "id/")
        answer = httpx.get(
            base + "/sparql",
            params={"query": query},
            headers={"accept": "application/sparql-results+json"},
        )
        rows = answer.raise_for_status().json()["results"]["bindings"]
        if not rows:
            raise RuntimeError("the server holds no Recommendation (…/rec/…) with a notation")
        return cls(
            resources=tuple(row["s"]["value"].removeprefix(BASE + "id/") for row in rows),
            identifiers=tuple(row["notation"]["value"] for row in rows),
        )

    def path(self, index: int, nonce: str) -> str:
        """The ``index``-th request of an ordinary client."""
        turn, round_ = index % 4, index // 4
        if turn == 0:
            return "/sparql?" + str(httpx.QueryParams(query=CACHED))
        if turn == 1:  # new text each time: evaluated by a worker, never served from a cache
            ask = f"ASK {{ <urn:load:{nonce}:{index}> ?p ?o }}"
            return "/sparql?" + str(httpx.QueryParams(query=ask))
        if turn == 2:
            iri = BASE + "id/" + self.resources[round_ % len(self.resources)]
            return Urls(BASE).document(iri, formats.by_name("html"))
        identifier = self.identifiers[round_ % len(self.identifiers)]
        return "/lookup?" + str(httpx.QueryParams(id=identifier))


@dataclass
class Load:
    """What the ordinary clients saw, and what the abusive one was answered."""

    seconds: float  # from the first request to the last answer
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    abuse: list[int] = field(default_factory=list)  # statuses (0: no answer in time)

    @property
    def throughput(self) -> float:
        """Answered requests per second."""
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        """Latency at ``fraction`` (0.5, 0.99) in seconds; infinite without any answer."""
        if len(self.latencies) < 2:
            return float("inf")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[
            round(fraction * 100) - 1
        ]


def load(
    base: str,
    *,
    clients: int,
    seconds: float,
    abusive: bool,
    every: float = 2.0,
    timeout: float = 30.0,
    raw: bool = False,
    mix: Mix | None = None,
) -> Load:
    """``clients`` ordinary clients for ``seconds``, plus one abusive client sending the
    cross-product COUNT every ``every`` seconds when ``abusive``. Runs its own event loop
    in this thread; an answer of 400 or more, or none within ``timeout``, is an error.

    The ordinary clients use httpx, or with ``raw`` a bare keep-alive HTTP/1.1 connection
    each: on a small machine httpx spends more CPU per request than the server does, so the
    benchmark would measure the client.
    """
    requests = mix or Mix()
    return asyncio.run(_load(base, clients, seconds, abusive, every, timeout, raw, requests))


class RawConnection:
    """One keep-alive HTTP/1.1 connection sending GETs and reading whole answers."""

    def __init__(self, base: str) -> None:
        self._url = httpx.URL(base)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, *, forwarded_for: str) -> int:
        """The status of one GET of ``path``; the body is read and dropped."""
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._url.host, self._url.port)
        reader, writer = self._streams
        request = f"GET {path} HTTP/1.1\r\nHost: {self._url.host}\r\n"
        writer.write(f"{request}{FORWARDED_FOR}: {forwarded_for}\r\n\r\n".encode())
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            fields = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
            }
            if fields.get(b"transfer-encoding") == b"chunked":
                while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            else:
                await reader.readexactly(int(fields.get(b"content-length", b"0")))
        except (asyncio.IncompleteReadError, ValueError):
            self.close()
            raise
        if fields.get(b"connection") == b"close":
            self.close()
        return status

    def close(self) -> None:
        """Drop the connection; the next GET opens another."""
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _load(
    base: str,
    clients: int,
    seconds: float,
    abusive: bool,
    every: float,
    timeout: float,
    raw: bool,
    mix: Mix,
) -> Load:
    result = Load(seconds=seconds)
    nonce = uuid.uuid4().hex[:12]
    limits = httpx.Limits(max_connections=clients + 8, max_keepalive_connections=clients + 8)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as http:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds

        async def ordinary(client: int) -> None:
            address = client_address(client)
            # each client goes through the whole mix, starting at a place of its own
            index = client
            connection = RawConnection(base)
            while loop.time() < deadline:
                path = mix.path(index, f"{nonce}:{client}")
                index += 1
                sent = time.perf_counter()
                try:
                    async with asyncio.timeout(timeout):
                        status = (
                            await connection.get(path, forwarded_for=address)
                            if raw
                            else (
                                await http.get(path, headers={FORWARDED_FOR: address})
                            ).status_code
                        )
                except (httpx.HTTPError, OSError, TimeoutError, ValueError) as error:
                    connection.close()
                    result.errors.append(f"{path}: {type(error).__name__}")
                    continue
                if status >= 400:
                    result.errors.append(f"{path}: {status}")
                else:
                    result.latencies.append(time.perf_counter() - sent)
            connection.close()

        async def one_abuse(count: int) -> None:
            text = f"{CROSS_PRODUCT} # {nonce} {count}"
            try:
                response = await http.post(
                    "/sparql", data={"query": text}, headers={FORWARDED_FOR: ABUSER}
                )
                result.abuse.append(response.status_code)
            except httpx.HTTPError:
                result.abuse.append(0)

        async def abuser() -> None:
            sent: list[asyncio.Task[None]] = []
            while loop.time() < deadline:
                sent.append(asyncio.create_task(one_abuse(len(sent))))
                await asyncio.sleep(every)
            # the answers of the last ones are not waited for: the measure is over
            for task in sent:
                task.cancel()
            await asyncio.gather(*sent, return_exceptions=True)

        started = loop.time()
        abuse = asyncio.create_task(abuser()) if abusive else None
        # a request still in flight at the deadline is waited for and counted
        await asyncio.gather(*(ordinary(client) for client in range(clients)))
        result.seconds = loop.time() - started
        if abuse is not None:
            await abuse
    return result


@dataclass(frozen=True, kw_only=True)
class Hostile:
    """One request built to hold the server up."""

    name: str
    method: str = "POST"
    path: str = "/sparql"
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


QUERY_BODY = {"content-type": "application/sparql-query"}
# The requests of issue 11 that froze every other client (each body under the 1 MB cap).
HOSTILE = (
    Hostile(name="service-x120000", content=b"SERVICE " * 120_000, headers=QUERY_BODY),
    Hostile(name="open-brace-x500000", content=b"{" * 500_000, headers=QUERY_BODY),
    Hostile(
        name="service-x62000-brace-x500000",
        content=b"SERVICE " * 62_000 + b"{" * 500_000,
        headers=QUERY_BODY,
    ),
    Hostile(
        name="accept-13MB",
        method="GET",
        path="/sparql?query=ASK%7B%7D",
        headers={"accept": "a" * 13_000_000},
    ),
)


@dataclass(frozen=True)
class Freeze:
    """How long an unrelated cached request waited while a hostile request was in flight."""

    hostile_status: int  # 0: no answer within the budget
    hostile_seconds: float
    hostile_bytes: int  # size of the answer's body
    probe_seconds: float  # the slowest probe; the budget when one got no answer


def freeze_probe(base: str, hostile: Hostile, *, budget: float = 15.0) -> Freeze:
    """Send one hostile request and, while it is in flight, time cached requests."""
    probe_url = "/sparql?" + str(httpx.QueryParams(query=CACHED))
    outcome: dict[str, float] = {}

    def send() -> None:
        started = time.perf_counter()
        try:
            response = httpx.request(
                hostile.method,
                base + hostile.path,
                content=hostile.content,
                headers=dict(hostile.headers),
                timeout=budget,
            )
            outcome["status"], outcome["bytes"] = response.status_code, len(response.content)
        except httpx.HTTPError:
            outcome["status"] = 0
        outcome["seconds"] = time.perf_counter() - started

    with httpx.Client(base_url=base, timeout=budget) as probe:
        probe.get(probe_url).raise_for_status()  # now cached, and the connection open
        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        slowest = 0.0
        time.sleep(0.05)
        # probe as long as the hostile request is in flight, and a few times at least
        for count in range(400):
            sent = time.perf_counter()
            try:
                probe.get(probe_url).raise_for_status()
            except httpx.HTTPError:
                slowest = budget
                break
            slowest = max(slowest, time.perf_counter() - sent)
            if count >= 5 and not thread.is_alive():
                break
            time.sleep(0.02)
        thread.join(budget)
    return Freeze(
        hostile_status=int(outcome.get("status", 0)),
        hostile_seconds=outcome.get("seconds", budget),
        hostile_bytes=int(outcome.get("bytes", 0)),
        probe_seconds=slowest,
    )
