"""validate.py: the SHACL gate finds what is wrong and says in which file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from idmgraph.base.errors import SourceError, ValidationFailed
from idmgraph.base.settings import Settings
from idmgraph.pipeline.sources import load
from idmgraph.pipeline.validate import VIOLATION, WARNING, gate, run_shapes, validate

ID = "https://w3id.org/idmgraph/id/"
SHAPES = "https://w3id.org/idmgraph/shapes/"
ITEMS = "data/report-a/items.ttl"
GOOD = Path(__file__).parent / "fixtures" / "pipeline" / "good"


def test_the_fixture_project_conforms(settings: Settings) -> None:
    report = validate(load(settings))
    assert report.results == ()
    assert report.conforms


def test_missing_label_names_resource_path_shape_and_file(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    replace_in(project, ITEMS, '    rdfs:label "X.pet_auth"@en ;\n', "")
    report = validate(load(settings))
    [violation] = report.results
    assert violation.focus == f"{ID}workitem/X.pet_auth"
    assert violation.path == "http://www.w3.org/2000/01/rdf-schema#label"
    assert violation.value is None
    assert violation.message == "A work item needs a label with a language tag."
    assert violation.shape == f"{SHAPES}WorkItemShape"
    assert violation.severity == VIOLATION
    assert violation.files == (ITEMS,)
    with pytest.raises(ValidationFailed) as caught:
        gate(load(settings))
    assert caught.value.violations == [violation]


def test_a_wrong_value_is_reported_as_a_literal(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    replace_in(
        project, ITEMS, '    rdfs:label "X.pet_auth"@en ;\n', '    rdfs:label "X.pet_auth" ;\n'
    )
    [violation] = validate(load(settings)).results
    assert violation.value == '"X.pet_auth"'


def test_misspelt_class_fails_naming_file_and_resource(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    replace_in(
        project,
        ITEMS,
        "liaison:sg17-to-iso a idm:LiaisonFlow",
        "liaison:sg17-to-iso a idm:LiaisonFlw",
    )
    report = validate(load(settings))
    [violation] = report.violations
    assert violation.focus == f"{ID}liaison/sg17-to-iso"
    assert violation.value == "https://w3id.org/idmgraph/def/LiaisonFlw"
    assert "Undeclared class" in violation.message
    assert violation.files == (ITEMS,)


def test_formal_organisation_passes_sh_class_through_the_ontology(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    # The counterpart is an org:FormalOrganization; only the ontology's rdfs:subClassOf makes it
    # an org:Organization. Without the axiom the same data must fail.
    assert validate(load(settings)).conforms
    replace_in(
        project,
        "ontology/idm.ttl",
        "org:FormalOrganization rdfs:subClassOf org:Organization .\n",
        "",
    )
    [violation] = validate(load(settings)).violations
    assert violation.focus == f"{ID}liaison/sg17-to-iso"
    assert violation.value == f"{ID}org/iso"
    assert violation.files == (ITEMS,)


def test_instances_declared_in_the_ontology_are_visible_to_shapes(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    # SKOS concepts live in ontology/ (vocabularies.ttl); pyshacl's ont_graph would only copy
    # class definitions, so the gate must see the whole ontology graph.
    write(
        project,
        "ontology/vocabulary.ttl",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/idmgraph/def/status/approved> a skos:Concept .\n",
    )
    write(
        project,
        "shapes/status.ttl",
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://w3id.org/idmgraph/shapes/StatusShape> a sh:NodeShape ;\n"
        "  sh:targetSubjectsOf <http://purl.org/dc/terms/type> ;\n"
        "  sh:property [ sh:path <http://purl.org/dc/terms/type> ;\n"
        "                sh:class <http://www.w3.org/2004/02/skos/core#Concept> ] .\n",
    )
    write(
        project,
        "data/report-a/status.ttl",
        "<id/workitem/X.pet_auth> <http://purl.org/dc/terms/type> "
        "<https://w3id.org/idmgraph/def/status/approved> .\n",
    )
    assert validate(load(settings)).conforms
    write(
        project,
        "data/report-a/status.ttl",
        "<id/workitem/X.pet_auth> <http://purl.org/dc/terms/type> "
        "<https://w3id.org/idmgraph/def/status/aproved> .\n",
    )
    [violation] = validate(load(settings)).violations
    assert violation.files == (ITEMS, "data/report-a/status.ttl")


def test_warnings_are_reported_but_do_not_stop_the_release(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    write(
        project,
        "shapes/advice.ttl",
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://w3id.org/idmgraph/shapes/AdviceShape> a sh:NodeShape ;\n"
        "  sh:targetClass <https://w3id.org/idmgraph/def/StudyGroup> ;\n"
        "  sh:severity sh:Warning ;\n"
        "  sh:property [ sh:path <http://xmlns.com/foaf/0.1/homepage> ; sh:minCount 1 ;\n"
        '                sh:severity sh:Warning ; sh:message "A home page helps" ] .\n',
    )
    report = gate(load(settings))
    [warning] = report.results
    assert warning.severity == WARNING
    assert warning.focus == f"{ID}group/sg17"
    assert warning.shape == f"{SHAPES}AdviceShape"
    assert report.conforms


def test_results_come_in_a_stable_order(
    project: Path, settings: Settings, replace_in: Callable[[Path, str, str, str], None]
) -> None:
    replace_in(project, ITEMS, "    idm:studyGroup group:sg17 ;\n", "")
    replace_in(project, ITEMS, "    idm:counterpart org:iso .\n", '    rdfs:comment "none"@en .\n')
    first = validate(load(settings)).results
    assert len(first) == 2
    assert first == validate(load(settings)).results
    assert [v.focus for v in first] == sorted(v.focus for v in first)


def test_a_shape_pyshacl_cannot_use_is_a_source_error(
    project: Path, settings: Settings, write: Callable[[Path, str, str], Path]
) -> None:
    write(
        project,
        "shapes/zz-broken.ttl",
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://w3id.org/idmgraph/shapes/Broken> a sh:NodeShape ;\n"
        "  sh:targetClass <https://w3id.org/idmgraph/def/WorkItem> ;\n"
        "  sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#label> ;\n"
        '                sh:minCount "many" ] .\n',
    )
    with pytest.raises(SourceError) as caught:
        validate(load(settings))
    assert caught.value.path == "shapes/shapes.ttl, shapes/zz-broken.ttl"
    assert "minCount" in caught.value.problem


def test_run_shapes_checks_plain_graphs_for_shape_tests() -> None:
    shapes = Graph().parse(GOOD / "shapes" / "shapes.ttl", format="turtle")
    data = Graph().parse(GOOD / "ontology" / "idm.ttl", format="turtle")
    data.parse(
        data="@prefix idm: <https://w3id.org/idmgraph/def/> .\n"
        "<https://example.org/w> a idm:WorkItem .\n",
        format="turtle",
    )
    report = run_shapes(data, shapes)
    assert {(v.focus, v.path) for v in report.violations} == {
        ("https://example.org/w", "http://www.w3.org/2000/01/rdf-schema#label"),
        ("https://example.org/w", "https://w3id.org/idmgraph/def/studyGroup"),
    }
    assert all(v.files == () for v in report.results)
