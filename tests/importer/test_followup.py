"""A follow-up report imports next to the 2023-09 source: one resource per thing, new events."""

from __future__ import annotations

from datetime import date

import pytest
from importer_support import REPORTS
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from idmgraph.base.namespaces import IDM
from idmgraph.base.settings import Settings
from idmgraph.importer import ImportResult, import_report
from idmgraph.pipeline import sources
from idmgraph.pipeline.validate import to_graph, validate

FOLLOW_UP = REPORTS / "sg17-idm-progress-report-2024-04.txt"
ID = "https://w3id.org/idmgraph/id/"


@pytest.fixture
def imported(curated_project: Settings) -> ImportResult:
    return import_report(curated_project, FOLLOW_UP)


def _graphs(settings: Settings) -> tuple[Graph, Graph]:
    """(the new source's graph, the union of every data graph)."""
    loaded = sources.load(settings)
    data = loaded.of_role(sources.Role.DATA)
    new = next(graph for graph in data if "2024-0" in graph.name)
    return to_graph(new.triples()), to_graph(t for graph in data for t in graph.triples())


def test_follow_up_is_a_new_source_and_passes_the_gate(
    curated_project: Settings, imported: ImportResult
) -> None:
    assert imported.slug == "sg17-idm-report-2024-04"
    assert imported.source == ID + "source/sg17-idm-report-2024-04"
    assert (curated_project.root / "data" / "sg17-idm-report-2023-09").is_dir()
    assert imported.rows == 21
    assert imported.work_plan == 15
    assert validate(sources.load(curated_project)).conforms


def test_work_item_gaining_a_number_stays_one_resource(
    curated_project: Settings, imported: ImportResult
) -> None:
    _, union = _graphs(curated_project)
    afotak = URIRef(ID + "workitem/X.afotak")
    assert set(union.objects(afotak, IDM.develops)) == {URIRef(ID + "rec/X.1282")}
    events = {str(event) for event in union.objects(afotak, IDM.lifecycleEvent)}
    assert events == {
        ID + "workitem/X.afotak/new-work-item",
        ID + "workitem/X.afotak/determined-2024-04-25",
    }
    assert len(set(union.objects(afotak, SKOS.notation))) == 1
    sup = URIRef(ID + "workitem/X.sup-sat-dfs")
    assert (sup, IDM.develops, URIRef(ID + "rec/X.Sup42")) in union
    assert (URIRef(ID + "rec/X.Sup42"), RDF.type, IDM.Supplement) in union


def test_row_giving_only_the_number_is_the_item_that_develops_it(
    curated_project: Settings, imported: ImportResult
) -> None:
    # Annex 1 lists "X.1280*" alone; the 2023-09 source says X.oob-sa develops X.1280.
    new, _ = _graphs(curated_project)
    assert (URIRef(ID + "workitem/X.1280"), None, None) not in new
    oob = URIRef(ID + "workitem/X.oob-sa")
    assert (oob, IDM.lifecycleEvent, URIRef(ID + "workitem/X.oob-sa/approved-2024-04-25")) in new
    assert str(new.value(oob, SKOS.notation)) == "X.oob-sa"


def test_earlier_events_are_not_restated(curated_project: Settings, imported: ImportResult) -> None:
    new, _ = _graphs(curated_project)
    # X.afotak's undated "New work item" belongs to the 2023-09 source only.
    assert not list(new.predicate_objects(URIRef(ID + "workitem/X.afotak/new-work-item")))
    dated = URIRef(ID + "workitem/X.oob-sa/approved-2024-04-25")
    assert (dated, IDM.eventType, URIRef(str(IDM) + "status/approved")) in new


def test_item_leaving_the_plan_without_final_status_is_flagged(
    curated_project: Settings, imported: ImportResult
) -> None:
    assert [flag.item for flag in imported.flagged] == [ID + "workitem/Q.cco-mec"]
    new, union = _graphs(curated_project)
    note = new.value(URIRef(ID + "workitem/Q.cco-mec"), SKOS.editorialNote)
    assert note is not None
    assert "2023-09-08" in str(note)
    assert (URIRef(ID + "workitem/Q.cco-mec"), RDF.type, IDM.WorkItem) in union


def test_changed_title_is_a_reported_conflict_not_a_second_title(
    curated_project: Settings, imported: ImportResult
) -> None:
    assert len(imported.conflicts) == 1
    assert "Y.trust-tla" in imported.conflicts[0]
    _, union = _graphs(curated_project)
    titles = [str(t) for t in union.objects(URIRef(ID + "workitem/Y.trust-tla"), _title())]
    assert titles == ["Framework of trust-level assessment for trustworthy networking"]


def _title() -> URIRef:
    return URIRef("http://purl.org/dc/terms/title")


def test_two_jca_meetings_with_their_reporters(
    curated_project: Settings, imported: ImportResult
) -> None:
    new, _ = _graphs(curated_project)
    meetings = sorted(
        {str(m) for m in new.subjects(IDM.heardReportFrom, None) if "jca-idm" in str(m)}
    )
    assert meetings == [
        ID + "meeting/itu-t/jca-idm/2023-12-12",
        ID + "meeting/itu-t/jca-idm/2024-04-19",
    ]
    april = URIRef(meetings[1])
    assert set(new.objects(april, IDM.heardReportFrom)) == {
        URIRef(ID + "group/itu-t/2022-2024/sg20"),
        URIRef(ID + "group/itu-t/2022-2024/sg17/q11"),
        URIRef(ID + "group/etsi/tc-esi"),
        URIRef(ID + "group/iso-iec-jtc1/sc27/wg5"),
    }
    td = URIRef(ID + "doc/itu-t/2022-2024/sg17/td2150")
    assert (td, IDM.reportsOn, april) in new


def test_new_partners_are_minted_and_known_ones_reused(
    curated_project: Settings, imported: ImportResult
) -> None:
    new, union = _graphs(curated_project)
    esi = URIRef(ID + "group/etsi/tc-esi")
    assert str(union.value(esi, RDFS.label)) == "ETSI TC ESI"
    assert str(union.value(esi, SKOS.notation)) == "TC ESI"
    assert (URIRef(ID + "org/kantara-initiative"), RDF.type, None) in new
    wg5 = URIRef(ID + "group/iso-iec-jtc1/sc27/wg5")
    assert {str(label) for label in union.objects(wg5, RDFS.label)} == {"ISO/IEC JTC 1/SC 27/WG 5"}
    sg9 = URIRef(ID + "group/itu-t/2022-2024/sg9")
    assert (sg9, IDM.activityArea, None) in new
    assert (URIRef(ID + "workitem/J.dic-idm"), IDM.studyGroup, sg9) in new


def test_title_broken_over_lines_is_joined(
    curated_project: Settings, imported: ImportResult
) -> None:
    new, _ = _graphs(curated_project)
    assert str(new.value(URIRef(ID + "workitem/J.dic-idm"), _title())) == (
        "Digital identity for cable networks"
    )


def test_as_of_overrides_the_status_date(empty_project: Settings) -> None:
    result = import_report(empty_project, FOLLOW_UP, as_of=date(2024, 5, 2))
    assert result.slug == "sg17-idm-report-2024-05"
    new, _ = _graphs(empty_project)
    stated = date(2024, 5, 2)
    status_date = new.value(URIRef(result.source), IDM.statusDate)
    assert isinstance(status_date, Literal)
    assert status_date.toPython() == stated
    event = URIRef(ID + "workitem/X.idpriv/new-work-item")
    not_later_than = new.value(event, IDM.notLaterThan)
    assert isinstance(not_later_than, Literal)
    assert not_later_than.toPython() == stated
    assert (URIRef(ID + "workplan/itu-t-idm/2024-05-02"), RDF.type, IDM.WorkPlan) in new
