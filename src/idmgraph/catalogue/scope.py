"""Which catalogue records belong to the IdM landscape: the editors' rules and the named texts.

The rules are data (``data/catalogue-scope/``, ``idm:ScopeRule``); the named texts are every
``rec/…`` or ``spec/…`` resource another source states something about. The catalogue being
imported does not count, and neither does the scope itself, so a snapshot never widens its own
scope. A record of a named text (or of a corrigendum, amendment or supplement of one) is in
scope as named; a record only a rule selects carries the rule (``idm:selectedBy``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from idmgraph.base.settings import Settings
from idmgraph.catalogue.identifiers import Identity
from idmgraph.pipeline import sources as project

SCOPE_SLUG = "catalogue-scope"
_IDM = "https://w3id.org/idmgraph/def/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_HIDDEN = "http://www.w3.org/2004/02/skos/core#hiddenLabel"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One editorial scope rule."""

    iri: str
    catalogue: str
    series: str | None = None
    low: int | None = None
    high: int | None = None
    committee: str | None = None  # group IRI
    numbers: frozenset[str] = frozenset()
    shortnames: frozenset[str] = frozenset()


@dataclass(kw_only=True)
class Scope:
    """The rules, the texts other sources name, and the committees' catalogue names."""

    data_base: str
    rules: list[Rule] = field(default_factory=list)
    named: set[str] = field(default_factory=set)  # text paths under id/
    groups: dict[str, str] = field(default_factory=dict)  # catalogue name -> group IRI
    stated: set[str] = field(default_factory=set)  # N-Triples lines other sources state

    def select(self, identity: Identity, committee: str | None) -> tuple[bool, str | None]:
        """(in scope, the rule that selects it when no source names its text)."""
        if identity.text in self.named or (identity.base or "") in self.named:
            return True, None
        group = self.groups.get(committee or "")
        for rule in self.rules:
            if _matches(rule, identity, group):
                return True, rule.iri
        return False, None


def _matches(rule: Rule, identity: Identity, group: str | None) -> bool:
    if rule.catalogue == "itu" and identity.body == "itu-t":
        if identity.series != rule.series or identity.number is None:
            return False
        main = int(identity.number.split(".")[0])
        return (rule.low or 0) <= main <= (rule.high or 0)
    if rule.catalogue == "iso" and identity.body == "iso":
        return group == rule.committee and (
            not rule.numbers or (identity.number or "") in rule.numbers
        )
    if rule.catalogue == "w3c" and identity.body == "w3c":
        return (identity.shortname or "") in rule.shortnames
    return False


def read_scope(settings: Settings, *, importing: str) -> Scope:
    """The scope as the project's sources give it, leaving out the source ``importing``."""
    scope = Scope(data_base=settings.data_base)
    loaded = project.load(settings)
    for graph in loaded.of_role(project.Role.DATA):
        slug = graph.name.rsplit("/", 1)[-1]
        if slug == SCOPE_SLUG:
            _read_rules(scope, list(graph.triples()))
        elif slug != importing:
            _read_named(scope, graph.triples())
    return scope


def _read_named(scope: Scope, triples: object) -> None:
    base = scope.data_base
    for triple in triples:  # type: ignore[attr-defined]
        scope.stated.add(str(triple))
        for term in (triple.subject, triple.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(
                (base + "rec/", base + "spec/")
            ):
                scope.named.add(term.value[len(base) :].split("/edition/", 1)[0])


def _read_rules(scope: Scope, triples: list[ox.Triple]) -> None:
    values: dict[str, dict[str, list[str]]] = {}
    for triple in triples:
        obj = triple.object
        if isinstance(triple.subject, ox.NamedNode) and not isinstance(obj, ox.Triple):
            subject = triple.subject.value
            facts = values.setdefault(subject, {})
            facts.setdefault(triple.predicate.value, []).append(obj.value)
            if triple.predicate.value == _HIDDEN:
                scope.groups[obj.value] = subject
    for subject, facts in sorted(values.items()):
        if _IDM + "ScopeRule" not in facts.get(_RDF_TYPE, []):
            continue

        def one(name: str, facts: dict[str, list[str]] = facts) -> str | None:
            found = facts.get(_IDM + name)
            return found[0] if found else None

        low, high = one("fromNumber"), one("toNumber")
        scope.rules.append(
            Rule(
                iri=subject,
                catalogue=one("catalogue") or "",
                series=one("scopeSeries"),
                low=int(low) if low else None,
                high=int(high) if high else None,
                committee=one("scopeCommittee"),
                numbers=frozenset(facts.get(_IDM + "scopeNumber", [])),
                shortnames=frozenset(facts.get(_IDM + "scopeShortname", [])),
            )
        )
