"""Every registered graph format of the release round-trips to the same graph."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from idmgraph.base import formats
from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import build
from idmgraph.pipeline.release import CONTEXT_FILE, Release

BASE = "https://w3id.org/idmgraph/"
GOOD = Path(__file__).parent / "fixtures" / "pipeline" / "good"
GRAPH_FORMATS = formats.of_kind(formats.Kind.GRAPH)
# rdflib is an independent reader of what pyoxigraph and pyld wrote.
RDFLIB_NAMES = {
    "turtle": "turtle",
    "jsonld": "json-ld",
    "ntriples": "nt",
    "rdfxml": "xml",
    "nquads": "nquads",
    "trig": "trig",
}
# rdflib 7.6 warns about its own internals when it parses datasets and JSON-LD; nothing of ours.
RDFLIB_INTERNALS = (
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    root = tmp_path_factory.mktemp("formats")
    return build(Settings(root=GOOD, dist_dir=root / "dist"))


@pytest.fixture(scope="module")
def expected() -> Dataset:
    """The fixture sources read by rdflib, one graph per source as the release promises."""
    dataset = Dataset()
    for folder, graph in (("ontology", f"{BASE}def/"), ("shapes", f"{BASE}shapes/")):
        for path in sorted((GOOD / folder).glob("*.ttl")):
            dataset.graph(graph).parse(path, format="turtle", publicID=BASE)
    for source in sorted((GOOD / "data").iterdir()):
        for path in sorted(source.glob("*.ttl")):
            dataset.graph(f"{BASE}id/source/{source.name}").parse(
                path, format="turtle", publicID=BASE
            )
    return dataset


def _union(dataset: Dataset) -> Graph:
    union = Graph()
    for graph in dataset.graphs():
        for triple in graph:
            union.add(triple)
    return union


def test_every_graph_format_is_covered() -> None:
    assert GRAPH_FORMATS
    assert {fmt.name for fmt in GRAPH_FORMATS} == set(RDFLIB_NAMES)


@RDFLIB_INTERNALS[0]
@RDFLIB_INTERNALS[1]
@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_each_dump_reads_back_as_the_sources(
    fmt: formats.Format, release: Release, expected: Dataset
) -> None:
    path = release.path(release.distribution(fmt.name))
    if fmt.holds_datasets:
        got = Dataset()
        got.parse(data=path.read_bytes(), format=RDFLIB_NAMES[fmt.name])
        names = {str(g.identifier) for g in got.graphs() if len(g)}
        assert names == set(release.graphs)
        for name in names:
            assert isomorphic(got.graph(name), expected.graph(name)), name
    else:
        got_graph = Graph().parse(data=path.read_bytes(), format=RDFLIB_NAMES[fmt.name])
        assert isomorphic(got_graph, _union(expected))


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_pyoxigraph_reads_each_dump_too(fmt: formats.Format, release: Release) -> None:
    path = release.path(release.distribution(fmt.name))
    assert isinstance(fmt.oxigraph, RdfFormat)
    quads = list(parse(path=path, format=fmt.oxigraph))
    if fmt.holds_datasets:
        nquads = formats.by_name("nquads").oxigraph
        assert isinstance(nquads, RdfFormat)
        assert len(quads) == sum(1 for _ in parse(path=release.dataset_file, format=nquads))
    else:
        assert len(quads) == release.triples


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_gzip_holds_the_plain_file_without_time_or_name(
    fmt: formats.Format, release: Release
) -> None:
    plain = release.path(release.distribution(fmt.name)).read_bytes()
    packed = release.path(release.distribution(fmt.name, compressed=True)).read_bytes()
    assert gzip.decompress(packed) == plain
    flags, mtime = packed[3], int.from_bytes(packed[4:8], "little")
    assert flags & 0x08 == 0, "the gzip header names a file"
    assert mtime == 0


def test_jsonld_is_compact_with_the_published_context(release: Release) -> None:
    document = json.loads(release.path(release.distribution("jsonld")).read_text(encoding="utf-8"))
    context = json.loads((release.directory / CONTEXT_FILE).read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    assert context["@context"]["id"] == f"{BASE}id/"
    assert context["@context"]["idm"] == f"{BASE}def/"
    ids = {node["@id"] for node in document["@graph"]}
    assert "id:workitem/X.pet_auth" in ids


def test_unicode_survives(release: Release) -> None:
    for fmt in GRAPH_FORMATS:
        text = release.path(release.distribution(fmt.name)).read_bytes().decode("utf-8")
        assert "Ünïcode" in text or "\\u00DC" in text, fmt.name


def test_the_release_directory_exists(release: Release) -> None:
    assert Path(release.directory).is_dir()


@RDFLIB_INTERNALS[0]
@RDFLIB_INTERNALS[1]
@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_the_repository_release_round_trips_too(
    fmt: formats.Format, repository_release: Release
) -> None:
    # The real data has more datatypes, languages and characters than the fixture.
    reference = Dataset()
    reference.parse(data=repository_release.dataset_file.read_bytes(), format="nquads")
    path = repository_release.path(repository_release.distribution(fmt.name))
    if fmt.holds_datasets:
        got = Dataset()
        got.parse(data=path.read_bytes(), format=RDFLIB_NAMES[fmt.name])
        for name in repository_release.graphs:
            assert isomorphic(got.graph(name), reference.graph(name)), name
    else:
        got_graph = Graph().parse(data=path.read_bytes(), format=RDFLIB_NAMES[fmt.name])
        assert len(got_graph) == repository_release.triples
        assert isomorphic(got_graph, _union(reference))
