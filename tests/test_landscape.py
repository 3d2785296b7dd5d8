"""The landscape of a fixture whose every line is known, on several dates, and its filters."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.pipeline.queries import load_catalogue
from idmgraph.reading import charts
from idmgraph.reading.landscape import (
    APPROVED,
    DEVELOPMENT,
    LISTED,
    WITHDRAWN,
    Filters,
    Landscape,
    Line,
    build_landscape,
)

REPO = Path(__file__).parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "landscape" / "graph.trig"
ID = "https://w3id.org/idmgraph/id/"
CATALOGUE = load_catalogue(REPO / "queries")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The ontology (stage and status notations) and the fixture, a named graph per source."""
    found = ox.Store()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        found.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ID + "def"))
    found.load(path=FIXTURE, format=ox.RdfFormat.TRIG)
    return found


def on(store: ox.Store, date: str) -> Landscape:
    return build_landscape(store, CATALOGUE, on=date)


def lines_of(landscape: Landscape, name: str) -> list[Line]:
    return [line for line in landscape.lines if line.name == name]


def only(landscape: Landscape, name: str) -> Line:
    (line,) = lines_of(landscape, name)
    return line


def test_three_editions_and_a_corrigendum_fold_into_one_line(store: ox.Store) -> None:
    line = only(on(store, "2024-12-31"), "X.9000")
    assert (line.status, line.identifier, line.date) == (
        APPROVED,
        "ITU-T X.9000 (11/2020)",
        "2020-11-13",
    )
    assert [e.identifier for e in line.earlier] == [
        "ITU-T X.9000 (03/2015)",
        "ITU-T X.9000 (05/2010)",
    ]
    assert [e.identifier for e in line.parts] == ["ITU-T X.9000 (2020) Cor. 1 (02/2022)"]
    assert line.source == "https://www.itu.int/rec/T-REC-X.9000-202011-I"
    # the work item developing the corrigendum names the study group and Question
    assert (line.body_name, line.group_name, line.question_name) == ("ITU", "SG99", "Q1/99")
    assert line.topics == ("pki",)
    assert line.changed == "2022-02-10"


def test_an_earlier_date_shows_the_edition_current_then(store: ox.Store) -> None:
    line = only(on(store, "2016-01-01"), "X.9000")
    assert line.identifier == "ITU-T X.9000 (03/2015)"
    assert [e.identifier for e in line.earlier] == ["ITU-T X.9000 (05/2010)"]
    assert line.parts == ()


def test_a_date_before_any_edition_shows_nothing_of_the_text(store: ox.Store) -> None:
    early = on(store, "2009-01-01")
    assert lines_of(early, "X.9000") == []
    assert early.lines == ()


def test_withdrawn_replaced_and_developing_iso_documents(store: ox.Store) -> None:
    now = on(store, "2024-12-31")
    assert only(now, "ISO 9001").status == WITHDRAWN
    current = only(now, "ISO 9003")
    assert (current.status, current.identifier) == (APPROVED, "ISO 9003:2021")
    assert [e.identifier for e in current.earlier] == ["ISO 9003:2016"]
    draft = only(now, "ISO 9002")
    assert (draft.status, draft.detail, draft.identifier) == (DEVELOPMENT, "40.20", "ISO/DIS 9002")
    assert {line.group_name for line in now.lines if line.body_name == "ISO"} == {"ISO/TC 999"}
    # in 2018 the 2016 edition was current: it was withdrawn only when 2021 replaced it
    then = on(store, "2018-01-01")
    assert (only(then, "ISO 9003").status, only(then, "ISO 9003").identifier) == (
        APPROVED,
        "ISO 9003:2016",
    )
    # an undated draft is known from its catalogue snapshot's date on
    assert lines_of(then, "ISO 9002") == []


def test_work_items_of_the_report_with_their_status_on_the_date(store: ox.Store) -> None:
    now = on(store, "2024-12-31")
    item = only(now, "X.new")
    assert (item.kind, item.status, item.detail) == ("work item", DEVELOPMENT, "new-work-item")
    assert (item.group_name, item.question_name, item.source) == (
        "SG99",
        "Q1/99",
        ID + "source/report",
    )
    assert only(now, "X.9000 Cor. 1").status == APPROVED
    assert lines_of(on(store, "2023-01-01"), "X.new") == []  # not yet proposed
    # an item the report lists without any event: in the work programme from the report's date
    listed = only(now, "X.plan")
    assert (listed.status, listed.detail, listed.date) == (DEVELOPMENT, LISTED, "2023-09-08")
    assert lines_of(on(store, "2023-09-07"), "X.plan") == []


def test_counts_and_filters(store: ox.Store) -> None:
    now = on(store, "2024-12-31")
    assert now.counts() == {
        ("ITU", APPROVED): 2,
        ("ITU", DEVELOPMENT): 2,
        ("ISO", APPROVED): 1,
        ("ISO", DEVELOPMENT): 1,
        ("ISO", WITHDRAWN): 1,
    }

    def names(filters: Filters) -> list[str]:
        return sorted(line.name for line in now.filtered(filters).lines)

    assert names(Filters(status=DEVELOPMENT)) == ["ISO 9002", "X.new", "X.plan"]
    assert names(Filters(body="ISO")) == ["ISO 9001", "ISO 9002", "ISO 9003"]
    assert names(Filters(body=ID + "org/iso", status=WITHDRAWN)) == ["ISO 9001"]
    assert names(Filters(topic="pki")) == ["X.9000"]
    changed = ["ISO 9003", "X.9000", "X.9000 Cor. 1", "X.new", "X.plan"]
    assert names(Filters(since="2021-01-01")) == changed


def test_approvals_per_year_per_body_and_study_group(store: ox.Store) -> None:
    approvals = {name: sorted(dates) for name, dates in on(store, "2024-12-31").approvals().items()}
    itu = ["2010-05-14", "2015-03-20", "2020-11-13", "2022-02-10"]  # three editions, one cor.
    assert approvals == {
        "ITU": itu,
        "ITU SG99": itu,
        "ISO": ["2012-04", "2016-03", "2021-07"],  # the draft is no approval
    }
    svg = ET.fromstring(str(charts.approvals_timeline(approvals)))
    bars = [t.text for t in svg.iter(f"{SVG}title")][1:]
    assert "ITU 2015: 1" in bars
    assert "ISO 2021: 1" in bars
    assert len(bars) == 4 + 4 + 3
