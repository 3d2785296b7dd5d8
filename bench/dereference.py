"""Dereferencing cost: resource documents and pages against a trivial SPARQL query, same run.

Builds the repository's release into a temporary folder, serves it on 127.0.0.1 (random port,
stopped at the end) and times sequential requests. Prints each kind's first (uncached) and
median latency, and the median's ratio to the baseline: an ASK query through /sparql, which
touches no data.

    python bench/dereference.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.linkedserver import serve  # noqa: E402

from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.build import build  # noqa: E402

CASES = {
    "baseline ASK via /sparql": ("/sparql?query=ASK%7B%7D", {}),
    "303 thing -> document": ("/id/rec/X.1095", {"accept": "text/turtle"}),
    "Turtle document": ("/id/rec/X.1095.ttl", {}),
    "JSON-LD document": ("/id/rec/X.1095.jsonld", {}),
    "HTML page (Recommendation)": ("/id/rec/X.1095.html", {}),
    "HTML page (ITU, many inbound)": ("/id/org/itu.html", {}),
    "ontology page": ("/def/index.html", {}),
    "landing page": ("/", {}),
    "lookup (index cached)": ("/lookup?id=T-REC-X.1095-202311-I", {}),
    "304 revalidation": ("/id/rec/X.1095.html", {"if-none-match": "ETAG"}),
}


def timed(
    client: httpx.Client, path: str, headers: dict[str, str], rounds: int
) -> tuple[float, float]:
    """Seconds of the first request (it fills caches and the index) and median of the rest."""
    times = []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code in (200, 303, 304), (path, response)
    return times[0], statistics.median(times[1:])


def main() -> None:
    """Run every case ``--rounds`` times and print medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        release = build(Settings(root=ROOT, dist_dir=Path(folder) / "dist"))
        generator = serve(release)
        server = next(generator)
        try:
            with httpx.Client(base_url=server.base, timeout=60) as client:
                etag = client.get("/id/rec/X.1095.html").headers["etag"]
                medians, first = {}, {}
                for name, (path, headers) in CASES.items():
                    sent = {k: v.replace("ETAG", etag) for k, v in headers.items()}
                    first[name], medians[name] = timed(client, path, sent, rounds)
        finally:
            generator.close()
    baseline = medians["baseline ASK via /sparql"]
    print(f"{'case':34} {'first ms':>9} {'median ms':>10} {'x baseline':>11}")
    for name, median in medians.items():
        print(
            f"{name:34} {first[name] * 1000:9.2f} {median * 1000:10.2f} {median / baseline:11.1f}"
        )


if __name__ == "__main__":
    main()
