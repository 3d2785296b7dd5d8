"""Time, peak memory and triples of ``idmgraph catalogue import`` on real Relaton checkouts.

For each catalogue given, three runs, each in a fresh child process (so its peak RSS is its
own):

* ``baseline``: PyYAML (libyaml) merely parsing every record of the checkout, nothing else;
* ``scope``: the real import of the IdM scope into a scratch copy of this project, SHACL gate
  included (what ``idmgraph catalogue import`` does);
* ``whole`` (ITU-T only): every ITU-T record of the catalogue as if all were in scope (a rule
  per series letter over every number), read, described and written as Turtle, without the
  gate: the cost of the importer itself at the catalogue's full size.

    python bench/catalogue_bench.py --itu PATH --iso PATH --w3c PATH
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, shutil, string, sys, time
from datetime import date
from pathlib import Path

import yaml

from idmgraph.catalogue.describe import describe
from idmgraph.catalogue.files import open_checkout, record_files
from idmgraph.catalogue.run import import_catalogue, read_records
from idmgraph.catalogue.scope import Rule, Scope
from idmgraph.importer.turtle import render
from idmgraph.base.settings import Settings

task, path, project = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
if task == "baseline":
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    records = sum(1 for _, c in record_files(open_checkout(path)) if yaml.load(c, Loader=loader))
    triples = 0
elif task == "scope":
    result = import_catalogue(Settings(root=project), path)
    records, triples = result.records, result.triples
else:  # whole: every ITU-T record in scope
    found, facts = read_records(path)
    settings = Settings(root=project)
    rules = [
        Rule(iri=f"https://example.org/all/{s}", catalogue="itu", series=s, low=0, high=10**6)
        for s in string.ascii_uppercase
    ]
    scope = Scope(data_base=settings.data_base, rules=rules)
    selection = describe(found, scope, repository="https://example.org/r", commit=None)
    files = render(selection.out, base_iri=settings.base_iri, headers={})
    records, triples = selection.editions, len(selection.out.graph())
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"records": records, "triples": triples, "seconds": seconds,
                  "peak_kb": peak, "idle_kb": idle}))
"""


def _scratch_project(into: Path) -> Path:
    """A copy of this project's sources (ontology, shapes, queries, data) to import into."""
    project = into / "project"
    for folder in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / folder, project / folder)
    return project


def _child(task: str, path: Path, project: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, task, str(path), str(project)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Run the bench on the catalogues given and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for body in ("itu", "iso", "w3c"):
        parser.add_argument(f"--{body}", type=Path, help=f"relaton-data-{body} checkout")
    args = parser.parse_args()
    header = ("records", "triples", "s", "peak MiB", "x base")
    print(f"{'catalogue / run':28} " + " ".join(f"{h:>8}" for h in header))
    with tempfile.TemporaryDirectory() as scratch:
        project = _scratch_project(Path(scratch))
        for body in ("itu", "iso", "w3c"):
            path = getattr(args, body)
            if path is None:
                continue
            tasks = ("baseline", "scope", "whole") if body == "itu" else ("baseline", "scope")
            base = 0.0
            for task in tasks:
                got = _child(task, path, project)
                base = base or got["seconds"]
                print(
                    f"{body + ' / ' + task:28} {got['records']:>8.0f} {got['triples']:>8.0f} "
                    f"{got['seconds']:>8.1f} {got['peak_kb'] / 1024:>8.0f} "
                    f"{got['seconds'] / base:>8.2f}"
                )
            written = project / "data" / f"catalogue-{body}"
            same = all(
                (ROOT / "data" / written.name / file.name).read_bytes() == file.read_bytes()
                for file in written.iterdir()
            )
            print(f"{body}: the imported folder is byte-identical to data/: {same}")


if __name__ == "__main__":
    main()
