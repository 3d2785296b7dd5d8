"""The small grammars: status phrases, designations, date ranges, lists of names."""

from __future__ import annotations

from datetime import date

import pytest

from idmgraph.base.errors import SourceError
from idmgraph.importer.model import Name, Status
from idmgraph.importer.phrases import parse_designation, parse_names, parse_range, split_status


@pytest.mark.parametrize(
    ("cell", "title", "statuses"),
    [
        (
            "JSON signature scheme (JSS) (Consented 2023-09-08, Approved 2023-10-29)",
            "JSON signature scheme (JSS)",
            (
                Status(kind="consented", date=date(2023, 9, 8)),
                Status(kind="approved", date=date(2023, 10, 29)),
            ),
        ),
        ("Decentralized pki", "Decentralized pki", ()),
        ("IoT (Discontinued)", "IoT", (Status(kind="discontinued", date=None),)),
        ("X (New work item)", "X", (Status(kind="new-work-item", date=None),)),
        ("Identifiers (DIDs) in IoT", "Identifiers (DIDs) in IoT", ()),
    ],
)
def test_split_status(cell: str, title: str, statuses: tuple[Status, ...]) -> None:
    assert split_status(cell, 7, where="r.txt") == (title, statuses)


@pytest.mark.parametrize(
    "cell", ["T (Approved 2023-13-01)", "T (Withdrawn 2023-01-01)", "T (Approved soon)"]
)
def test_bad_status_names_the_line(cell: str) -> None:
    with pytest.raises(SourceError) as caught:
        split_status(cell, 7, where="r.txt")
    assert caught.value.line == 7


@pytest.mark.parametrize(
    ("written", "form", "base", "sequence"),
    [
        ("X.1095", "number", "X.1095", None),
        ("X.1277.2", "number", "X.1277.2", None),
        ("X.509 Cor. 2", "corrigendum", "X.509", 2),
        ("X.509 Amd. 1", "amendment", "X.509", 1),
        ("X.510 Revised", "revised", "X.510", None),
        ("X.1250rev", "rev", "X.1250", None),
        ("X Suppl. 42", "supplement", "X", 42),
        ("X.pet_auth", "provisional", "X.pet_auth", None),
        ("YSTR.Feas-DID-IoT", "provisional", "YSTR.Feas-DID-IoT", None),
    ],
)
def test_designations(written: str, form: str, base: str, sequence: int | None) -> None:
    found = parse_designation(written, 3, where="r.txt")
    assert (found.form, found.base, found.sequence) == (form, base, sequence)


def test_date_ranges() -> None:
    spanning = parse_range("21 February - 3 March 2023", 1, where="r")
    assert (spanning.start, spanning.end) == (date(2023, 2, 21), date(2023, 3, 3))
    same_month = parse_range("16 - 25 April 2024", 1, where="r")
    assert (same_month.start, same_month.end) == (date(2024, 4, 16), date(2024, 4, 25))
    with pytest.raises(SourceError, match="ends before it starts"):
        parse_range("25 - 16 April 2024", 1, where="r")


def test_names_distribute_the_sector_prefix_within_a_part() -> None:
    names = parse_names("ITU-T SG2, SG 16 and TSAG; ITU-D Q3/2; W3C DID WG", 4)
    assert names == (
        Name(line=4, written="SG2", prefix="ITU-T"),
        Name(line=4, written="SG 16", prefix="ITU-T"),
        Name(line=4, written="TSAG", prefix="ITU-T"),
        Name(line=4, written="Q3/2", prefix="ITU-D"),
        Name(line=4, written="W3C DID WG", prefix=""),
    )
