"""Named queries and lookups on three stores side by side: embedded, oxigraph serve, Virtuoso.

One ``idmgraph.synth`` landscape (``bench/remote_scaling.py``'s ``dataset``: its N-Quads plus
the ontology) is published by ``idmgraph.store.publish`` to a real ``oxigraph serve`` (in
memory) and to a real OpenLink Virtuoso (Debian's ``virtuoso-opensource``, a new database in a
temporary folder; ``tests/virtuososerver.py``), both on 127.0.0.1, and read into the embedded
store. Every named query (default parameters) and a lookup of one subject (``SELECT ?p ?o``,
a different subject each time) then go through idmgraph's own store objects, so checks,
rewriting, the row cap (``max_result_rows``) and the conversion of answers are included:

* embedded  ``OxigraphStore`` (worker processes): the baseline, measured in the same run
* oxigraph  ``RemoteStore`` on ``oxigraph serve``
* virtuoso  ``RemoteStore`` on Virtuoso (answers fetched as SPARQL JSON, see remotedialect)

Wall clock, one warm-up then the median of ``--rounds`` rounds, the stores taking turns within
each round, so a change in the machine's load hits all three alike. Ratios are against the
embedded store. Lookups: ``--lookups`` distinct subjects one after the other per store, median
ms and lookups per second. Servers stop at the end; the landscape lives in a temporary folder.

    python bench/virtuoso_bench.py                     # 10^5 triples
    python bench/virtuoso_bench.py --scale 10000 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.remoteserver import RemoteServer, oxigraph_server  # noqa: E402
from tests.virtuososerver import virtuoso_server  # noqa: E402

from endpoint_data import LOOKUP, subjects  # noqa: E402
from idmgraph.base import formats  # noqa: E402
from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.queries import NamedQuery, QueryForm, load_catalogue  # noqa: E402
from idmgraph.store.embedded import OxigraphStore  # noqa: E402
from idmgraph.store.interface import Store  # noqa: E402
from idmgraph.store.publish import publish_dataset  # noqa: E402
from idmgraph.store.remote import RemoteStore  # noqa: E402
from idmgraph.store.request import QueryRequest  # noqa: E402
from remote_scaling import dataset, medians_ms  # noqa: E402

TIMEOUT = 120.0
STORES = ("embedded", "oxigraph", "virtuoso")


def request(sparql: str, *, graph: bool, query: NamedQuery | None = None) -> QueryRequest:
    """What idmgraph asks a store for: JSON results, N-Triples for CONSTRUCT, the row cap."""
    return QueryRequest.of(
        sparql,
        shape=query.shape if query else None,
        format=formats.by_name("ntriples" if graph else "json"),
        substitutions=query.bindings({}) if query else None,
        timeout=TIMEOUT,
        max_rows=Settings().max_result_rows,
        max_bytes=Settings().max_answer_bytes,
    )


async def lookups_ms(store: Store, iris: list[str]) -> list[float]:
    """ms of one lookup per IRI, one after the other."""
    found = []
    for iri in iris:
        started = time.perf_counter()
        await store.query(request(LOOKUP.format(iri=iri), graph=False))
        found.append((time.perf_counter() - started) * 1000)
    return found


async def measure_stores(
    stores: dict[str, Store], catalogue: list[NamedQuery], args: argparse.Namespace
) -> dict[str, Any]:
    """Median ms per named query and per lookup, store by store."""
    for store in stores.values():
        await store.start()
    try:
        queries = {}
        for q in catalogue:
            asked = request(q.sparql, graph=q.form is QueryForm.CONSTRUCT, query=q)
            calls = {name: _call(store, asked) for name, store in stores.items()}
            queries[q.name] = await medians_ms(calls, args.rounds)
        iris = subjects(args.data, count=args.lookups)
        lookups = {name: await lookups_ms(store, iris) for name, store in stores.items()}
    finally:
        for store in stores.values():
            await store.close()
    return {"queries": queries, "lookups": lookups}


def _call(store: Store, asked: QueryRequest) -> Callable[[], Awaitable[object]]:
    """The call that asks ``store`` the request once."""

    async def call() -> object:
        return await store.query(asked)

    return call


def reader(server: RemoteServer) -> RemoteStore:
    """The read path: the server's Remote without its publishing account."""
    return RemoteStore(dataclasses.replace(server.remote(), user=None, password=None))


def report(size: int, publish: dict[str, float], found: dict[str, Any]) -> None:
    """Print both tables with their ratios against the embedded store."""
    loads = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in publish.items())
    print(f"\n{size:,} triples; publish: {loads}")
    print("\nnamed queries, wall ms, median (ratio: store / embedded):")
    print(f"  {'query':40} {'embedded':>9} {'oxigraph':>9} {'virtuoso':>9} {'o/e':>6} {'v/e':>6}")
    ratios: dict[str, list[float]] = {"o/e": [], "v/e": []}
    for name, ms in found["queries"].items():
        e, o, v = (ms[store] for store in STORES)
        ratios["o/e"].append(o / e)
        ratios["v/e"].append(v / e)
        print(f"  {name:40} {e:9.1f} {o:9.1f} {v:9.1f} {o / e:6.2f} {v / e:6.2f}")
    geo = {k: statistics.geometric_mean(v) for k, v in ratios.items()}
    print(f"  {'geometric mean of the ratios':40} {'':29} {geo['o/e']:6.2f} {geo['v/e']:6.2f}")
    print("\nlookups (SELECT ?p ?o of one subject), one after the other:")
    print(f"  {'store':10} {'median ms':>10} {'per s':>8} {'ratio':>6}")
    base = statistics.median(found["lookups"]["embedded"])
    for store in STORES:
        times = found["lookups"][store]
        median = statistics.median(times)
        rate = len(times) / (sum(times) / 1000)
        print(f"  {store:10} {median:10.2f} {rate:8.0f} {median / base:6.2f}")


def main() -> None:
    """Publish one landscape to both servers, measure the three stores, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs after the warm-up")
    parser.add_argument("--lookups", type=int, default=200, help="distinct subjects looked up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root, data, size = dataset(args.scale, Path(folder))
        args.data = data
        catalogue = list(load_catalogue(root / "queries", root=root))
        load_before = os.getloadavg()[0]
        publish: dict[str, float] = {}
        with (
            oxigraph_server(query_timeout=TIMEOUT) as oxigraph,
            virtuoso_server(query_timeout=TIMEOUT) as virtuoso,
        ):
            for name, server in (("oxigraph", oxigraph), ("virtuoso", virtuoso)):
                started = time.perf_counter()
                publish_dataset(server.remote(), data, version=f"synth-{args.scale}")
                publish[name] = time.perf_counter() - started
            stores: dict[str, Store] = {
                "embedded": OxigraphStore.from_file(data, workers=2),
                "oxigraph": reader(oxigraph),
                "virtuoso": reader(virtuoso),
            }
            found = asyncio.run(measure_stores(stores, catalogue, args))
        report(size, publish, found)
        print(f"\nload average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
