"""Shared fixtures: a copy of the small pipeline project that each test may break at will."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.base.settings import Settings
from idmgraph.importer import import_report
from idmgraph.pipeline.build import build
from idmgraph.pipeline.release import Release

FIXTURES = Path(__file__).parent / "fixtures" / "pipeline"
BACKEND_VARIABLE = "IDMGRAPH_TEST_BACKEND"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--backend remote`` runs the HTTP tests over a real ``oxigraph serve``; ``virtuoso``
    over a real OpenLink Virtuoso."""
    parser.addoption(
        "--backend",
        choices=("embedded", "remote", "virtuoso"),
        default=None,
        help=f"store the HTTP tests run on (default: ${BACKEND_VARIABLE} or embedded)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Hand the chosen backend to the fixtures through the environment."""
    chosen = config.getoption("--backend")
    if chosen is not None:
        os.environ[BACKEND_VARIABLE] = chosen


def pytest_report_header(config: pytest.Config) -> str:
    """Say which store backend the HTTP tests run on."""
    return f"store backend: {os.environ.get(BACKEND_VARIABLE, 'embedded')}"


GOOD = FIXTURES / "good"
REPO = Path(__file__).parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh, valid copy of tests/fixtures/pipeline/good."""
    target = tmp_path / "project"
    shutil.copytree(GOOD, target)
    return target


@pytest.fixture
def settings(project: Path) -> Settings:
    """Settings pointing at the project copy (dist/ inside it)."""
    return Settings(root=project)


def _write(root: Path, relative: str, text: str) -> Path:
    """Write ``text`` to ``root/relative``, creating folders."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _replace_in(root: Path, relative: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur) by ``new`` in one file of the project."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the idmgraph CLI in a fresh interpreter (its own hash seed), capturing output."""
    return subprocess.run(
        [sys.executable, "-c", "from idmgraph.cli import main; raise SystemExit(main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=300,
    )


# Helpers are handed out as fixtures so test modules need not import conftest.


@pytest.fixture
def write() -> Callable[[Path, str, str], Path]:
    """``write(root, relative, text)``: write a file into a project."""
    return _write


@pytest.fixture
def replace_in() -> Callable[[Path, str, str, str], None]:
    """``replace_in(root, relative, old, new)``: edit one file of a project."""
    return _replace_in


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli(*args, cwd=None)``: the CLI in a fresh interpreter."""
    return _run_cli


@pytest.fixture(scope="session")
def repository_release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """The repository's own sources, validated and built into a temporary dist/."""
    return build(Settings(root=REPO, dist_dir=tmp_path_factory.mktemp("release") / "dist"))


FOLLOW_UP = REPO / "tests" / "fixtures" / "reports" / "sg17-idm-progress-report-2024-04.txt"


@pytest.fixture(scope="session")
def follow_up_project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The repository's sources with the April 2024 follow-up report imported, built into the
    project's dist/: two reports in one release. Shared by the session: tests only read it."""
    root = tmp_path_factory.mktemp("follow-up") / "project"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / folder, root / folder)
    settings = Settings(root=root)
    import_report(settings, FOLLOW_UP)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def release_store(repository_release: Release) -> ox.Store:
    """A real in-memory Oxigraph store holding the repository's release (its N-Quads dump)."""
    store = ox.Store()
    store.load(path=repository_release.dataset_file, format=ox.RdfFormat.N_QUADS)
    return store
