"""How a remote store is told to read only the current version: cost of each way, same run.

Builds the repository's release, publishes it into a fresh ``oxigraph serve`` on 127.0.0.1
(in memory, stopped at the end) next to a stale older load (so the store holds two versions,
as during a publication), and times every named query with its default parameters:

* embedded   the embedded store (OxigraphStore, worker processes): the baseline
* protocol   RemoteStore: default-graph-uri and named-graph-uri list the current graphs
             (with its own checks: local parse, rewriting, row counting of the answer)
* raw-protocol  the same rewritten text and dataset parameters, posted directly
* from       the same rewritten text with FROM / FROM NAMED clauses inserted instead
* everything no dataset: Oxigraph's default graph, empty here (the bare HTTP round trip)

Prints each query's median latency and its ratio to the embedded store's.

    python bench/remote_dataset.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pyoxigraph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.remoteserver import oxigraph_server  # noqa: E402

from idmgraph.base import formats  # noqa: E402
from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.build import build  # noqa: E402
from idmgraph.pipeline.queries import QueryForm, load_catalogue  # noqa: E402
from idmgraph.store.embedded import OxigraphStore  # noqa: E402
from idmgraph.store.publish import publish_remote  # noqa: E402
from idmgraph.store.remote import Remote, RemoteStore  # noqa: E402
from idmgraph.store.remotequery import rewrite  # noqa: E402
from idmgraph.store.request import QueryRequest  # noqa: E402

JSON = formats.by_name("json")
NTRIPLES = formats.by_name("ntriples")


async def _median(call: Callable[[], Awaitable[object]], rounds: int) -> float:
    await call()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _with_from(sparql: str, graphs: list[str]) -> str:
    clauses = " ".join(f"FROM <{g}>" for g in graphs) + " "
    clauses += " ".join(f"FROM NAMED <{g}>" for g in graphs) + " "
    return re.sub(r"\bWHERE\s*\{", lambda found: clauses + found.group(0), sparql, count=1)


async def _run(settings: Settings, rounds: int, query_url: str) -> None:
    catalogue = load_catalogue(ROOT / "queries", root=ROOT)
    embedded = OxigraphStore.from_file(settings.release_dir / "idmgraph.nq", workers=2)
    remote = RemoteStore(Remote.from_settings(settings, {}))
    await embedded.start()
    await remote.start()
    versioned = list(remote._pointer.graphs)
    graphs = dict(remote._versioned)
    async with httpx.AsyncClient(timeout=60) as client:

        async def raw(text: str, fmt: formats.Format, *, dataset: bool) -> None:
            data: dict[str, object] = {"query": text}
            if dataset:
                data["default-graph-uri"] = data["named-graph-uri"] = versioned
            answer = await client.post(query_url, data=data, headers={"Accept": fmt.content_type})
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}\n{text[:2000]}")

        names = ("embedded", "protocol", "raw-protocol", "from", "everything")
        print(f"{'query (median ms)':38}" + "".join(f"{n:>13}" for n in names) + "  x embedded")
        for query in catalogue:
            bound = query.bindings({})
            fmt = NTRIPLES if query.form is QueryForm.CONSTRUCT else JSON
            text = rewrite(query.sparql, graphs=graphs, substitutions=bound)
            cases: dict[str, Callable[..., Awaitable[object]]] = {
                "embedded": lambda q=query, b=bound, f=fmt: embedded.query(
                    QueryRequest.of(
                        q.sparql, format=f, substitutions=b, timeout=60, max_rows=10_000
                    )
                ),
                "protocol": lambda q=query, b=bound, f=fmt: remote.query(
                    QueryRequest.of(
                        q.sparql, format=f, substitutions=b, timeout=60, max_rows=10_000
                    )
                ),
                "raw-protocol": lambda t=text, f=fmt: raw(t, f, dataset=True),
                "from": lambda t=text, f=fmt: raw(_with_from(t, versioned), f, dataset=False),
                "everything": lambda t=text, f=fmt: raw(t, f, dataset=False),
            }
            medians = {name: await _median(call, rounds) for name, call in cases.items()}
            base = medians["embedded"]
            ratios = " ".join(f"{medians[n] / base:5.2f}" for n in names[1:])
            cells = "".join(f"{medians[n] * 1000:13.1f}" for n in names)
            print(f"{query.name:38}{cells}  {ratios}")
    await remote.close()
    await embedded.close()


def _stale_copy(dataset: Path, store_url: str) -> None:
    """A second copy of every graph under another load marker, as a publication leaves it."""
    store = pyoxigraph.Store()
    store.load(path=str(dataset), format=pyoxigraph.RdfFormat.N_QUADS)
    for graph in store.named_graphs():
        body = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph) or b""
        httpx.put(
            store_url,
            params={"graph": f"{graph.value}?idmgraph-load=inprogress"},
            content=body,
            headers={"Content-Type": "application/n-triples"},
        ).raise_for_status()


def main() -> None:
    """Build, publish twice (a stale load stays beside the current one) and time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder, oxigraph_server() as server:
        local = Settings(root=ROOT, dist_dir=Path(folder) / "dist")
        build(local)
        settings = Settings(
            root=ROOT,
            dist_dir=local.dist_dir,
            store="sparql:" + server.query_url,
            remote_graph_store_url=server.store_url,
        )
        publish_remote(settings, environ={})
        _stale_copy(settings.release_dir / "idmgraph.nq", server.store_url)
        asyncio.run(_run(settings, rounds, server.query_url))


if __name__ == "__main__":
    main()
