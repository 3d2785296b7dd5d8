"""Blocks (from the text export or the .docx) to a :class:`Report`.

The report is read in zones: the running text, then ``Annex 1`` (achievements) and
``Annex 2`` (work plan), each a title, an optional lettered section heading per table, the
table, and ``Note(s):`` with the footnotes. Anything else stops the import at its line.
"""

from __future__ import annotations

import re
from datetime import date

from idmgraph.base.errors import SourceError
from idmgraph.importer.annex import Table
from idmgraph.importer.model import Block, Paragraph, Report, Row, TableRow
from idmgraph.importer.narrative import Narrative
from idmgraph.importer.phrases import parse_date, parse_range

_ANNEX = re.compile(r"^Annex (\d)$")
_SECTION = re.compile(r"^[a-z]\)\s+\S.*$")
_NOTES = re.compile(r"^Notes?:$")
_STATUS = re.compile(r"^\(status:? (?P<date>[^,)]+)(?:, [^)]*)?\)$")
_PERIOD = re.compile(r"^\((?P<range>\d.+\d{4})\)$")
# Leftovers of the Word export that carry no content.
_ARTEFACTS = (
    re.compile(r"^\[bookmark: [^\]]*\]_*$"),
    re.compile(r"^_+$"),
    re.compile(r"^image\d+\.\w+$"),
)


def read_report(
    blocks: list[Block], *, where: str, media_type: str, as_of: date | None = None
) -> Report:
    """Interpret the blocks of one report; ``as_of`` overrides the status date it states."""
    narrative = Narrative(where=where)
    tables: dict[int, Table] = {}
    titles: dict[int, list[str]] = {1: [], 2: []}
    period: tuple[int, str] | None = None
    table: Table | None = None
    in_notes = False
    for block in blocks:
        if isinstance(block, TableRow):
            if table is None or in_notes:
                raise SourceError(where, "a table row outside an annex table", line=block.line)
            table.add_row(block)
            continue
        text = block.text
        annex = _ANNEX.match(text)
        if annex:
            number = int(annex[1])
            if number not in titles or number in tables:
                raise SourceError(where, f"unexpected {text!r}", line=block.line)
            table, in_notes = Table(annex=number, where=where), False
            tables[number] = table
        elif table is None:
            narrative.read(block)
        elif any(pattern.match(text) for pattern in _ARTEFACTS):
            continue
        elif _NOTES.match(text):
            in_notes = True
        elif in_notes:
            table.add_footnote(text, block.line)
        elif (_SECTION.match(text) and not table.rows) or (
            _SECTION.match(text) and table.annex == 1
        ):
            continue
        elif not table.rows and not table.header_seen:
            period = _title_line(block, table.annex, titles, narrative, period)
        else:
            raise SourceError(
                where, f"cannot understand {text!r} in Annex {table.annex}", line=block.line
            )
    narrative.finish()
    return _report(
        where,
        media_type=media_type,
        n=narrative,
        tables=tables,
        titles=titles,
        period=period,
        as_of=as_of,
    )


def _title_line(
    block: Paragraph,
    annex: int,
    titles: dict[int, list[str]],
    narrative: Narrative,
    period: tuple[int, str] | None,
) -> tuple[int, str] | None:
    """A line of an annex title; the dates in brackets are the reporting period or status."""
    status = _STATUS.match(block.text)
    written = _PERIOD.match(block.text)
    if status:
        stated = parse_date(status["date"], block.line, where=narrative.where)
        if narrative.status_date not in (None, stated):
            raise SourceError(
                narrative.where,
                f"status date {stated} differs from {narrative.status_date} given earlier",
                line=block.line,
            )
        narrative.status_date = stated
    elif written and annex == 1:
        return block.line, written["range"]
    else:
        titles[annex].append(block.text)
    return period


def _report(
    where: str,
    *,
    media_type: str,
    n: Narrative,
    tables: dict[int, Table],
    titles: dict[int, list[str]],
    period: tuple[int, str] | None,
    as_of: date | None,
) -> Report:
    if period is None:
        raise SourceError(
            where, "no reporting period, e.g. '(3 March 2023 - 8 September 2023)', under Annex 1"
        )
    line, written = period
    dates = parse_range(written, line, where=where)
    status_date = as_of or n.status_date
    if status_date is None:
        raise SourceError(where, "the report gives no status date; give one with --as-of")
    if n.study_group is None:
        raise SourceError(where, "no sentence names the reporting study group")
    rows: list[Row] = []
    for number in sorted(tables):
        rows.extend(tables[number].finish())
    annex2_title = " ".join([*titles[2], f"(status {_day(status_date)})"]) if 2 in tables else ""
    return Report(
        path=where,
        media_type=media_type,
        study_group=n.study_group,
        status_date=status_date,
        period_start=dates.start,
        period_end=dates.end,
        period_written=written,
        annex2_title=annex2_title,
        rows=tuple(rows),
        lead_elements=tuple(n.lead_elements),
        active_groups=tuple(n.active_groups),
        web_pages=tuple(n.web_pages),
        previous_meeting=n.previous_meeting,
        results_sent_to=n.results_sent_to,
        meeting=n.meeting,
        workshops=tuple(n.workshops),
        roadmap_title=n.roadmap_title,
        roadmap_td=n.roadmap_td,
        jca_parent=n.jca_parent,
        jca_purpose=n.jca_purpose,
        jca_partners=tuple(n.jca_partners),
        resolutions=tuple(n.resolutions),
        jca_meetings=tuple(n.jca_meetings),
        received_from=tuple(n.received_from),
        sent_to=tuple(n.sent_to),
    )


def _day(day: date) -> str:
    """``8 September 2023``."""
    return f"{day.day} {day:%B} {day.year}"
