"""Build the release: load the sources, pass the SHACL gate, write ``dist/``.

``dist/`` then holds the dataset in every graph format of :mod:`idmgraph.formats` (plain and
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from idmgraph import compactld, formats, release
from idmgraph.errors import IdmGraphError, ValidationFailed
from idmgraph.namespaces import IDM_NS, RDF_TYPE, prefixes
from idmgraph.queries import QUERIES_DIR, Catalogue, project_catalogue
from idmgraph.querying import describe as describe_catalogue
from idmgraph.release import Distribution, Release
from idmgraph.settings import Settings
from idmgraph.sources import Role, Sources, load, source_paths
from idmgraph.validate import Report, gate

VERSION_LENGTH = 12  # hex digits of the N-Quads hash that name a release
GZIP_SUFFIX = ".gz"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Statements = tuple[ox.Quad, ...] | tuple[ox.Triple, ...] | list[ox.Triple]


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


def build(settings: Settings) -> Release:
    """Load, validate and write the release to ``settings.release_dir``; return its record."""
    sources = load(settings)
    report = gate(sources, validator=settings.validator)  # raises before anything is written
    return publish(sources, report, settings=settings)


def ensure_release(settings: Settings) -> Release:
    """The current release: built first when it is missing or older than any of its sources."""
    manifest = settings.release_dir / release.MANIFEST
    if manifest.is_file():
        built = manifest.stat().st_mtime
        if all(path.stat().st_mtime <= built for path in source_paths(settings)):
            return release.read_release(settings.release_dir)
    return build(settings)


def publish(sources: Sources, report: Report, *, settings: Settings) -> Release:
    """Write the release of sources that passed the gate (``report`` is the proof)."""
    if not report.conforms:
        raise ValidationFailed(list(report.violations))
    # A malformed named query stops the release too, naming its file.
    catalogue = project_catalogue(settings)
    content = canonical(sources)
    target = settings.release_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a release is for everyone to read
        written = write_release(
            staging, content, sources=sources, settings=settings, catalogue=catalogue
        )
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


def write_release(
    directory: Path,
    content: Content,
    *,
    sources: Sources,
    settings: Settings,
    catalogue: Catalogue | None = None,
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
    description = describe(made, content, sources=sources, settings=settings)
    if catalogue is not None:
        description += _query_triples(catalogue, settings)
    (directory / release.DESCRIPTION_FILE).write_bytes(
        _dump(description, rdf_format=ox.RdfFormat.TURTLE, prefixes={**names, "spdx": SPDX})
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


# ---------------------------------------------------------------- VoID + DCAT description

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
IANA = "https://www.iana.org/assignments/media-types/"
DATASET_PATH = "dataset/idmgraph"  # the dataset's IRI, under <base>id/
DOWNLOADS_PATH = "downloads"  # <base>downloads/<version>/<file>
TITLE = "idmgraph: the ITU-T identity-management standards landscape"


def dataset_iri(settings: Settings) -> str:
    """The IRI of the dataset the VoID description is about."""
    return settings.data_base + DATASET_PATH


def download_url(settings: Settings, version: str, file: str) -> str:
    """Where one file of one release can be downloaded."""
    return f"{settings.base_iri}{DOWNLOADS_PATH}/{version}/{file}"


def describe(
    made: Release, content: Content, *, sources: Sources, settings: Settings
) -> list[ox.Triple]:
    """VoID statistics and DCAT 3 distributions of the release, as triples."""
    dataset = ox.NamedNode(dataset_iri(settings))
    out: list[ox.Triple] = []

    def add(subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: Term) -> None:
        out.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(dataset, RDF_TYPE, ox.NamedNode(DCAT + "Dataset"))
    add(dataset, DCTERMS + "title", ox.Literal(TITLE, language="en"))
    add(dataset, DCAT + "version", ox.Literal(made.version))
    modified = latest_status_date(sources)
    if modified is not None:
        add(
            dataset, DCTERMS + "modified", ox.Literal(modified, datatype=ox.NamedNode(XSD + "date"))
        )
    add(dataset, VOID + "uriSpace", ox.Literal(settings.data_base))
    stats = statistics(content)
    for key in (
        "triples",
        "entities",
        "classes",
        "properties",
        "distinctSubjects",
        "distinctObjects",
    ):
        add(dataset, VOID + key, _integer(stats[key]))
    for vocabulary in vocabularies(content):
        add(dataset, VOID + "vocabulary", ox.NamedNode(vocabulary))
    # One pass over the quads: counting per graph was 81 passes at 10^6 triples (~15 s).
    per_graph = Counter(quad.graph_name for quad in content.quads)
    for graph in made.graphs:
        subset = ox.NamedNode(graph)
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(subset, VOID + "triples", _integer(per_graph[subset]))
    for index, (cls, entities) in enumerate(sorted(class_entities(content).items()), 1):
        part = ox.BlankNode(f"class{index}")
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", ox.NamedNode(cls))
        add(part, VOID + "entities", _integer(entities))
    for distribution in made.distributions:
        out.extend(_distribution(dataset, distribution, made.version, settings))
    return _grouped(out)


def _query_triples(catalogue: Catalogue, settings: Settings) -> list[ox.Triple]:
    """The named queries, each linked from the dataset with ``rdfs:seeAlso``."""
    queries_url = settings.base_iri + QUERIES_DIR
    listed = describe_catalogue(catalogue, queries_url=queries_url)
    dataset = ox.NamedNode(dataset_iri(settings))
    see_also = ox.NamedNode(RDFS + "seeAlso")
    links = [
        ox.Triple(dataset, see_also, ox.NamedNode(f"{queries_url}/{q.name}")) for q in catalogue
    ]
    return _grouped(links + listed)


def statistics(content: Content) -> dict[str, int]:
    """VoID counts over the union graph."""
    subjects = {triple.subject for triple in content.triples}
    return {
        "triples": len(content.triples),
        "entities": sum(1 for subject in subjects if isinstance(subject, ox.NamedNode)),
        "classes": len(class_entities(content)),
        "properties": len({triple.predicate for triple in content.triples}),
        "distinctSubjects": len(subjects),
        "distinctObjects": len({triple.object for triple in content.triples}),
    }


def class_entities(content: Content) -> dict[str, int]:
    """For each class used in rdf:type, how many distinct resources have it."""
    members: dict[str, set[Term]] = {}
    for triple in content.triples:
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            members.setdefault(triple.object.value, set()).add(triple.subject)
    return {cls: len(found) for cls, found in members.items()}


def vocabularies(content: Content) -> list[str]:
    """Namespaces of the properties and classes used, sorted."""
    terms = {triple.predicate.value for triple in content.triples}
    terms |= set(class_entities(content))
    return sorted({term[: max(term.rfind("#"), term.rfind("/")) + 1] for term in terms})


def latest_status_date(sources: Sources) -> str | None:
    """The latest ``idm:statusDate`` of the data sources, as stated (YYYY-MM-DD)."""
    dates = [
        triple.object.value
        for graph in sources.of_role(Role.DATA)
        for triple in graph.triples()
        if triple.predicate.value == IDM_NS + "statusDate" and isinstance(triple.object, ox.Literal)
    ]
    return max(dates, default=None)


def _distribution(
    dataset: ox.NamedNode, item: Distribution, version: str, settings: Settings
) -> list[ox.Triple]:
    url = ox.NamedNode(download_url(settings, version, item.file))
    checksum = ox.BlankNode(f"sha256-{item.file.replace('.', '-')}")
    fmt = formats.by_name(item.format)
    facts: list[tuple[ox.NamedNode | ox.BlankNode, str, Term]] = [
        (dataset, DCAT + "distribution", url),
        (url, RDF_TYPE, ox.NamedNode(DCAT + "Distribution")),
        (url, DCTERMS + "title", ox.Literal(f"{fmt.label}{' (gzip)' if item.compressed else ''}")),
        (url, DCAT + "downloadURL", url),
        (url, DCAT + "mediaType", ox.NamedNode(IANA + item.media_type)),
        (url, DCAT + "byteSize", _integer(item.size, "nonNegativeInteger")),
        (url, SPDX + "checksum", checksum),
        (checksum, RDF_TYPE, ox.NamedNode(SPDX + "Checksum")),
        (checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256")),
        (
            checksum,
            SPDX + "checksumValue",
            ox.Literal(item.sha256, datatype=ox.NamedNode(XSD + "hexBinary")),
        ),
    ]
    if item.compressed:
        facts.append((url, DCAT + "compressFormat", ox.NamedNode(IANA + "application/gzip")))
    else:
        facts.append((dataset, VOID + "dataDump", url))
    return [ox.Triple(s, ox.NamedNode(p), o) for s, p, o in facts]


def _grouped(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Each subject's statements together and by predicate, in order of first appearance."""
    first: dict[object, int] = {}
    for index, triple in enumerate(triples):
        first.setdefault(triple.subject, index)
        first.setdefault((triple.subject, triple.predicate), index)
    return sorted(triples, key=lambda t: (first[t.subject], first[(t.subject, t.predicate)]))


def _integer(value: int, datatype: str = "integer") -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def _dump(
    statements: Statements, *, rdf_format: ox.RdfFormat, prefixes: dict[str, str] | None = None
) -> bytes:
    """pyoxigraph's serialisation into bytes (it returns None only when given a file)."""
    body = ox.serialize(statements, format=rdf_format, prefixes=prefixes)
    if body is None:
        raise RuntimeError("pyoxigraph returned no bytes")
    return body
