"""What earlier sources already say, so a new report joins them instead of contradicting them.

* names of organisations resolve to the IRIs earlier sources gave them;
* a lifecycle event already stated is not stated again (a status change is a new event);
* a single-valued fact (title, route, label …) that an earlier source states differently is
  kept as it was and reported as a conflict, since the SHACL gate allows one value;
* a work item of the previous work plan that the new report no longer lists, with no final
  status, is flagged with a ``skos:editorialNote`` rather than forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from idmgraph.importer.statements import DCTERMS, IDM, ORG, RDF, RDFS, SKOS, STATUS, Statements, en

_ORG_CLASSES = (
    IDM.Group,
    IDM.StudyGroup,
    IDM.Question,
    IDM.JointCoordinationActivity,
    IDM.Sector,
    ORG.Organization,
    ORG.FormalOrganization,
)
_SINGLE_VALUED = (
    RDFS.label,
    SKOS.notation,
    DCTERMS.title,
    IDM.plannedRoute,
    IDM.deliverableKind,
    IDM.provisionalName,
    IDM.studyGroup,
    IDM.question,
    IDM.develops,
    IDM.revises,
    IDM.studyPeriod,
    DCTERMS.description,
)
FINAL_STATUSES = (STATUS.approved, STATUS.agreed, STATUS.discontinued)


@dataclass(frozen=True, kw_only=True)
class Flagged:
    """A work item that left the work plan with no final status."""

    item: str
    last_plan: date  # the status date of the last work plan listing it


@dataclass(frozen=True, kw_only=True)
class Known:
    """What a new report's names resolve to, from earlier sources."""

    names: Mapping[str, str] = field(default_factory=dict)  # organisation name -> IRI path
    # numbered text IRI -> provisional name of the one work item developing it, so a row that
    # gives only the number (X.1280, once approved) stays the work item X.oob-sa
    developers: Mapping[str, str] = field(default_factory=dict)


def known(graph: Graph, data_base: str) -> Known:
    """The names and numbers earlier sources give, where each is unambiguous."""
    developers: dict[str, set[str]] = {}
    for item, text in graph.subject_objects(IDM.develops):
        name = graph.value(item, IDM.provisionalName)
        if name is not None:
            developers.setdefault(str(text), set()).add(str(name))
    return Known(
        names=known_names(graph, data_base),
        developers={text: next(iter(n)) for text, n in developers.items() if len(n) == 1},
    )


def known_names(graph: Graph, data_base: str) -> dict[str, str]:
    """Label and alternative label → IRI path of every organisation, where unambiguous."""
    found: dict[str, set[str]] = {}
    for cls in _ORG_CLASSES:
        for subject in graph.subjects(RDF.type, cls):
            if not str(subject).startswith(data_base):
                continue
            for predicate in (RDFS.label, SKOS.altLabel):
                for name in graph.objects(subject, predicate):
                    found.setdefault(str(name), set()).add(str(subject)[len(data_base) :])
    return {name: next(iter(paths)) for name, paths in found.items() if len(paths) == 1}


def reconcile(out: Statements, graph: Graph) -> list[str]:
    """Drop what earlier sources already state as events, or state otherwise; the conflicts."""
    remove: set[tuple[URIRef, URIRef, Node]] = set()
    conflicts: list[str] = []
    for subject, predicate, obj in out.triples():
        if (subject, RDF.type, IDM.LifecycleEvent) in graph:
            remove.add((subject, predicate, obj))
        elif predicate in _SINGLE_VALUED:
            before = set(graph.objects(subject, predicate))
            if before and obj not in before:
                remove.add((subject, predicate, obj))
                shown = ", ".join(sorted(str(value) for value in before))
                conflicts.append(
                    f"{subject} {predicate}: the report says {str(obj)!r}, "
                    f"an earlier source {shown!r}; kept the earlier value"
                )
    out.drop(remove)
    return conflicts


def flag_departures(
    out: Statements, graph: Graph, plan: list[URIRef], status_date: date
) -> list[Flagged]:
    """Flag the items of the previous work plan the new report drops without a final status."""
    previous = _previous_plan(graph, status_date)
    if previous is None:
        return []
    plan_iri, plan_date = previous
    mentioned = {subject for subjects in out.files.values() for subject in subjects}
    flagged = []
    for item in sorted(graph.objects(plan_iri, IDM.item), key=str):
        if item in plan or item in mentioned or not isinstance(item, URIRef):
            continue
        events = set(graph.objects(item, IDM.lifecycleEvent))
        if any(graph.value(event, IDM.eventType) in FINAL_STATUSES for event in events):
            continue
        note = (
            f"Not in the work plan of {status_date} and no final status given; last listed "
            f"in the work plan of {plan_date}."
        )
        out.add("annex2.ttl", item, SKOS.editorialNote, en(note))
        flagged.append(Flagged(item=str(item), last_plan=plan_date))
    return flagged


def _previous_plan(graph: Graph, status_date: date) -> tuple[URIRef, date] | None:
    plans = []
    for plan in graph.subjects(RDF.type, IDM.WorkPlan):
        when = graph.value(plan, DCTERMS.date)
        if isinstance(plan, URIRef) and isinstance(when, Literal):
            day = when.toPython()
            if isinstance(day, date) and day < status_date:
                plans.append((day, plan))
    if not plans:
        return None
    day, plan = max(plans)
    return plan, day
