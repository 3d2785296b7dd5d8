"""The release on disk: its manifest (``release.json``), the files it lists, and the canonical
content a release is written from.

A release is immutable: its ``version`` is derived from its content, so the same inputs give
the same version, and HTTP caches may key on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base.errors import ReleaseMissing

MANIFEST = "release.json"
DATASET_STEM = "idmgraph"  # dumps are idmgraph.<ext>[.gz]
DESCRIPTION_FILE = "void.ttl"  # VoID + DCAT description of the release
CONTEXT_FILE = "context.jsonld"  # the JSON-LD @context of the compact dump
VERSIONS_DIR = "versions"  # earlier releases' files, kept by the build: versions/<version>/


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """One file of the release."""

    file: str  # name relative to the release folder
    format: str  # name in idmgraph.base.formats.FORMATS
    media_type: str
    size: int
    sha256: str
    compressed: bool = False


@dataclass(frozen=True, kw_only=True)
class Release:
    """What ``idmgraph build`` wrote."""

    version: str
    directory: Path
    triples: int
    graphs: tuple[str, ...]
    distributions: tuple[Distribution, ...]

    def path(self, distribution: Distribution) -> Path:
        """Absolute path of one distribution's file."""
        return self.directory / distribution.file

    def distribution(self, fmt: str, *, compressed: bool = False) -> Distribution:
        """The distribution of format ``fmt``; KeyError when the release has none."""
        for item in self.distributions:
            if item.format == fmt and item.compressed == compressed:
                return item
        raise KeyError(fmt)

    @property
    def dataset_file(self) -> Path:
        """The N-Quads dump, which keeps the named graph of every statement."""
        return self.directory / f"{DATASET_STEM}.nq"


def read_release(directory: Path) -> Release:
    """Read the manifest of the release in ``directory``."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        raise ReleaseMissing(f"{manifest}: no release here; run 'idmgraph build' first")
    raw = json.loads(manifest.read_text(encoding="utf-8"))
    return Release(
        version=raw["version"],
        directory=directory,
        triples=raw["triples"],
        graphs=tuple(raw["graphs"]),
        distributions=tuple(Distribution(**item) for item in raw["distributions"]),
    )


def write_manifest(release: Release) -> Path:
    """Write ``release.json``, with sorted keys and no timestamps so builds are reproducible."""
    body = {
        "version": release.version,
        "triples": release.triples,
        "graphs": list(release.graphs),
        "distributions": [asdict(item) for item in release.distributions],
    }
    path = release.directory / MANIFEST
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


VERSION_LENGTH = 12  # hex digits of the N-Quads hash that name a release


@dataclass(frozen=True, kw_only=True)
class Content:
    """The dataset to release, in canonical order."""

    quads: tuple[ox.Quad, ...]  # sorted, blank nodes canonicalised
    triples: tuple[ox.Triple, ...]  # the union of all graphs, sorted, without duplicates
    graphs: tuple[str, ...]  # names of the graphs that hold statements, in load order
    nquads: bytes  # the canonical N-Quads serialisation; its hash is the version

    @property
    def version(self) -> str:
        """A short hash of the canonical N-Quads: same content, same version."""
        return hashlib.sha256(self.nquads).hexdigest()[:VERSION_LENGTH]
