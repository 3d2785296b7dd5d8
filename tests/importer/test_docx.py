"""The .docx original reads like the text export: tables as tables, paragraphs as paragraphs."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from importer_support import CURATED, REPORT_2023_09, tree_digest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from idmgraph.base.errors import SourceError
from idmgraph.base.settings import Settings
from idmgraph.importer import import_report
from idmgraph.importer.docx import MEDIA_TYPE
from idmgraph.importer.model import Paragraph, TableRow
from idmgraph.importer.text import read_blocks


def write_docx(blocks: list[Paragraph | TableRow], path: Path) -> Path:
    """A Word document holding the blocks: consecutive table rows become one table."""
    document = docx.Document()
    table = None
    for block in blocks:
        if isinstance(block, Paragraph):
            document.add_paragraph(block.text)
            table = None
            continue
        if table is None or len(table.columns) != len(block.cells):
            table = document.add_table(rows=0, cols=len(block.cells))
        cells = table.add_row().cells
        for cell, source in zip(cells, block.cells, strict=True):
            cell.paragraphs[0].text = source.lines[0]
            for line in source.lines[1:]:
                cell.add_paragraph(line)
    document.save(str(path))
    return path


def _graph(folder: Path, base: str) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle", publicID=base)
    return graph


def test_docx_original_gives_the_curated_graph(empty_project: Settings, tmp_path: Path) -> None:
    original = write_docx(
        read_blocks(REPORT_2023_09), tmp_path / "sg17-idm-progress-report-2023-09.docx"
    )
    result = import_report(empty_project, original)
    imported = _graph(result.directory, empty_project.base_iri)
    curated = _graph(CURATED, empty_project.base_iri)
    source = next(iter(imported.subjects(DCTERMS.format, None)))
    # Only the file the source was read from differs: its name and media type.
    assert imported.value(source, DCTERMS.format) == Literal(MEDIA_TYPE)
    assert imported.value(source, DCTERMS.identifier) == Literal(original.name)
    for graph in (imported, curated):
        graph.remove((source, DCTERMS.format, None))
        graph.remove((source, DCTERMS.identifier, None))
    assert isomorphic(imported, curated)


def test_docx_error_names_the_block(empty_project: Settings, tmp_path: Path) -> None:
    blocks = read_blocks(REPORT_2023_09)
    bad = next(
        index
        for index, block in enumerate(blocks)
        if isinstance(block, TableRow) and block.cells[1].lines[0] == "X.1281*"
    )
    row = blocks[bad]
    assert isinstance(row, TableRow)
    cells = list(row.cells)
    cells[1] = type(cells[1])(line=cells[1].line, lines=("X.1281***", "X.osia"))
    blocks[bad] = TableRow(line=row.line, cells=tuple(cells))
    original = write_docx(blocks, tmp_path / "broken.docx")
    before = tree_digest(empty_project.root)
    with pytest.raises(SourceError, match=r"marker '\*\*\*'") as caught:
        import_report(empty_project, original)
    # Word has no lines: blocks are numbered in reading order, paragraphs and rows alike.
    document = docx.Document(str(original))
    paragraphs_before = sum(1 for block in blocks[:bad] if isinstance(block, Paragraph))
    rows_before = sum(1 for block in blocks[:bad] if isinstance(block, TableRow))
    assert caught.value.line == paragraphs_before + rows_before + 1
    assert len(document.tables) == 4  # Annex 1 a), b), c) and Annex 2
    assert tree_digest(empty_project.root) == before


def test_not_a_docx(empty_project: Settings, tmp_path: Path) -> None:
    fake = tmp_path / "report.docx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(SourceError, match=r"not a readable \.docx"):
        import_report(empty_project, fake)
