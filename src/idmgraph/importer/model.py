"""The parsed records of a progress report, independent of the file format it came in.

Readers (:mod:`.text`, :mod:`.docx`) turn a file into :class:`Block` s (paragraphs and table
rows, each with the line it starts on); :mod:`.reader` turns the blocks into a :class:`Report`;
:mod:`.resources` turns the report into RDF resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """One paragraph of running text."""

    line: int
    text: str


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One table cell: its lines as the export broke them, the first on ``line``."""

    line: int
    lines: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TableRow:
    """One table row."""

    line: int
    cells: tuple[Cell, ...]


Block = Paragraph | TableRow


@dataclass(frozen=True, kw_only=True)
class Status:
    """A status phrase such as ``Approved 2023-11-13``; undated when the report gives no date."""

    kind: str  # notation of a concept of def/status/, e.g. "approved", "new-work-item"
    date: date | None


@dataclass(frozen=True, kw_only=True)
class Row:
    """One row of an annex table."""

    line: int
    annex: int  # 1 (achievements) or 2 (work plan)
    group: str  # study group as written, e.g. "SG17"
    question: str | None  # e.g. "Q10"
    number: str  # the number cell's first line without its marker, e.g. "X.509 Cor. 2"
    provisional_name: str | None  # the provisional name written beneath a number
    marker: str  # "", "*" or "**"
    route: str  # notation in def/route/ that the marker's footnote gives, e.g. "tap"
    title: str
    statuses: tuple[Status, ...]


@dataclass(frozen=True, kw_only=True)
class Name:
    """An organisation or group as the report writes it, with the line it is on."""

    line: int
    written: str  # as written, without the list's sector prefix ("SG11")
    prefix: str = ""  # the sector prefix heading its part of a list ("ITU-T"), if any


@dataclass(frozen=True, kw_only=True)
class DateRange:
    """A meeting's dates and the words the report gives them in."""

    start: date
    end: date
    written: str  # "21 February - 3 March 2023"


@dataclass(frozen=True, kw_only=True)
class JcaMeeting:
    """One JCA-IdM meeting: its date, who reported, and the TD holding its report."""

    line: int
    dates: DateRange
    reporters: tuple[Name, ...]
    td: str | None


@dataclass(frozen=True, kw_only=True)
class Workshop:
    """A workshop the study group organised."""

    line: int
    title: str  # "workshop on zero trust and software supply chain security"
    dates: DateRange
    description: str
    td: str | None
    day_before_meeting: bool


@dataclass(frozen=True, kw_only=True)
class Report:
    """Everything one progress report says."""

    path: str
    media_type: str
    study_group: str  # the reporting study group's number, e.g. "17"
    status_date: date
    period_start: date
    period_end: date
    period_written: str  # as written, e.g. "3 March 2023 - 8 September 2023"
    annex2_title: str
    rows: tuple[Row, ...]
    lead_elements: tuple[Name, ...]
    active_groups: tuple[Name, ...]
    web_pages: tuple[tuple[str, str], ...]  # (label, URL)
    previous_meeting: DateRange | None
    results_sent_to: Name | None
    meeting: DateRange | None  # the meeting that closed the reporting period
    workshops: tuple[Workshop, ...]
    roadmap_title: str | None
    roadmap_td: str | None
    jca_parent: str | None
    jca_purpose: str | None
    jca_partners: tuple[Name, ...]
    resolutions: tuple[str, ...]  # "WTSA-20 Resolution 2", "GSC-16 Resolution 4 on …"
    jca_meetings: tuple[JcaMeeting, ...]
    received_from: tuple[Name, ...]
    sent_to: tuple[Name, ...]
