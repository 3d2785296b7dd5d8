"""The records in scope as statements: texts, editions, their relations and their evidence.

Files: ``texts.ttl`` (the texts across editions, written as the other sources write them, so the
same text is the same statements) and ``editions.ttl`` (one resource per catalogue record).
Relations lead only to editions of the same snapshot; relations to records out of scope are
counted, not written, so no link leads to a resource nothing describes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from rdflib import Literal, URIRef

from idmgraph.base.namespaces import IDM_NS
from idmgraph.catalogue.identifiers import Identity, identify
from idmgraph.catalogue.records import KNOWN_RELATIONS, Record
from idmgraph.catalogue.scope import Scope
from idmgraph.importer.statements import DCTERMS, FOAF, IDM, RDF, RDFS, SKOS, XSD, Statements, en

ISO_STAGE = IDM_NS + "iso-stage/"
W3C_MATURITY = IDM_NS + "w3c-maturity/"
_CLASS = {
    "recommendation": IDM.Recommendation,
    "corrigendum": IDM.Corrigendum,
    "amendment": IDM.Amendment,
    "supplement": IDM.Supplement,
}
_PREFIX = {"itu-t": "ITU-T ", "iso": "", "w3c": "W3C "}
_PUBLISHERS = {"ISO": ("iso",), "ISO/IEC": ("iso", "iec"), "IEC": ("iec",)}
_DOCUMENT_TYPE = re.compile(r"/(?:TR|TS|PAS)$")


@dataclass(kw_only=True)
class Selection:
    """What a catalogue contributes, and what was left out and why."""

    out: Statements
    records: int = 0
    editions: int = 0
    outside: int = 0  # records whose identifier follows no grammar (other sectors, …)
    dropped_links: int = 0  # relations to records out of scope
    warnings: list[str] = field(default_factory=list)


def catalogue_statements(
    records: list[Record], scope: Scope, *, repository: str, commit: str | None
) -> Selection:
    """Statements for the records in scope, in file-name order (so byte-reproducible)."""
    out = Statements(data_base=scope.data_base)
    selection = Selection(out=out, records=len(records))
    chosen = _distinct(_choose(records, scope, selection))
    editions = {str(identity.edition) for _, identity, _ in chosen}
    by_year = {
        (identity.text, _year(record, identity)): identity.edition for record, identity, _ in chosen
    }
    unknown: Counter[str] = Counter()
    for record, identity, rule in chosen:
        evidence = record.source or repository
        _text(out, identity, evidence=evidence)
        edition = out.iri(str(identity.edition))
        _edition(out, record, identity, edition, rule, repository=repository, commit=commit)
        group = scope.groups.get(record.committee or "")
        if group is not None:
            out.add("editions.ttl", edition, DCTERMS.creator, URIRef(group))
        base_edition = by_year.get((identity.base or "", identity.base_year or ""))
        if base_edition:
            out.add("editions.ttl", edition, IDM.appliesTo, out.iri(base_edition))
        for relation in record.relations:
            if relation.kind not in KNOWN_RELATIONS:
                unknown[relation.kind] += 1
                continue
            target = identify(_prefixed(relation.target, identity))
            if target is not None:
                _relate(
                    out,
                    relation.kind,
                    record=record,
                    identity=identity,
                    target=target,
                    editions=editions,
                    selection=selection,
                )
        # A corrigendum's record names the common text of its Recommendation: link that one.
        for common in record.common if identity.kind == "recommendation" else ():
            other = identify(common)
            if other is not None and other.body == "iso":
                _text(out, other, evidence=evidence)
                text = out.iri(identity.text)
                out.add("texts.ttl", text, IDM.commonTextWith, out.iri(other.text))
    selection.editions = len(editions)
    selection.warnings = [
        f"unknown relation type {kind!r} in {count} record(s), not kept"
        for kind, count in sorted(unknown.items())
    ] + _stage_conflicts(chosen)
    return selection


def _stage_conflicts(chosen: list[tuple[Record, Identity, str | None]]) -> list[str]:
    """Editions whose records give different stages, each named with its records: the gate
    allows one stage an edition, and nothing in the records says which one is right."""
    stages: dict[str, dict[str, str]] = {}
    for record, identity, _ in chosen:
        stage = _stage(record, identity)
        if stage is not None:
            stages.setdefault(str(identity.edition), {})[record.file] = stage.rsplit("/", 1)[-1]
    return [
        f"{edition}: its records give different stages ("
        + ", ".join(f"{file} {stage}" for file, stage in sorted(found.items()))
        + "); the gate allows one"
        for edition, found in sorted(stages.items())
        if len(set(found.values())) > 1
    ]


def _choose(
    records: list[Record], scope: Scope, selection: Selection
) -> list[tuple[Record, Identity, str | None]]:
    """The records in scope, with the rule that selects each when no source names its text."""
    chosen = []
    for record in records:
        identity = identify(record.identifier)
        if identity is None:
            selection.outside += 1
            continue
        if identity.edition is None:
            continue  # the record of a text across its editions
        inside, rule = scope.select(identity, record.committee)
        if inside or (identity.kind == "supplement" and _supplements_named(record, scope)):
            chosen.append((record, identity, rule))
    return chosen


def _relate(
    out: Statements,
    kind: str,
    *,
    record: Record,
    identity: Identity,
    target: Identity,
    editions: set[str],
    selection: Selection,
) -> None:
    """One relation of the catalogue as the ontology term that fits it."""
    if kind == "complementOf" and identity.kind == "recommendation":
        if target.kind == "supplement" and target.edition in editions:
            out.add("texts.ttl", out.iri(target.text), IDM.supplements, out.iri(identity.text))
    elif kind == "complementOf" and target.kind == "recommendation":
        _text(out, target, evidence=record.source or selection.out.data_base)
        out.add("texts.ttl", out.iri(identity.text), IDM.supplements, out.iri(target.text))
    elif kind == "obsoletes" and record.published is not None:
        # Only a published edition replaces anything; a draft that "obsoletes" the current
        # edition has not replaced it yet.
        if target.edition in editions and _earlier(target, identity):
            edition = out.iri(str(identity.edition))
            out.add("editions.ttl", edition, DCTERMS.replaces, out.iri(str(target.edition)))
        elif target.edition is not None:
            selection.dropped_links += 1


def _distinct(
    chosen: list[tuple[Record, Identity, str | None]],
) -> list[tuple[Record, Identity, str | None]]:
    """Corrigenda of two editions can share number and month (X.519 (2001) and (2005) Cor. 1,
    both 05/2008): such editions carry the base edition's year too, ``…/edition/2008-05-to-2005``.
    """
    seen = Counter(identity.edition for _, identity, _ in chosen)
    return [
        (record, replace(identity, edition=f"{identity.edition}-to-{identity.base_year}"), rule)
        if seen[identity.edition] > 1 and identity.base_year
        else (record, identity, rule)
        for record, identity, rule in chosen
    ]


def _earlier(older: Identity, newer: Identity) -> bool:
    """Whether ``older`` is an earlier edition than ``newer`` by the date in their IRIs."""
    first, second = (str(i.edition).rsplit("/", 1)[-1] for i in (older, newer))
    return first[:4].isdigit() and first < second


def _supplements_named(record: Record, scope: Scope) -> bool:
    for relation in record.relations:
        target = identify(_prefixed(relation.target, None))
        if relation.kind == "complementOf" and target is not None and scope.select(target, None)[0]:
            return True
    return False


def _prefixed(target: str, identity: Identity | None) -> str:
    """Relation targets of ITU-T records omit the ``ITU-T`` prefix; put it back."""
    if (identity is None or identity.body == "itu-t") and not target.startswith(
        ("ITU", "ISO", "IEC", "W3C")
    ):
        return "ITU-T " + target
    return target


def _year(record: Record, identity: Identity) -> str:
    edition = str(identity.edition).rsplit("/", 1)[-1]
    return edition[:4] if edition[:4].isdigit() else (record.published or "")[:4]


def _publisher(notation: str) -> str:
    """ISO, ISO/IEC or IEC: the notation's first word without its document type (ISO/TR,
    ISO/TS, ISO/PAS, as the identifier grammar reads them)."""
    return _DOCUMENT_TYPE.sub("", notation.split(" ", 1)[0])


def _text(out: Statements, identity: Identity, *, evidence: str) -> None:
    text = out.iri(identity.text)
    if identity.body != "itu-t":
        # Other bodies' documents, amendments included, are specifications; the first record
        # that names one is its evidence.
        out.add("texts.ttl", text, RDF.type, IDM.Specification)
        if not any(p == DCTERMS.source for p, _ in out.files["texts.ttl"][text]):
            out.add("texts.ttl", text, DCTERMS.source, URIRef(evidence))
    else:
        out.add("texts.ttl", text, RDF.type, _CLASS[identity.kind])
    out.add("texts.ttl", text, RDFS.label, en(_PREFIX[identity.body] + identity.notation))
    out.add("texts.ttl", text, SKOS.notation, Literal(identity.notation))
    if identity.series:
        out.add("texts.ttl", text, IDM.series, Literal(identity.series))
    if identity.body == "iso":
        for body in _PUBLISHERS.get(_publisher(identity.notation), ()):
            out.add("texts.ttl", text, DCTERMS.creator, out.iri(f"org/{body}"))
    if identity.body == "w3c":
        out.add("texts.ttl", text, DCTERMS.creator, out.iri("org/w3c"))
    if identity.base is not None and identity.body == "itu-t":
        base = Identity(
            body="itu-t",
            kind="recommendation",
            text=identity.base,
            notation=identity.base.removeprefix("rec/"),
            edition=None,
            series=identity.series,
        )
        _text(out, base, evidence=evidence)
        link = IDM.corrigendumTo if identity.kind == "corrigendum" else IDM.amendmentTo
        out.add("texts.ttl", text, link, out.iri(identity.base))
    if identity.sequence is not None and identity.body == "itu-t":
        out.add(
            "texts.ttl", text, IDM.sequenceNumber, Literal(identity.sequence, datatype=XSD.integer)
        )


def _edition(
    out: Statements,
    record: Record,
    identity: Identity,
    edition: URIRef,
    rule: str | None,
    *,
    repository: str,
    commit: str | None,
) -> None:
    file = "editions.ttl"
    out.add(file, edition, RDF.type, IDM.Edition)
    out.add(file, edition, RDFS.label, en(record.identifier))
    out.add(file, edition, DCTERMS.identifier, Literal(record.identifier))
    out.add(file, edition, IDM.editionOf, out.iri(identity.text))
    if record.title:
        out.add(file, edition, DCTERMS.title, en(record.title))
    day = _edition_date(record, identity)
    if day is not None:
        out.add(file, edition, DCTERMS.date, day)
    stage = _stage(record, identity)
    if stage is not None:
        out.add(file, edition, IDM.stage, URIRef(stage))
    for page in record.pages:
        out.add(file, edition, FOAF.page, URIRef(page))
    evidence = record.source or f"{repository}/blob/{commit or 'HEAD'}/{record.file}"
    out.add(file, edition, DCTERMS.source, URIRef(evidence))
    if rule is not None:
        out.add(file, edition, IDM.selectedBy, URIRef(rule))


def _edition_date(record: Record, identity: Identity) -> Literal | None:
    """The publication date at the precision the catalogue gives it."""
    year = _year(record, identity)
    if not str(identity.edition).rsplit("/", 1)[-1][:4].isdigit():
        return None  # a draft: its "published" date is its base edition's
    value = record.published
    if value is None or (year.isdigit() and not value.startswith(year)):
        # An ISO amendment's "published" is its base's year; its own date is the one of its year.
        value = next((v for _, v in record.dates if v.startswith(year)), value)
    if value is None:
        return None
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(value)]
    return Literal(value, datatype=datatype)


def _stage(record: Record, identity: Identity) -> str | None:
    if identity.body == "iso" and record.stage and len(record.stage) == 5:
        return ISO_STAGE + record.stage
    if identity.body == "w3c" and identity.stage:
        return W3C_MATURITY + identity.stage
    return None
