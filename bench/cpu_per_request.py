"""Server CPU time per request, the code of a baseline commit against the working tree.

Wall-clock latency on a shared two-core machine moves by tens of per cent from one run to the
next; the CPU time a server spends per request moves far less, since time spent waiting for a
core is not counted. Both servers (``bench/endpoint_server.py`` of each tree, the baseline's
taken out of git with ``git archive``, never checked out in the repository) load the same
N-Quads and are asked the same requests in turns, batch by batch: distinct identifier lookups
and the analytic queries of ``endpoint_data``, each made distinct by a comment so that no cache
answers it. The CPU time of each server's whole process tree (server, zygote, workers, those
already reaped included) is read from /proc before and after each batch.

    python bench/cpu_per_request.py --baseline d161a21 --scale 100000 --rounds 6 --batch 400
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from endpoint_data import LOOKUP, QUERIES, subjects, write_dataset  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system time of ``root`` and every living descendant, reaped children included."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(value) for value in fields[11:15]) / TICK
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0.0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(tree: Path, data: Path) -> Iterator[tuple[str, int]]:
    """``tree``'s endpoint server over ``data``; yields its query URL and process id."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    script = tree / "bench" / "endpoint_server.py"
    process = subprocess.Popen([sys.executable, str(script), str(data), str(port), "2"], env=env)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server of {tree} did not start")
            time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def batch(iris: list[str], tag: str) -> list[str]:
    """The requests of one batch: lookups of ``iris`` and every analytic query, made distinct."""
    texts = [LOOKUP.format(iri=iri) for iri in iris] + list(QUERIES.values())
    return [f"# {tag} {index}\n{text}" for index, text in enumerate(texts)]


def cpu_per_request(client: httpx.Client, url: str, pid: int, texts: list[str]) -> float:
    before = tree_cpu_seconds(pid)
    for text in texts:
        answer = client.get(url, params={"query": text}, headers={"Accept": "text/csv"})
        answer.raise_for_status()
    time.sleep(0.3)  # let a worker that was replaced be reaped into its parent's times
    return (tree_cpu_seconds(pid) - before) / len(texts) * 1000


def baseline_tree(commit: str, into: Path) -> Path:
    """The ``src`` and ``bench`` folders of ``commit``, written under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src", "bench"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="git commit of the baseline code")
    parser.add_argument("--scale", type=int, default=100_000, help="synthetic triples")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=400, help="lookups per batch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data.nq"
        generator = write_dataset(data, scale=args.scale)
        found = subjects(data, count=args.batch * args.rounds, seed=11)
        # a small graph has fewer subjects than the batches ask: they are asked again, each
        # request still distinct by its comment, so no cache answers it
        iris = [found[index % len(found)] for index in range(args.batch * args.rounds)]
        trees = {"baseline": baseline_tree(args.baseline, Path(scratch) / "base"), "now": ROOT}
        print(f"{args.scale} triples ({generator}); {os.getloadavg()[0]:.1f} load at start")
        ratios: list[float] = []
        totals = {"baseline": 0.0, "now": 0.0}
        with (
            server(trees["baseline"], data) as (base_url, base_pid),
            server(trees["now"], data) as (now_url, now_pid),
            httpx.Client(timeout=120) as client,
        ):
            servers = {"baseline": (base_url, base_pid), "now": (now_url, now_pid)}
            for name, (url, pid) in servers.items():  # warm both: first requests load code
                cpu_per_request(client, url, pid, batch(iris[:20], f"warm {name}"))
            print("round  baseline ms/request  now ms/request  now/baseline")
            for round_ in range(args.rounds):
                chunk = iris[round_ * args.batch : (round_ + 1) * args.batch]
                order = ["baseline", "now"] if round_ % 2 == 0 else ["now", "baseline"]
                got = {
                    name: cpu_per_request(
                        client, *servers[name], batch(chunk, f"round {round_} {name}")
                    )
                    for name in order
                }
                ratios.append(got["now"] / max(got["baseline"], 1e-9))
                for name, value in got.items():
                    totals[name] += value
                print(
                    f"{round_:5}  {got['baseline']:19.3f}  {got['now']:14.3f}  {ratios[-1]:12.2f}"
                )
        print(
            f"all rounds: baseline {totals['baseline'] / args.rounds:.3f} ms/request, now "
            f"{totals['now'] / args.rounds:.3f} ms/request, "
            f"now/baseline {totals['now'] / totals['baseline']:.2f}"
        )
        print(
            f"median now/baseline {statistics.median(ratios):.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f}); "
            f"{os.getloadavg()[0]:.1f} load at end"
        )


if __name__ == "__main__":
    main()
