"""Annex rows to work items, lifecycle events, the work plan and the numbered texts.

How the curated data reads a row, and so how this module does:

* the work item is named by its provisional name when it has one (``X.pet_auth``), else by its
  designation (``X.509 Cor. 2`` → ``X.509-cor2``, ``X.510 Revised`` → ``X.510-revised``,
  ``X.1250rev``); a number beside a provisional name is the text it ``idm:develops``;
* ``Revised`` develops and revises the Recommendation, ``…rev`` only revises it;
* ``TR.`` names technical reports, ``Supplement to ITU-T X.1254:`` a supplement of X.1254;
  both are approved by agreement whatever the marker;
* each status is an event: dated (``dcterms:date``) when the report gives the date, otherwise
  ``idm:notLaterThan`` the status date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from rdflib import Literal, URIRef

from idmgraph.importer.model import Report, Row, Status
from idmgraph.importer.phrases import STATUS_LABELS, parse_designation
from idmgraph.importer.registry import Registry
from idmgraph.importer.statements import (
    DCTERMS,
    IDM,
    KIND,
    RDF,
    RDFS,
    ROUTE,
    SKOS,
    STATUS,
    XSD,
    Statements,
    date_literal,
    en,
)

TEXTS = "texts.ttl"
_SUPPLEMENT_TO = re.compile(r"^Supplement to ITU-T (?P<number>[A-Z]{1,4}\.\d+(?:\.\d+)*)\b")
_CORRIGENDUM_TITLE = re.compile(r"\s*:\s*(?:Corrigendum|Amendment) \d+$")
_AGREED_KINDS = ("technical-report", "supplement")


def add_rows(
    out: Statements,
    report: Report,
    registry: Registry,
    source: URIRef,
    *,
    developers: Mapping[str, str],
) -> list[URIRef]:
    """State every row; return the work items of Annex 2 (the work plan), in order."""
    plan: list[URIRef] = []
    for row in report.rows:
        item = _work_item(
            out, row, registry, source, status_date=report.status_date, developers=developers
        )
        if row.annex == 2 and item not in plan:
            plan.append(item)
    if plan:
        workplan = out.iri(f"workplan/itu-t-idm/{report.status_date}")
        out.add("annex2.ttl", workplan, RDF.type, IDM.WorkPlan)
        out.add("annex2.ttl", workplan, RDFS.label, en(report.annex2_title))
        out.add("annex2.ttl", workplan, DCTERMS.date, date_literal(report.status_date))
        out.add("annex2.ttl", workplan, DCTERMS.source, source)
        out.add("annex2.ttl", workplan, IDM.item, *plan)
    return plan


def _work_item(
    out: Statements,
    row: Row,
    registry: Registry,
    source: URIRef,
    *,
    status_date: date,
    developers: Mapping[str, str],
) -> URIRef:
    file = f"annex{row.annex}.ttl"
    found = parse_designation(row.number, row.line, where="")
    kind, develops, revises = _texts(out, row, found.form, found.base, found.sequence)
    name = (
        row.provisional_name
        or (row.number if found.form == "provisional" else None)
        or (developers.get(str(develops)) if develops is not None else None)
    )
    slug = name or _designation_slug(found.form, found.base, found.sequence, row.number)
    notation = name or row.number
    item = out.iri(f"workitem/{slug}")
    supplemented = _SUPPLEMENT_TO.match(row.title)
    if supplemented and kind == "recommendation":
        kind = "supplement"
    route = "agreement" if kind in _AGREED_KINDS else row.route
    add = out.add
    add(file, item, RDF.type, IDM.WorkItem)
    add(file, item, RDFS.label, en(notation))
    add(file, item, SKOS.notation, Literal(notation))
    if name:
        add(file, item, IDM.provisionalName, Literal(name))
    add(file, item, DCTERMS.title, en(row.title))
    group = registry.study_group(row.group)
    add(file, item, IDM.studyGroup, out.iri(group.path))
    if row.question:
        add(file, item, IDM.question, out.iri(registry.question(row.question, row.group).path))
    add(file, item, IDM.plannedRoute, ROUTE[route])
    if kind:
        add(file, item, IDM.deliverableKind, KIND[kind])
    if develops is not None:
        add(file, item, IDM.develops, develops)
    if revises is not None:
        add(file, item, IDM.revises, revises)
    if supplemented:
        add(file, item, IDM.supplements, _text(out, supplemented["number"], None))
    for status in row.statuses:
        add(
            file,
            item,
            IDM.lifecycleEvent,
            _event(
                out,
                file=file,
                item=item,
                notation=notation,
                status=status,
                source=source,
                status_date=status_date,
            ),
        )
    return item


def _texts(
    out: Statements, row: Row, form: str, base: str, sequence: int | None
) -> tuple[str | None, URIRef | None, URIRef | None]:
    """(deliverable kind, text developed, Recommendation revised) of a row."""
    if form == "provisional":
        series = base.split(".", 1)[0]
        kind = (
            "technical-report" if series == "TR" else "recommendation" if len(series) == 1 else None
        )
        return kind, None, None
    if form == "number":
        return "recommendation", _text(out, base, row.title), None
    if form == "revised":
        rec = _text(out, base, row.title)
        return "revision", rec, rec
    if form == "rev":
        return "revision", None, _text(out, base, None)
    if form in ("corrigendum", "amendment"):
        assert sequence is not None
        parent = _text(out, base, _CORRIGENDUM_TITLE.sub("", row.title))
        return (
            form,
            _part(out, form=form, base=base, sequence=sequence, parent=parent, title=row.title),
            None,
        )
    assert sequence is not None  # "supplement": X Suppl. 42
    number = f"{base}.Sup{sequence}"
    text = out.iri(f"rec/{number}")
    _describe_text(
        out,
        text,
        cls=IDM.Supplement,
        label=f"ITU-T {row.number}",
        notation=number,
        series=base,
        title=row.title,
    )
    return "supplement", text, None


def _text(out: Statements, number: str, title: str | None) -> URIRef:
    rec = out.iri(f"rec/{number}")
    _describe_text(
        out,
        rec,
        cls=IDM.Recommendation,
        label=f"ITU-T {number}",
        notation=number,
        series=number.split(".", maxsplit=1)[0],
        title=title,
    )
    return rec


def _part(
    out: Statements, *, form: str, base: str, sequence: int, parent: URIRef, title: str
) -> URIRef:
    short = "cor" if form == "corrigendum" else "amd"
    word = "Cor." if form == "corrigendum" else "Amd."
    part = out.iri(f"rec/{base}/{short}{sequence}")
    notation = f"{base} {word} {sequence}"
    cls = IDM.Corrigendum if form == "corrigendum" else IDM.Amendment
    _describe_text(
        out,
        part,
        cls=cls,
        label=f"ITU-T {notation}",
        notation=notation,
        series=base.split(".", maxsplit=1)[0],
        title=title,
    )
    link = IDM.corrigendumTo if form == "corrigendum" else IDM.amendmentTo
    out.add(TEXTS, part, link, parent)
    out.add(TEXTS, part, IDM.sequenceNumber, Literal(str(sequence), datatype=XSD.integer))
    return part


def _describe_text(
    out: Statements,
    text: URIRef,
    *,
    cls: URIRef,
    label: str,
    notation: str,
    series: str,
    title: str | None,
) -> None:
    out.add(TEXTS, text, RDF.type, cls)
    out.add(TEXTS, text, RDFS.label, en(label))
    out.add(TEXTS, text, SKOS.notation, Literal(notation))
    out.add(TEXTS, text, IDM.series, Literal(series))
    if title:
        out.add(TEXTS, text, DCTERMS.title, en(title))


def _designation_slug(form: str, base: str, sequence: int | None, written: str) -> str:
    """The IRI segment of a work item that has no provisional name."""
    if form == "corrigendum":
        return f"{base}-cor{sequence}"
    if form == "amendment":
        return f"{base}-amd{sequence}"
    if form == "revised":
        return f"{base}-revised"
    if form == "supplement":
        return f"{base}.Sup{sequence}"
    return written


def _event(
    out: Statements,
    *,
    file: str,
    item: URIRef,
    notation: str,
    status: Status,
    source: URIRef,
    status_date: date,
) -> URIRef:
    suffix = status.kind if status.date is None else f"{status.kind}-{status.date}"
    event = URIRef(f"{item}/{suffix}")
    out.add(file, event, RDF.type, IDM.LifecycleEvent)
    out.add(file, event, RDFS.label, en(f"{notation}: {STATUS_LABELS[status.kind]}"))
    out.add(file, event, IDM.eventType, STATUS[status.kind])
    if status.date is None:
        out.add(file, event, IDM.notLaterThan, date_literal(status_date))
    else:
        out.add(file, event, DCTERMS.date, date_literal(status.date))
    out.add(file, event, DCTERMS.source, source)
    return event
