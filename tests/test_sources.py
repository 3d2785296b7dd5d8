"""sources.py: every source file lands in its graph; errors name the file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.base.errors import SourceError
from idmgraph.base.settings import Settings
from idmgraph.pipeline.sources import ONTOLOGY_GRAPH, SHAPES_GRAPH, Role, load

BASE = "https://w3id.org/idmgraph/"


def test_each_kind_of_source_gets_its_graph(settings: Settings) -> None:
    sources = load(settings)
    assert [(g.name, g.role) for g in sources.graphs] == [
        (ONTOLOGY_GRAPH, Role.ONTOLOGY),
        (SHAPES_GRAPH, Role.SHAPES),
        (f"{BASE}id/source/facts-b", Role.DATA),
        (f"{BASE}id/source/report-a", Role.DATA),
    ]
    report = sources.graphs[3]
    assert report.files == ("data/report-a/items.ttl", "data/report-a/source.ttl")
    assert all(len(part.triples) > 0 for g in sources.graphs for part in g.parts)


def test_relative_prefixes_follow_the_base_iri(project: Path) -> None:
    sources = load(Settings(root=project, base_iri="https://example.org/kg/"))
    names = [g.name for g in sources.of_role(Role.DATA)]
    assert names == [
        "https://example.org/kg/id/source/facts-b",
        "https://example.org/kg/id/source/report-a",
    ]
    subjects = {t.subject for g in sources.of_role(Role.DATA) for t in g.triples()}
    assert ox.NamedNode("https://example.org/kg/id/workitem/X.pet_auth") in subjects
    assert not any(str(s).startswith(f"<{BASE}id/") for s in subjects)


def test_syntax_error_names_file_line_and_problem(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    write(
        project,
        "data/report-a/broken.ttl",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<id/a> rdfs:label "a" .\n'
        '<id/b> rdfs:label "b"\n'
        '<id/c> rdfs:label "c" .\n',
    )
    with pytest.raises(SourceError) as caught:
        load(settings)
    error = caught.value
    assert error.path == "data/report-a/broken.ttl"
    assert error.line == 4
    assert "dot" in error.problem.lower()
    assert str(error).startswith("data/report-a/broken.ttl:4: ")


def test_syntax_error_in_shapes_is_named_too(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    write(project, "shapes/zz-bad.ttl", "@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y\n")
    with pytest.raises(SourceError) as caught:
        load(settings)
    assert caught.value.path == "shapes/zz-bad.ttl"
    assert caught.value.line is not None


def test_blank_node_labels_are_local_to_their_file(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    prefix = "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    write(project, "data/report-a/one.ttl", prefix + '_:x rdfs:label "one"@en .\n')
    write(project, "data/report-a/two.ttl", prefix + '_:x rdfs:label "two"@en .\n')
    sources = load(settings)
    blanks = {
        t.subject
        for t in sources.of_role(Role.DATA)[1].triples()
        if isinstance(t.subject, ox.BlankNode)
        and isinstance(t.object, ox.Literal)
        and t.object.value in {"one", "two"}
    }
    assert len(blanks) == 2
    assert sorted(f for b in blanks for f in sources.files_of(b)) == [
        "data/report-a/one.ttl",
        "data/report-a/two.ttl",
    ]


def test_every_subject_knows_its_files(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    write(
        project,
        "data/report-a/more.ttl",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<id/org/iso> rdfs:comment "also stated in report A"@en .\n',
    )
    sources = load(settings)
    iso = ox.NamedNode(f"{BASE}id/org/iso")
    assert sources.files_of(iso) == ("data/facts-b/source.ttl", "data/report-a/more.ttl")
    item = ox.NamedNode(f"{BASE}id/workitem/X.pet_auth")
    assert sources.files_of(item) == ("data/report-a/items.ttl",)
    # The ontology is no data file: its terms have none.
    assert sources.files_of(ox.NamedNode(f"{BASE}def/WorkItem")) == ()


def test_a_project_without_data_has_no_data_graphs(
    tmp_path: Path, write: Callable[[Path, str, str], Path]
) -> None:
    write(
        tmp_path,
        "ontology/o.ttl",
        "<https://w3id.org/idmgraph/def/> a <http://www.w3.org/2002/07/owl#Ontology> .\n",
    )
    sources = load(Settings(root=tmp_path))
    assert sources.of_role(Role.DATA) == ()
    assert sources.files == ("ontology/o.ttl",)


def test_a_data_file_outside_a_source_folder_is_an_error(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    write(project, "data/stray.ttl", "<id/a> <id/b> <id/c> .\n")
    with pytest.raises(SourceError) as caught:
        load(settings)
    assert caught.value.path == "data/stray.ttl"
    assert "data/<slug>/" in caught.value.problem
