"""A deterministic synthetic IdM landscape, shaped like the real data, for tests and benchmarks.

``scale`` is the approximate number of triples (10^3 to 10^7 and beyond); the same scale and
seed give byte-identical output. Everything is streamed: memory does not grow with the scale
beyond the per-Question state of the generator.

Every resource lies under ``<base>id/synth/`` and every label says "Synthetic", so synthetic
data can never be mistaken for facts about real organisations or texts.

>>> from idmgraph.synth import generate
>>> quads = list(generate(scale=2_000, seed=1))
>>> 1_000 < len(quads) < 4_000
True
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from idmgraph.base.settings import Settings
from idmgraph.synth.bodies import LANDSCAPE, outside_bodies, union_source, union_structure
from idmgraph.synth.plan import Plan, calendar
from idmgraph.synth.reports import disclaimer, reports
from idmgraph.synth.terms import (
    Block,
    absolute,
    day,
    node,
    source_node,
    text,
    turtle_block,
    turtle_header,
)
from idmgraph.synth.works import Lineage, catalogue_source

__all__ = ["Summary", "blocks", "generate", "main_synth", "write_nquads", "write_project"]

DEFAULT_BASE = Settings().base_iri
SOURCE_FILE = "source.ttl"  # the file describing a source, as in the real data/ folders
DATA_FILE = "data.ttl"


@dataclass(frozen=True, kw_only=True)
class Summary:
    """What a writer wrote."""

    path: Path
    triples: int
    sources: int


def blocks(plan: Plan) -> Iterator[Block]:
    """Every subject block of the landscape, in a fixed order."""
    yield from outside_bodies(plan)
    last_status: list[dt.date] = []
    for union in range(plan.unions):
        periods = calendar(plan, union)
        last_status.append(periods[-1].reports[-1][1])
        yield from union_structure(plan, union, periods)
        yield from reports(plan, union, periods)
        for group in range(plan.groups):
            for number in range(plan.questions):
                yield from Lineage(plan, union, group, number).blocks(periods)
    yield from _sources(plan, last_status)


def _sources(plan: Plan, last_status: list[dt.date]) -> Iterator[Block]:
    """The descriptions of the sources that are not progress reports."""
    about = text(disclaimer(plan))
    described: list[tuple[str, str, dt.date, str | None]] = [
        (LANDSCAPE, "outside bodies and topics", max(last_status), None)
    ]
    for union, status in enumerate(last_status):
        body = node(f"org/u{union}")
        described.append((union_source(union), f"union {union} organisation", status, body))
        described.append((catalogue_source(union), f"union {union} texts", status, body))
    for slug, what, status, author in described:
        pairs = [
            ("a", "idm:Source"),
            ("rdfs:label", text(f"Synthetic source: {what}")),
            ("dcterms:description", about),
            ("idm:statusDate", day(status)),
        ]
        if author:
            pairs.append(("prov:wasAttributedTo", author))
        yield slug, source_node(slug), tuple(pairs)


def generate(
    *, scale: int, seed: int = 0, base_iri: str = DEFAULT_BASE
) -> Iterator[tuple[str, str, str, str]]:
    """Every quad (subject, predicate, object, graph) as N-Triples terms, in a fixed order."""
    for src, subject, pairs in blocks(Plan.for_scale(scale, seed=seed)):
        graph = absolute(source_node(src), base_iri)
        s = absolute(subject, base_iri)
        for predicate, obj in pairs:
            yield s, absolute(predicate, base_iri), absolute(obj, base_iri), graph


def write_nquads(path: Path, *, scale: int, seed: int = 0, base_iri: str = DEFAULT_BASE) -> Summary:
    """Write the whole landscape as one N-Quads file (for benchmarks and store loads)."""
    triples, graphs = 0, set()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for s, p, o, g in generate(scale=scale, seed=seed, base_iri=base_iri):
            out.write(f"{s} {p} {o} {g} .\n")
            triples += 1
            graphs.add(g)
    return Summary(path=path, triples=triples, sources=len(graphs))


def write_project(
    folder: Path,
    *,
    scale: int,
    seed: int = 0,
    ontology_dir: Path | None = None,
    shapes_dir: Path | None = None,
) -> Summary:
    """Write a project folder: ``data/<source>/{source,data}.ttl`` plus the given folders copied."""
    data = folder / "data"
    if data.exists() and any(data.iterdir()):
        # sources left from another scale or seed would silently join the landscape
        raise FileExistsError(f"{data}: not empty; write the landscape into a fresh folder")
    folder.mkdir(parents=True, exist_ok=True)
    for given, name in ((ontology_dir, "ontology"), (shapes_dir, "shapes")):
        if given is not None:
            shutil.copytree(given, folder / name, dirs_exist_ok=True)
    files: dict[Path, TextIO] = {}
    triples = 0
    try:
        for src, subject, pairs in blocks(Plan.for_scale(scale, seed=seed)):
            name = SOURCE_FILE if subject == source_node(src) else DATA_FILE
            path = data / src / name
            out = files.get(path)
            if out is None:
                out = files[path] = _open_turtle(path, src)
            turtle_block(out, subject, pairs)
            triples += len(pairs)
    finally:
        for out in files.values():
            out.close()
    return Summary(path=folder, triples=triples, sources=len({p.parent for p in files}))


def _open_turtle(path: Path, src: str) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = path.open("w", encoding="utf-8", newline="\n")
    turtle_header(out, f"Synthetic landscape (idmgraph.synth), source {src}: not real data.")
    return out


def main_synth(scale: int, out: Path, seed: int = 0, *, root: Path | None = None) -> Summary:
    """``idmgraph synth``: a project folder at ``out`` reusing ``root``'s ontology and shapes."""
    project = Settings.from_env().root if root is None else root
    ontology, shapes = project / "ontology", project / "shapes"
    return write_project(
        out,
        scale=scale,
        seed=seed,
        ontology_dir=ontology if ontology.is_dir() else None,
        shapes_dir=shapes if shapes.is_dir() else None,
    )
