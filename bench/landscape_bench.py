"""The whole ITU-T and ISO catalogues (every record, every committee) imported, built,
validated and served: import, build and validation time and peak memory; first and median
latency of /landscape, of the heaviest resource page and of every named query.

Each import and the build run in a child process, so each peak RSS is its own. The imports are
the real ``idmgraph catalogue import`` with a scope that keeps every record and its folder
written without the gate; the build validates everything once (pyshacl-turbo) and, since the
whole catalogues do not all pass the shapes, counts the violations and writes the release
anyway so that it can be served. The server is the whole application on 127.0.0.1 (embedded
store); latencies are ratios to an ``ASK {}`` through /sparql in the same run. /landscape is
also timed on the committed IdM scope (the repository's own data), the page's target case.

    python bench/landscape_bench.py --itu PATH --iso PATH [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.web.linkedserver import serve  # noqa: E402

from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.queries import project_catalogue  # noqa: E402
from idmgraph.pipeline.release import Release, read_release  # noqa: E402

CHILD = """
import collections, dataclasses, json, resource, shutil, sys, time
from pathlib import Path

from idmgraph.catalogue import run
from idmgraph.catalogue.scope import Scope
from idmgraph.base.settings import Settings


class Everything(Scope):
    def select(self, identity, committee):
        return True, None


def unchecked(settings, slug, files, *, replace=False):
    # the bench validates once, in the build: write the folder as the importer would
    folder = settings.root / "data" / slug
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")


def whole(settings, *, importing):
    found = original(settings, importing=importing)
    return Everything(**{f.name: getattr(found, f.name) for f in dataclasses.fields(found)})


task, project = sys.argv[1], Path(sys.argv[2])
settings = Settings(root=project, dist_dir=project / "dist", validator="pyshacl-turbo")
started = time.perf_counter()
if task == "build":  # build() in its three steps, each timed
    from idmgraph.pipeline.build import load, publish
    from idmgraph.pipeline.validate import Report, validate
    sources = load(settings)
    loaded = time.perf_counter()
    report = validate(sources, validator=settings.validator)
    validated = time.perf_counter()
    # the whole catalogues do not all pass the gate: count why, then write the release anyway
    why = collections.Counter(item.message for item in report.violations)
    release = publish(sources, Report(results=()), settings=settings)
    figures = {"triples": release.triples, "load_s": loaded - started,
               "validate_s": validated - loaded, "write_s": time.perf_counter() - validated,
               "violations": len(report.violations), "why": why.most_common(8)}
else:
    original = run.read_scope
    run.read_scope = whole
    run.write_checked = unchecked
    done = run.import_catalogue(settings, Path(sys.argv[3]))
    figures = {"records": done.records, "editions": done.editions, "triples": done.triples}
figures["seconds"] = time.perf_counter() - started
figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(figures))
"""

MOST = """SELECT ?x (COUNT(*) AS ?n) WHERE {{ ?x ?p ?o .
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{base}id/")) }}
GROUP BY ?x ORDER BY DESC(?n) LIMIT 1"""
JSON = {"accept": "application/sparql-results+json"}


def child(*args: str) -> dict[str, float]:
    """Run one step in a fresh interpreter; its figures (the last line it prints)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measured(client: httpx.Client, path: str, rounds: int) -> tuple[float, float, str]:
    """Seconds of the first request and median of the rest, and the statuses answered (a
    refusal is a figure too: the whole catalogues may exceed a limit)."""
    times, statuses = [], []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        statuses.append(client.get(path).status_code)
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:]), ",".join(sorted({str(s) for s in statuses}))


def heaviest(client: httpx.Client, base: str) -> str:
    """The page of the resource with the most statements of the served store."""
    answer = client.get("/sparql", params={"query": MOST.format(base=base)}, headers=JSON)
    row = answer.json()["results"]["bindings"][0]
    print(f"  heaviest resource: {row['x']['value']} ({row['n']['value']} statements)")
    heaviest_iri: str = row["x"]["value"]
    return "/" + heaviest_iri.removeprefix(base) + ".html"


def latencies(
    release: Release, rounds: int, *, every_query: bool
) -> dict[str, tuple[float, float, str]]:
    """First and median seconds of each case on a server over ``release``."""
    generator = serve(release)
    server = next(generator)
    try:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            cases = {
                "baseline ASK via /sparql": "/sparql?query=ASK%7B%7D",
                "/landscape": "/landscape",
            }
            if every_query:
                cases["/landscape.json"] = "/landscape.json"
                cases["page of the heaviest resource"] = heaviest(client, server.settings.base_iri)
                for query in project_catalogue(server.settings):
                    cases[f"query {query.name}"] = f"/queries/{query.name}.json"
            return {name: measured(client, path, rounds) for name, path in cases.items()}
    finally:
        generator.close()


def table(results: dict[str, tuple[float, float, str]]) -> None:
    baseline = results["baseline ASK via /sparql"][1]
    print(f"  {'case':52} {'first ms':>9} {'median ms':>10} {'x baseline':>11} status")
    for name, (first, median, status) in results.items():
        print(
            f"  {name:52} {first * 1000:9.1f} {median * 1000:10.2f} {median / baseline:11.1f} "
            f"{status}",
            flush=True,
        )


def main() -> None:
    """Import, build and serve the whole catalogues; print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--itu", type=Path, required=True, help="relaton-data-itu checkout")
    parser.add_argument("--iso", type=Path, required=True, help="relaton-data-iso checkout")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from idmgraph.pipeline.build import build

    with tempfile.TemporaryDirectory() as scratch:
        committed = Settings(root=ROOT, dist_dir=Path(scratch) / "committed", query_workers=2)
        print("IdM scope (the committed data):", flush=True)
        table(latencies(build(committed), args.rounds, every_query=False))
        project = Path(scratch) / "project"
        for folder in ("ontology", "shapes", "queries", "data"):
            shutil.copytree(ROOT / folder, project / folder)
        for body, path in (("itu", args.itu), ("iso", args.iso)):  # ITU-T first, as documented
            got = child("import", str(project), str(path))
            print(
                f"import {body} (whole, gate left to the build): {got['records']:.0f} records, "
                f"{got['editions']:.0f} editions, {got['triples']:.0f} triples, "
                f"{got['seconds']:.1f} s, peak {got['peak_mib']:.0f} MiB",
                flush=True,
            )
        got = child("build", str(project))
        print(
            f"build: {got['triples']:.0f} triples, {got['seconds']:.1f} s (read "
            f"{got['load_s']:.1f}, validate {got['validate_s']:.1f}, write {got['write_s']:.1f}), "
            f"peak {got['peak_mib']:.0f} MiB; {got['violations']:.0f} violations: {got['why']}",
            flush=True,
        )
        release = read_release(project / "dist")
        print("whole catalogues:", flush=True)
        table(latencies(release, args.rounds, every_query=True))


if __name__ == "__main__":
    main()
