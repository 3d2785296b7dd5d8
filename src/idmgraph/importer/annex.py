"""The annex tables: one :class:`Row` per table row, routes taken from the footnotes.

A row has three cells: study group (with its Question beneath), number (with the provisional
name beneath, and a ``*``/``**`` marker), and title (with a trailing status phrase). The
meaning of a marker is given by the footnote under its table, and the two annexes word them
differently ("were determined" under Annex 1, "are for determination" under Annex 2), so the
route is read from the footnote's words, never assumed.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from idmgraph.base.errors import SourceError
from idmgraph.importer.model import Cell, Row, TableRow
from idmgraph.importer.phrases import parse_designation, split_status

HEADER = ("SG", "No", "Title")
_GROUP = re.compile(r"^SG ?(\d+)$")
_QUESTION = re.compile(r"^Q(\d+)(?:/\d+)?$")
_MARKER = re.compile(r"^(?P<text>.*?)(?P<marker>\*{0,3})$")
_FOOTNOTE = re.compile(r"^(?P<marker>\*+)\s*(?P<text>\S.*)$")
# Words of a footnote, and the route (def/route/) each one gives.
_ROUTE_WORDS = (
    ("agreement", "agreement"),
    ("determin", "tap"),
    ("consent", "aap"),
)


@dataclass(kw_only=True)
class Table:
    """The rows and footnotes of one annex, before the markers are resolved."""

    annex: int
    where: str
    rows: list[tuple[TableRow, Row]] = field(default_factory=list)
    routes: dict[str, str] = field(default_factory=dict)  # marker -> route
    header_seen: bool = False

    def add_row(self, block: TableRow) -> None:
        """Read one table row (the header row is checked and skipped)."""
        texts = tuple(" ".join(cell.lines) for cell in block.cells)
        if texts == HEADER:
            self.header_seen = True
            return
        if not self.header_seen:
            raise SourceError(
                self.where, f"a table row before the header row {HEADER}", line=block.line
            )
        self.rows.append((block, self._row(block)))

    def add_footnote(self, text: str, line: int) -> None:
        """Read a footnote such as ``*\\tMarked draft Recommendations were determined; …``."""
        match = _FOOTNOTE.match(text)
        if not match:
            raise SourceError(self.where, f"not a footnote: {text!r}", line=line)
        clauses = match["text"].split(";")
        self.routes[match["marker"]] = _route_of(clauses[0], line, self.where)
        for clause in clauses[1:]:
            if "non-marked" in clause:
                self.routes[""] = _route_of(clause, line, self.where)

    def finish(self) -> list[Row]:
        """The rows with the route of their marker; a marker with no footnote stops the import."""
        self.routes.setdefault("", "aap")
        rows = []
        for block, row in self.rows:
            if row.marker not in self.routes:
                raise SourceError(
                    self.where,
                    f"marker {row.marker!r} has no footnote under Annex {self.annex}",
                    line=block.cells[1].line,
                )
            rows.append(dataclasses.replace(row, route=self.routes[row.marker]))
        return rows

    def _row(self, block: TableRow) -> Row:
        if len(block.cells) != 3:
            raise SourceError(
                self.where,
                f"a row needs 3 cells (SG, No, Title), this one has {len(block.cells)}: "
                f"{' | '.join(' '.join(cell.lines) for cell in block.cells)!r}",
                line=block.line,
            )
        group_cell, number_cell, title_cell = block.cells
        group, question = self._group(group_cell)
        number, provisional, marker = self._number(number_cell)
        title, statuses = split_status(
            " ".join(title_cell.lines), title_cell.line, where=self.where
        )
        if not title:
            raise SourceError(self.where, "a row without a title", line=title_cell.line)
        if self.annex == 1 and not statuses:
            raise SourceError(
                self.where,
                f"an achievement needs its status, e.g. '(Approved 2023-04-29)': {title!r}",
                line=title_cell.line,
            )
        return Row(
            line=block.line,
            annex=self.annex,
            group=group,
            question=question,
            number=number,
            provisional_name=provisional,
            marker=marker,
            route="",
            title=title,
            statuses=statuses,
        )

    def _group(self, cell: Cell) -> tuple[str, str | None]:
        match = _GROUP.match(cell.lines[0])
        if not match or len(cell.lines) > 2:
            raise SourceError(
                self.where,
                "not a study group (SG17, with its Question Q10 beneath): "
                f"{' / '.join(cell.lines)!r}",
                line=cell.line,
            )
        if len(cell.lines) == 1:
            return match[1], None
        question = _QUESTION.match(cell.lines[1])
        if not question:
            raise SourceError(
                self.where, f"not a Question like Q10: {cell.lines[1]!r}", line=cell.line + 1
            )
        return match[1], question[1]

    def _number(self, cell: Cell) -> tuple[str, str | None, str]:
        if len(cell.lines) > 2:
            raise SourceError(
                self.where,
                f"a number cell holds a number and at most a provisional name: {cell.lines!r}",
                line=cell.line,
            )
        match = _MARKER.match(cell.lines[0])
        assert match is not None  # the pattern matches every string
        number, marker = match["text"].strip(), match["marker"]
        designation = parse_designation(number, cell.line, where=self.where)
        if len(cell.lines) == 1:
            return number, None, marker
        beneath = parse_designation(cell.lines[1], cell.line + 1, where=self.where)
        if beneath.form != "provisional" or designation.form == "provisional":
            raise SourceError(
                self.where,
                f"expected a number with a provisional name beneath it: {' / '.join(cell.lines)!r}",
                line=cell.line + 1,
            )
        return number, beneath.written, marker


def _route_of(clause: str, line: int, where: str) -> str:
    lowered = clause.lower()
    for word, route in _ROUTE_WORDS:
        if word in lowered:
            return route
    raise SourceError(where, f"a footnote that names no approval route: {clause!r}", line=line)
