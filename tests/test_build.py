"""build.py: the release is complete, reproducible to the byte, and never half-written."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
import pytest
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS
from rdflib.query import ResultRow
from rdflib.term import Node

from idmgraph.base import formats
from idmgraph.base.errors import SourceError, ValidationFailed
from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import build, canonical
from idmgraph.pipeline.release import (
    CONTEXT_FILE,
    DESCRIPTION_FILE,
    MANIFEST,
    Release,
    read_release,
)
from idmgraph.pipeline.sources import Sources, load

ITEMS = "data/report-a/items.ttl"
GRAPH_FORMATS = formats.of_kind(formats.Kind.GRAPH)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_the_release_holds_every_format_plain_and_gzipped(settings: Settings) -> None:
    built = build(settings)
    assert GRAPH_FORMATS, "the format registry lists no graph format"
    expected = {f"idmgraph.{fmt.extension}{gz}" for fmt in GRAPH_FORMATS for gz in ("", ".gz")}
    assert {d.file for d in built.distributions} == expected
    assert {p.name for p in settings.release_dir.iterdir()} == expected | {
        CONTEXT_FILE,
        DESCRIPTION_FILE,
        MANIFEST,
    }
    assert read_release(settings.release_dir) == built


def test_manifest_sizes_and_checksums_match_the_files(settings: Settings) -> None:
    made = build(settings)
    for item in made.distributions:
        body = made.path(item).read_bytes()
        assert item.size == len(body)
        assert item.sha256 == hashlib.sha256(body).hexdigest()
        assert item.media_type == formats.by_name(item.format).media_type


# rdflib 7.6 warns about its own internals when it parses a dataset; nothing of ours.
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
def test_counts_and_graphs_match_the_sources(settings: Settings, project: Path) -> None:
    made = build(settings)
    union = Graph()
    for path in sorted(
        p for d in ("ontology", "shapes", "data") for p in project.glob(f"{d}/**/*.ttl")
    ):
        union.parse(path, format="turtle", publicID="https://w3id.org/idmgraph/")
    assert made.triples == len(union)
    assert made.graphs == (
        "https://w3id.org/idmgraph/def/",
        "https://w3id.org/idmgraph/shapes/",
        "https://w3id.org/idmgraph/id/source/facts-b",
        "https://w3id.org/idmgraph/id/source/report-a",
    )
    dataset = Dataset()
    dataset.parse(data=made.dataset_file.read_bytes(), format="nquads")
    assert sorted(str(g.identifier) for g in dataset.graphs() if len(g)) == sorted(made.graphs)


def test_two_builds_in_fresh_interpreters_are_byte_identical(
    project: Path, tmp_path: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    outputs = []
    for seed, name in (("1", "one"), ("2", "two")):
        os.environ["PYTHONHASHSEED"] = seed  # each CLI run is a new interpreter with this seed
        try:
            result = run_cli("--root", str(project), "build", cwd=tmp_path)
        finally:
            del os.environ["PYTHONHASHSEED"]
        assert result.returncode == 0, result.stderr
        outputs.append(_snapshot(project / "dist"))
        (project / "dist").rename(tmp_path / name)
    assert outputs[0].keys() == outputs[1].keys()
    different = [name for name in outputs[0] if outputs[0][name] != outputs[1][name]]
    assert different == []


def test_the_version_follows_the_content(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    first = build(settings).version
    assert build(settings).version == first
    replace_in(project, ITEMS, '"SG17 to ISO"@en', '"SG17 to ISO/IEC"@en')
    assert build(settings).version != first


def test_a_violation_writes_nothing(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    build(settings)
    before = _snapshot(settings.release_dir)
    replace_in(project, ITEMS, '    rdfs:label "X.pet_auth"@en ;\n', "")
    with pytest.raises(ValidationFailed) as caught:
        build(settings)
    [violation] = caught.value.violations
    assert violation.files == (ITEMS,)
    assert violation.focus.endswith("/id/workitem/X.pet_auth")
    assert _snapshot(settings.release_dir) == before
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_a_violation_on_a_fresh_project_creates_no_dist(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    replace_in(project, ITEMS, "a idm:WorkItem", "a idm:WorkItm")
    with pytest.raises(ValidationFailed):
        build(settings)
    assert not settings.release_dir.exists()
    assert sorted(p.name for p in project.iterdir()) == ["README.md", "data", "ontology", "shapes"]


def test_a_syntax_error_writes_nothing(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    build(settings)
    before = _snapshot(settings.release_dir)
    write(project, "data/facts-b/zz.ttl", "<id/x> <id/y> .\n")
    with pytest.raises(SourceError):
        build(settings)
    assert _snapshot(settings.release_dir) == before


def test_a_rebuild_replaces_the_whole_release(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    build(settings)
    stale = write(project, "dist/stale.txt", "left from an older release")
    made = build(settings)
    assert not stale.exists()
    assert (settings.release_dir / MANIFEST).is_file()
    assert made.directory == settings.release_dir
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_dist_dir_may_live_outside_the_project(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "release"
    made = build(Settings(root=project, dist_dir=target))
    assert made.directory == target
    assert read_release(target).version == made.version


VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DATASET = URIRef("https://w3id.org/idmgraph/id/dataset/idmgraph")


def _description(made: Release) -> Graph:
    return Graph().parse(data=(made.directory / DESCRIPTION_FILE).read_bytes(), format="turtle")


def _literal(graph: Graph, subject: Node | None, predicate: Node) -> Any:
    """The Python value of the one literal ``subject predicate ?value`` in ``graph``."""
    found = graph.value(subject, predicate)
    assert isinstance(found, Literal), (subject, predicate, found)
    return found.toPython()


def _union(project: Path) -> Graph:
    union = Graph()
    for folder in ("ontology", "shapes", "data"):
        for path in sorted(project.glob(f"{folder}/**/*.ttl")):
            union.parse(path, format="turtle", publicID="https://w3id.org/idmgraph/")
    return union


def test_void_counts_match_the_data(project: Path, settings: Settings) -> None:
    made = build(settings)
    void = _description(made)
    union = _union(project)
    assert _literal(void, DATASET, VOID.triples) == len(union) == made.triples
    classes = {
        row.cls: int(row.n)
        for row in cast(
            "Iterable[ResultRow]",
            union.query("SELECT ?cls (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?cls } GROUP BY ?cls"),
        )
    }
    partitions = {
        void.value(part, VOID["class"]): _literal(void, part, VOID.entities)
        for part in void.objects(DATASET, VOID.classPartition)
    }
    assert partitions == classes
    assert _literal(void, DATASET, VOID.classes) == len(classes)
    assert _literal(void, DATASET, VOID.properties) == len(set(union.predicates()))
    subsets = {
        str(subset): _literal(void, subset, VOID.triples)
        for subset in void.objects(DATASET, VOID.subset)
    }
    assert set(subsets) == set(made.graphs)
    assert subsets["https://w3id.org/idmgraph/id/source/facts-b"] == 6


def test_void_vocabularies_and_modified_date(settings: Settings) -> None:
    void = _description(build(settings))
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    assert "https://w3id.org/idmgraph/def/" in vocabularies
    assert "http://www.w3.org/ns/org#" in vocabularies
    # The latest idm:statusDate of the sources (facts-b), not the day of the build.
    assert str(void.value(DATASET, DCTERMS.modified)) == "2024-01-15"


def test_dcat_distributions_describe_each_file(settings: Settings) -> None:
    made = build(settings)
    void = _description(made)
    described = set(void.objects(DATASET, DCAT.distribution))
    assert len(described) == len(made.distributions)
    for item in made.distributions:
        url = URIRef(f"https://w3id.org/idmgraph/downloads/{made.version}/{item.file}")
        assert url in described
        assert (url, RDF.type, DCAT.Distribution) in void
        assert void.value(url, DCAT.downloadURL) == url
        assert _literal(void, url, DCAT.byteSize) == made.path(item).stat().st_size
        checksum = void.value(url, SPDX.checksum)
        assert str(void.value(checksum, SPDX.checksumValue)) == item.sha256
        media = str(void.value(url, DCAT.mediaType))
        assert media == f"https://www.iana.org/assignments/media-types/{item.media_type}"
        assert ((url, DCAT.compressFormat, None) in void) == item.compressed


def test_the_version_is_the_hash_of_the_nquads_dump(settings: Settings) -> None:
    made = build(settings)
    digest = hashlib.sha256(made.dataset_file.read_bytes()).hexdigest()
    assert made.version == digest[: len(made.version)]
    assert len(made.version) == 12


def test_blank_node_labels_do_not_change_the_release(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    first = _snapshot(build(settings).directory)
    replace_in(
        project,
        ITEMS,
        "dcterms:temporal [ a dcterms:PeriodOfTime ; dcterms:description "
        '"blank node, canonicalised"@en ] .',
        "dcterms:temporal _:someLabel .\n_:someLabel a dcterms:PeriodOfTime ; "
        'dcterms:description "blank node, canonicalised"@en .',
    )
    assert _snapshot(build(settings).directory) == first


def test_the_repository_sources_build(tmp_path: Path) -> None:
    # The real ontology, shapes and data pass the gate and make a complete release.
    repo = Path(__file__).parent.parent
    made = build(Settings(root=repo, dist_dir=tmp_path / "dist"))
    assert made.triples > 0
    assert any(graph.startswith("https://w3id.org/idmgraph/id/source/") for graph in made.graphs)
    assert read_release(tmp_path / "dist") == made


def _whole_dataset_canonical(sources: Sources) -> tuple[ox.Quad, ...]:
    """RDFC-1.0 over every quad at once, as the specification states it."""
    dataset = ox.Dataset(sources.quads())
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return tuple(sorted(dataset, key=str))


SYMMETRIC_BLANK_NODES = """@prefix ex: <https://example.org/> .
ex:a ex:knows [ ex:knows [ ex:name "x" ] ], [ ex:knows [ ex:name "x" ] ] .
_:c ex:knows _:d . _:d ex:knows _:c . _:e ex:knows _:f . _:f ex:knows _:e .
ex:a ex:name "ground" .
"""


@pytest.mark.parametrize("landscape", ["repository", "symmetric blank nodes"])
def test_canonical_labels_as_rdfc_over_the_whole_dataset(
    landscape: str, project: Path, write: Callable[[Path, str, str], Path]
) -> None:
    # canonical() runs RDFC-1.0 on the quads that mention blank nodes only; the labels, the
    # order and the distinct triples must be those of the whole dataset.
    root = Path(__file__).parent.parent
    if landscape == "symmetric blank nodes":  # labels that need RDFC's n-degree hashes
        write(project, "data/report-a/blank.ttl", SYMMETRIC_BLANK_NODES)
        write(project, "data/facts-b/blank.ttl", SYMMETRIC_BLANK_NODES)
        root = project
    sources = load(Settings(root=root))
    content = canonical(sources)
    expected = _whole_dataset_canonical(sources)
    assert any(isinstance(q.subject, ox.BlankNode) for q in expected)
    assert content.quads == expected
    assert list(content.triples) == sorted({q.triple for q in expected}, key=str)
