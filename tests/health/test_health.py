"""Health checks: each query in this folder lists problems and must list none on the release.

Each check also has a deliberately broken dataset under ``broken/`` on which it must find
something, so no check can pass by being unable to fail.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

HERE = Path(__file__).parent
CHECKS = sorted(HERE.glob("*.rq"))


def rows(store: ox.Store, check: Path) -> list[str]:
    """One readable line per offending row."""
    answer = store.query(check.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    names = [variable.value for variable in answer.variables]
    return [
        " ".join(f"{name}={row[name].value if row[name] else '-'}" for name in names)
        for row in answer
    ]


def test_checks_are_found() -> None:
    assert len(CHECKS) >= 5


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_release_is_healthy(check: Path, release_store: ox.Store) -> None:
    problems = rows(release_store, check)
    assert not problems, f"{check.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_check_finds_the_broken_case(check: Path) -> None:
    broken = HERE / "broken" / f"{check.stem}.trig"
    store = ox.Store()
    store.load(path=broken, format=ox.RdfFormat.TRIG)
    assert rows(store, check), f"{check.name} finds nothing in {broken.name}"
