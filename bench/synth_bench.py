"""Time and peak memory of the synthetic-landscape generator against its size.

Each measurement runs in a fresh child process, so its peak RSS is its own. The baseline,
measured in the same run on the same file, is pyoxigraph (Rust) merely parsing the N-Quads
the generator wrote; the memory baseline is the child's RSS after its imports.

    python bench/synth_bench.py                    # 10^4, 10^5, 10^6
    python bench/synth_bench.py --scales 10000 10000000
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
import pyoxigraph as ox
from idmgraph.synth import write_nquads, write_project

task, scale, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
if task == "nquads":
    triples = write_nquads(out, scale=scale, seed=0).triples
elif task == "project":
    triples = write_project(out, scale=scale, seed=0).triples
else:  # baseline: parse the generated file without storing it
    triples = sum(1 for _ in ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"triples": triples, "seconds": seconds, "peak_kb": peak, "idle_kb": idle}))
"""


def measure(task: str, scale: int, out: Path) -> dict[str, float]:
    """Run one task in a fresh interpreter and return its numbers."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, task, str(scale), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    numbers: dict[str, float] = json.loads(done.stdout)
    return numbers


def exponent(sizes: list[float], values: list[float]) -> float:
    """Least-squares slope of log(value) against log(size): value ∝ size^k."""
    xs, ys = [math.log(s) for s in sizes], [math.log(v) for v in values]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    den = sum((x - mx) ** 2 for x in xs)
    return num / den


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    header = (
        f"{'scale':>10} {'triples':>10} {'N-Quads s':>10} {'project s':>10} {'triples/s':>10} "
        f"{'peak MB':>8} {'idle MB':>8} {'parse s':>8} {'gen/parse':>9}"
    )
    print(header)
    sizes, gen_times, peaks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            nq = Path(tmp) / f"synth-{scale}.nq"
            gen = measure("nquads", scale, nq)
            project = measure("project", scale, Path(tmp) / f"project-{scale}")
            base = measure("parse", scale, nq)
            assert base["triples"] == gen["triples"] == project["triples"]
            peak = max(gen["peak_kb"], project["peak_kb"]) / 1024
            print(
                f"{scale:>10} {gen['triples']:>10} {gen['seconds']:>10.2f} "
                f"{project['seconds']:>10.2f} {gen['triples'] / gen['seconds']:>10.0f} "
                f"{peak:>8.0f} {gen['idle_kb'] / 1024:>8.0f} {base['seconds']:>8.2f} "
                f"{gen['seconds'] / base['seconds']:>9.1f}"
            )
            sizes.append(gen["triples"])
            gen_times.append(gen["seconds"])
            peaks.append(peak)
            nq.unlink()
    if len(sizes) > 1:
        print(f"fitted exponent, N-Quads time ∝ size^k: k = {exponent(sizes, gen_times):.2f}")
        print(f"fitted exponent, peak RSS ∝ size^k:    k = {exponent(sizes, peaks):.2f}")


if __name__ == "__main__":
    main()
