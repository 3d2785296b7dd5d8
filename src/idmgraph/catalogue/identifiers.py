"""Identifiers as printed → the IRIs of the text and of the edition (one text, one IRI).

* ITU-T ``ITU-T X.509 (10/2019)`` → ``rec/X.509``, edition ``rec/X.509/edition/2019-10``;
  ``ITU-T X.509 (2019) Cor. 2 (10/2023)`` → ``rec/X.509/cor2/edition/2023-10``, which applies
  to the 2019 edition of X.509; ``ITU-T X Suppl. 23 (09/2014)`` → ``rec/X.Sup23/edition/2014-09``.
* ISO ``ISO/IEC 24760-1:2019/Amd 1:2023`` → ``spec/iso-iec/24760-1/amd1/edition/2023``
  (ISO prints the year, so the year is the edition key); drafts such as ``ISO/IEC CD 27553-2.2``
  → ``spec/iso-iec/27553-2/edition/cd.2``.
* W3C ``W3C REC-did-core-20220719`` → ``spec/w3c/did-core/edition/2022-07-19``.

An identifier without a date or year (``ISO/IEC 24760-1``, ``W3C did-core``) names the text
across its editions and gives ``edition=None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ITU = re.compile(
    r"^(?:ITU-T )?(?P<series>[A-Z]{1,4})\.(?P<number>\d+(?:\.\d+)*)"
    r"(?: \((?P<base>\d{4})\) (?:Technical )?(?P<part>Cor|Amd)\. ?(?P<seq>\d+))?"
    r" \((?P<month>\d{2})/(?P<year>\d{4})\)$"
)
_ITU_SUP = re.compile(
    r"^(?:ITU-T )?(?P<series>[A-Z]{1,4}) Suppl\. (?P<seq>\d+) \((?P<month>\d{2})/(?P<year>\d{4})\)$"
)
_ITU_TEXT = re.compile(r"^(?:ITU-T )?(?P<series>[A-Z]{1,4})\.(?P<number>\d+(?:\.\d+)*)$")
_ISO = re.compile(
    r"^(?P<publisher>ISO(?:/IEC)?|IEC)(?:/(?P<type1>TR|TS|PAS))?"
    r"(?: (?P<type2>TR|TS|PAS))?(?: (?P<stage>PWI|NP|AWI|WD|CD|DIS|FDIS|PRF|DTR|DTS|DPAS))?"
    r" (?P<number>\d+(?:-\d+)*)(?:\.(?P<iteration>\d+))?(?::(?P<year>\d{4}))?"
    r"(?:/(?:(?P<pstage>CD|DIS|FDIS|PRF|D|WD|AWI|NP) ?)?(?P<part>Amd|Cor|AMD|COR) ?(?P<seq>\d+)"
    r"(?:\.\d+)?(?::(?P<pyear>\d{4}))?)?$"
)
_W3C = re.compile(r"^W3C (?P<maturity>[A-Z]+)-(?P<shortname>.+)-(?P<day>\d{8})$")
_W3C_TEXT = re.compile(r"^W3C (?P<shortname>[a-z][a-z0-9.-]*)$")


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Where a catalogue identifier sits in the graph."""

    body: str  # itu-t, iso, w3c
    kind: str  # recommendation, corrigendum, amendment, supplement, specification
    text: str  # the text's path under id/: rec/X.509/cor2, spec/iso-iec/24760-1
    notation: str  # the text's number: X.509 Cor. 2, X.Sup23, ISO/IEC 24760-1, did-core
    edition: str | None  # the edition's path under id/, None for the text across editions
    base: str | None = None  # the text a corrigendum or amendment changes
    base_year: str | None = None  # the year of the base edition it changes
    series: str | None = None
    number: str | None = None  # ITU-T number (1277.2) or ISO number (24760-1)
    sequence: int | None = None
    stage: str | None = None  # W3C maturity printed in the identifier (REC, CR …)
    shortname: str | None = None


def identify(identifier: str) -> Identity | None:
    """The identity of a printed identifier, or None when it follows no known grammar."""
    text = " ".join(identifier.split())
    return _itu(text) or _iso(text) or _w3c(text)


def _itu(text: str) -> Identity | None:
    match = _ITU.match(text)
    if match is not None:
        series, number = match["series"], match["number"]
        key = f"{match['year']}-{match['month']}"
        rec = f"rec/{series}.{number}"
        if match["part"] is None:
            return Identity(
                body="itu-t",
                kind="recommendation",
                text=rec,
                notation=f"{series}.{number}",
                edition=f"{rec}/edition/{key}",
                series=series,
                number=number,
            )
        part, seq = match["part"], int(match["seq"])
        path = f"{rec}/{part.lower()}{seq}"
        return Identity(
            body="itu-t",
            kind="corrigendum" if part == "Cor" else "amendment",
            text=path,
            notation=f"{series}.{number} {part}. {seq}",
            edition=f"{path}/edition/{key}",
            base=rec,
            base_year=match["base"],
            series=series,
            number=number,
            sequence=seq,
        )
    match = _ITU_SUP.match(text)
    if match is not None:
        series, seq = match["series"], int(match["seq"])
        path = f"rec/{series}.Sup{seq}"
        return Identity(
            body="itu-t",
            kind="supplement",
            text=path,
            notation=f"{series}.Sup{seq}",
            edition=f"{path}/edition/{match['year']}-{match['month']}",
            series=series,
            sequence=seq,
        )
    match = _ITU_TEXT.match(text)
    if match is not None and text.startswith("ITU-T "):
        return Identity(
            body="itu-t",
            kind="recommendation",
            text=f"rec/{match['series']}.{match['number']}",
            notation=f"{match['series']}.{match['number']}",
            edition=None,
            series=match["series"],
            number=match["number"],
        )
    return None


def _iso(text: str) -> Identity | None:
    match = _ISO.match(text)
    if match is None:
        return None
    publisher = match["publisher"]
    doctype = match["type1"] or match["type2"]
    printed = publisher + (f"/{doctype}" if match["type1"] else f" {doctype}" if doctype else "")
    number = match["number"]
    spec = f"spec/{publisher.lower().replace('/', '-')}/{number}"
    notation = f"{printed} {number}"
    if match["part"] is None:
        key = _iso_key(match["stage"], match["iteration"], match["year"])
        return Identity(
            body="iso",
            kind="specification",
            text=spec,
            notation=notation,
            edition=f"{spec}/edition/{key}" if key else None,
            number=number,
        )
    part, seq = match["part"].capitalize(), int(match["seq"])
    path = f"{spec}/{part.lower()}{seq}"
    key = _iso_key(match["pstage"], None, match["pyear"])
    return Identity(
        body="iso",
        kind="amendment" if part == "Amd" else "corrigendum",
        text=path,
        notation=f"{notation} {part} {seq}",
        edition=f"{path}/edition/{key}" if key else None,
        base=spec,
        base_year=match["year"],
        number=number,
        sequence=seq,
    )


def _iso_key(stage: str | None, iteration: str | None, year: str | None) -> str | None:
    if stage:
        return stage.lower() + (f".{iteration}" if iteration else "")
    return year


def _w3c(text: str) -> Identity | None:
    match = _W3C.match(text)
    if match is not None:
        day = match["day"]
        spec = f"spec/w3c/{match['shortname']}"
        return Identity(
            body="w3c",
            kind="specification",
            text=spec,
            notation=match["shortname"],
            edition=f"{spec}/edition/{day[:4]}-{day[4:6]}-{day[6:]}",
            stage=match["maturity"],
            shortname=match["shortname"],
        )
    match = _W3C_TEXT.match(text)
    if match is not None:
        return Identity(
            body="w3c",
            kind="specification",
            text=f"spec/w3c/{match['shortname']}",
            notation=match["shortname"],
            edition=None,
            shortname=match["shortname"],
        )
    return None
