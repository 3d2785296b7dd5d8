"""Read the report's Word original with python-docx: paragraphs as paragraphs, tables as tables.

Each table cell's paragraphs are the cell's lines (a number with its provisional name beneath
is two paragraphs of one cell). Word has no line numbers, so blocks are numbered in reading
order: paragraph N, or the Nth block for a table row; errors name that number.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph as DocxParagraph

from idmgraph.base import formats
from idmgraph.base.errors import SourceError
from idmgraph.importer.model import Block, Cell, Paragraph, TableRow

MEDIA_TYPE = formats.DOCX_MEDIA_TYPE


def read_blocks(path: Path) -> list[Block]:
    """The paragraphs and table rows of a .docx, in reading order."""
    try:
        document: Document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a bad package
        raise SourceError(path.name, f"not a readable .docx: {exc}") from exc
    blocks: list[Block] = []
    number = 0
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            number += 1
            text = _clean(item.text)
            if text:
                blocks.append(Paragraph(line=number, text=text))
        elif isinstance(item, Table):
            for row in item.rows:
                number += 1
                cells = tuple(
                    Cell(
                        line=number,
                        lines=tuple(
                            line for line in (_clean(p.text) for p in cell.paragraphs) if line
                        )
                        or ("",),
                    )
                    for cell in row.cells
                )
                blocks.append(TableRow(line=number, cells=cells))
    return blocks


def _clean(text: str) -> str:
    return text.replace("\xa0", " ").strip()
