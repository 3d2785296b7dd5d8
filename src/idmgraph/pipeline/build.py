"""Build the release: load the sources, pass the SHACL gate, write ``dist/``.

``dist/`` then holds the dataset in every graph format of :mod:`idmgraph.base.formats` (plain and
gzipped), the JSON-LD context, a VoID + DCAT description (``void.ttl``) and ``release.json``.

Builds are byte-reproducible: blank nodes are canonicalised (RDFC-1.0), statements are sorted,
gzip headers carry no time or file name, and no date comes from the clock; the version is a
hash of the canonical N-Quads. Nothing is written unless validation passes, and the release
appears at once: it is written to a temporary folder next to ``dist/`` and renamed. Earlier
releases' files are kept under ``dist/versions/<version>/``: their download URLs never change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base import formats
from idmgraph.base.errors import IdmGraphError, ValidationFailed
from idmgraph.base.namespaces import prefixes
from idmgraph.base.settings import Settings
from idmgraph.pipeline import compactld, release, void
from idmgraph.pipeline.release import Content, Distribution, Release
from idmgraph.pipeline.sources import Sources, load, source_paths
from idmgraph.pipeline.validate import Report, gate

GZIP_SUFFIX = ".gz"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Statements = tuple[ox.Quad, ...] | tuple[ox.Triple, ...] | list[ox.Triple]


def build(settings: Settings) -> Release:
    """Load, validate and write the release to ``settings.release_dir``; return its record."""
    sources = load(settings)
    report = gate(sources, validator=settings.validator)  # raises before anything is written
    return write_dist(sources, report, settings=settings)


def ensure_release(settings: Settings) -> Release:
    """The current release: built first when it is missing or older than any of its sources."""
    manifest = settings.release_dir / release.MANIFEST
    if manifest.is_file():
        built = manifest.stat().st_mtime
        if all(path.stat().st_mtime <= built for path in source_paths(settings)):
            return release.read_release(settings.release_dir)
    return build(settings)


def write_dist(sources: Sources, report: Report, *, settings: Settings) -> Release:
    """Write the release of sources that passed the gate (``report`` is the proof) to dist/."""
    if not report.conforms:
        raise ValidationFailed(list(report.violations))
    # A malformed named query stops the release too, naming its file.
    queries = void.query_triples(settings)
    content = canonical(sources)
    target = settings.release_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a release is for everyone to read
        written = write_files(staging, content, sources=sources, settings=settings, queries=queries)
        _keep_earlier(target, staging, current=written.version)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dataclasses.replace(written, directory=target)


def canonical(sources: Sources) -> Content:
    """The sources' statements with canonical blank nodes, sorted."""
    ground: set[ox.Quad] = set()
    with_blanks = ox.Dataset()
    for quad in sources.quads():
        if _mentions_blank_node(quad):
            with_blanks.add(quad)
        else:
            ground.add(quad)
    # RDFC-1.0 labels blank nodes from the quads that mention blank nodes alone, so the ground
    # quads (nearly all of a landscape) can skip it: same labels, and no 1 GB index at 10^6.
    with_blanks.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    quads = tuple(sorted(ground.union(with_blanks), key=str))
    present = {quad.graph_name.value for quad in quads if isinstance(quad.graph_name, ox.NamedNode)}
    return Content(
        quads=quads,
        triples=tuple(_distinct_triples(quads)),
        graphs=tuple(graph.name for graph in sources.graphs if graph.name in present),
        nquads=_dump(quads, rdf_format=ox.RdfFormat.N_QUADS),
    )


def _mentions_blank_node(quad: ox.Quad) -> bool:
    return any(
        isinstance(term, ox.BlankNode) for term in (quad.subject, quad.object, quad.graph_name)
    )


def _distinct_triples(quads: tuple[ox.Quad, ...]) -> Iterator[ox.Triple]:
    """The triples of quads sorted as N-Quads, in the same order, each once.

    A quad's N-Quads line starts with its triple's N-Triples text followed by a space, which
    sorts before any character that continues a term: the triples come out sorted too.
    """
    previous: ox.Triple | None = None
    for quad in quads:
        triple = quad.triple
        if triple != previous:
            yield triple
            previous = triple


def write_files(
    directory: Path,
    content: Content,
    *,
    sources: Sources,
    settings: Settings,
    queries: list[ox.Triple] | None = None,
) -> Release:
    """Write every file of the release into ``directory`` (which must exist)."""
    names = prefixes(settings.data_base)
    context = {"@context": dict(names)}
    (directory / release.CONTEXT_FILE).write_bytes(_json_bytes(context))
    distributions: list[Distribution] = []
    for fmt in formats.of_kind(formats.Kind.GRAPH):
        body = serialize(content, fmt, prefixes=names)
        name = f"{release.DATASET_STEM}.{fmt.extension}"
        distributions.append(_write(directory / name, body, fmt=fmt, compressed=False))
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        distributions.append(
            _write(directory / (name + GZIP_SUFFIX), packed, fmt=fmt, compressed=True)
        )
    made = Release(
        version=content.version,
        directory=directory,
        triples=len(content.triples),
        graphs=content.graphs,
        distributions=tuple(distributions),
    )
    modified = void.latest_status_date(sources)
    description = void.describe_release(made, content, modified=modified, settings=settings)
    description += queries or []
    (directory / release.DESCRIPTION_FILE).write_bytes(
        _dump(description, rdf_format=ox.RdfFormat.TURTLE, prefixes={**names, "spdx": void.SPDX})
    )
    release.write_manifest(made)
    return made


def serialize(content: Content, fmt: formats.Format, *, prefixes: dict[str, str]) -> bytes:
    """The content in one registered graph format; dataset formats keep the named graphs."""
    if fmt.name == "jsonld":
        return compactld.dump(content.triples, prefixes)
    if not isinstance(fmt.oxigraph, ox.RdfFormat):
        raise ValueError(f"{fmt.name} is not an RDF format")
    statements = content.quads if fmt.holds_datasets else content.triples
    return _dump(statements, rdf_format=fmt.oxigraph, prefixes=prefixes)


def _json_bytes(document: object) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _write(path: Path, body: bytes, *, fmt: formats.Format, compressed: bool) -> Distribution:
    path.write_bytes(body)
    return Distribution(
        file=path.name,
        format=fmt.name,
        media_type=fmt.media_type,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        compressed=compressed,
    )


def _keep_earlier(target: Path, staging: Path, *, current: str) -> None:
    """Carry the previous release and those it kept into ``staging/versions/<version>/``.

    Their versioned download URLs promise never to change, so they stay downloadable after the
    swap. Hard links (the folders are siblings): no copy, and the previous release is untouched
    if the build fails. Delete folders under ``versions/`` to reclaim their space.
    """
    kept = staging / release.VERSIONS_DIR
    earlier = target / release.VERSIONS_DIR
    folders = [p for p in earlier.iterdir() if p.is_dir()] if earlier.is_dir() else []
    with contextlib.suppress(IdmGraphError, ValueError, KeyError, TypeError):
        previous = release.read_release(target)
        if previous.version != current:
            names = [item.file for item in previous.distributions]
            names += [release.MANIFEST, release.DESCRIPTION_FILE, release.CONTEXT_FILE]
            _link_files(target, kept / previous.version, names)
    for folder in folders:
        if folder.name != current and not (kept / folder.name).exists():
            _link_files(folder, kept / folder.name, [p.name for p in folder.iterdir()])


def _link_files(source: Path, target: Path, names: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (source / name).is_file():
            try:
                os.link(source / name, target / name)
            except OSError:  # a file system without hard links
                shutil.copyfile(source / name, target / name)


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is, removing the previous release."""
    if not target.exists():
        staging.rename(target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    retired.rmdir()
    target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        retired.rename(target)  # put the previous release back
        raise
    with contextlib.suppress(OSError):
        shutil.rmtree(retired)


def _dump(
    statements: Statements, *, rdf_format: ox.RdfFormat, prefixes: dict[str, str] | None = None
) -> bytes:
    """pyoxigraph's serialisation into bytes (it returns None only when given a file)."""
    body = ox.serialize(statements, format=rdf_format, prefixes=prefixes)
    if body is None:
        raise RuntimeError("pyoxigraph returned no bytes")
    return body
