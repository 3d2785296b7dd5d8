"""``idmgraph diff``: two reports compared, as sources (data folders) and as built releases."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from idmgraph.base.errors import SourceError
from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release
from idmgraph.reading.diff import (
    Changes,
    diff,
    diff_command,
    graphs_of,
    latest_reports,
    load_snapshot,
    snapshot_of,
)

OLD, NEW = "sg17-idm-report-2023-09", "sg17-idm-report-2024-04"
ID = "https://w3id.org/idmgraph/id/"


@pytest.fixture(scope="module")
def project(follow_up_project: Settings) -> Settings:
    """The repository's sources with the follow-up imported and released."""
    return follow_up_project


@pytest.fixture(scope="module")
def changes(project: Settings) -> Changes:
    return diff(load_snapshot(project, OLD), load_snapshot(project, NEW))


def test_sides_are_the_two_reports(changes: Changes) -> None:
    assert changes.old.source == ID + "source/" + OLD
    assert changes.new.source == ID + "source/" + NEW
    assert (changes.old.status_date, changes.new.status_date) == ("2023-09-08", "2024-04-25")


def test_items_added_and_removed(changes: Changes) -> None:
    assert [item.label for item in changes.added] == ["J.dic-idm", "X.509 Amd. 1", "X.idpriv"]
    removed = {item.label: item.final_status for item in changes.removed}
    assert len(removed) == 12
    assert removed["X.pet_auth"] == "approved"
    assert removed["X.1251rev"] == "discontinued"
    assert [item.label for item in changes.flagged] == ["Q.cco-mec"]


def test_status_changes_carry_dates_and_previous_status(changes: Changes) -> None:
    by_item = {(c.label, c.status): c for c in changes.status_changes}
    approved = by_item[("X.oob-sa", "approved")]
    assert (approved.previous, approved.date, approved.not_later_than) == (
        "determined",
        "2024-04-25",
        None,
    )
    new = by_item[("X.idpriv", "new-work-item")]
    assert (new.previous, new.date, new.not_later_than) == (None, None, "2024-04-25")
    assert by_item[("X.afotak", "determined")].previous == "new-work-item"
    assert len(changes.status_changes) == 8


def test_numbers_gained(changes: Changes) -> None:
    assert {(n.label, n.number) for n in changes.numbers_gained} == {
        ("X.afotak", "X.1282"),
        ("X.gpwd", "X.1252.1"),
        ("X.srdidm", "X.1253"),
        ("X.sup-sat-dfs", "X.Sup42"),
    }


def test_liaison_partners_gained_and_lost(changes: Changes) -> None:
    gained = {(p.direction, p.label) for p in changes.partners_gained}
    assert gained == {
        ("incoming", "ETSI TC ESI"),
        ("incoming", "Kantara Initiative"),
        ("outgoing", "IETF"),
    }
    lost = {(p.direction, p.label) for p in changes.partners_lost}
    assert ("incoming", "Secure Identity Alliance") in lost
    assert ("outgoing", "NIST") in lost
    assert ("outgoing", "ISO/IEC JTC 1/SC 27/WG 5") not in lost
    assert len(lost) == 15


def test_groups_newly_active(changes: Changes) -> None:
    assert [group.iri for group in changes.newly_active] == [ID + "group/itu-t/2022-2024/sg9"]
    assert changes.no_longer_active == ()


def test_releases_diff_like_their_sources(
    project: Settings, repository_release: Release, changes: Changes
) -> None:
    old = repository_release.directory  # the repository's own release: the first report only
    new = project.release_dir
    from_releases = diff(load_snapshot(project, str(old)), load_snapshot(project, str(new)))
    assert from_releases == changes


def test_a_report_compared_with_itself_has_no_changes(project: Settings) -> None:
    same = diff(load_snapshot(project, NEW), load_snapshot(project, NEW))
    assert same.added == ()
    assert same.removed == ()
    assert same.status_changes == ()
    assert same.partners_gained == ()


def test_json_output(project: Settings) -> None:
    document = json.loads(diff_command(project, OLD, NEW, output_format="json"))
    assert document["new"]["status_date"] == "2024-04-25"
    assert {item["label"] for item in document["added"]} == {
        "J.dic-idm",
        "X.509 Amd. 1",
        "X.idpriv",
    }
    flagged = [item for item in document["removed"] if item["final_status"] is None]
    assert [item["label"] for item in flagged] == ["Q.cco-mec"]


def test_text_output(project: Settings) -> None:
    text = diff_command(project, OLD, NEW)
    assert text.startswith("Changes from SG17 IdM progress report, September 2023 (2023-09-08)")
    assert "  X.oob-sa: determined -> approved (2024-04-25)" in text
    assert "  - Q.cco-mec (no final status: flagged)" in text
    assert "  received from ETSI TC ESI" in text
    assert "Groups newly active in IdM (1)\n  ITU-T SG9" in text


def test_unknown_side_is_refused(project: Settings) -> None:
    with pytest.raises(SourceError, match="not a release folder"):
        load_snapshot(project, "no-such-report")


def test_two_reports_of_one_release_compare_like_two_releases(
    project: Settings, changes: Changes
) -> None:
    dump = project.release_dir / "idmgraph.nq"
    graphs = graphs_of(ox.parse(path=dump, format=ox.RdfFormat.N_QUADS))
    old, new = (URIRef(ID + "source/" + slug) for slug in (OLD, NEW))
    assert latest_reports(graphs) == [new, old]
    assert diff(snapshot_of(graphs, old), snapshot_of(graphs, new)) == changes
