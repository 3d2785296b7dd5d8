"""The standards landscape (Roadmap Part 6) computed from the graph: one line per text or work item.

For each body (the organisation a catalogue or a report is attributed to) and each of its
groups, the approved texts (the latest edition on the date, earlier editions folded beneath
it, with its corrigenda and amendments), the work under development (ISO stages below 60,
W3C drafts, work items of the latest report in progress) and the withdrawn texts. Two named
queries read the graph (``landscape-editions``, ``landscape-work-items``); both take the date,
so the landscape on a past date is the same computation over the editions and events dated
by then. The answers come in as :class:`~idmgraph.reading.report.Table` records, so the landscape is
assembled alike from an embedded store (``idmgraph landscape``) or from the web layer.

    landscape = build_landscape(store, load_catalogue(Path("queries")), on="2024-01-01")
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pyoxigraph as ox

from idmgraph.pipeline.queries import Catalogue, NamedQuery
from idmgraph.reading.report import Table, run_planned

EDITIONS_QUERY = "landscape-editions"
WORK_ITEMS_QUERY = "landscape-work-items"
DATE_PARAMETER = "on"
TITLE = "Identity-management standards landscape"

APPROVED = "approved"
DEVELOPMENT = "development"
WITHDRAWN = "withdrawn"
DISCONTINUED = "discontinued"
#: Every status a line can have, in the order the page shows them.
STATUSES = (APPROVED, DEVELOPMENT, WITHDRAWN, DISCONTINUED)
STATUS_NAMES = {
    APPROVED: "Approved",
    DEVELOPMENT: "Under development",
    WITHDRAWN: "Withdrawn",
    DISCONTINUED: "Discontinued",
}
WITHDRAWN_STAGES = frozenset({"95.99", "RET", "DISC", "OBSL", "RSCND"})
#: W3C maturity levels of a published text; every other W3C level is a draft.
W3C_PUBLISHED = frozenset({"REC", "NOTE", "STMT"})
#: Report statuses (lifecycle event types) by the landscape status they count as.
LISTED = "in the work programme"  # an item the report lists with no lifecycle event
ITEM_STATUS = {"approved": APPROVED, "agreed": APPROVED, "discontinued": DISCONTINUED}


@dataclass(frozen=True, kw_only=True)
class Edition:
    """One catalogue record: an edition of a text, a corrigendum or an amendment."""

    iri: str
    identifier: str  # as printed
    date: str  # empty when the catalogue gives none
    stage: str  # ISO stage code or W3C maturity level; empty for ITU-T
    source: str  # the record's own page at the body
    title: str
    replaced: str = ""  # date of the edition that replaced it, when one did

    def withdrawn(self, on: str) -> bool:
        """Whether the record was withdrawn on ``on`` (a replaced one only from its successor)."""
        return self.stage in WITHDRAWN_STAGES and not (self.replaced and self.replaced > on)

    @property
    def draft(self) -> bool:
        """Whether the record is work under development (ISO below 60, a W3C draft)."""
        if not self.stage:
            return False
        if self.stage[:1].isdigit():
            return self.stage < "60"
        return self.stage not in W3C_PUBLISHED and self.stage not in WITHDRAWN_STAGES


@dataclass(frozen=True, kw_only=True)
class Line:
    """One line of the landscape: a text (its latest edition) or a work item."""

    body: str  # IRI of the body
    body_name: str
    group: str  # IRI of the group ("" when no source names one)
    group_name: str
    question: str
    question_name: str
    kind: str  # "text" or "work item"
    iri: str  # the text or the work item
    name: str  # notation as printed (X.509, ISO/IEC 24760-1, X.pet_auth)
    title: str
    status: str  # one of STATUSES
    detail: str  # the stage, maturity or report status behind the status
    date: str  # date of the latest edition, or of the work item's latest event
    identifier: str  # the latest edition's identifier as printed
    source: str  # the latest edition's page at the body
    earlier: tuple[Edition, ...] = ()  # newest first
    parts: tuple[Edition, ...] = ()  # corrigenda and amendments, newest first
    topics: tuple[str, ...] = ()

    @property
    def changed(self) -> str:
        """The latest date anything on the line moved."""
        return max((self.date, *(part.date for part in self.parts)), default="")


@dataclass(frozen=True, kw_only=True)
class Filters:
    """What a reader narrows the landscape to; empty fields narrow nothing."""

    body: str = ""  # body name (ITU) or IRI
    topic: str = ""  # topic notation
    status: str = ""  # one of STATUSES
    since: str = ""  # lines changed on or after this date

    def keeps(self, line: Line) -> bool:
        """Whether ``line`` passes every filter given."""
        return (
            (not self.body or self.body in (line.body, line.body_name))
            and (not self.topic or self.topic in line.topics)
            and (not self.status or self.status == line.status)
            and (not self.since or line.changed >= self.since)
        )


@dataclass(frozen=True, kw_only=True)
class Landscape:
    """The landscape on a date: its lines, sorted by body, group and name."""

    on: str
    lines: tuple[Line, ...]

    def counts(self) -> dict[tuple[str, str], int]:
        """Lines per (body name, status)."""
        return dict(Counter((line.body_name, line.status) for line in self.lines))

    def bodies(self) -> list[str]:
        """Body names in the order shown."""
        return sorted({line.body_name for line in self.lines})

    def topics(self) -> list[str]:
        """Every topic a line carries."""
        return sorted({topic for line in self.lines for topic in line.topics})

    def approvals(self) -> dict[str, list[str]]:
        """Approval dates of every published edition (corrections too) per body, and per
        study group for the texts a work item places in a Question (ITU SG17)."""
        by_series: dict[str, list[str]] = {}
        for line in self.lines:
            if line.kind != "text":
                continue
            folded = (*line.earlier, *line.parts)
            dates = [e.date for e in folded if e.date and not e.draft]
            if line.status != DEVELOPMENT and line.date:
                dates.append(line.date)
            by_series.setdefault(line.body_name, []).extend(dates)
            if line.question:
                by_series.setdefault(f"{line.body_name} {line.group_name}", []).extend(dates)
        return by_series

    def filtered(self, filters: Filters) -> Landscape:
        """The landscape reduced to the lines the filters keep."""
        return replace(self, lines=tuple(line for line in self.lines if filters.keeps(line)))


def today() -> str:
    """The date a landscape without ``on`` is computed for."""
    return datetime.datetime.now(tz=datetime.UTC).date().isoformat()


def plan(catalogue: Catalogue, *, on: str | None = None) -> list[tuple[NamedQuery, dict[str, str]]]:
    """The two queries of the landscape with their parameter values; a bad date fails here."""
    values = {DATE_PARAMETER: on or today()}
    runs = []
    for name in (EDITIONS_QUERY, WORK_ITEMS_QUERY):
        query = catalogue.get(name)
        query.bindings(values)
        runs.append((query, dict(values)))
    return runs


def build_landscape(store: ox.Store, catalogue: Catalogue, *, on: str | None = None) -> Landscape:
    """Run the landscape's queries on an embedded store and assemble it."""
    planned = plan(catalogue, on=on)
    return assemble(run_planned(store, planned), on=planned[0][1][DATE_PARAMETER])


def assemble(answers: Mapping[str, Table], *, on: str) -> Landscape:
    """The landscape from the answers of its queries, keyed by query name."""
    items = _merged(answers[WORK_ITEMS_QUERY].records(), key="item", many=("topic", "develops"))
    editions = _merged(answers[EDITIONS_QUERY].records(), key="edition", many=("topic",))
    groups = {text: item for item in items.values() for text in item["develops"] if item["group"]}
    item_topics: dict[str, set[str]] = {}
    for item in items.values():
        for text in item["develops"]:
            item_topics.setdefault(text, set()).update(item["topic"])
    names = _group_names(editions.values())
    by_text: dict[str, list[dict[str, str | list[str]]]] = {}
    parts: dict[str, list[Edition]] = {}
    for row in editions.values():
        row["committeeName"] = names.get(str(row["committee"]), "")
        base = str(row["base"]) if row["base"] and row["base"] != row["text"] else ""
        if base:
            parts.setdefault(base, []).append(_edition(row))
            if row["text"] in groups:  # the work item developing a correction names the group
                groups.setdefault(base, groups[str(row["text"])])
        else:
            by_text.setdefault(str(row["text"]), []).append(row)
    for base, found in parts.items():  # a correction whose text has no edition: a line of its own
        if base not in by_text:
            for edition in found:
                row = editions[edition.iri]
                by_text.setdefault(str(row["text"]), []).append(row)
    lines = [
        line
        for text, rows in by_text.items()
        for line in _text_lines(
            rows,
            parts=parts.get(text, []),
            item=groups.get(text),
            topics=item_topics.get(text),
            on=on,
        )
    ]
    lines += [_item_line(item) for item in items.values()]
    return Landscape(on=on, lines=tuple(sorted(lines, key=_order)))


def _order(line: Line) -> tuple[str, ...]:
    return (line.body_name, line.group_name or "~", line.kind, line.name, line.status)


def _merged(
    records: Iterable[dict[str, str]], *, key: str, many: tuple[str, ...]
) -> dict[str, dict[str, str | list[str]]]:
    """Rows of one resource folded into one record; ``many`` columns gather every value."""
    merged: dict[str, dict[str, str | list[str]]] = {}
    for row in records:
        record = merged.setdefault(row[key], {**row, **{name: [] for name in many}})
        for name in many:
            values = record[name]
            assert isinstance(values, list)
            if row[name] and row[name] not in values:
                values.append(row[name])
        # a single column keeps its least non-empty value: rows come in an order the store
        # chooses, and every store must give the same landscape
        for name, value in row.items():
            kept = record[name]
            if name not in many and value and (not kept or value < str(kept)):
                record[name] = value
    return merged


def _group_names(rows: Iterable[Mapping[str, str | list[str]]]) -> dict[str, str]:
    """One name per committee: the shortest its records give (a notation before a label)."""
    names: dict[str, str] = {}
    for row in rows:
        group, name = str(row["committee"]), str(row["committeeName"])
        if name and (group not in names or (len(name), name) < (len(names[group]), names[group])):
            names[group] = name
    return names


def _edition(row: Mapping[str, object]) -> Edition:
    return Edition(
        iri=str(row["edition"]),
        identifier=str(row["identifier"]),
        date=str(row["date"]),
        stage=str(row["stage"]),
        source=str(row["page"]),
        title=str(row["title"]),
        replaced=str(row["replacedOn"]),
    )


def _newest_first(editions: Iterable[Edition]) -> list[Edition]:
    # an undated record is the newest (a draft not yet dated), then by date and identifier
    return sorted(editions, key=lambda e: (e.date == "", e.date, e.identifier), reverse=True)


def _text_lines(
    rows: list[dict[str, str | list[str]]],
    *,
    parts: list[Edition],
    item: Mapping[str, str | list[str]] | None,
    topics: set[str] | None,
    on: str,
) -> list[Line]:
    """One line for the text's latest published edition, one for a newer draft."""
    first = rows[0]
    editions = _newest_first(_edition(row) for row in rows)
    published = [e for e in editions if not e.draft]
    drafts = [e for e in editions if e.draft]
    committee = next((str(row["committee"]) for row in rows if row["committee"]), "")
    committee_name = next((str(row["committeeName"]) for row in rows if row["committeeName"]), "")
    text_topics = {topic for row in rows for topic in row["topic"]} | (topics or set())

    def line(latest: Edition, earlier: list[Edition], status: str, folded: list[Edition]) -> Line:
        return Line(
            body=str(first["body"]),
            body_name=str(first["bodyName"]) or str(first["body"]).rstrip("/").rsplit("/")[-1],
            group=committee or (str(item["group"]) if item else ""),
            group_name=committee_name or (str(item["groupName"]) if item else ""),
            question=str(item["question"]) if item and not committee else "",
            question_name=str(item["questionName"]) if item and not committee else "",
            kind="text",
            iri=str(first["text"]),
            name=str(first["textNotation"]) or str(first["text"]).split("/id/")[-1],
            title=latest.title or next((e.title for e in earlier if e.title), ""),
            status=status,
            detail=latest.stage,
            date=latest.date,
            identifier=latest.identifier,
            source=latest.source,
            earlier=tuple(earlier),
            parts=tuple(_newest_first(folded)),
            topics=tuple(sorted(text_topics)),
        )

    found = []
    if published:
        latest = published[0]
        status = WITHDRAWN if latest.withdrawn(on) else APPROVED
        older = [e for e in editions if e is not latest and (e.date or "~") <= latest.date]
        found.append(line(latest, older, status, parts))
    newer = [d for d in drafts if not published or (d.date or "~") > published[0].date]
    if newer:
        found.append(line(newer[0], newer[1:], DEVELOPMENT, [] if published else parts))
    return found


def _item_line(item: Mapping[str, str | list[str]]) -> Line:
    reported = str(item["status"]) or LISTED
    return Line(
        body=str(item["body"]),
        body_name=str(item["bodyName"]) or str(item["body"]),
        group=str(item["group"]),
        group_name=str(item["groupName"]),
        question=str(item["question"]),
        question_name=str(item["questionName"]),
        kind="work item",
        iri=str(item["item"]),
        name=str(item["designation"]),
        title=str(item["title"]),
        status=ITEM_STATUS.get(reported, DEVELOPMENT),
        detail=reported,
        date=str(item["since"] or item["latest"]),
        identifier="",
        source=str(item["report"]),
        topics=tuple(sorted(item["topic"])),
    )
