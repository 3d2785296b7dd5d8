"""``idmgraph import``: a report file to a new ``data/<slug>/`` folder, all or nothing.

The folder is written inside a scratch project next to ``data/`` (sharing ``ontology/``,
``shapes/`` and the earlier sources through symbolic links), validated there by the SHACL gate
together with every earlier source, and only then renamed into ``data/``. Any error leaves
``data/`` exactly as it was.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Graph

from idmgraph.base.errors import SourceError, ValidationFailed
from idmgraph.base.settings import Settings
from idmgraph.importer import docx, text
from idmgraph.importer.earlier import Flagged, flag_departures, known, reconcile
from idmgraph.importer.model import Block, Report
from idmgraph.importer.reader import read_report
from idmgraph.importer.resources import report_statements, source_slug
from idmgraph.importer.turtle import render
from idmgraph.pipeline import sources as project
from idmgraph.pipeline.validate import to_graph, validate

HEADERS = {
    "source.ttl": "The source: {title}.\nEvery statement in this folder comes from it "
    "(written by idmgraph import).",
    "organisations.ttl": "Organisations and groups the report names, nested with "
    "org:subOrganizationOf.",
    "meetings.ttl": "Meetings, workshops, temporary documents, the roadmap and resolutions.",
    "liaisons.ttl": "Liaison statements received and sent in the reporting period, by counterpart.",
    "annex1.ttl": "Annex 1: achievements of ITU-T study groups on IdM in the reporting period.",
    "annex2.ttl": "Annex 2: the current work plan of ITU-T study groups on IdM.",
    "texts.ttl": "The numbered ITU-T texts the report names.",
}


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    """What ``import_report`` wrote."""

    slug: str
    directory: Path
    source: str  # the source IRI, also its named graph
    files: tuple[str, ...]
    triples: int
    rows: int
    work_plan: int  # work items the work plan lists
    flagged: tuple[Flagged, ...]  # left the work plan without a final status
    conflicts: tuple[str, ...]  # facts stated differently by an earlier source (kept)


def read(path: Path, *, as_of: date | None = None) -> Report:
    """Read a report (``.txt`` export or ``.docx`` original) into its records."""
    blocks: list[Block]
    if path.suffix == ".docx":
        blocks, media_type = docx.read_blocks(path), docx.MEDIA_TYPE
    elif path.suffix == ".txt":
        blocks, media_type = text.read_blocks(path), text.MEDIA_TYPE
    else:
        raise SourceError(path.name, "a report is a .txt export or a .docx original")
    return read_report(blocks, where=path.name, media_type=media_type, as_of=as_of)


def import_report(settings: Settings, path: Path, *, as_of: date | None = None) -> ImportResult:
    """Import one report into ``data/<slug>/``; on SourceError/ValidationFailed write nothing."""
    report = read(path, as_of=as_of)
    slug = source_slug(report)
    root = settings.root
    target = root / project.DATA_DIR / slug
    if target.exists():
        raise SourceError(
            path.name, f"{project.DATA_DIR}/{slug} exists: this report was imported already"
        )
    earlier = _earlier_graph(settings)
    out, plan = report_statements(
        report, data_base=settings.data_base, known=known(earlier, settings.data_base)
    )
    conflicts = reconcile(out, earlier)
    flagged = flag_departures(out, earlier, plan, report.status_date)
    title = f"{path.name}, status {report.status_date}"
    headers = {name: text_.format(title=title) for name, text_ in HEADERS.items()}
    files = render(out, base_iri=settings.base_iri, headers=headers)
    write_checked(settings, slug, files)
    return ImportResult(
        slug=slug,
        directory=target,
        source=project.source_graph_name(settings, slug),
        files=tuple(sorted(files)),
        triples=len(out.graph()),
        rows=len(report.rows),
        work_plan=len(plan),
        flagged=tuple(flagged),
        conflicts=tuple(conflicts),
    )


def _earlier_graph(settings: Settings) -> Graph:
    loaded = project.load(settings)
    return to_graph(
        triple for graph in loaded.of_role(project.Role.DATA) for triple in graph.triples()
    )


def write_checked(
    settings: Settings, slug: str, files: dict[str, str], *, replace: bool = False
) -> None:
    """Write into a scratch project, validate it with every other source, then move it in.

    With ``replace`` an earlier ``data/<slug>/`` is left out of the check and replaced by the
    new folder in one rename; without it the folder must be new.
    """
    root = settings.root
    scratch = Path(tempfile.mkdtemp(prefix=".idmgraph-import-", dir=root))
    try:
        for shared in (project.ONTOLOGY_DIR, project.SHAPES_DIR):
            if (root / shared).is_dir():
                (scratch / shared).symlink_to((root / shared).resolve(), target_is_directory=True)
        data = scratch / project.DATA_DIR
        data.mkdir()
        for folder in project.data_folders(root):
            if folder.name == slug:
                continue
            (data / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
        folder = data / slug
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
        # the project's own engine: the reference pyshacl takes minutes on a whole catalogue
        scratch_settings = dataclasses.replace(settings, root=scratch)
        checked = validate(project.load(scratch_settings), validator=settings.validator)
        if not checked.conforms:
            raise ValidationFailed(list(checked.violations))
        (root / project.DATA_DIR).mkdir(exist_ok=True)
        target = root / project.DATA_DIR / slug
        if replace and target.exists():
            # Swap in two renames inside data/: the old folder goes aside, then away.
            old = scratch / "old"
            target.replace(old)
        folder.replace(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
