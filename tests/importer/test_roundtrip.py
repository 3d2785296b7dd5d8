"""The 2023-09 report imports to a graph isomorphic to the curated data/ folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from importer_support import CURATED, REPORT_2023_09, tree_digest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from idmgraph.base.errors import SourceError
from idmgraph.base.settings import Settings
from idmgraph.importer import import_report
from idmgraph.pipeline import sources
from idmgraph.pipeline.validate import validate


def _folder_graph(folder: Path, base_iri: str) -> Graph:
    graph = Graph()
    files = sorted(folder.glob("*.ttl"))
    assert files, f"no Turtle in {folder}"
    for path in files:
        graph.parse(path, format="turtle", publicID=base_iri)
    return graph


def test_2023_09_report_reproduces_the_curated_graph(empty_project: Settings) -> None:
    result = import_report(empty_project, REPORT_2023_09)
    assert result.slug == CURATED.name
    assert result.directory == empty_project.root / "data" / CURATED.name
    imported = _folder_graph(result.directory, empty_project.base_iri)
    curated = _folder_graph(CURATED, empty_project.base_iri)
    if not isomorphic(imported, curated):
        _, only_imported, only_curated = graph_diff(to_isomorphic(imported), to_isomorphic(curated))
        pytest.fail(
            "not isomorphic\nonly imported:\n"
            + only_imported.serialize(format="nt")
            + "\nonly curated:\n"
            + only_curated.serialize(format="nt")
        )
    assert result.triples == len(curated) > 900


def test_imported_folder_has_the_curated_layout(empty_project: Settings) -> None:
    result = import_report(empty_project, REPORT_2023_09)
    assert sorted(path.name for path in result.directory.iterdir()) == sorted(
        path.name for path in CURATED.glob("*.ttl")
    )
    assert result.rows == 30
    assert result.work_plan == 21
    assert result.flagged == ()
    assert result.conflicts == ()


def test_imported_files_follow_the_base_iri(empty_project: Settings) -> None:
    result = import_report(empty_project, REPORT_2023_09)
    other = "https://example.org/kg/"
    graph = _folder_graph(result.directory, other)
    assert any(str(subject).startswith(other + "id/workitem/") for subject in graph.subjects())
    assert not any("w3id.org/idmgraph/id/" in str(term) for triple in graph for term in triple)


def test_imported_project_passes_the_gate(empty_project: Settings) -> None:
    import_report(empty_project, REPORT_2023_09)
    assert validate(sources.load(empty_project)).conforms


def test_importing_the_same_report_twice_is_refused(curated_project: Settings) -> None:
    before = tree_digest(curated_project.root)
    with pytest.raises(SourceError, match="imported already"):
        import_report(curated_project, REPORT_2023_09)
    assert tree_digest(curated_project.root) == before
