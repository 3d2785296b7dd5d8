"""Helpers of the catalogue tests: projects with the repository's sources but no catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base.settings import Settings
from idmgraph.pipeline import sources as project

REPO = Path(__file__).parent.parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
QUERIES = REPO / "queries"


def make_project(root: Path) -> Settings:
    """A project with the repository's ontology, shapes, queries and every non-catalogue source."""
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "data").mkdir()
    for source in project.data_folders(REPO):
        if not source.name.startswith("catalogue-") or source.name == "catalogue-scope":
            shutil.copytree(source, root / "data" / source.name)
    return Settings(root=root)


def store_of(settings: Settings) -> ox.Store:
    """Every source of the project in one store, a named graph per source."""
    store = ox.Store()
    store.extend(list(project.load(settings).quads()))
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT over the union of the graphs, as plain strings."""
    answer = store.query(query, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    names = [variable.value for variable in answer.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in answer]
