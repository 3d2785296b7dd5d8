"""Fixtures of the importer tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from importer_support import REPORT_2023_09, make_project

from idmgraph.base.settings import Settings


@pytest.fixture
def empty_project(tmp_path: Path) -> Settings:
    """A project with no data yet."""
    return make_project(tmp_path / "empty", with_curated=False)


@pytest.fixture
def curated_project(tmp_path: Path) -> Settings:
    """A project holding the curated 2023-09 source."""
    return make_project(tmp_path / "curated", with_curated=True)


@pytest.fixture
def report_variant(tmp_path: Path) -> Callable[[str, str], tuple[Path, int]]:
    """``variant(old, new)``: the 2023-09 report with one line replaced; (path, its line)."""

    def variant(old: str, new: str) -> tuple[Path, int]:
        lines = REPORT_2023_09.read_text(encoding="utf-8").split("\n")
        matches = [index for index, line in enumerate(lines) if line == old]
        assert len(matches) == 1, f"{old!r} occurs {len(matches)} times"
        lines[matches[0]] = new
        path = tmp_path / "variant" / REPORT_2023_09.name
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        return path, matches[0] + 1

    return variant
