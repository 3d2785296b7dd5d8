"""build.py: the release is complete, reproducible to the byte, and never half-written."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from idmgraph import formats
from idmgraph.build import build
from idmgraph.errors import SourceError, ValidationFailed
from idmgraph.release import CONTEXT_FILE, DESCRIPTION_FILE, MANIFEST, read_release
from idmgraph.settings import Settings

ITEMS = "data/report-a/items.ttl"
GRAPH_FORMATS = formats.of_kind(formats.Kind.GRAPH)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_the_release_holds_every_format_plain_and_gzipped(settings: Settings) -> None:
    built = build(settings).release
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
    made = build(settings).release
    for item in made.distributions:
        body = made.path(item).read_bytes()
        assert item.size == len(body)
        assert item.sha256 == hashlib.sha256(body).hexdigest()
        assert item.media_type == formats.by_name(item.format).media_type


# rdflib 7.6 warns about its own internals when it parses a dataset; nothing of ours.
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
def test_counts_and_graphs_match_the_sources(settings: Settings, project: Path) -> None:
    made = build(settings).release
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
    project: Path, tmp_path: Path, run_cli
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


def test_the_version_follows_the_content(project: Path, settings: Settings, replace_in) -> None:
    first = build(settings).release.version
    assert build(settings).release.version == first
    replace_in(project, ITEMS, '"SG17 to ISO"@en', '"SG17 to ISO/IEC"@en')
    assert build(settings).release.version != first


def test_a_violation_writes_nothing(project: Path, settings: Settings, replace_in) -> None:
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
    project: Path, settings: Settings, replace_in
) -> None:
    replace_in(project, ITEMS, "a idm:WorkItem", "a idm:WorkItm")
    with pytest.raises(ValidationFailed):
        build(settings)
    assert not settings.release_dir.exists()
    assert sorted(p.name for p in project.iterdir()) == ["README.md", "data", "ontology", "shapes"]


def test_a_syntax_error_writes_nothing(project: Path, settings: Settings, write) -> None:
    build(settings)
    before = _snapshot(settings.release_dir)
    write(project, "data/facts-b/zz.ttl", "<id/x> <id/y> .\n")
    with pytest.raises(SourceError):
        build(settings)
    assert _snapshot(settings.release_dir) == before


def test_a_rebuild_replaces_the_whole_release(project: Path, settings: Settings, write) -> None:
    build(settings)
    stale = write(project, "dist/stale.txt", "left from an older release")
    made = build(settings).release
    assert not stale.exists()
    assert (settings.release_dir / MANIFEST).is_file()
    assert made.directory == settings.release_dir
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_dist_dir_may_live_outside_the_project(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "release"
    made = build(Settings(root=project, dist_dir=target)).release
    assert made.directory == target
    assert read_release(target).version == made.version
