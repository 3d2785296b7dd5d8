"""What one abusive client costs everyone else (issue 11), on ``idmgraph serve`` over the
repository's own release, on 127.0.0.1, with the default settings.

1. Fairness: ``--clients`` ordinary clients (a mix of cached and uncached SPARQL GETs,
   resource pages and lookups, ``tests/web/abuse.Mix``) for ``--seconds`` alone, then the same
   clients while one abusive client POSTs a three-way cross-product COUNT every ``--every``
   seconds. Prints the others' throughput, p50, p99 and errors in both runs and their ratios
   (targets: throughput within 20 % of undisturbed, p99 under 500 ms, no errors). Each client
   names its own address in X-Forwarded-For and the server trusts 127.0.0.1 as a proxy, so
   that a per-client fair share can tell them apart on loopback.
2. Freeze: for each hostile request of ``tests/web/abuse.HOSTILE`` (960 kB of ``SERVICE``,
   500 kB of ``{``, a 13 MB Accept header …), a fresh server, the hostile request, and the
   slowest unrelated cached request while it was in flight (target: under 100 ms). A probe
   that got no answer within ``--budget`` seconds is shown as ">= budget".

Bounded in time: about 2 x ``--seconds`` plus ``len(HOSTILE)`` x (start + ``--budget``).
With ``--scale N`` the server serves an ``idmgraph.synth`` landscape of about N triples
(``bench/scaling.project``, built with pyshacl-turbo) instead, and the clients ask for its
Recommendations. Run from the repository root:

    python bench/abuse_bench.py --seconds 10
    python bench/abuse_bench.py --seconds 10 --scale 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.web.abuse import (  # noqa: E402
    BEHIND_A_PROXY,
    HOSTILE,
    Load,
    Mix,
    freeze_probe,
    load,
    served,
)

from idmgraph.base.settings import Settings  # noqa: E402
from idmgraph.pipeline.build import build  # noqa: E402
from idmgraph.pipeline.release import Release  # noqa: E402


def row(name: str, result: Load) -> str:
    """One Markdown row: throughput, p50, p99 and errors of the ordinary clients."""
    errors = len(result.errors)
    shown = f"{errors} ({result.errors[0]})" if errors else "0"
    return (
        f"| {name} | {result.throughput:,.0f} | {result.percentile(0.5) * 1e3:,.1f} | "
        f"{result.percentile(0.99) * 1e3:,.1f} | {max(result.latencies, default=0) * 1e3:,.0f} | "
        f"{shown} |"
    )


def fairness(base: str, args: argparse.Namespace, mix: Mix) -> list[str]:
    """Ordinary clients alone, then beside the abusive one."""
    options = {"clients": args.clients, "seconds": args.seconds, "raw": True, "mix": mix}
    load(base, clients=args.clients, seconds=1, abusive=False, raw=True, mix=mix)  # warm up
    alone = load(base, abusive=False, **options)
    abused = load(base, abusive=True, every=args.every, **options)
    ratio = abused.throughput / alone.throughput if alone.throughput else 0.0
    p99 = abused.percentile(0.99) / alone.percentile(0.99)
    statuses = sorted(set(abused.abuse))
    return [
        f"{args.clients} ordinary clients for {args.seconds:g} s each run; the abusive client "
        f"POSTs the cross-product COUNT every {args.every:g} s (its answers before the end: "
        f"{statuses}); throughput is over the run and the answers in flight at its end.",
        "",
        "| run | others' req/s | p50 (ms) | p99 (ms) | max (ms) | others' errors |",
        "|---|---|---|---|---|---|",
        row("alone", alone),
        row("beside the abusive client", abused),
        f"| abused / alone | {ratio:.2f}x | "
        f"{abused.percentile(0.5) / alone.percentile(0.5):.1f}x | {p99:.1f}x | "
        f"{max(abused.latencies) / max(alone.latencies):.0f}x | |",
        "",
    ]


def freezes(
    release: Release, logs: Path, args: argparse.Namespace, *, root: Path, settings: dict[str, str]
) -> list[str]:
    """One fresh server per hostile request: a frozen one may never recover."""
    lines = [
        "| hostile request | its answer | after (s) | slowest cached request meanwhile (ms) |",
        "|---|---|---|---|",
    ]
    for hostile in HOSTILE:
        print(f"  freeze: {hostile.name} …", file=sys.stderr, flush=True)
        log = logs / f"{hostile.name}.log"
        with served(release, log=log, root=root, settings=settings) as server:
            found = freeze_probe(server.base, hostile, budget=args.budget)
        status = str(found.hostile_status) if found.hostile_status else "none"
        if found.hostile_bytes > 10_000:
            status += f" ({found.hostile_bytes:,} bytes)"
        waited = (
            f">= {args.budget * 1e3:,.0f}"
            if found.probe_seconds >= args.budget
            else f"{found.probe_seconds * 1e3:,.1f}"
        )
        after = (
            f">= {args.budget:g}"
            if found.hostile_seconds >= args.budget
            else f"{found.hostile_seconds:.2f}"
        )
        lines.append(f"| {hostile.name} | {status} | {after} | {waited} |")
    return [*lines, ""]


def main() -> None:
    """Build the release, run both measures, print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10, help="length of each load run")
    parser.add_argument("--every", type=float, default=2, help="seconds between abusive queries")
    parser.add_argument("--budget", type=float, default=15, help="longest wait for one request")
    parser.add_argument("--skip-freeze", action="store_true", help="only the fairness runs")
    parser.add_argument("--scale", type=int, help="serve a synthetic landscape of N triples")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="abuse-bench-") as folder:
        work = Path(folder)
        # settings by name, each a str: the build takes them as fields, served() as IDMGRAPH_*
        root, settings = ROOT, dict[str, Any]()
        if args.scale:
            from scaling import project

            root, triples = project(args.scale, work)
            settings = {"validator": "pyshacl-turbo"}
            print(f"synthetic landscape: {triples} triples", file=sys.stderr, flush=True)
        release = build(Settings(root=root, dist_dir=work / "dist", **settings))
        print(f"release {release.version}", file=sys.stderr, flush=True)
        behind = {**settings, **BEHIND_A_PROXY}  # each client a client of its own
        with served(release, log=work / "fairness.log", root=root, settings=behind) as server:
            mix = Mix.discover(server.base) if args.scale else Mix()
            lines = ["### Fairness", "", *fairness(server.base, args, mix)]
        if not args.skip_freeze:
            found = freezes(release, work, args, root=root, settings=settings)
            lines += ["### Freeze", "", *found]
    lines.append(
        f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, load average "
        f"{load_before[0]:.1f} before and {os.getloadavg()[0]:.1f} after the run"
    )
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
