"""Page and document latency against landscape size: what a visitor waits for.

For each scale, builds an ``idmgraph.synth`` project (``bench/scaling.project``) with
pyshacl-turbo, serves it on 127.0.0.1 with the whole application (stopped at the end) and
times the first (uncached) request and the median of ``--rounds`` more: the baseline, an ASK
through /sparql that touches no data; the landing page; the gap report; /changes (computed on
first request, then kept for the release); and the page and documents of the resource with
the most inbound links and of the one with the most statements, both chosen by SPARQL on the
served store. Ratios are to the baseline's median in the same run; exponents are fitted to
the first-request latencies.

    python bench/pages_scaling.py                      # 10^4, 10^5, 10^6
    python bench/pages_scaling.py --scales 10000 100000 --rounds 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.web.linkedserver import serve  # noqa: E402

from dereference import timed  # noqa: E402
from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.build import build  # noqa: E402
from scaling import exponent, project  # noqa: E402

MOST = """SELECT ?x (COUNT(*) AS ?n) WHERE {{ {pattern}
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{base}id/synth/")) }}
GROUP BY ?x ORDER BY DESC(?n) LIMIT 1"""
INBOUND, STATEMENTS = "?s ?p ?x .", "?x ?p ?o ."
JSON = {"accept": "application/sparql-results+json"}


def most(client: httpx.Client, pattern: str, base: str) -> tuple[str, int]:
    """The synthetic resource that matches ``pattern`` most often, and how often."""
    answer = client.get(
        "/sparql", params={"query": MOST.format(pattern=pattern, base=base)}, headers=JSON
    )
    row = answer.json()["results"]["bindings"][0]
    return row["x"]["value"], int(row["n"]["value"])


def cases(client: httpx.Client, base: str) -> dict[str, str]:
    """What a visitor asks for, the heaviest resources of this landscape included."""
    linked, inbound = most(client, INBOUND, base)
    stated, statements = most(client, STATEMENTS, base)
    print(
        f"  most linked: {linked} ({inbound} inbound); most statements: {stated} ({statements})",
        flush=True,
    )
    page, document = linked.removeprefix(base), stated.removeprefix(base)
    return {
        "baseline ASK via /sparql": "/sparql?query=ASK%7B%7D",
        "landing page": "/",
        "gap report /gaps": "/gaps",
        "changes /changes": "/changes",
        "page of the most linked": f"/{page}.html",
        "page of the most stated": f"/{document}.html",
        "Turtle of the most stated": f"/{document}.ttl",
        "JSON-LD of the most stated": f"/{document}.jsonld",
    }


def measure(scale: int, folder: Path, rounds: int) -> tuple[int, dict[str, tuple[float, float]]]:
    """Build and serve one landscape; first and median seconds of every case."""
    root, size = project(scale, folder)
    settings = Settings(root=root, dist_dir=root / "dist", validator="pyshacl-turbo")
    generator = serve(build(settings))
    server = next(generator)
    try:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            found = cases(client, server.settings.base_iri)
            return size, {name: timed(client, path, {}, rounds) for name, path in found.items()}
    finally:
        generator.close()


def main() -> None:
    """Measure every scale, print first/median latencies, ratios and exponents."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    firsts: dict[str, list[tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            size, results = measure(scale, Path(tmp), args.rounds)
            baseline = results["baseline ASK via /sparql"][1]
            print(f"{size} triples: {'first ms':>9} {'median ms':>10} {'x baseline':>11}")
            for position, (name, (first, median)) in enumerate(results.items()):
                firsts.setdefault(f"{position}", []).append((size, first))
                print(
                    f"  {name:34} {first * 1000:9.1f} {median * 1000:10.2f} "
                    f"{median / baseline:11.1f}",
                    flush=True,
                )
            order = list(results)
    print("fitted exponents of the first request, latency ∝ triples^k:")
    for key, points in firsts.items():
        k = exponent([p[0] for p in points], [p[1] for p in points])
        print(f"  {order[int(key)].split(',')[0]:34} k = {k:5.2f}")


if __name__ == "__main__":
    main()
