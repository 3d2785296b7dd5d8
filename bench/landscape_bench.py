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
Those servers do not compute /landscape and /gaps ahead, so their first request measures the
computation; with ``--settle S`` the whole-catalogue pages are then asked again of a server
that does (the default), S seconds after it is ready, as a reader arriving then would.

    python bench/landscape_bench.py --itu PATH --iso PATH [--rounds 5] [--keep DIR] [--settle S]

With ``--keep DIR`` the imported project and its release stay in DIR, each step's figures
beside them (``DIR/<step>.json``); a later run reuses every step already done there (the import
takes minutes, the build more than one) and times the server again with this checkout's code
and queries. Delete DIR to measure the import and build again.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
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
    from idmgraph.pipeline.build import load, write_dist
    from idmgraph.pipeline.validate import Report, validate
    sources = load(settings)
    loaded = time.perf_counter()
    report = validate(sources, validator=settings.validator)
    validated = time.perf_counter()
    # the whole catalogues do not all pass the gate: count why, then write the release anyway
    why = collections.Counter(item.message for item in report.violations)
    release = write_dist(sources, Report(results=()), settings=settings)
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


def heaviest(release: Release, base: str) -> str:
    """The page of the resource with the most statements (quads) of the release, counted from
    its N-Quads dump: through /sparql the count is one scan of every statement, which a busy
    machine did not finish within the query timeout."""
    counts: Counter[str] = Counter()
    prefix = f"<{base}id/"
    with (release.directory / "idmgraph.nq").open(encoding="utf-8") as dump:
        for line in dump:
            if line.startswith(prefix):
                counts[line[1 : line.index(">")]] += 1
    iri, statements = counts.most_common(1)[0]
    print(f"  heaviest resource: {iri} ({statements} statements)")
    return "/" + iri.removeprefix(base) + ".html"


def latencies(
    release: Release, rounds: int, *, every_query: bool, only: str = "", settle: float = 0
) -> dict[str, tuple[float, float, str]]:
    """First and median seconds of each case (those whose name ``only`` matches, and the
    baseline) on a server over ``release``.

    With ``settle`` 0 the server does not compute its pages ahead, so that the first /landscape
    and /gaps measure their computation; otherwise it does, and the cases are asked ``settle``
    seconds after the server is ready, as a reader arriving then would.
    """
    # the whole catalogues take the workers a minute or more to load on a busy machine, and
    # landscape-editions answers every edition (66 000 rows, more than the default 32 MB)
    generator = serve(
        release, start_within=600, max_answer_bytes=256_000_000, warm_pages=settle > 0
    )
    server = next(generator)
    time.sleep(settle)
    try:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            cases = {
                "baseline ASK via /sparql": "/sparql?query=ASK%7B%7D",
                "/landscape": "/landscape",
                "/gaps": "/gaps",
            }
            if every_query:
                cases["/landscape.json"] = "/landscape.json"
                if re.search(only, "page of the heaviest resource"):
                    cases["page of the heaviest resource"] = heaviest(
                        release, server.settings.base_iri
                    )
                for query in project_catalogue(server.settings):
                    cases[f"query {query.name}"] = f"/queries/{query.name}.json"
            return {
                name: measured(client, path, rounds)
                for name, path in cases.items()
                if name.startswith("baseline") or re.search(only, name)
            }
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


def kept(keep: Path, step: str, *args: str) -> dict[str, float]:
    """The figures of ``step``: those recorded in ``keep`` by an earlier run, else run it."""
    record = keep / f"{step}.json"
    if record.exists():
        figures: dict[str, float] = json.loads(record.read_text(encoding="utf-8"))
        print(f"({step}: kept from an earlier run in {keep})", flush=True)
        return figures
    figures = child(*args)
    record.write_text(json.dumps(figures), encoding="utf-8")
    return figures


def whole_release(keep: Path, itu: Path | None, iso: Path | None) -> Release:
    """Import and build the whole catalogues into ``keep`` (steps already there reused)."""
    project = keep / "project"
    if not project.exists():
        for folder in ("ontology", "shapes", "queries", "data"):
            shutil.copytree(ROOT / folder, project / folder)
    for body, path in (("itu", itu), ("iso", iso)):  # ITU-T first, as documented
        if path is None and not (keep / f"import-{body}.json").exists():
            raise SystemExit(f"--{body} is needed: {keep} holds no import of it")
        got = kept(keep, f"import-{body}", "import", str(project), str(path))
        print(
            f"import {body} (whole, gate left to the build): {got['records']:.0f} records, "
            f"{got['editions']:.0f} editions, {got['triples']:.0f} triples, "
            f"{got['seconds']:.1f} s, peak {got['peak_mib']:.0f} MiB",
            flush=True,
        )
    got = kept(keep, "build", "build", str(project))
    print(
        f"build: {got['triples']:.0f} triples, {got['seconds']:.1f} s (read "
        f"{got['load_s']:.1f}, validate {got['validate_s']:.1f}, write {got['write_s']:.1f}), "
        f"peak {got['peak_mib']:.0f} MiB; {got['violations']:.0f} violations: {got['why']}",
        flush=True,
    )
    return read_release(project / "dist")


def main() -> None:
    """Import, build and serve the whole catalogues; print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--itu", type=Path, help="relaton-data-itu checkout")
    parser.add_argument("--iso", type=Path, help="relaton-data-iso checkout")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the import and build here")
    parser.add_argument("--cases", default="", help="time only the cases this regex finds")
    parser.add_argument(
        "--settle",
        type=float,
        default=30.0,
        help="then /landscape again, asked this many seconds after the server is ready "
        "(today's landscape computed ahead); 0 to skip",
    )
    args = parser.parse_args()
    from idmgraph.pipeline.build import build

    with tempfile.TemporaryDirectory() as scratch:
        committed = Settings(root=ROOT, dist_dir=Path(scratch) / "committed", query_workers=2)
        print("IdM scope (the committed data):", flush=True)
        table(latencies(build(committed), args.rounds, every_query=False, only=args.cases))
        keep = args.keep or Path(scratch) / "whole"
        keep.mkdir(parents=True, exist_ok=True)
        release = whole_release(keep.resolve(), args.itu, args.iso)
        print("whole catalogues:", flush=True)
        table(latencies(release, args.rounds, every_query=True, only=args.cases))
        if args.settle > 0 and re.search(args.cases, "/landscape /gaps"):
            print(f"whole catalogues, asked {args.settle:g} s after the server is ready:")
            table(latencies(release, args.rounds, every_query=False, settle=args.settle))


if __name__ == "__main__":
    main()
