"""What changed between two progress reports: ``idmgraph diff OLD NEW`` and the ``/changes`` page.

Each side is one report seen in a graph: a release (its N-Quads dump, where the latest report
is taken), a ``data/<slug>`` folder, or a store. The report's own statements say which work
items it lists, which partners it exchanged liaisons with and which groups it calls active;
the whole graph of that side supplies lifecycle events, numbers and labels.

>>> # diff_command(settings, "data/sg17-idm-report-2023-09", "data/sg17-idm-report-2024-04")
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from idmgraph.base.errors import SourceError
from idmgraph.base.namespaces import IDM
from idmgraph.base.settings import Settings
from idmgraph.pipeline import sources
from idmgraph.pipeline.release import MANIFEST, read_release
from idmgraph.pipeline.validate import to_graph

FINAL = ("approved", "agreed", "discontinued")
OUTPUT_FORMATS = ("text", "json")


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """One report as a side of a diff."""

    source: URIRef
    report: Graph  # the statements of this report's source graph
    union: Graph  # everything known on this side


@dataclass(frozen=True, kw_only=True)
class Side:
    """The report on one side, as shown to people."""

    source: str
    label: str
    status_date: str | None


@dataclass(frozen=True, kw_only=True)
class Item:
    """A work item, group or partner: its IRI and label."""

    iri: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Removed:
    """A work item the new report no longer lists; ``final_status`` None means flagged."""

    iri: str
    label: str
    final_status: str | None


@dataclass(frozen=True, kw_only=True)
class StatusChange:
    """A lifecycle event the new side knows and the old one does not."""

    iri: str
    label: str
    status: str
    date: str | None  # the date the report gives
    not_later_than: str | None  # for undated events, the status date
    previous: str | None  # the latest status on the old side


@dataclass(frozen=True, kw_only=True)
class NumberGained:
    """A work item that now develops a numbered text."""

    iri: str
    label: str
    text: str
    number: str


@dataclass(frozen=True, kw_only=True)
class Partner:
    """A liaison counterpart in one direction (``incoming`` or ``outgoing``)."""

    iri: str
    label: str
    direction: str


@dataclass(frozen=True, kw_only=True)
class Changes:
    """Everything that moved between two reports."""

    old: Side
    new: Side
    added: tuple[Item, ...]
    removed: tuple[Removed, ...]
    status_changes: tuple[StatusChange, ...]
    numbers_gained: tuple[NumberGained, ...]
    partners_gained: tuple[Partner, ...]
    partners_lost: tuple[Partner, ...]
    newly_active: tuple[Item, ...]
    no_longer_active: tuple[Item, ...]

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dictionary."""
        return asdict(self)

    @property
    def flagged(self) -> tuple[Removed, ...]:
        """Items that left the work plan with no final status."""
        return tuple(item for item in self.removed if item.final_status is None)


def diff(old: Snapshot, new: Snapshot) -> Changes:
    """Compare two reports."""
    labels = _Labels(old.union, new.union)
    old_items, new_items = _items(old.report), _items(new.report)
    old_partners, new_partners = _partners(old.report), _partners(new.report)
    old_active, new_active = _active(old.report), _active(new.report)
    return Changes(
        old=_side(old),
        new=_side(new),
        added=labels.items(new_items - old_items),
        removed=tuple(
            sorted(
                (
                    Removed(iri=str(i), label=labels(i), final_status=_final(i, old, new))
                    for i in old_items - new_items
                ),
                key=lambda item: item.label,
            )
        ),
        status_changes=_status_changes(old, new, labels),
        numbers_gained=_numbers_gained(old, new, new_items, labels),
        partners_gained=_partner_list(new_partners - old_partners, labels),
        partners_lost=_partner_list(old_partners - new_partners, labels),
        newly_active=labels.items(new_active - old_active),
        no_longer_active=labels.items(old_active - new_active),
    )


class _Labels:
    def __init__(self, *graphs: Graph) -> None:
        self.graphs = graphs

    def __call__(self, node: Node) -> str:
        for graph in self.graphs:
            label = graph.value(node, RDFS.label)
            if label is not None:
                return str(label)
        return str(node)

    def items(self, nodes: Iterable[Node]) -> tuple[Item, ...]:
        found = (Item(iri=str(node), label=self(node)) for node in nodes)
        return tuple(sorted(found, key=lambda item: item.label))


def _side(snapshot: Snapshot) -> Side:
    label = snapshot.union.value(snapshot.source, RDFS.label)
    when = snapshot.union.value(snapshot.source, IDM.statusDate)
    return Side(
        source=str(snapshot.source),
        label=str(label) if label is not None else str(snapshot.source),
        status_date=str(when) if when is not None else None,
    )


def _items(report: Graph) -> set[Node]:
    return set(report.subjects(RDF.type, IDM.WorkItem))


def _partners(report: Graph) -> set[tuple[Node, str]]:
    found = set()
    for flow in report.subjects(RDF.type, IDM.LiaisonFlow):
        counterpart = report.value(flow, IDM.counterpart)
        direction = report.value(flow, IDM.direction)
        if counterpart is not None and direction is not None:
            found.add((counterpart, _local(direction)))
    return found


def _partner_list(pairs: set[tuple[Node, str]], labels: _Labels) -> tuple[Partner, ...]:
    found = (Partner(iri=str(node), label=labels(node), direction=way) for node, way in pairs)
    return tuple(sorted(found, key=lambda item: (item.direction, item.label)))


def _active(report: Graph) -> set[Node]:
    return set(report.subjects(IDM.activityArea, None))


def _events(graph: Graph, item: Node) -> list[tuple[str, Node]]:
    """(date or not-later-than date, event) of an item, oldest first."""
    found = []
    for event in set(graph.objects(item, IDM.lifecycleEvent)):
        when = graph.value(event, DCTERMS.date) or graph.value(event, IDM.notLaterThan)
        found.append((str(when or ""), event))
    return sorted(found, key=lambda pair: (pair[0], str(pair[1])))


def _status(graph: Graph, event: Node) -> str:
    kind = graph.value(event, IDM.eventType)
    return _local(kind) if kind is not None else ""


def _final(item: Node, old: Snapshot, new: Snapshot) -> str | None:
    for graph in (new.union, old.union):
        for _, event in reversed(_events(graph, item)):
            status = _status(graph, event)
            if status in FINAL:
                return status
    return None


def _status_changes(old: Snapshot, new: Snapshot, labels: _Labels) -> tuple[StatusChange, ...]:
    changes = []
    for item in _items(new.report):
        before = _events(old.union, item)
        known = {event for _, event in before}
        for _, event in _events(new.union, item):
            if event in known:
                continue
            dated = new.union.value(event, DCTERMS.date)
            bound = new.union.value(event, IDM.notLaterThan)
            changes.append(
                StatusChange(
                    iri=str(item),
                    label=labels(item),
                    status=_status(new.union, event),
                    date=str(dated) if dated is not None else None,
                    not_later_than=str(bound) if bound is not None else None,
                    previous=_status(old.union, before[-1][1]) if before else None,
                )
            )
    return tuple(sorted(changes, key=lambda c: (c.label, c.date or c.not_later_than or "")))


def _numbers_gained(
    old: Snapshot, new: Snapshot, items: set[Node], labels: _Labels
) -> tuple[NumberGained, ...]:
    gained = []
    for item in items:
        if (item, RDF.type, IDM.WorkItem) not in old.union:
            continue
        before = set(old.union.objects(item, IDM.develops))
        for text in set(new.union.objects(item, IDM.develops)) - before:
            number = new.union.value(text, SKOS.notation)
            gained.append(
                NumberGained(
                    iri=str(item), label=labels(item), text=str(text), number=str(number or text)
                )
            )
    return tuple(sorted(gained, key=lambda entry: entry.label))


def _local(node: Node) -> str:
    return str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# ------------------------------------------------------------------ the two sides


def graphs_of(quads: Iterable[ox.Quad]) -> dict[str, Graph]:
    """Quads (of a release dump or a store) as one rdflib graph per named graph."""
    grouped: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        name = quad.graph_name
        key = name.value if isinstance(name, ox.NamedNode) else ""
        grouped.setdefault(key, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return {name: to_graph(triples) for name, triples in grouped.items()}


def reports(graphs: Mapping[str, Graph]) -> list[Side]:
    """Every dated progress report among the graphs, newest first."""
    union = _union(graphs)
    found = []
    for report in set(union.subjects(RDF.type, IDM.ProgressReport)):
        when = union.value(report, IDM.statusDate)
        if isinstance(report, URIRef) and isinstance(when, Literal):
            label = union.value(report, RDFS.label)
            shown = str(label) if label is not None else str(report)
            found.append(Side(source=str(report), label=shown, status_date=str(when)))
    return sorted(found, key=lambda side: (side.status_date or "", side.source), reverse=True)


def latest_reports(graphs: Mapping[str, Graph], count: int = 2) -> list[URIRef]:
    """The ``count`` latest progress reports, newest first."""
    return [URIRef(side.source) for side in reports(graphs)[:count]]


def snapshot_of(graphs: Mapping[str, Graph], source: URIRef | None = None) -> Snapshot:
    """One report among named graphs (the latest when ``source`` is None)."""
    if source is None:
        found = latest_reports(graphs, 1)
        if not found:
            raise SourceError("dataset", "no progress report in it")
        source = found[0]
    # The side knows what was stated by then: sources dated after this report are left out,
    # so two reports of one store compare as two releases would.
    dates = {name: _status_date(graph, name) for name, graph in graphs.items()}
    until = dates.get(str(source))
    known = {
        name: graph
        for name, graph in graphs.items()
        if until is None or dates[name] is None or str(dates[name]) <= str(until)
    }
    return Snapshot(source=source, report=graphs.get(str(source), Graph()), union=_union(known))


def _status_date(graph: Graph, name: str) -> str | None:
    when = graph.value(URIRef(name), IDM.statusDate)
    return str(when) if when is not None else None


def load_snapshot(settings: Settings, reference: str) -> Snapshot:
    """A release folder, an N-Quads/TriG dump, a data folder, or the slug of a data folder."""
    path = Path(reference)
    if not path.exists():
        path = settings.root / sources.DATA_DIR / reference
    if (path / MANIFEST).is_file():
        return snapshot_of(_dataset(read_release(path).dataset_file))
    if path.suffix in (".nq", ".trig") and path.is_file():
        return snapshot_of(_dataset(path))
    if path.is_dir() and any(path.glob("*.ttl")):
        graph = to_graph(
            triple
            for file in sorted(path.glob("*.ttl"))
            for triple in sources.parse_file(file, root=settings.root, base_iri=settings.base_iri)
        )
        source = URIRef(sources.source_graph_name(settings, path.name))
        return Snapshot(source=source, report=graph, union=graph)
    raise SourceError(reference, "not a release folder, a dump (.nq, .trig) or a data folder")


def diff_command(settings: Settings, old: str, new: str, *, output_format: str = "text") -> str:
    """``idmgraph diff OLD NEW``: the changes as text or JSON."""
    changes = diff(load_snapshot(settings, old), load_snapshot(settings, new))
    if output_format == "json":
        return json.dumps(changes.to_json(), indent=2, ensure_ascii=False) + "\n"
    return render_text(changes)


def render_text(changes: Changes) -> str:
    """The changes for a terminal."""
    lines = [
        f"Changes from {changes.old.label} ({changes.old.status_date}) "
        f"to {changes.new.label} ({changes.new.status_date})",
    ]

    def section(title: str, rows: list[str]) -> None:
        lines.append("")
        lines.append(f"{title} ({len(rows)})")
        lines.extend(f"  {row}" for row in rows or ["none"])

    section("Work items added", [f"+ {item.label}" for item in changes.added])
    section(
        "Work items no longer listed",
        [
            f"- {item.label} ({item.final_status or 'no final status: flagged'})"
            for item in changes.removed
        ],
    )
    section("Status changes", [_change_line(change) for change in changes.status_changes])
    section(
        "Numbers gained", [f"{entry.label} -> {entry.number}" for entry in changes.numbers_gained]
    )
    section("Liaison partners gained", [_partner_line(p) for p in changes.partners_gained])
    section("Liaison partners lost", [_partner_line(p) for p in changes.partners_lost])
    section("Groups newly active in IdM", [item.label for item in changes.newly_active])
    section("Groups no longer listed as active", [item.label for item in changes.no_longer_active])
    return "\n".join(lines) + "\n"


def _change_line(change: StatusChange) -> str:
    when = change.date or f"by {change.not_later_than}"
    before = f"{change.previous} -> " if change.previous else ""
    return f"{change.label}: {before}{change.status} ({when})"


def _partner_line(partner: Partner) -> str:
    way = "received from" if partner.direction == "incoming" else "sent to"
    return f"{way} {partner.label}"


def _dataset(path: Path) -> dict[str, Graph]:
    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.TRIG
    return graphs_of(ox.parse(path=path, format=fmt))


def _union(graphs: Mapping[str, Graph]) -> Graph:
    # A read-only view rather than a copy: copying every statement into one rdflib graph was
    # 42 of the 61 s of comparing two reports of a 10^6-triple landscape. The view may yield a
    # statement once per graph that states it; readers here take values or sets.
    return ReadOnlyGraphAggregate(list(graphs.values()))
