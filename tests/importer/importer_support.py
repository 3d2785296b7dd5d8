"""Helpers of the importer tests: projects made of the repository's ontology and shapes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from idmgraph.base.settings import Settings

REPO = Path(__file__).parent.parent.parent
REPORTS = REPO / "tests" / "fixtures" / "reports"
REPORT_2023_09 = REPORTS / "sg17-idm-progress-report-2023-09.txt"
CURATED = REPO / "data" / "sg17-idm-report-2023-09"


def make_project(root: Path, *, with_curated: bool) -> Settings:
    """A project under ``root`` with the repository's ontology and shapes."""
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "data").mkdir()
    if with_curated:
        shutil.copytree(CURATED, root / "data" / CURATED.name)
    return Settings(root=root)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → SHA-256), and every folder as ``dir``."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        found[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found
