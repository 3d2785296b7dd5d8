"""The cross-source gap queries on the fixture catalogues, whose answers are known."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from catalogue_support import FIXTURES, REPO, make_project, store_of

from idmgraph.base.settings import Settings
from idmgraph.catalogue.run import import_catalogue
from idmgraph.pipeline.queries import load_catalogue, run

AS_OF = date(2026, 8, 22)
QUERIES = load_catalogue(REPO / "queries", root=REPO)
ID = "https://w3id.org/idmgraph/id/"
REFERENCES = ox.NamedNode("http://purl.org/dc/terms/references")
APPROVED = REPO / "tests" / "competency" / "cq01-approved-recommendations.csv"


def rows(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    """The answer of a named query as plain strings (empty for unbound)."""
    result = run(store, QUERIES.get(name), params)
    assert isinstance(result, ox.QuerySolutions)
    names = [variable.value for variable in result.variables]
    return [{n: ("" if row[n] is None else row[n].value) for n in names} for row in result]


def _project(root: Path, *, without_outside_editions: bool = False) -> Settings:
    settings = make_project(root)
    if without_outside_editions:
        (root / "data" / "external-facts" / "editions.ttl").unlink()
    return settings


def _import(settings: Settings, *bodies: str, folders: dict[str, Path] | None = None) -> None:
    for body in bodies:
        import_catalogue(settings, (folders or {}).get(body, FIXTURES / body), as_of=AS_OF)


@pytest.fixture(scope="module")
def catalogued(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """The repository's sources without the outside editions, plus the three fixture catalogues."""
    settings = _project(tmp_path_factory.mktemp("gaps") / "p", without_outside_editions=True)
    _import(settings, "itu", "iso", "w3c")
    return store_of(settings)


def test_what_became_of_the_work_items(catalogued: ox.Store) -> None:
    found = {row["designation"]: row for row in rows(catalogued, "work-item-outcomes")}
    oob = found["X.oob-sa"]
    assert (oob["number"], oob["lastStep"]) == ("X.1280", "2023-09-08")
    assert (oob["firstEdition"], oob["approvedOn"]) == ("ITU-T X.1280 (03/2024)", "2024-03-01")
    assert oob["monthsWaiting"] == ""
    # X.osia was determined on 2023-09-08 too; no fixture has its edition: 35 months to 2026-08
    osia = found["X.osia"]
    assert (osia["firstEdition"], osia["monthsWaiting"]) == ("", "35")
    # an item without a number matches no edition
    assert found["X.pet_auth"]["number"] == "X.1095"
    assert all(row["firstEdition"] == "" for row in found.values() if not row["number"])


def test_approved_texts_the_catalogue_lacks(catalogued: ox.Store) -> None:
    with APPROVED.open(encoding="utf-8") as file:
        approved = {row["number"] for row in csv.DictReader(file)}
    found = {row["number"] for row in rows(catalogued, "approved-texts-missing-from-catalogue")}
    # the fixture catalogue holds X.509 (2019) Cor. 2 (10/2023), approved on 2023-10-29
    assert "X.509 Cor. 2" in approved
    assert found == approved - {"X.509 Cor. 2"}


def test_editions_only_the_scope_brings(catalogued: ox.Store) -> None:
    found = rows(catalogued, "editions-no-source-names", since="2023-01-01")
    assert [row["identifier"] for row in found] == ["ITU-T X.1299 (05/2025)"]


def test_common_text_drift(tmp_path: Path) -> None:
    settings = _project(tmp_path / "p")
    _import(settings, "itu", "iso")
    assert rows(store_of(settings), "common-text-drift") == []  # two editions on each side
    fewer = tmp_path / "iso"
    shutil.copytree(FIXTURES / "iso", fewer)
    (fewer / "iso-iec-9594-8-2017.yaml").unlink()
    _import(settings, "iso", folders={"iso": fewer})
    found = rows(store_of(settings), "common-text-drift")
    assert [(r["itu"], r["iso"], r["ituEditions"], r["isoEditions"]) for r in found] == [
        ("X.509", "ISO/IEC 9594-8", "2", "1")
    ]


def test_superseded_edition_still_linked(catalogued: ox.Store) -> None:
    assert rows(catalogued, "superseded-editions-linked") == []
    base = "https://w3id.org/idmgraph/id/"
    catalogued.add(
        ox.Quad(
            ox.NamedNode(base + "workitem/X.jss"),
            ox.NamedNode("http://purl.org/dc/terms/references"),
            ox.NamedNode(base + "rec/X.509/edition/2016-10"),
            ox.NamedNode("https://example.org/test-graph"),
        )
    )
    found = rows(catalogued, "superseded-editions-linked")
    assert [(r["subject"], r["newer"]) for r in found] == [
        (base + "workitem/X.jss", base + "rec/X.509/edition/2019-10")
    ]


def test_links_the_superseded_query_leaves_out(tmp_path_factory: pytest.TempPathFactory) -> None:
    # a link to the latest edition, and one from an edition, are not reported; a second
    # edition on the latest date is named as newer as well
    settings = _project(tmp_path_factory.mktemp("superseded") / "p", without_outside_editions=True)
    _import(settings, "itu")
    store = store_of(settings)
    graph = ox.NamedNode("https://example.org/test-graph")
    x509 = ID + "rec/X.509"
    twin = x509 + "/edition/2019-10-bis"
    day = ox.Literal("2019-10-14", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    statements: list[tuple[str, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (ID + "workitem/X.jss", REFERENCES, ox.NamedNode(x509 + "/edition/2019-10")),
        (ID + "rec/X.1280/edition/2024-03", REFERENCES, ox.NamedNode(x509 + "/edition/2016-10")),
        (ID + "workitem/X.oob-sa", REFERENCES, ox.NamedNode(x509 + "/edition/2016-10")),
        (twin, ox.NamedNode("https://w3id.org/idmgraph/def/editionOf"), ox.NamedNode(x509)),
        (twin, ox.NamedNode("http://purl.org/dc/terms/date"), day),
    ]
    for subject, predicate, value in statements:
        store.add(ox.Quad(ox.NamedNode(subject), predicate, value, graph))
    found = rows(store, "superseded-editions-linked")
    assert sorted((r["subject"], r["edition"], r["newer"]) for r in found) == [
        (ID + "workitem/X.oob-sa", x509 + "/edition/2016-10", x509 + "/edition/2019-10"),
        (ID + "workitem/X.oob-sa", x509 + "/edition/2016-10", twin),
    ]


def test_disagreeing_sources_both_stay(tmp_path: Path) -> None:
    settings = _project(tmp_path / "p")
    other = tmp_path / "itu"
    shutil.copytree(FIXTURES / "itu", other)
    record = other / "itu-t-x-1280-03-2024.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("2024-03-01", "2024-03-05"))
    _import(settings, "itu", folders={"itu": other})
    found = rows(store_of(settings), "source-disagreements")
    dates = {(r["edition"].rsplit("/id/", 1)[1], r["value"], r["otherValue"]) for r in found}
    assert dates == {("rec/X.1280/edition/2024-03", "2024-03-05", "2024-03-01")}
    assert {r["source"].rsplit("/", 1)[1] for r in found} == {"catalogue-itu"}


def test_roadmap_versions(catalogued: ox.Store) -> None:
    changes = rows(catalogued, "roadmap-study-group-changes")
    assert [(r["change"], r["studyGroup"]) for r in changes] == [
        ("added", "SG21"),
        ("dropped", "SG16"),
    ]
    uncovered = {r["counterpartLabel"] for r in rows(catalogued, "roadmap-uncovered-counterparts")}
    assert {"ITU-T SG16", "Secure Identity Alliance", "TSAG"} <= uncovered
    # covered directly, through a parent organisation, or as a study group of the same number
    assert not uncovered & {"FIDO Alliance", "ISO/IEC JTC 1/SC 27/WG 5", "W3C DID WG", "ITU-T SG13"}


def test_editions_of_x509_in_one_query(catalogued: ox.Store) -> None:
    found = rows(catalogued, "text-editions", number="X.509")
    assert [(r["identifier"], r["date"], r["appliesTo"]) for r in found] == [
        ("ITU-T X.509 (10/2016)", "2016-10-14", ""),
        ("ITU-T X.509 (10/2019)", "2019-10-14", ""),
        ("ITU-T X.509 (2019) Cor. 2 (10/2023)", "2023-10-29", "ITU-T X.509 (10/2019)"),
        ("ITU-T X.509 (2019) Amd. 1 (10/2024)", "2024-10-14", "ITU-T X.509 (10/2019)"),
    ]


def test_editions_of_an_iso_text_and_its_amendment(catalogued: ox.Store) -> None:
    # the amendment is found through its edition, which applies to an edition of the text
    found = rows(catalogued, "text-editions", number="ISO/IEC 24760-1")
    assert sorted((r["part"], r["identifier"], r["appliesTo"]) for r in found) == [
        ("ISO/IEC 24760-1", "ISO/IEC 24760-1:2019", ""),
        ("ISO/IEC 24760-1 Amd 1", "ISO/IEC 24760-1:2019/Amd 1:2023", "ISO/IEC 24760-1:2019"),
    ]
