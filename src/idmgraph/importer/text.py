"""Read the report's text export into blocks: paragraphs, and table rows made of tab-led cells.

The export writes each table cell on a line of its own starting with a tab; a cell whose text
the export broke over several lines continues on the following lines without a tab (a number
with its provisional name beneath it, a study group with its Question); a blank line ends a
row. Every other line is a paragraph. Line numbers are 1-based, as an editor shows them.
"""

from __future__ import annotations

from pathlib import Path

from idmgraph.base import formats
from idmgraph.base.errors import SourceError
from idmgraph.importer.model import Block, Cell, Paragraph, TableRow

MEDIA_TYPE = formats.PLAIN_TEXT_MEDIA_TYPE


def read_blocks(path: Path) -> list[Block]:
    """The paragraphs and table rows of a text export, in reading order."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path.name, str(exc)) from exc
    return blocks_of(text.splitlines())


def blocks_of(lines: list[str]) -> list[Block]:
    """Group lines into blocks; ``lines[0]`` is line 1."""
    blocks: list[Block] = []
    cells: list[Cell] = []  # the row being read
    for number, raw in enumerate(lines, start=1):
        # The Word export writes no-break spaces where the author typed them; they mean spaces.
        line = raw.replace("\xa0", " ").rstrip()
        if line.startswith("\t"):
            cells.append(Cell(line=number, lines=(line.strip(),)))
        elif not line.strip():
            _close_row(cells, blocks)
        elif cells:
            last = cells[-1]
            cells[-1] = Cell(line=last.line, lines=(*last.lines, line.strip()))
        else:
            blocks.append(Paragraph(line=number, text=line.strip()))
    _close_row(cells, blocks)
    return blocks


def _close_row(cells: list[Cell], blocks: list[Block]) -> None:
    if cells:
        blocks.append(TableRow(line=cells[0].line, cells=tuple(cells)))
        cells.clear()
