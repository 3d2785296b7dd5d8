"""Time of every named query on synthetic landscapes, against a baseline of the same run.

The landscape comes from :mod:`idmgraph.synth`; the script adds what the generator does not
draw — editorial topic assignments for every work item and text, and correspondences of some
texts with outside specifications (in the model of data/external-facts) — in a graph of its
own, so every query has work to do.
Each query runs with its default parameters over the union of the graphs, as the server runs
it. The baseline is a full scan counting every triple (``SELECT (COUNT(*) …)``), timed the same
way in the same store. Limits (from the issue): 100 ms at 10^5 triples, 1 s at 10^6, checked
against the CPU time of the evaluation (the machine the benchmark runs on is shared: the wall
time is printed too, with the load average).

``--not-exists`` also times the "who never replied" question written with FILTER NOT EXISTS
against the MINUS form the queries use, each in a child process stopped after a time limit.

    python bench/queries_bench.py                      # 10^5 and 10^6
    python bench/queries_bench.py --scales 100000 --not-exists
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any

import pyoxigraph as ox

from idmgraph.pipeline.queries import NamedQuery, QueryForm, load_catalogue, run
from idmgraph.synth import write_nquads

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/idmgraph/"
SYNTH = BASE + "id/synth/"
LIMITS_MS = {100_000: 100.0, 1_000_000: 1_000.0}
REPEATS = 5
BASELINE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
IDM = "https://w3id.org/idmgraph/def/"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"

NEVER_REPLIED_MINUS = """
PREFIX idm: <https://w3id.org/idmgraph/def/>
PREFIX direction: <https://w3id.org/idmgraph/def/direction/>
SELECT DISTINCT ?party ?counterpart WHERE {
  ?out idm:party ?party ; idm:counterpart ?counterpart ; idm:direction direction:outgoing .
  MINUS { ?in idm:party ?party ; idm:counterpart ?counterpart ; idm:direction direction:incoming }
}"""
NEVER_REPLIED_NOT_EXISTS = """
PREFIX idm: <https://w3id.org/idmgraph/def/>
PREFIX direction: <https://w3id.org/idmgraph/def/direction/>
SELECT DISTINCT ?party ?counterpart WHERE {
  ?out idm:party ?party ; idm:counterpart ?counterpart ; idm:direction direction:outgoing .
  FILTER NOT EXISTS { ?in idm:party ?party ; idm:counterpart ?counterpart ;
                      idm:direction direction:incoming }
}"""


def landscape(scale: int, folder: Path) -> ox.Store:
    """The synthetic landscape of ``scale`` triples plus the ontology, topics and links."""
    dump = folder / f"synth-{scale}.nq"
    write_nquads(dump, scale=scale, seed=0)
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        store.bulk_load(
            path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE, to_graph=ox.NamedNode(IDM)
        )
    store.extend(enrichment(store))
    return store


def enrichment(store: ox.Store) -> list[ox.Quad]:
    """Topic assignments for every work item and text, and some outside correspondences."""
    draw = random.Random(0)
    graph = ox.NamedNode(SYNTH + "source/bench-editorial")
    topics = [row["t"] for row in _solutions(store.query(
        f"SELECT ?t WHERE {{ ?t a <{SKOS}Concept> ; <{SKOS}prefLabel> ?l }}",
        use_default_graph_as_union=True))]  # fmt: skip
    bodies = [row["b"] for row in _solutions(store.query(
        f"SELECT DISTINCT ?b WHERE {{ ?f <{IDM}counterpart> ?b }}",
        use_default_graph_as_union=True))]  # fmt: skip
    things = _solutions(store.query(
        f"SELECT ?x ?c WHERE {{ ?x a ?c . VALUES ?c {{ <{IDM}WorkItem> <{IDM}Recommendation> }} }}",
        use_default_graph_as_union=True,
    ))  # fmt: skip
    subject = ox.NamedNode(DCT + "subject")
    quads = []
    for number, row in enumerate(things):
        for topic in draw.sample(topics, k=draw.choice((1, 1, 2))):
            quads.append(ox.Quad(row["x"], subject, topic, graph))
        if row["c"].value.endswith("Recommendation") and number % 7 == 0 and bodies:
            spec = ox.NamedNode(f"{SYNTH}spec/{number}")
            link = draw.choice((IDM + "commonTextWith", PROV_DERIVED, DCT + "relation"))
            quads += [
                ox.Quad(row["x"], ox.NamedNode(link), spec, graph),
                ox.Quad(spec, RDF_TYPE, ox.NamedNode(IDM + "Specification"), graph),
                ox.Quad(spec, ox.NamedNode(DCT + "creator"), draw.choice(bodies), graph),
                ox.Quad(spec, RDFS_LABEL, ox.Literal(f"Synthetic spec {number}"), graph),
            ]
    return quads


def _solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The rows of a SELECT's result."""
    assert isinstance(result, ox.QuerySolutions)
    return result


def _iterable(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
) -> ox.QuerySolutions | ox.QueryTriples:
    """The rows or triples of a result (no named query is an ASK)."""
    assert not isinstance(result, ox.QueryBoolean)
    return result


def timed(action: Callable[[], int]) -> tuple[float, float, int]:
    """Median wall and CPU milliseconds of ``REPEATS`` runs of ``action`` (returns a row count).

    On a shared machine other processes stretch the wall time; the CPU time this process
    spent (Oxigraph evaluates in the calling thread) is what the query itself costs.
    """
    walls, cpus, rows = [], [], 0
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        rows = action()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus), rows


def bench_scale(scale: int, folder: Path) -> list[str]:
    """One line per named query at one scale, plus the baseline line."""
    started = time.perf_counter()
    store = landscape(scale, folder)
    load_s = time.perf_counter() - started
    catalogue = load_catalogue(ROOT / "queries", root=ROOT)
    base_wall, base_cpu, _ = timed(
        lambda: len(list(_iterable(store.query(BASELINE, use_default_graph_as_union=True))))
    )
    limit = LIMITS_MS.get(scale)
    lines = [
        f"scale {scale}: {len(store)} quads, loaded in {load_s:.1f} s; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; limit {limit or '-'} ms (CPU)",
        f"baseline full count: wall {base_wall:.1f} ms, CPU {base_cpu:.1f} ms",
        f"{'query':42} {'rows':>6} {'wall ms':>9} {'CPU ms':>9} {'x base':>7}  ok",
    ]
    worst = 0.0
    for query in catalogue:

        def once(query: NamedQuery = query) -> int:
            result = _iterable(run(store, query))
            return sum(1 for _ in result)

        wall, cpu, rows = timed(once)
        worst = max(worst, cpu)
        verdict = "-" if limit is None else ("yes" if cpu < limit else "NO")
        form = "" if query.form is QueryForm.SELECT else f" ({query.form.value})"
        ratio = cpu / base_cpu
        lines.append(
            f"{query.name + form:42} {rows:6d} {wall:9.1f} {cpu:9.1f} {ratio:7.2f}  {verdict}"
        )
    lines.append(f"slowest named query: {worst:.1f} ms CPU (x base is CPU / baseline CPU)")
    return lines


def _not_exists_child(scale: int, folder: str, text: str, out: multiprocessing.Queue[Any]) -> None:
    store = landscape(scale, Path(folder))
    out.put("loaded")
    started = time.process_time()
    rows = sum(1 for _ in _iterable(store.query(text, use_default_graph_as_union=True)))
    out.put(((time.process_time() - started) * 1000, rows))


def not_exists_vs_minus(scale: int, folder: Path, limit_s: float) -> list[str]:
    """Both forms of "who never replied", each in a child stopped after ``limit_s``."""
    lines = []
    for label, text in (
        ("MINUS", NEVER_REPLIED_MINUS),
        ("FILTER NOT EXISTS", NEVER_REPLIED_NOT_EXISTS),
    ):
        queue: multiprocessing.Queue[Any] = multiprocessing.Queue()
        child = multiprocessing.Process(
            target=_not_exists_child, args=(scale, str(folder), text, queue)
        )
        child.start()
        queue.get(timeout=600)  # the landscape is loaded; the clock starts
        try:
            ms, rows = queue.get(timeout=limit_s)
        except Empty:
            lines.append(f"never replied, {label:18}: stopped after {limit_s:.0f} s (wall)")
        else:
            lines.append(f"never replied, {label:18}: {ms:9.1f} ms CPU, {rows} rows")
        child.kill()
        child.join()
    return lines


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--not-exists", action="store_true", help="also time FILTER NOT EXISTS")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds for NOT EXISTS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            print("\n".join(bench_scale(scale, Path(tmp))), flush=True)
            if args.not_exists:
                print("\n".join(not_exists_vs_minus(scale, Path(tmp), args.limit)), flush=True)
            print(flush=True)


if __name__ == "__main__":
    main()
