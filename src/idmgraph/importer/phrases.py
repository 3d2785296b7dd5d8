"""The small grammars of the report: dates, date ranges, status phrases, designations, lists.

Each function takes the text and the line it is on, and raises :class:`SourceError` naming
that line when the text does not fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from idmgraph.base.errors import SourceError
from idmgraph.importer.model import DateRange, Name, Status

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
EN_DASH = "\u2013"  # the report separates dates and names with en dashes
_MONTH = "(" + "|".join(MONTHS) + ")"
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}}) {_MONTH} (\d{{4}})$")
_RANGE = re.compile(
    rf"^(\d{{1,2}})(?: {_MONTH}(?: (\d{{4}}))?)?\s*[-{EN_DASH}]\s*(\d{{1,2}}) {_MONTH} (\d{{4}})$"
)

# Status words as the report writes them, and their concepts in def/status/.
STATUS_WORDS = {
    "Consented": "consented",
    "Determined": "determined",
    "Approved": "approved",
    "Agreed": "agreed",
    "Discontinued": "discontinued",
    "New work item": "new-work-item",
}
STATUS_LABELS = {kind: word for word, kind in STATUS_WORDS.items()}
_STATUS = re.compile(r"^(" + "|".join(STATUS_WORDS) + r")(?: (\S+))?$")
_TRAILING_PARENS = re.compile(r"^(?P<title>.*?)\s*\((?P<body>[^()]*)\)$")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")

NUMBER = r"[A-Z]{1,4}\.\d+(?:\.\d+)*"
PROVISIONAL = r"[A-Z]{1,5}\.[A-Za-z][A-Za-z0-9_.\-]*"
_DESIGNATIONS = (
    ("corrigendum", re.compile(rf"^(?P<base>{NUMBER}) Cor\. (?P<seq>[1-9]\d*)$")),
    ("amendment", re.compile(rf"^(?P<base>{NUMBER}) Amd\. (?P<seq>[1-9]\d*)$")),
    ("revised", re.compile(rf"^(?P<base>{NUMBER}) Revised$")),
    ("rev", re.compile(rf"^(?P<base>{NUMBER})rev$")),
    ("supplement", re.compile(r"^(?P<series>[A-Z]{1,4}) Suppl\. (?P<seq>[1-9]\d*)$")),
    ("number", re.compile(rf"^(?P<base>{NUMBER})$")),
    ("provisional", re.compile(rf"^(?P<base>{PROVISIONAL})$")),
)
_PROVISIONAL = re.compile(rf"^{PROVISIONAL}$")
_LIST_SEPARATOR = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_SECTOR_PREFIX = re.compile(r"^(ITU-[TD]) (.+)$")


@dataclass(frozen=True, kw_only=True)
class Designation:
    """What the number cell says: the form, and the parts the form is made of."""

    form: str  # one of the names in _DESIGNATIONS
    written: str  # the cell's text, marker removed
    base: str  # the number (or provisional name) the form is built on; the series for Suppl.
    sequence: int | None = None  # Cor./Amd./Suppl. number


def parse_date(text: str, line: int, *, where: str) -> date:
    """``8 September 2023`` as a date."""
    match = _DAY_MONTH_YEAR.match(text.strip())
    if not match:
        raise SourceError(where, f"not a date like '8 September 2023': {text!r}", line=line)
    day, month, year = match.groups()
    return _date(int(year), MONTHS.index(month) + 1, int(day), text=text, line=line, where=where)


def parse_range(text: str, line: int, *, where: str) -> DateRange:
    """``21 February - 3 March 2023``, ``28 August 2023`` or ``5 - 7 March 2024``."""
    text = text.strip()
    if _DAY_MONTH_YEAR.match(text):
        day = parse_date(text, line, where=where)
        return DateRange(start=day, end=day, written=text)
    match = _RANGE.match(text)
    if not match:
        raise SourceError(where, f"not a date or date range: {text!r}", line=line)
    d1, m1, y1, d2, m2, y2 = match.groups()
    end = _date(int(y2), MONTHS.index(m2) + 1, int(d2), text=text, line=line, where=where)
    start = _date(
        int(y1 or y2), MONTHS.index(m1 or m2) + 1, int(d1), text=text, line=line, where=where
    )
    if start > end:
        raise SourceError(where, f"date range ends before it starts: {text!r}", line=line)
    return DateRange(start=start, end=end, written=text)


def split_status(text: str, line: int, *, where: str) -> tuple[str, tuple[Status, ...]]:
    """A title cell as (title, statuses): ``JSS (Consented 2023-09-08, Approved 2023-10-29)``.

    A final parenthesis is a status phrase when it names a status or holds a date; one that
    does but cannot be read stops the import. Others, like ``(JSS)``, belong to the title.
    """
    match = _TRAILING_PARENS.match(text)
    if not match:
        return text, ()
    body = match["body"]
    looks_like_status = _ISO_DATE.search(body) or any(
        part.strip().startswith(word) for part in body.split(",") for word in STATUS_WORDS
    )
    if not looks_like_status:
        return text, ()
    statuses = tuple(_status(part.strip(), line, where) for part in body.split(","))
    return match["title"], statuses


def _status(part: str, line: int, where: str) -> Status:
    match = _STATUS.match(part)
    if not match:
        raise SourceError(
            where,
            f"unknown status {part!r}; expected one of {', '.join(STATUS_WORDS)} "
            "with an optional date YYYY-MM-DD",
            line=line,
        )
    word, when = match.groups()
    if when is None:
        return Status(kind=STATUS_WORDS[word], date=None)
    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise SourceError(where, f"not a date YYYY-MM-DD in {part!r}", line=line) from None
    return Status(kind=STATUS_WORDS[word], date=day)


def parse_designation(text: str, line: int, *, where: str) -> Designation:
    """The number cell's first line: ``X.1095``, ``X.509 Cor. 2``, ``X.bvm``, ``X Suppl. 42``."""
    for form, pattern in _DESIGNATIONS:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            seq = parts.get("seq")
            return Designation(
                form=form,
                written=text,
                base=parts.get("base") or parts["series"],
                sequence=int(seq) if seq else None,
            )
    raise SourceError(
        where,
        f"not a number or provisional name (X.1095, X.509 Cor. 2, X.510 Revised, X.1250rev, "
        f"X Suppl. 42, X.pet_auth): {text!r}",
        line=line,
    )


def parse_names(text: str, line: int) -> tuple[Name, ...]:
    """A list of groups: ``ITU-T SG2, SG11, SCV; GSMA PQTN; ISO/TC 307/JWG4``.

    Semicolons separate bodies; a sector prefix (``ITU-T``, ``ITU-D``) at the head of a part
    applies to every name of that part.
    """
    names: list[Name] = []
    for part in text.split(";"):
        items = [item.strip() for item in _LIST_SEPARATOR.split(part) if item.strip()]
        prefix = ""
        for index, item in enumerate(items):
            head = _SECTOR_PREFIX.match(item)
            written = item
            if index == 0 and head:
                prefix, written = head.groups()
            names.append(Name(line=line, written=written, prefix=prefix))
    return tuple(names)


def _date(year: int, month: int, day: int, *, text: str, line: int, where: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise SourceError(where, f"no such day: {text!r}", line=line) from None
