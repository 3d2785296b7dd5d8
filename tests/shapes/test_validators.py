"""The fast engine (pyshacl-turbo) gives pyshacl's report on every fixture and on the real data.

pyshacl is the reference. A result is compared by what the gate shows of it: focus, path,
value, named shape and severity (the engines word their messages differently).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from tests.shapes.test_shapes import (
    INVALID,
    REPO,
    SHAPES_NS,
    VALID,
    check,
    fixture_data,
    shape_of,
    shapes,
)

from idmgraph.base.errors import ConfigurationError
from idmgraph.base.settings import Settings
from idmgraph.pipeline.sources import load
from idmgraph.pipeline.validate import PYSHACL, TURBO, Report, run_shapes, validate

Shown = set[tuple[str, str | None, str | None, str | None, str]]


def copy(data: Graph) -> Graph:
    """A copy keeping blank node ids (the engines may change the graph they are given)."""
    graph = Graph()
    graph += data
    return graph


def as_store(data: Graph) -> ox.Store:
    """The graph as the gate hands it to pyshacl-turbo: a pyoxigraph store, same blank nodes."""
    store = ox.Store()
    store.extend(
        ox.parse(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    )
    return store


def shown(report: Report) -> Shown:
    """The results as the gate shows them, without the engine's wording."""
    return {(v.focus, v.path, v.value, v.shape, v.severity) for v in report.results}


@pytest.mark.parametrize("fixture", VALID + INVALID, ids=lambda path: path.stem)
def test_turbo_agrees_with_pyshacl_on_fixture(fixture: Path) -> None:
    data = fixture_data(fixture)  # parsed once, so both engines see the same blank nodes
    reference = run_shapes(copy(data), shapes(), validator=PYSHACL)
    fast = run_shapes(copy(data), shapes(), validator=TURBO)
    from_store = run_shapes(as_store(data), shapes(), validator=TURBO)
    assert fast.conforms == from_store.conforms == reference.conforms == (fixture in VALID)
    assert shown(fast) == shown(from_store) == shown(reference)
    if fixture in INVALID:
        fired = {(v.shape or "").removeprefix(SHAPES_NS) for v in fast.violations}
        assert shape_of(fixture) in fired, fired


def test_turbo_agrees_with_pyshacl_on_the_real_sources() -> None:
    sources = load(Settings(root=REPO))
    reference = validate(sources, validator=PYSHACL)
    fast = validate(sources, validator=TURBO)
    assert reference.conforms
    assert fast.conforms
    assert shown(fast) == shown(reference)
    assert [v.files for v in fast.results] == [v.files for v in reference.results]


def test_an_unknown_validator_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="pyshacl-turbo"):
        check(VALID[0], validator="jena")
