"""The landscape written out: an HTML fragment, Markdown, CSV and JSON, and files for publishing.

Every line links to its resource page (the text or the work item) and to the record it comes
from at the body (the catalogue's page of the edition, or the report): the provenance of each
line is one click away. Links go only to http(s) addresses or to paths of this site.

    write_landscape(landscape, Path("dist/landscape"))
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from idmgraph.base.urls import linkable, page
from idmgraph.reading import charts
from idmgraph.reading.landscape import STATUS_NAMES, STATUSES, TITLE, Edition, Landscape, Line
from idmgraph.reading.report import STANDALONE_CSS, Link

INTRODUCTION = (
    "For each body and group: the approved texts (latest edition, earlier editions and "
    "corrections folded beneath), the work under development and the withdrawn texts, computed "
    "by idmgraph from the standards bodies' catalogues and the latest SG17 progress report. "
    "Each line links to its resource page and to the record it comes from."
)
#: Columns of the CSV and the keys of each JSON line, in order.
COLUMNS = (
    "body", "group", "question", "status", "detail", "kind", "name", "iri", "identifier",
    "date", "title", "source", "earlier", "corrections", "topics", "changed",
)  # fmt: skip
_PAGE_LINK = page("landscape")
MD_HEAD = "| Status | Text or work item | Question | Latest | Date | Earlier | Corrections |"


def _follow(url: str, link: Link) -> str:
    """The address to link ``url`` to, or "" when it is neither http(s) nor a path of this site."""
    target = link(url)
    return target if linkable(target) else ""


def _a(url: str, text: str, link: Link, *, external: bool = False) -> Markup:
    target = _follow(url, link) if url else ""
    if not target:
        return escape(text)
    rel = ' rel="external"' if external else ""
    # f-strings of escape()d values rather than Markup.format (same HTML): Markup.format goes
    # through string.Formatter and took most of the page's time
    return Markup(f'<a href="{escape(target)}"{rel}>{escape(text)}</a>')  # noqa: S704 - escaped


# ------------------------------------------------------------------ records


def record(line: Line) -> dict[str, str]:
    """A line as one flat record (a CSV row, a JSON object)."""
    return {
        "body": line.body_name,
        "group": line.group_name,
        "question": line.question_name,
        "status": line.status,
        "detail": line.detail,
        "kind": line.kind,
        "name": line.name,
        "iri": line.iri,
        "identifier": line.identifier,
        "date": line.date,
        "title": line.title,
        "source": line.source,
        "earlier": "; ".join(e.identifier for e in line.earlier),
        "corrections": "; ".join(e.identifier for e in line.parts),
        "topics": " ".join(line.topics),
        "changed": line.changed,
    }


def as_csv(landscape: Landscape) -> str:
    """The landscape as CSV, one row per line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(record(line) for line in landscape.lines)
    return out.getvalue()


def as_json(landscape: Landscape) -> str:
    """The landscape as JSON: the date, the counts and every line with its editions."""
    lines: list[dict[str, Any]] = []
    for line in landscape.lines:
        item: dict[str, Any] = record(line)
        item["earlier"] = [_edition_json(e) for e in line.earlier]
        item["corrections"] = [_edition_json(e) for e in line.parts]
        item["topics"] = list(line.topics)
        lines.append(item)
    counts = [
        {"body": body, "status": status, "count": count}
        for (body, status), count in sorted(landscape.counts().items())
    ]
    return json.dumps({"on": landscape.on, "counts": counts, "lines": lines}, indent=1) + "\n"


def _edition_json(edition: Edition) -> dict[str, str]:
    return {
        "iri": edition.iri,
        "identifier": edition.identifier,
        "date": edition.date,
        "stage": edition.stage,
        "source": edition.source,
    }


# ------------------------------------------------------------------ Markdown


def markdown(landscape: Landscape, *, timeline: str = "") -> str:
    """The landscape as Markdown: counts, then one table per body and group; ``timeline``
    names the SVG file of the approvals timeline written beside it."""
    lines = [f"# {TITLE}", "", INTRODUCTION, "", f"As it stood on {landscape.on}.", ""]
    if timeline:
        lines += [f"![Approvals per year]({timeline})", ""]
    lines += ["| Body | " + " | ".join(STATUS_NAMES[s] for s in STATUSES) + " |"]
    lines += ["|---|" + "---|" * len(STATUSES)]
    counts = landscape.counts()
    for name in landscape.bodies():
        cells = " | ".join(str(counts.get((name, s), 0)) for s in STATUSES)
        lines.append(f"| {_md(name)} | {cells} |")
    lines.append("")
    for body, group, rows in _sections(landscape):
        if group is None:
            lines += [f"## {body.body_name}", "", f"<{body.body}>", ""]
            continue
        lines += [f"### {_md(group.group_name or 'No group named')}", ""]
        lines += [MD_HEAD, "|---|---|---|---|---|---|---|"]
        for line in rows:
            latest = f"[{_md(line.identifier)}]({line.source})" if line.source else ""
            lines.append(
                f"| {STATUS_NAMES[line.status]} | [{_md(line.name)}]({line.iri}) "
                f"| {_md(line.question_name)} | {latest} | {line.date} "
                f"| {_md('; '.join(e.identifier for e in line.earlier))} "
                f"| {_md('; '.join(e.identifier for e in line.parts))} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


# ------------------------------------------------------------------ HTML


def _sections(landscape: Landscape) -> Iterator[tuple[Line, Line | None, list[Line]]]:
    """(first line of a body, None, []) then (first line of a group, that line, its lines)."""
    for _, of_body in groupby(landscape.lines, key=lambda line: line.body_name):
        body_lines = list(of_body)
        yield body_lines[0], None, []
        for _, of_group in groupby(body_lines, key=lambda line: line.group_name):
            group_lines = list(of_group)
            yield body_lines[0], group_lines[0], group_lines


def timeline_svg(landscape: Landscape) -> Markup:
    """Approvals per year per body and per ITU-T study group, as SVG."""
    return charts.approvals_timeline(landscape.approvals())


def counts_html(landscape: Landscape, *, filtered: str = _PAGE_LINK) -> Markup:
    """The counts per body and status, each a link to the page filtered to it."""
    counts = landscape.counts()
    head = Markup("").join(Markup("<th>{}</th>").format(STATUS_NAMES[s]) for s in STATUSES)
    rows = Markup("").join(
        Markup("<tr><th>{}</th>{}</tr>").format(
            body,
            Markup("").join(
                Markup('<td><a href="{}?{}">{}</a></td>').format(
                    filtered, urlencode({"on": landscape.on, "body": body, "status": s}),
                    counts.get((body, s), 0),
                )
                for s in STATUSES
            ),
        )
        for body in landscape.bodies()
    )  # fmt: skip
    return Markup(
        '<table class="counts"><thead><tr><th>Body</th>{}</tr></thead><tbody>{}</tbody></table>'
    ).format(head, rows)


def body_html(landscape: Landscape, *, link: Link, lines: Sequence[Line] | None = None) -> Markup:
    """The landscape without page layout: counts and timeline of every line, then per body and
    group one table of ``lines`` (a page of the landscape's lines; all of them by default)."""
    parts = [
        Markup("<p>{}</p>").format(INTRODUCTION),
        counts_html(landscape),
        Markup('<figure class="diagram timeline">{}</figure>').format(timeline_svg(landscape)),
    ]
    listed = landscape if lines is None else replace(landscape, lines=tuple(lines))
    for body, group, rows in _sections(listed):
        if group is None:
            parts.append(
                Markup('<h2 class="body">{}</h2>').format(_a(body.body, body.body_name, link))
            )
            continue
        name = group.group_name or "No group named"
        heading = _a(group.group, name, link) if group.group else escape(name)
        parts.append(Markup('<h3 class="group">{}</h3>').format(heading))
        parts.append(_table(rows, link))
    if not landscape.lines:
        parts.append(Markup('<p class="muted">No text or work item matches.</p>'))
    return Markup("\n").join(parts)


def _table(rows: list[Line], link: Link) -> Markup:
    head = Markup(
        "<thead><tr><th>Status</th><th>Text or work item</th><th>Question</th>"
        "<th>Latest</th><th>Date</th><th>Title</th><th>Earlier and corrections</th>"
        "<th>Topics</th></tr></thead>"
    )
    body = Markup("").join(_row(line, link) for line in rows)
    return Markup('<table class="landscape">{}<tbody>{}</tbody></table>').format(head, body)


def _row(line: Line, link: Link) -> Markup:
    status = Markup('<span class="badge status-{}">{}</span>').format(
        line.status, STATUS_NAMES[line.status]
    )
    if line.detail:
        status += Markup(' <span class="muted">{}</span>').format(line.detail)
    latest = _a(line.source, line.identifier or "report", link, external=True)
    question = _a(line.question, line.question_name, link) if line.question else Markup("")
    cells = (
        status, _a(line.iri, line.name, link), question, latest, line.date, line.title,
        _folded(line, link), " ".join(line.topics),
    )  # fmt: skip
    row = "".join(f"<td>{escape(cell)}</td>" for cell in cells)
    return Markup(f'<tr class="line" data-status="{escape(line.status)}">{row}</tr>')  # noqa: S704 - escaped


def _folded(line: Line, link: Link) -> Markup:
    if not line.earlier and not line.parts:
        return Markup("")
    items = "".join(
        f"<li>{escape(edition.date)} {_a(edition.iri, edition.identifier, link)} "
        f"{escape(edition.stage)}</li>"
        for edition in (*line.parts, *line.earlier)
    )
    summary = f"{len(line.earlier)} earlier, {len(line.parts)} corrections"
    return Markup(f"<details><summary>{summary}</summary><ul>{items}</ul></details>")  # noqa: S704 - escaped


def standalone_html(landscape: Landscape, *, link: Link) -> str:
    """The landscape as one self-contained HTML file (styles inline, no script)."""
    return str(
        Markup(
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{}</title><style>{}</style></head><body><main><h1>{}</h1>"
            "<p>As it stood on {}.</p>{}</main></body></html>\n"
        ).format(TITLE, STANDALONE_CSS, TITLE, landscape.on, body_html(landscape, link=link))
    )


@dataclass(frozen=True, kw_only=True)
class LandscapeFiles:
    """What :func:`write_landscape` wrote."""

    markdown: Path
    html: Path
    csv: Path
    json: Path
    timeline: Path


def write_landscape(
    landscape: Landscape, folder: Path, *, link: Link | None = None
) -> LandscapeFiles:
    """Write ``landscape.md`` (with ``approvals.svg`` beside it), a self-contained
    ``landscape.html``, ``landscape.csv`` and ``landscape.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    follow: Link = link or (lambda iri: iri)
    files = LandscapeFiles(
        markdown=folder / "landscape.md",
        html=folder / "landscape.html",
        csv=folder / "landscape.csv",
        json=folder / "landscape.json",
        timeline=folder / "approvals.svg",
    )
    files.timeline.write_text(timeline_svg(landscape), encoding="utf-8")
    files.markdown.write_text(markdown(landscape, timeline=files.timeline.name), encoding="utf-8")
    files.html.write_text(standalone_html(landscape, link=follow), encoding="utf-8")
    files.csv.write_text(as_csv(landscape), encoding="utf-8", newline="")
    files.json.write_text(as_json(landscape), encoding="utf-8")
    return files
