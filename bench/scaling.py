"""Build and validation time, peak memory, store load and named-query latency against size.

Every cell runs in a fresh child process on an ``idmgraph.synth`` project (``write_project``
plus the repository's ontology, shapes and queries), so its peak RSS is its own. Baselines,
measured in the same run: pyshacl (the reference engine) on the same project for the gate, and
a full-scan ``SELECT (COUNT(*) …)`` on the same store for the named queries. Each series gets
its fitted exponent (time ∝ size^k). The whole build (sources, gate with pyshacl-turbo, the
release write with every dump) runs up to ``--build-max`` triples, pyshacl up to
``--pyshacl-max``: beyond 10^5 it is too slow to wait for (~20 min at 10^6).

    python bench/scaling.py                              # 10^4, 10^5, 10^6
    python bench/scaling.py --scales 10000 100000 --pyshacl-max 100000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, statistics, sys, time
from pathlib import Path
import pyoxigraph as ox
from idmgraph.base.settings import Settings
from idmgraph.pipeline.sources import load
from idmgraph.pipeline.validate import gate
from idmgraph.pipeline.build import canonical, write_dist
from idmgraph.pipeline.queries import load_catalogue, run

task, root, engine = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
settings = Settings(root=root, dist_dir=root / "dist")
out = {}
t = time.perf_counter()
sources = load(settings)
out["load_s"] = time.perf_counter() - t
if task in ("validate", "publish"):
    t = time.perf_counter()
    report = gate(sources, validator=engine)
    out["validate_s"] = time.perf_counter() - t
    out["results"] = len(report.results)
if task == "canonical":
    t = time.perf_counter()
    content = canonical(sources)
    out["canonical_s"] = time.perf_counter() - t
if task == "publish":
    t = time.perf_counter()
    write_dist(sources, report, settings=settings)
    out["publish_s"] = time.perf_counter() - t
    out["build_s"] = out["load_s"] + out["validate_s"] + out["publish_s"]
if task == "queries":
    del sources
    dump = root / "all.nq"
    t = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    for path in sorted((root / "ontology").glob("*.ttl")):
        graph = ox.NamedNode(settings.base_iri + "def")
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE,
                        base_iri=settings.base_iri, to_graph=graph)
    out["store_load_s"] = time.perf_counter() - t
    out["quads"] = len(store)
    def cpu_ms(action):
        times = []
        for _ in range(3):
            c = time.process_time(); action(); times.append((time.process_time() - c) * 1000)
        return statistics.median(times)
    base = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    out["baseline_ms"] = cpu_ms(lambda: list(store.query(base, use_default_graph_as_union=True)))
    out["queries"] = {q.name: cpu_ms(lambda q=q: sum(1 for _ in run(store, q)))
                      for q in load_catalogue(root / "queries", root=root)}
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(task: str, root: Path, engine: str = "pyshacl-turbo") -> dict[str, Any]:
    """Run one task in a fresh interpreter and return its numbers."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, task, str(root), engine],
        check=True,
        capture_output=True,
        text=True,
    )
    numbers: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return numbers


def project(scale: int, folder: Path) -> tuple[Path, int]:
    """A synthetic project of ``scale`` triples with this repository's ontology and queries."""
    from idmgraph.synth import write_nquads, write_project

    root = folder / f"p{scale}"
    made = write_project(
        root, scale=scale, ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes"
    )
    shutil.copytree(ROOT / "queries", root / "queries")
    write_nquads(root / "all.nq", scale=scale)
    return root, made.triples


def exponent(sizes: list[float], values: list[float]) -> float:
    """Least-squares slope of log(value) against log(size): value ∝ size^k."""
    if len(sizes) < 2:
        return float("nan")
    xs, ys = [math.log(s) for s in sizes], [math.log(max(v, 1e-6)) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mx) ** 2 for x in xs)


def fits(series: dict[str, list[tuple[int, float]]]) -> list[str]:
    """One line per series: its fitted exponent over the sizes it was measured at."""
    lines = []
    for name, points in series.items():
        k = exponent([p[0] for p in points], [p[1] for p in points])
        lines.append(f"  {name:38} k = {k:5.2f}  ({len(points)} sizes)")
    return lines


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--pyshacl-max", type=int, default=100_000)
    parser.add_argument("--build-max", type=int, default=1_000_000)
    args = parser.parse_args()
    series: dict[str, list[tuple[int, float]]] = {}
    queries: dict[str, list[tuple[int, float]]] = {}

    def note(name: str, size: int, value: float) -> None:
        series.setdefault(name, []).append((size, value))

    print(
        f"{'triples':>9} {'load s':>7} {'turbo s':>8} {'MB':>6} {'pyshacl s':>9} {'MB':>6} "
        f"{'x faster':>8} {'canon s':>7} {'write s':>7} {'build s':>7} {'MB':>6} "
        f"{'store s':>7} {'loadavg':>7}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            root, size = project(scale, Path(tmp))
            fast = child("validate", root)
            note("sources load s", size, fast["load_s"])
            note("validate pyshacl-turbo s", size, fast["validate_s"])
            note("validate pyshacl-turbo peak MB", size, fast["peak_mb"])
            ref = child("validate", root, "pyshacl") if size <= args.pyshacl_max * 1.1 else None
            if ref:
                note("validate pyshacl s (baseline)", size, ref["validate_s"])
                note("validate pyshacl peak MB", size, ref["peak_mb"])
            canon = child("canonical", root)
            note("canonical (build, no dumps) s", size, canon["canonical_s"])
            pub = child("publish", root) if size <= args.build_max * 1.1 else None
            if pub:
                note("release write (all dumps) s", size, pub["publish_s"])
                note("whole build s", size, pub["build_s"])
                note("whole build peak MB", size, pub["peak_mb"])
            q = child("queries", root)
            note("store load s", size, q["store_load_s"])
            note("full COUNT baseline ms", size, q["baseline_ms"])
            for name, ms in q["queries"].items():
                queries.setdefault(name, []).append((size, ms / q["baseline_ms"]))
                note(f"query {name} ms", size, ms)
            print(
                f"{size:9d} {fast['load_s']:7.1f} {fast['validate_s']:8.1f} "
                f"{fast['peak_mb']:6.0f} "
                + (
                    f"{ref['validate_s']:9.1f} {ref['peak_mb']:6.0f} "
                    f"{ref['validate_s'] / fast['validate_s']:8.1f} "
                    if ref
                    else f"{'-':>9} {'-':>6} {'-':>8} "
                )
                + f"{canon['canonical_s']:7.1f} "
                + (
                    f"{pub['publish_s']:7.1f} {pub['build_s']:7.1f} {pub['peak_mb']:6.0f} "
                    if pub
                    else f"{'-':>7} {'-':>7} {'-':>6} "
                )
                + f"{q['store_load_s']:7.1f} {os.getloadavg()[0]:7.1f}",
                flush=True,
            )
            slowest = max(q["queries"].items(), key=lambda item: item[1])
            print(
                f"          {q['quads']} quads; full COUNT {q['baseline_ms']:.1f} ms CPU; "
                f"slowest query {slowest[0]} {slowest[1]:.1f} ms",
                flush=True,
            )
    print("named queries, CPU ms (x full COUNT of the same store):")
    names = sorted(queries)
    for name in names:
        cells = "  ".join(
            f"{ms:8.1f} ({ratio:5.2f})"
            for (_, ms), (_, ratio) in zip(series[f"query {name} ms"], queries[name], strict=True)
        )
        print(f"  {name:34} {cells}")
    print("fitted exponents, value ∝ triples^k:")
    print("\n".join(fits(series)))


if __name__ == "__main__":
    main()
