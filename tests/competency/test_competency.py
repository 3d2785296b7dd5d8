"""Competency questions: each ``.rq`` here, run on the built release in a real store, must give
exactly the rows of its ``.csv`` (read from the report), compared as a multiset."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

HERE = Path(__file__).parent
QUESTIONS = sorted(HERE.glob("*.rq"))


def expected(question: Path) -> tuple[list[str], Counter[tuple[str, ...]]]:
    """Header and rows of the expected answer."""
    with question.with_suffix(".csv").open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle))
    return header, Counter(tuple(row) for row in body)


def answer(store: ox.Store, question: Path) -> tuple[list[str], Counter[tuple[str, ...]]]:
    """Header and rows of the store's answer, unbound values as empty strings."""
    solutions = store.query(question.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    rows = Counter(
        tuple(row[name].value if row[name] is not None else "" for name in names)
        for row in solutions
    )
    return names, rows


def test_questions_are_found() -> None:
    assert len(QUESTIONS) >= 11


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda path: path.stem)
def test_competency_question(question: Path, release_store: ox.Store) -> None:
    want_header, want_rows = expected(question)
    got_header, got_rows = answer(release_store, question)
    assert got_header == want_header
    assert got_rows == want_rows, (
        f"missing {dict(want_rows - got_rows)}, unexpected {dict(got_rows - want_rows)}"
    )
