"""Every shape has conforming and violating fixtures, asserted both ways.

A fixture is named ``<ShapeName>-<case>.ttl`` and says on its first line why it is (in)valid;
it is validated together with the ontology and ``context.ttl``. A violating fixture must fail
*because of its shape*: the named shape must be among those that fired.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from idmgraph.base.settings import Settings
from idmgraph.pipeline.validate import PYSHACL, Report, run_shapes

HERE = Path(__file__).parent
REPO = HERE.parent.parent
BASE = Settings().base_iri
SHAPES_NS = "https://w3id.org/idmgraph/shapes/"
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))


@cache
def shapes() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def check(fixture: Path, *, validator: str = PYSHACL) -> Report:
    return run_shapes(fixture_data(fixture), shapes(), validator=validator)


def fixture_data(fixture: Path) -> Graph:
    data = Graph()
    data += ontology()
    data.parse(HERE / "context.ttl", format="turtle", publicID=BASE)
    data.parse(fixture, format="turtle", publicID=BASE)
    return data


def shape_of(fixture: Path) -> str:
    return fixture.name.split("-", 1)[0]


def test_fixtures_are_found() -> None:
    assert len(VALID) >= 20
    assert len(INVALID) >= 20


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def test_every_targeted_shape_has_both_fixtures() -> None:
    # Shapes without a target (the concept shapes) only run through the shapes that use them
    # with sh:node, and are exercised by those shapes' fixtures.
    named = {
        str(node).removeprefix(SHAPES_NS)
        for node in shapes().subjects(RDF.type, SH.NodeShape)
        if isinstance(node, URIRef)
        and str(node).startswith(SHAPES_NS)
        and any(shapes().value(node, target) is not None for target in TARGETS)
    }
    assert named
    assert named <= {shape_of(path) for path in VALID}, "shapes without a valid fixture"
    assert named <= {shape_of(path) for path in INVALID}, "shapes without an invalid fixture"


def test_every_fixture_says_why() -> None:
    for path in VALID + INVALID:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# "), path.name
        assert len(first) > 10, path.name


@pytest.mark.parametrize("fixture", VALID, ids=lambda path: path.stem)
def test_valid_fixture_conforms(fixture: Path) -> None:
    report = check(fixture)
    assert report.conforms, "\n".join(f"{v.focus} {v.path} {v.message}" for v in report.results)


@pytest.mark.parametrize("fixture", INVALID, ids=lambda path: path.stem)
def test_invalid_fixture_fires_its_shape(fixture: Path) -> None:
    report = check(fixture)
    assert not report.conforms, f"{fixture.name} conforms but should not"
    fired = {(v.shape or "").removeprefix(SHAPES_NS) for v in report.violations}
    assert shape_of(fixture) in fired, fired
