"""Named-query latency and throughput against size, on the embedded and on the remote store.

At each size an ``idmgraph.synth`` landscape (``bench/scaling.py``'s ``project``; its N-Quads
plus the ontology in ``<base>def``) is measured three ways, each query with its default
parameters, wall clock, one warm-up then the median of ``--rounds``:

* embedded  idmgraph's ``OxigraphStore`` (worker processes), through its ``query()``
* remote    idmgraph's ``RemoteStore`` against a real ``oxigraph serve`` (127.0.0.1, in
            memory) loaded by ``idmgraph.store.publish``; checks, rewriting, row cap included
* direct    the baseline, same run: the text ``RemoteStore`` sends (rewritten, same dataset
            parameters: the load's merged graph as default graph), asking for what the
            client asks (JSON results, N-Triples), posted to that ``oxigraph serve`` with
            httpx alone, read whole (no row cap, no pushed-down LIMIT)

``remote / direct`` is what idmgraph adds on the remote backend (its local syntax check, the
rewriting, the TSV stream converted to JSON); where an answer passes the row cap
(``max_result_rows``), the remote store stops at the cap and the direct read does not.

Throughput: ``--clients`` concurrent httpx clients for ``--seconds`` each, every request
distinct (no cache can answer it), through idmgraph's application under uvicorn on the remote
store (as ``idmgraph serve`` runs it, without building a release) against the same requests
sent direct: a cheap named query (``discontinued-work``, its date moved by a day per request)
and a SPARQL lookup of one subject; "client ceiling" is what the clients themselves can send
(``ASK {}``, direct). Failed requests (non-200 or a dropped connection) are counted, not sent
again. Servers bind 127.0.0.1 and are stopped at the end; the landscapes live in a temporary
folder. Every series gets its fitted exponent (time ∝ size^k).

    python bench/remote_scaling.py                        # 10^4, 10^5, 10^6
    python bench/remote_scaling.py --scales 10000 100000 --seconds 3
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.remoteserver import (  # noqa: E402
    OxigraphServer,
    free_port,
    oxigraph_server,
    running_process,
)

from endpoint_data import LOOKUP, subjects  # noqa: E402
from idmgraph.base import formats  # noqa: E402
from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.queries import NamedQuery, QueryForm, load_catalogue  # noqa: E402
from idmgraph.store.embedded import OxigraphStore  # noqa: E402
from idmgraph.store.publish import publish_dataset  # noqa: E402
from idmgraph.store.remote import MERGED, RemoteStore  # noqa: E402
from idmgraph.store.remotequery import rewrite  # noqa: E402
from idmgraph.store.request import QueryRequest, Term  # noqa: E402
from scaling import exponent, fits, project  # noqa: E402

JSON = formats.by_name("json")
NTRIPLES = formats.by_name("ntriples")
Form = dict[str, str | list[str]]  # a SPARQL protocol form: the query and its dataset
CHEAP = "discontinued-work"  # a gap query of few rows: the per-request cost dominates
TIMEOUT = 120.0
SERVE = """
import sys, uvicorn
from pathlib import Path
from idmgraph.store.remote import Remote, RemoteStore
from idmgraph.base.settings import Settings
from idmgraph.store.cached import CachedStore
from idmgraph.web.app import create_app
root, url, version, port = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
settings = Settings(root=root, store="sparql:" + url, port=int(port), query_timeout=60.0)
# the store idmgraph.store.backends.open_store builds for store=sparql:..., minus the release folder
store = CachedStore(RemoteStore(Remote.from_settings(settings, {}), expected_version=version))
uvicorn.run(create_app(settings, store), host="127.0.0.1", port=int(port),
            log_level="warning", access_log=False)
"""


@dataclass(frozen=True, kw_only=True)
class Target:
    """A published landscape: where its remote answers and under which graph names."""

    server: OxigraphServer
    versioned: dict[str, str]  # release graph IRI -> versioned name in the remote store
    merged: str  # the load's merged graph: the default graph RemoteStore names

    def direct(self, sparql: str, substitutions: Mapping[str, Term]) -> Form:
        """The form RemoteStore posts for ``sparql``: rewritten, the current load as dataset."""
        graphs = sorted(self.versioned.values())
        text = rewrite(sparql, graphs=self.versioned, substitutions=substitutions)
        return {"query": text, "default-graph-uri": [self.merged], "named-graph-uri": graphs}


def dataset(scale: int, folder: Path) -> tuple[Path, Path, int]:
    """The project root, its landscape plus the ontology as one N-Quads file, and its size."""
    root, _ = project(scale, folder)
    out = root / "dataset.nq"
    base = Settings().base_iri
    with out.open("wb") as sink:
        sink.write((root / "all.nq").read_bytes())
        for path in sorted((root / "ontology").glob("*.ttl")):
            triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)
            graph = ox.NamedNode(base + "def")
            quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
            sink.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    return root, out, len(store)


async def medians_ms(
    calls: dict[str, Callable[[], Awaitable[object]]], rounds: int
) -> dict[str, float]:
    """One warm-up call each, then ``rounds`` rounds in which the calls take turns; medians, ms.

    Taking turns makes a change in the machine's load (it is shared) hit every call alike.
    """
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        await call()
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            await call()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(found) for name, found in times.items()}


def wire(query: NamedQuery) -> formats.Format:
    """The format asked for: SPARQL JSON results, N-Triples for CONSTRUCT."""
    return NTRIPLES if query.form is QueryForm.CONSTRUCT else JSON


async def latencies(
    data: Path, target: Target, catalogue: list[NamedQuery], rounds: int, max_rows: int
) -> dict[str, dict[str, float]]:
    """Median ms of every named query: embedded store, remote store and direct, in turns."""
    embedded = OxigraphStore.from_file(data, workers=2)
    remote = RemoteStore(target.server.remote())
    await embedded.start()
    await remote.start()
    found: dict[str, dict[str, float]] = {}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:

            async def direct(form: Form, fmt: formats.Format) -> None:
                answer = await client.post(
                    target.server.query_url, data=form, headers={"Accept": fmt.content_type}
                )
                answer.raise_for_status()

            for q in catalogue:
                bound = q.bindings({})
                form = target.direct(q.sparql, bound)

                def request(q: NamedQuery = q, bound: dict[str, Term] = bound) -> QueryRequest:
                    return QueryRequest.of(
                        q.sparql,
                        format=wire(q),
                        substitutions=bound,
                        timeout=TIMEOUT,
                        max_rows=max_rows,
                    )

                calls: dict[str, Callable[..., Awaitable[object]]] = {
                    "embedded": lambda r=request: embedded.query(r()),
                    "remote": lambda r=request: remote.query(r()),
                    "direct": lambda q=q, f=form: direct(f, wire(q)),
                }
                found[q.name] = await medians_ms(calls, rounds)
    finally:
        await remote.close()
        await embedded.close()
    return found


FAILURES: collections.Counter[str] = collections.Counter()  # every throughput cell's, by kind


async def throughput(
    request: Callable[[int], tuple[str, str, dict[str, Any]]], *, clients: int, seconds: float
) -> tuple[float, int]:
    """Requests per second of ``clients`` concurrent clients, and the failed requests."""
    numbers = itertools.count()
    done = failed = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def loop() -> None:
            nonlocal done, failed
            while time.perf_counter() < deadline:
                method, url, options = request(next(numbers))
                try:
                    answer = await client.request(method, url, **options)
                except httpx.TransportError as error:  # a server dropping connections fails
                    failed += 1
                    FAILURES[type(error).__name__] += 1
                    continue
                if answer.status_code == 200:
                    done += 1
                else:
                    failed += 1
                    FAILURES[f"HTTP {answer.status_code} {answer.text[:120]!r}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(clients)))
        return done / (time.perf_counter() - started), failed


@contextmanager
def idmgraph_server(root: Path, server: OxigraphServer, version: str) -> Iterator[str]:
    """idmgraph's application on the remote store under uvicorn; its base URL, stopped on exit."""
    port = free_port()
    command = [sys.executable, "-c", SERVE, str(root), server.query_url, version, str(port)]
    base = f"http://127.0.0.1:{port}"
    with running_process(command, ready=base + "/sparql?query=ASK%7B%7D", budget=120):
        yield base


async def throughputs(
    base: str, target: Target, cheap: NamedQuery, lookups: list[str], *, clients: int,
    seconds: float,
) -> dict[str, tuple[float, int]]:  # fmt: skip
    """req/s (and failures) of the cheap query and the lookup, through idmgraph and direct."""
    accept = {"Accept": JSON.content_type}
    start = datetime.date(1990, 1, 1)

    def day(n: int) -> str:
        return (start + datetime.timedelta(days=n % 40_000)).isoformat()

    def lookup(n: int) -> str:
        return LOOKUP.format(iri=lookups[n % len(lookups)]) + f"\n# {n}"

    # built beforehand so the clients spend their time sending; oxigraph serve caches no
    # answer, so a direct request may repeat one of these
    query_forms = [target.direct(cheap.sparql, cheap.bindings({"on": day(n)})) for n in range(500)]
    lookup_forms = [target.direct(lookup(n), {}) for n in range(500)]
    requests: dict[str, Callable[[int], tuple[str, str, dict[str, Any]]]] = {
        "query idmgraph": lambda n: (
            "GET", f"{base}/queries/{cheap.name}", {"params": {"on": day(n)}, "headers": accept}
        ),
        "query direct": lambda n: (
            "POST", target.server.query_url,
            {"data": query_forms[n % len(query_forms)], "headers": accept},
        ),
        "lookup idmgraph": lambda n: (
            "GET", f"{base}/sparql", {"params": {"query": lookup(n)}, "headers": accept}
        ),
        "lookup direct": lambda n: (
            "POST", target.server.query_url,
            {"data": lookup_forms[n % len(lookup_forms)], "headers": accept},
        ),
        # what the clients themselves can send: the cheapest request oxigraph serve answers
        "client ceiling": lambda n: (
            "GET", target.server.query_url, {"params": {"query": f"ASK {{}} # {n}"},
                                             "headers": accept},
        ),
    }  # fmt: skip
    return {
        name: await throughput(request, clients=clients, seconds=seconds)
        for name, request in requests.items()
    }


def measure(scale: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every number of one size."""
    root, data, size = dataset(scale, folder)
    catalogue = list(load_catalogue(root / "queries", root=root))
    max_rows = Settings().max_result_rows
    load_before = os.getloadavg()[0]
    with oxigraph_server(query_timeout=TIMEOUT) as server:
        started = time.perf_counter()
        published = publish_dataset(server.remote(), data, version=f"synth-{scale}")
        publish_s = time.perf_counter() - started
        target = Target(
            server=server,
            versioned={g: g + published.marker for g in published.graphs},
            merged=MERGED + published.marker,
        )
        timed = asyncio.run(latencies(data, target, catalogue, args.rounds, max_rows))
        cheap = next(q for q in catalogue if q.name == CHEAP)
        lookups = subjects(data, count=5000)
        with idmgraph_server(root, server, published.version) as base:
            rates = asyncio.run(
                throughputs(
                    base, target, cheap, lookups, clients=args.clients, seconds=args.seconds
                )
            )
    return {
        "size": size,
        "publish_s": publish_s,
        "graphs": len(published.graphs),
        "latency": timed,
        "rates": rates,
        "load": (load_before, os.getloadavg()[0]),
    }


def report(results: list[dict[str, Any]]) -> None:
    """Print the latency and throughput tables with their ratios and fitted exponents."""
    sizes = [r["size"] for r in results]
    print("\nnamed queries, wall ms, median (remote / direct, remote / embedded):")
    head = f"{'embedded':>9} {'remote':>7} {'direct':>7} {'r/d':>5} {'r/e':>5}"
    print(f"  {'':38}" + "".join(f"   {'— ' + str(s) + ' triples —':^{len(head)}}" for s in sizes))
    print(f"  {'query':38}" + f"   {head}" * len(sizes))
    series: dict[str, list[tuple[int, float]]] = {}
    exponents = []
    for name in results[0]["latency"]:
        cells = ""
        for r in results:
            ms = r["latency"][name]
            e, rem, d = ms["embedded"], ms["remote"], ms["direct"]
            cells += f"   {e:9.1f} {rem:7.1f} {d:7.1f} {rem / d:5.2f} {rem / e:5.2f}"
        print(f"  {name:38}{cells}")
        ks = [
            exponent(sizes, [r["latency"][name][way] for r in results])
            for way in ("embedded", "remote", "direct")
        ]
        exponents.append(f"  {name:38} {ks[0]:8.2f} {ks[1]:8.2f} {ks[2]:8.2f}")
    print("fitted exponents, latency ∝ triples^k:")
    print(f"  {'query':38} {'embedded':>8} {'remote':>8} {'direct':>8}")
    print("\n".join(exponents))
    print(
        f"\nthroughput, requests/s ({results[0]['clients']} clients, distinct requests; "
        "failures in brackets):"
    )
    print(f"  {'triples':>9} {'graphs':>6} {'publish s':>9}" + "".join(
        f"{name:>17}" for name in results[0]["rates"]
    ) + f"{'query i/d':>10}{'lookup i/d':>11}{'loadavg':>12}")  # fmt: skip
    for r in results:
        rates = r["rates"]
        cells = "".join(f"{rate:11.0f} ({bad:3d})" for rate, bad in rates.values())
        q = rates["query idmgraph"][0] / rates["query direct"][0]
        lk = rates["lookup idmgraph"][0] / rates["lookup direct"][0]
        print(
            f"  {r['size']:9d} {r['graphs']:6d} {r['publish_s']:9.1f}{cells}{q:10.2f}{lk:11.2f}"
            f"{r['load'][0]:6.1f}-{r['load'][1]:<5.1f}"
        )
        for name, (rate, _) in rates.items():
            series.setdefault(f"req/s {name}", []).append((r["size"], rate))
        series.setdefault("publish s", []).append((r["size"], r["publish_s"]))
    print("fitted exponents, value ∝ triples^k:")
    print("\n".join(fits(series)))
    if FAILURES:
        print("failed requests by kind:", ", ".join(f"{k} {n}" for k, n in FAILURES.items()))


def main() -> None:
    """Measure every size, then print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3, help="timed runs after the warm-up")
    parser.add_argument("--clients", type=int, default=4, help="concurrent throughput clients")
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput cell")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for scale in args.scales:
            result = measure(scale, Path(folder), args)
            result["clients"] = args.clients
            results.append(result)
            print(
                f"measured {result['size']} triples in {result['graphs']} graphs "
                f"(publish {result['publish_s']:.1f} s, "
                f"load average {result['load'][0]:.1f} -> {result['load'][1]:.1f})",
                flush=True,
            )
    report(results)


if __name__ == "__main__":
    main()
