"""A :class:`Report` as the statements of a new source, laid out like the curated folder.

``source.ttl`` (the report, its reporting period, the web pages it cites), ``organisations.ttl``,
``meetings.ttl`` (meetings, workshops, TDs, roadmap, resolutions), ``liaisons.ttl``,
``annex1.ttl``, ``annex2.ttl`` (work items, events, work plan) and ``texts.ttl``.
"""

from __future__ import annotations

from datetime import date, timedelta

from rdflib import Literal, URIRef

from idmgraph.importer.earlier import Known
from idmgraph.importer.model import DateRange, Name, Report
from idmgraph.importer.phrases import EN_DASH
from idmgraph.importer.registry import Org, Registry, slug, study_period
from idmgraph.importer.statements import (
    DCAT,
    DCTERMS,
    DIRECTION,
    FOAF,
    IDM,
    IDM_AREA,
    ORG,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    Statements,
    date_literal,
    en,
)
from idmgraph.importer.workitems import add_rows

SOURCE, ORGS, MEETINGS, LIAISONS = "source.ttl", "organisations.ttl", "meetings.ttl", "liaisons.ttl"
_CURIES = {"idm": IDM, "org": ORG}
# The export has no title line; this is the title of every report of the series.
TITLE = (
    "Progress report of ITU-T Study Group {sg} on its role as lead study group on identity "
    "management (IdM)"
)


def source_slug(report: Report) -> str:
    """The folder (and source IRI) name: ``sg17-idm-report-2023-09``."""
    return f"sg{report.study_group}-idm-report-{report.status_date:%Y-%m}"


def report_statements(
    report: Report, *, data_base: str, known: Known | None = None
) -> tuple[Statements, list[URIRef]]:
    """Every statement of the report, and the work items of its work plan."""
    out = Statements(data_base=data_base)
    registry = Registry(
        where=report.path,
        period=study_period(report.status_date.year),
        known=(known or Known()).names,
    )
    source = out.iri(f"source/{source_slug(report)}")
    sg = registry.study_group(report.study_group)
    _source(out, report, source, sg)
    plan = add_rows(out, report, registry, source, developers=(known or Known()).developers)
    _meetings(out, report, registry, sg)
    _liaisons(out, report, registry, source, sg)
    _organisations(out, report, registry, sg)
    return out, plan


def period_path(report: Report) -> str:
    """``period/sg17/2023-03-03--2023-09-08``."""
    return f"period/sg{report.study_group}/{report.period_start}--{report.period_end}"


def _source(out: Statements, report: Report, source: URIRef, sg: Org) -> None:
    period = out.iri(period_path(report))
    add = out.add
    add(SOURCE, source, RDF.type, IDM.ProgressReport)
    add(
        SOURCE,
        source,
        RDFS.label,
        en(f"SG{report.study_group} IdM progress report, {report.status_date:%B %Y}"),
    )
    add(SOURCE, source, DCTERMS.title, en(TITLE.format(sg=report.study_group)))
    add(SOURCE, source, IDM.statusDate, date_literal(report.status_date))
    add(SOURCE, source, IDM.reportingPeriod, period)
    add(SOURCE, source, PROV.wasAttributedTo, out.iri(sg.path))
    add(SOURCE, source, DCTERMS.creator, out.iri(sg.path))
    add(SOURCE, source, DCTERMS.format, Literal(report.media_type))
    add(SOURCE, source, DCTERMS.identifier, Literal(report.path))
    for _, url in report.web_pages:
        add(SOURCE, source, DCTERMS.references, URIRef(url))
    add(SOURCE, period, RDF.type, IDM.ReportingPeriod)
    add(SOURCE, period, RDFS.label, en(report.period_written))
    add(SOURCE, period, DCAT.startDate, date_literal(report.period_start))
    add(SOURCE, period, DCAT.endDate, date_literal(report.period_end))
    for label, url in report.web_pages:
        add(SOURCE, URIRef(url), RDF.type, FOAF.Document)
        add(SOURCE, URIRef(url), RDFS.label, en(label))


def _meeting_label(who: str, dates: DateRange) -> Literal:
    return en(f"{who} meeting, {dates.written}")


def _meetings(out: Statements, report: Report, registry: Registry, sg: Org) -> None:
    add, group = out.add, out.iri(sg.path)
    name = f"SG{report.study_group}"
    base = f"meeting/itu-t/sg{report.study_group}"
    for dates in (report.previous_meeting, report.meeting):
        if dates is not None:
            held_at = out.iri(f"{base}/{dates.start}")
            _event_dates(
                out,
                held_at,
                cls=IDM.Meeting,
                label=_meeting_label(name, dates),
                dates=dates,
                organiser=group,
            )
    if report.previous_meeting and report.results_sent_to:
        tsag = registry.resolve(report.results_sent_to)
        add(
            MEETINGS,
            out.iri(f"{base}/{report.previous_meeting.start}"),
            IDM.resultsSentTo,
            out.iri(tsag.path),
        )
    for workshop in report.workshops:
        iri = out.iri(f"{base}/workshop-{workshop.dates.start}")
        label = workshop.title[0].upper() + workshop.title[1:]
        _event_dates(
            out, iri, cls=IDM.Workshop, label=en(label), dates=workshop.dates, organiser=group
        )
        meeting = report.meeting
        if (
            workshop.day_before_meeting
            and meeting is not None
            and meeting.start == workshop.dates.end + timedelta(days=1)
        ):
            add(MEETINGS, iri, IDM.heldAlongside, out.iri(f"{base}/{meeting.start}"))
        add(MEETINGS, iri, DCTERMS.description, en(workshop.description))
        if workshop.td:
            _td(
                out,
                report,
                workshop.td,
                iri,
                f"Results of the {workshop.title}, {workshop.dates.written}.",
            )
    jca = registry.resolve(Name(line=0, written="JCA-IdM"))
    for held in report.jca_meetings:
        iri = out.iri(f"meeting/itu-t/jca-idm/{held.dates.start}")
        _event_dates(
            out,
            iri,
            cls=IDM.Meeting,
            label=_meeting_label("JCA-IdM", held.dates),
            dates=held.dates,
            organiser=out.iri(jca.path),
        )
        add(
            MEETINGS,
            iri,
            IDM.heardReportFrom,
            *(out.iri(registry.resolve(n).path) for n in held.reporters),
        )
        if held.td:
            _td(
                out, report, held.td, iri, f"Report of the JCA-IdM meeting of {held.dates.written}."
            )
    _roadmap(out, report, sg)
    for text in report.resolutions:
        written = text.removesuffix(" on identity management")
        body, _, number = written.partition(" Resolution ")
        iri = out.iri(f"doc/{slug(body)}/resolution-{number}")
        add(MEETINGS, iri, RDF.type, IDM.Resolution)
        add(MEETINGS, iri, RDFS.label, en(written))
        if written != text:
            add(MEETINGS, iri, DCTERMS.subject, IDM_AREA)


def _event_dates(
    out: Statements,
    iri: URIRef,
    *,
    cls: URIRef,
    label: Literal,
    dates: DateRange,
    organiser: URIRef,
) -> None:
    add = out.add
    add(MEETINGS, iri, RDF.type, cls)
    add(MEETINGS, iri, RDFS.label, label)
    add(MEETINGS, iri, SCHEMA.startDate, date_literal(dates.start))
    add(MEETINGS, iri, SCHEMA.endDate, date_literal(dates.end))
    add(MEETINGS, iri, SCHEMA.organizer, organiser)


def _td(out: Statements, report: Report, td: str, about: URIRef, description: str) -> URIRef:
    sg = report.study_group
    iri = out.iri(f"doc/itu-t/{study_period(report.status_date.year)}/sg{sg}/{td.lower()}")
    add = out.add
    add(MEETINGS, iri, RDF.type, IDM.TemporaryDocument)
    add(MEETINGS, iri, RDFS.label, en(td))
    add(MEETINGS, iri, SKOS.notation, Literal(td))
    add(
        MEETINGS,
        iri,
        IDM.studyGroup,
        out.iri(f"group/itu-t/{study_period(report.status_date.year)}/sg{sg}"),
    )
    add(MEETINGS, iri, IDM.reportsOn, about)
    add(MEETINGS, iri, DCTERMS.description, en(description))
    return iri


def _roadmap(out: Statements, report: Report, sg: Org) -> None:
    if report.roadmap_title is None:
        return
    label = report.roadmap_title.split(": ", 1)[0]
    whole, _, part = label.partition(" - Part ")
    add = out.add
    root = out.iri(f"doc/{slug(whole)}")
    add(MEETINGS, root, RDF.type, IDM.Roadmap)
    add(MEETINGS, root, RDFS.label, en(whole))
    add(MEETINGS, root, DCTERMS.title, en(whole))
    roadmap = out.iri(f"doc/{slug(whole)}/part{part}") if part else root
    if part:
        add(MEETINGS, roadmap, RDF.type, IDM.Roadmap)
        add(MEETINGS, roadmap, RDFS.label, en(label))
        add(MEETINGS, roadmap, DCTERMS.title, en(report.roadmap_title))
        add(MEETINGS, roadmap, DCTERMS.isPartOf, root)
    add(MEETINGS, roadmap, IDM.maintainedBy, out.iri(sg.path))
    if report.roadmap_td and report.meeting:
        text = (
            f"Updates of the {label.replace(' - ', ' ')} agreed at the "
            f"{report.meeting.written} SG{report.study_group} meeting."
        )
        td = _td(out, report, report.roadmap_td, roadmap, text)
        add(
            MEETINGS,
            td,
            IDM.agreedAt,
            out.iri(f"meeting/itu-t/sg{report.study_group}/{report.meeting.start}"),
        )


def _liaisons(out: Statements, report: Report, registry: Registry, source: URIRef, sg: Org) -> None:
    period = out.iri(period_path(report))
    when = _short_period(report.period_start, report.period_end)
    for direction, names, verb in (
        ("incoming", report.received_from, "received from"),
        ("outgoing", report.sent_to, "sent to"),
    ):
        for name in names:
            org = registry.resolve(name)
            flow = out.iri(
                f"liaison/sg{report.study_group}/{report.period_start}--{report.period_end}/{direction}/{_flow_slug(org)}"
            )
            add = out.add
            add(LIAISONS, flow, RDF.type, IDM.LiaisonFlow)
            add(
                LIAISONS,
                flow,
                RDFS.label,
                en(
                    f"SG{report.study_group} liaison statements {verb} "
                    f"{registry.written(name, org)}, {when}"
                ),
            )
            add(LIAISONS, flow, IDM.party, out.iri(sg.path))
            add(LIAISONS, flow, IDM.counterpart, out.iri(org.path))
            add(LIAISONS, flow, IDM.direction, DIRECTION[direction])
            add(LIAISONS, flow, IDM.reportingPeriod, period)
            add(LIAISONS, flow, DCTERMS.source, source)


def _flow_slug(org: Org) -> str:
    """``itu-t-sg2``, ``itu-d-q3-2``, ``iso-iec-jtc1-sc27-wg5``, ``sia``."""
    parts = org.path.split("/")
    if parts[0] == "group" and parts[1] in ("itu-t", "itu-d") and org.notation:
        return f"{parts[1]}-{slug(org.notation)}"
    return "-".join(parts[1:])


def _short_period(start: date, end: date) -> str:
    """``3 March - 8 September 2023`` with an en dash (the year once when both share it)."""
    first = f"{start.day} {start:%B}" + ("" if start.year == end.year else f" {start.year}")
    return f"{first} {EN_DASH} {end.day} {end:%B} {end.year}"


def _organisations(out: Statements, report: Report, registry: Registry, sg: Org) -> None:
    active = [registry.resolve(name) for name in (*report.lead_elements, *report.active_groups)]
    lead = [registry.resolve(name) for name in report.lead_elements]
    jca = registry.orgs.get("group/itu-t/jca-idm")
    if jca is not None and report.jca_parent:
        jca.parents = [registry.study_group(report.jca_parent).path]
    partners = [registry.resolve(name) for name in report.jca_partners]
    period = f"period/itu-t/{registry.period}"
    add = out.add
    if any(org.study_period for org in registry.orgs.values()):
        add(ORGS, out.iri(period), RDF.type, IDM.StudyPeriod)
        add(ORGS, out.iri(period), RDFS.label, en(f"ITU-T study period {registry.period}"))
        add(ORGS, out.iri(period), SKOS.notation, Literal(registry.period))
    for org in registry.orgs.values():
        iri = out.iri(org.path)
        prefix, _, local = org.kind.partition(":")
        add(ORGS, iri, RDF.type, _CURIES[prefix][local])
        add(ORGS, iri, RDFS.label, en(org.label))
        if org.notation:
            add(ORGS, iri, SKOS.notation, Literal(org.notation))
        for alt in org.alt_labels:
            add(ORGS, iri, SKOS.altLabel, en(alt))
        for parent in org.parents:
            add(ORGS, iri, ORG.subOrganizationOf, out.iri(parent))
        if org.study_period:
            add(ORGS, iri, IDM.studyPeriod, out.iri(period))
        if org in active or org is sg or org is jca:
            add(ORGS, iri, IDM.activityArea, IDM_AREA)
    sg_iri = out.iri(sg.path)
    add(ORGS, sg_iri, IDM.leadStudyGroupOn, IDM_AREA)
    add(ORGS, sg_iri, IDM.leadElement, *(out.iri(org.path) for org in lead))
    for label, url in report.web_pages:
        if not label.startswith("JCA-"):
            add(ORGS, sg_iri, FOAF.page, URIRef(url))
    if jca is not None:
        _jca(out, report, jca, partners)


def _jca(out: Statements, report: Report, jca: Org, partners: list[Org]) -> None:
    iri, add = out.iri(jca.path), out.add
    if report.jca_purpose:
        add(ORGS, iri, DCTERMS.description, en(report.jca_purpose))
    add(ORGS, iri, IDM.coordinatesWith, *(out.iri(org.path) for org in partners))
    for text in report.resolutions:
        body, _, number = text.removesuffix(" on identity management").partition(" Resolution ")
        add(ORGS, iri, IDM.mandate, out.iri(f"doc/{slug(body)}/resolution-{number}"))
    for label, url in report.web_pages:
        if label.startswith("JCA-"):
            add(ORGS, iri, FOAF.homepage, URIRef(url))
