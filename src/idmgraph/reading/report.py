"""The gap-analysis report: every gap query's answer with what it means, as Markdown and HTML.

The answers come in as :class:`Table` records, so the same report is assembled from an
embedded store (``idmgraph report``) or from the web layer's asynchronous store (``/gaps``).
Diagrams are SVG written here (:mod:`idmgraph.reading.charts`), so the report needs no script.

    report = build_report(store, load_catalogue(Path("queries")), on="2023-12-31")
    write_report(report, Path("dist/report"), queries_url="https://example.org/queries")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from markupsafe import Markup, escape

from idmgraph.base.urls import short_name
from idmgraph.pipeline.queries import (
    BASIS,
    BASIS_VARIABLE,
    Catalogue,
    NamedQuery,
    QueryKind,
    Term,
    run,
)
from idmgraph.reading import charts

FLOWS_QUERY = "liaison-flows"  # feeds the liaison-flow diagram
STATUS_QUERY = "work-items-by-group-route-status"  # feeds the pipeline charts
DATE_PARAMETER = "on"  # a gap query with this parameter is computed for the report's date
HIDDEN = frozenset({BASIS_VARIABLE, DATE_PARAMETER})  # said once per section, not per row
TITLE = "Identity-management roadmap: gap analysis"
INTRODUCTION = (
    "Each section below answers one question of the ICT Security Standards Roadmap Part 6 "
    "(where is identity-management standardisation missing, duplicated, stalled or "
    "uncoordinated?) from the knowledge graph. Every result is computed by idmgraph from the "
    "graph: SG17 does not state these findings. Topic-based sections rest on topic assignments "
    "that are the editorial judgement of the idmgraph editors."
)

#: The order a coordinator reads the sections in: who, then what, then topics, then outside.
ORDER = (
    "idm-groups-without-work-items",
    "coordination-blind-spots",
    "liaison-asymmetry",
    "work-items-by-group-route-status",
    "pending-approval",
    "approval-pipeline",
    "discontinued-work",
    "topics-without-approved-recommendation",
    "topics-in-several-groups",
    "topics-only-discontinued",
    "external-correspondences",
    "counterparts-without-correspondence",
    "work-item-outcomes",
    "approved-texts-missing-from-catalogue",
    "editions-no-source-names",
    "common-text-drift",
    "superseded-editions-linked",
    "source-disagreements",
    "roadmap-uncovered-counterparts",
)

Link = Callable[[str], str]  # IRI -> the address a reader should follow
Evidence = Callable[["Section"], str]  # section -> address of its query page with its values


@dataclass(frozen=True, kw_only=True)
class Table:
    """A SELECT answer: variable names and rows of terms (None where unbound)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]

    def records(self) -> list[dict[str, str]]:
        """Every row as plain strings, empty where unbound."""
        return [
            {name: text(cell) for name, cell in zip(self.variables, row, strict=True)}
            for row in self.rows
        ]


def text(term: Term | None) -> str:
    """A term's lexical value (an IRI, a literal's text), empty when unbound."""
    if term is None:
        return ""
    return str(term) if isinstance(term, ox.Triple) else term.value


def table(solutions: ox.QuerySolutions) -> Table:
    """Read a SELECT answer completely into a :class:`Table`."""
    variables = tuple(variable.value for variable in solutions.variables)
    # a solution iterates over its values in the order of the variables, None where unbound
    rows = tuple(tuple(solution) for solution in solutions)
    return Table(variables=variables, rows=rows)


@dataclass(frozen=True, kw_only=True)
class Section:
    """One gap query, the parameter values it ran with, and its answer."""

    query: NamedQuery
    parameters: Mapping[str, str]
    answer: Table

    @property
    def anchor(self) -> str:
        """The HTML id of the section."""
        return self.query.name


@dataclass(frozen=True, kw_only=True)
class GapReport:
    """Everything the report shows."""

    on: str | None  # the date status-dependent sections are computed for (None: defaults)
    sections: tuple[Section, ...]
    flows: Table
    statuses: Table

    @property
    def date(self) -> str:
        """The date the dated sections were computed for (the asked one or their default)."""
        for section in self.sections:
            if DATE_PARAMETER in section.parameters:
                return section.parameters[DATE_PARAMETER]
        return self.on or ""

    def flow_svg(self) -> Markup:
        """The liaison-flow diagram."""
        return charts.liaison_diagram(self.flows.records())

    def pipeline_svgs(self) -> dict[str, Markup]:
        """One pipeline chart per study group, by group notation."""
        return charts.pipelines(self.statuses.records())


def plan(catalogue: Catalogue, *, on: str | None = None) -> list[tuple[NamedQuery, dict[str, str]]]:
    """The queries the report runs, each with its parameter values (defaults unless ``on``)."""
    gaps = sorted(
        catalogue.of_kind(QueryKind.GAP),
        key=lambda q: (ORDER.index(q.name) if q.name in ORDER else len(ORDER), q.name),
    )
    chosen = [*gaps, catalogue.get(FLOWS_QUERY)]
    runs = []
    for query in chosen:
        values = {item.name: item.default for item in query.parameters if item.default}
        if on is not None and any(item.name == DATE_PARAMETER for item in query.parameters):
            values[DATE_PARAMETER] = on
        query.bindings(values)  # checks ``on`` before anything runs
        runs.append((query, {name: value for name, value in values.items() if value}))
    return runs


def assemble(
    planned: list[tuple[NamedQuery, dict[str, str]]],
    answers: Mapping[str, Table],
    *,
    on: str | None = None,
) -> GapReport:
    """The report from the planned queries and their answers, keyed by query name."""
    sections = tuple(
        Section(query=query, parameters=values, answer=answers[query.name])
        for query, values in planned
        if query.kind is QueryKind.GAP
    )
    return GapReport(
        on=on,
        sections=sections,
        flows=answers[FLOWS_QUERY],
        statuses=answers[STATUS_QUERY],
    )


def build_report(store: ox.Store, catalogue: Catalogue, *, on: str | None = None) -> GapReport:
    """Run the report's queries on an embedded store and assemble the report."""
    planned = plan(catalogue, on=on)
    return assemble(planned, run_planned(store, planned), on=on)


def run_planned(
    store: ox.Store, planned: list[tuple[NamedQuery, dict[str, str]]]
) -> dict[str, Table]:
    """Every planned SELECT query's answer on an embedded store, keyed by query name."""
    answers = {}
    for query, values in planned:
        result = run(store, query, values)
        assert isinstance(result, ox.QuerySolutions), query.name
        answers[query.name] = table(result)
    return answers


# ------------------------------------------------------------------ Markdown


def markdown(report: GapReport, *, svg_files: Mapping[str, str] | None = None) -> str:
    """The report as Markdown; ``svg_files`` maps diagram names to files written beside it."""
    lines = [
        f"# {TITLE}",
        "",
        INTRODUCTION,
        "",
        f"Dated sections are computed for {report.date}.",
        "",
    ]
    for name, file in (svg_files or {}).items():
        lines += [f"![{name}]({file})", ""]
    for section in report.sections:
        lines += _markdown_section(section)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_section(section: Section) -> list[str]:
    query = section.query
    lines = [f"## {query.title}", "", query.meaning, "", f"*{_provenance(section)}*", ""]
    shown = _shown_columns(section.answer)
    records = section.answer.records()
    if not records:
        return [*lines, "No rows: the graph shows no such case.", ""]
    lines.append("| " + " | ".join(heading(name) for name in shown) + " |")
    lines.append("|" + "---|" * len(shown))
    for record in records:
        lines.append("| " + " | ".join(_md_cell(record[name]) for name in shown) + " |")
    return [*lines, ""]


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _provenance(section: Section) -> str:
    values = ", ".join(f"{name}={value}" for name, value in section.parameters.items())
    ran = f"query `{section.query.name}`" + (f" with {values}" if values else "")
    return f"{BASIS} ({ran}; {len(section.answer.rows)} row(s))."


def _shown_columns(answer: Table) -> list[str]:
    return [name for name in answer.variables if name not in HIDDEN]


def heading(variable: str) -> str:
    """A column heading for people: ``groupName`` → ``Group name``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", variable).lower()
    return words[:1].upper() + words[1:]


# ------------------------------------------------------------------ HTML


def section_html(
    section: Section, *, link: Link, evidence: str, max_rows: int | None = None
) -> Markup:
    """One section as an HTML fragment; ``evidence`` is the address of the query's page.

    With ``max_rows``, only that many rows are shown and a note sends to the evidence for all.
    """
    query = section.query
    parts = [
        Markup('<section class="gap" id="{}">').format(section.anchor),
        Markup("<h2>{}</h2>").format(query.title),
        Markup("<p>{}</p>").format(query.meaning),
        Markup('<p class="notice">{} <a href="{}">Evidence: the query and its answer</a> '
               "(also as CSV and JSON).</p>").format(_provenance_plain(section), evidence),
    ]  # fmt: skip
    records = section.answer.rows
    if not records:
        parts.append(Markup('<p class="muted">No rows: the graph shows no such case.</p>'))
    else:
        parts.append(_html_table(section.answer, link, max_rows))
    if max_rows is not None and len(records) > max_rows:
        parts.append(
            Markup('<p class="muted">The first {} of {} rows; <a href="{}">every row</a>.</p>')
            .format(max_rows, len(records), evidence)
        )  # fmt: skip
    parts.append(Markup("</section>"))
    return Markup("\n").join(parts)


def _provenance_plain(section: Section) -> str:
    return _provenance(section).replace("`", "")


def _html_table(answer: Table, link: Link, max_rows: int | None = None) -> Markup:
    shown = _shown_columns(answer)
    index = [answer.variables.index(name) for name in shown]
    head = Markup("").join(Markup("<th>{}</th>").format(heading(name)) for name in shown)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(Markup("<td>{}</td>").format(cell_html(row[i], link)) for i in index)
        )
        for row in answer.rows[:max_rows]
    )
    return Markup("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(head, body)


def cell_html(term: Term | None, link: Link) -> Markup:
    """A result cell: an IRI as a link named by its last path segments, a literal as text."""
    if term is None:
        return Markup("")
    if isinstance(term, ox.NamedNode):
        return Markup('<a href="{}">{}</a>').format(link(term.value), short(term.value))
    return escape(text(term))


short = short_name  # what follows /id/ (or the last segment): the name shown for an IRI


def body_html(
    report: GapReport, *, link: Link, evidence: Evidence, max_rows: int | None = None
) -> Markup:
    """The report's content without page layout: introduction, contents, diagrams, sections.

    ``max_rows`` caps the rows shown per section (a web page); None shows all (a report file).
    """
    contents = Markup("").join(
        Markup('<li><a href="#{}">{}</a> <span class="badge">{}</span></li>').format(
            section.anchor, section.query.title, len(section.answer.rows)
        )
        for section in report.sections
    )
    pipelines = Markup("").join(
        Markup('<figure class="pipeline">{}</figure>').format(svg)
        for svg in report.pipeline_svgs().values()
    )
    sections = Markup("\n").join(
        section_html(s, link=link, evidence=evidence(s), max_rows=max_rows) for s in report.sections
    )
    return Markup(
        '<p>{}</p><nav aria-label="Sections"><ol>{}</ol></nav>'
        '<h2 id="liaison-diagram">Liaison flows reported</h2>'
        '<figure class="diagram">{}</figure>'
        '<h2 id="pipelines">Work-item pipeline per study group</h2>'
        '<div class="pipelines">{}</div>\n{}'
    ).format(INTRODUCTION, contents, report.flow_svg(), pipelines, sections)


def standalone_html(report: GapReport, *, link: Link, evidence: Evidence) -> str:
    """The report as one self-contained HTML file (styles inline, no script, no outside asset)."""
    return str(
        Markup(
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{}</title><style>{}</style></head><body><main><h1>{}</h1>{}</main>"
            "</body></html>\n"
        ).format(TITLE, STANDALONE_CSS, TITLE, body_html(report, link=link, evidence=evidence))
    )


STANDALONE_CSS = Markup(  # a constant of this module, no outside text
    "body{font:16px/1.5 system-ui,sans-serif;color:#1c2430;margin:0}"
    "main{max-width:72rem;margin:0 auto;padding:1rem}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;"
    "border-bottom:1px solid #d9dee5;vertical-align:top}th{background:#f1f4f8}"
    ".notice{border-left:4px solid #0b5cab;background:#eef4fb;padding:.5rem .75rem}"
    ".muted{color:#5b6675}.badge{border:1px solid #d9dee5;border-radius:.25rem;padding:0 .4rem}"
    ".pipelines{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}"
)


# ------------------------------------------------------------------ files


def evidence_url(queries_url: str, section: Section) -> str:
    """The page of a section's query, with the parameter values the section ran with."""
    query = urlencode(dict(section.parameters))
    return f"{queries_url.rstrip('/')}/{section.query.name}" + (f"?{query}" if query else "")


@dataclass(frozen=True, kw_only=True)
class ReportFiles:
    """What :func:`write_report` wrote."""

    markdown: Path
    html: Path
    svgs: tuple[Path, ...]


def write_report(
    report: GapReport, folder: Path, *, queries_url: str, link: Link | None = None
) -> ReportFiles:
    """Write ``gaps.md`` (with its SVG files beside it) and a self-contained ``gaps.html``.

    ``queries_url`` is where the server lists the named queries (the evidence of each section).
    """
    folder.mkdir(parents=True, exist_ok=True)
    follow: Link = link or (lambda iri: iri)
    svgs = {"Liaison flows": ("liaison-flows.svg", report.flow_svg())}
    for group, svg in report.pipeline_svgs().items():
        svgs[f"Pipeline of {group}"] = (f"pipeline-{group.lower()}.svg", svg)
    written = []
    for file, svg in svgs.values():
        (folder / file).write_text(svg, encoding="utf-8")
        written.append(folder / file)
    md = folder / "gaps.md"
    md.write_text(
        markdown(report, svg_files={name: file for name, (file, _) in svgs.items()}),
        encoding="utf-8",
    )
    html = folder / "gaps.html"
    html.write_text(
        standalone_html(
            report, link=follow, evidence=lambda section: evidence_url(queries_url, section)
        ),
        encoding="utf-8",
    )
    return ReportFiles(markdown=md, html=html, svgs=tuple(written))
