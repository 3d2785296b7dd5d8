"""The description of one resource, read from the store: what a resource page shows.

A :class:`Description` holds the resource's outbound statements (each with the named graph it
is stated in and, for outside facts, its evidence URL), the resources linking to it, a dated
timeline for work items and texts, and a label for every IRI it mentions. It is read through
the :class:`~idmgraph.store.interface.Store` interface with plain SPARQL, so any backend serves it.

:func:`document` gives the resource's RDF description (its own statements, its blank-node
structure, the statements pointing at it and the evidence of its statements) in any graph
format of the registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from idmgraph.base import formats
from idmgraph.base.errors import InternalReadTooLarge
from idmgraph.base.namespaces import IDM_NS, prefixes
from idmgraph.base.settings import Settings
from idmgraph.base.urls import ONTOLOGY_NS, SHAPES_NS
from idmgraph.pipeline import compactld
from idmgraph.store.interface import Store
from idmgraph.store.request import QueryAnswer, QueryRequest

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = RDF + "type"
# Label properties in order of preference: the short name a list shows comes first.
LABELS = (RDFS + "label", SKOS + "prefLabel", DCTERMS + "title", SKOS + "notation")
IDENTIFIERS = (SKOS + "notation", IDM_NS + "provisionalName", IDM_NS + "handle")
# Labels of terms no graph of ours labels (the W3C vocabularies are not loaded whole).
WELL_KNOWN_LABELS = {
    "http://www.w3.org/2002/07/owl#sameAs": "same as",
    RDF_TYPE: "type",
    RDF + "subject": "subject",
    RDF + "predicate": "predicate",
    RDF + "object": "object",
}
INBOUND_LIMIT = 500
# The application's own reads are bounded by these, far above any client's answer.
INTERNAL_MAX_ROWS = 5_000_000
INTERNAL_MAX_BYTES = 2_000_000_000
VOCABULARIES = (ONTOLOGY_NS, SHAPES_NS)  # namespaces whose named graph is the vocabulary
JSON = formats.by_name("json")
NTRIPLES = formats.by_name("ntriples")
Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True, kw_only=True)
class Value:
    """A term as a page shows it: an IRI with its label, or a literal."""

    text: str  # the label of an IRI, the lexical form of a literal
    iri: str | None = None  # set for IRIs
    labelled: bool = False  # the IRI has a label (else ``text`` is its local name)
    datatype: str | None = None
    language: str | None = None
    node: str | None = None  # the label of a blank node, which tells two of them apart
    parts: tuple[tuple[Value, Value], ...] = ()  # a blank node's own statements

    @property
    def is_iri(self) -> bool:
        """Whether this value is an IRI (a link)."""
        return self.iri is not None


@dataclass(frozen=True, kw_only=True)
class Statement:
    """One outbound or inbound statement, with where it comes from."""

    predicate: Value
    value: Value  # the object (outbound) or the subject (inbound)
    graphs: tuple[Value, ...]  # named graphs (sources) stating it
    evidence: tuple[str, ...] = ()  # evidence URLs of an outside fact


@dataclass(frozen=True, kw_only=True)
class Event:
    """One dated step on a timeline: a lifecycle event or an approved edition."""

    what: Value  # the event or edition
    kind: Value  # the event type, or "Edition"
    date: str  # ISO date; ``undated`` events show their not-later-than date
    exact: bool  # False when the source gives only a not-later-than date
    subject: Value  # the work item or text it belongs to
    sources: tuple[Value, ...]


@dataclass(frozen=True, kw_only=True)
class Description:
    """Everything a page shows about one resource."""

    iri: str
    label: str
    types: tuple[Value, ...]
    identifiers: tuple[Statement, ...]
    statements: tuple[Statement, ...]
    inbound: tuple[Statement, ...]
    timeline: tuple[Event, ...]
    links_out: tuple[Statement, ...]  # statements whose object is an outside IRI
    sources: tuple[Value, ...]
    labels: dict[str, str] = field(default_factory=dict)


def whole(answer: QueryAnswer, *, what: str) -> QueryAnswer:
    """``answer`` when it holds every row: one of the application's own reads (asked with
    :data:`INTERNAL_MAX_ROWS`) that was cut raises rather than lose rows silently."""
    if answer.truncated:
        raise InternalReadTooLarge(f"{what} returned more than {INTERNAL_MAX_ROWS} rows")
    return answer


async def select(store: Store, sparql: str, *, settings: Settings) -> list[dict[str, Term]]:
    """Every row of one of the application's own SELECT queries, as pyoxigraph terms keyed by
    variable name (unbound left out).

    The client's row cap is not for these reads: an index or a page built from a cut answer
    would silently miss resources. A read past :data:`INTERNAL_MAX_ROWS` raises instead.
    """
    request = QueryRequest.of(
        sparql,
        format=JSON,
        timeout=settings.query_timeout,
        max_rows=INTERNAL_MAX_ROWS,
        max_bytes=INTERNAL_MAX_BYTES,
    )
    answer = whole(await store.query(request), what=f"an internal read ({sparql[:200]})")
    return [
        {name: term for name, term in row.items() if not isinstance(term, ox.Triple)}
        for row in answer.solutions()
    ]


async def exists(store: Store, iri: str, *, settings: Settings) -> bool:
    """Whether the store states anything about ``iri`` (as subject or object)."""
    ref = _ref(iri)
    rows = await select(
        store,
        f"SELECT ?x WHERE {{ {{ {ref} ?p ?x }} UNION {{ ?x ?p {ref} }} }} LIMIT 1",
        settings=settings,
    )
    return bool(rows)


async def describe_resource(store: Store, iri: str, *, settings: Settings) -> Description | None:
    """The description of ``iri``; None when the store says nothing about it."""
    ref = _ref(iri)
    outbound = await select(
        store,
        f"SELECT ?p ?o ?g ?q ?v WHERE {{ GRAPH ?g {{ {ref} ?p ?o "
        f"OPTIONAL {{ ?o ?q ?v . FILTER(isBlank(?o)) }} }} }}",
        settings=settings,
    )
    inbound = await select(
        store,
        f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {ref} }} FILTER(!isBlank(?s)) }} "
        f"LIMIT {INBOUND_LIMIT}",
        settings=settings,
    )
    if not outbound and not inbound:
        return None
    evidence = await _evidence(store, ref, settings=settings)
    events = await _timeline_rows(store, ref, settings=settings)
    mentioned = {iri} | _iris(outbound) | _iris(inbound) | _iris(events)
    labels = await labels_of(store, mentioned, settings=settings)

    def value(term: Term) -> Value:
        return as_value(term, labels)

    parts: dict[str, list[tuple[Value, Value]]] = {}
    for row in outbound:
        if "q" in row and "v" in row:
            parts.setdefault(str(row["o"]), []).append((value(row["q"]), value(row["v"])))
    outward = [
        Statement(
            predicate=value(row["p"]),
            value=_with_parts(value(row["o"]), parts.get(str(row["o"]), [])),
            graphs=(value(row["g"]),),
            evidence=evidence.get((row["p"].value, str(row["o"])), ()),
        )
        for row in outbound
    ]
    statements = _merge(outward)
    ours = settings.data_base, "https://w3id.org/idmgraph/"
    return Description(
        iri=iri,
        label=labels.get(iri, local_name(iri)),
        types=tuple(s.value for s in statements if s.predicate.iri == RDF_TYPE),
        identifiers=tuple(s for s in statements if s.predicate.iri in IDENTIFIERS),
        statements=tuple(sorted(statements, key=_statement_order)),
        inbound=tuple(
            sorted(
                _merge(
                    Statement(predicate=value(r["p"]), value=value(r["s"]), graphs=(value(r["g"]),))
                    for r in inbound
                ),
                key=_statement_order,
            )
        ),
        timeline=_timeline(events, value),
        links_out=tuple(
            s
            for s in statements
            if s.value.iri is not None
            and not s.value.iri.startswith(ours)
            and s.predicate.iri != RDF_TYPE
        ),
        sources=tuple({g.iri: g for s in (*statements,) for g in s.graphs}.values()),
        labels=labels,
    )


async def labels_of(store: Store, iris: Iterable[str], *, settings: Settings) -> dict[str, str]:
    """The preferred label of each IRI that has one (see :data:`LABELS`), English first."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    values = " ".join(_ref(iri) for iri in wanted)
    props = ", ".join(_ref(iri) for iri in LABELS)
    # FILTER, not a second VALUES: Oxigraph 0.5 joins two VALUES blocks before the pattern,
    # 6.6 s instead of 7 ms for the 1 300 links of a work plan at 10^6 triples.
    rows = await select(
        store,
        f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?l FILTER(?p IN ({props})) }}",
        settings=settings,
    )
    ranked: dict[str, tuple[int, int, str]] = {}
    for row in rows:
        literal = row["l"]
        if not isinstance(literal, ox.Literal):
            continue
        rank = (LABELS.index(row["p"].value), _language_rank(literal), literal.value)
        subject = row["x"].value
        if subject not in ranked or rank < ranked[subject]:
            ranked[subject] = rank
    return {iri: rank[2] for iri, rank in ranked.items()}


def as_value(term: Term, labels: dict[str, str]) -> Value:
    """A term as a page shows it, labelled from ``labels``."""
    if isinstance(term, ox.NamedNode):
        label = labels.get(term.value) or WELL_KNOWN_LABELS.get(term.value)
        return Value(text=label or local_name(term.value), iri=term.value, labelled=bool(label))
    if isinstance(term, ox.Literal):
        return Value(
            text=term.value,
            datatype=None if term.language else term.datatype.value,
            language=term.language,
        )
    return Value(text="(structured value)", node=str(term))


def _with_parts(item: Value, parts: list[tuple[Value, Value]]) -> Value:
    """A blank node's value with its own statements, sorted and without repeats."""
    if not parts:
        return item
    unique = {(p.text, v.iri or v.text): (p, v) for p, v in parts}
    ordered = tuple(unique[key] for key in sorted(unique))
    return Value(text=item.text, node=item.node, parts=ordered)


def local_name(iri: str) -> str:
    """The last segment of an IRI, a readable stand-in when it has no label."""
    trimmed = iri.rstrip("/#")
    return trimmed[max(trimmed.rfind("/"), trimmed.rfind("#")) + 1 :] or iri


async def document(store: Store, iri: str, fmt: formats.Format, *, settings: Settings) -> bytes:
    """The RDF description of ``iri`` in ``fmt``, with the release's prefixes."""
    triples = await description_triples(store, iri, settings=settings)
    names = document_prefixes(settings)
    if fmt.name == "jsonld":
        return json.dumps(compactld.compact(triples, names), indent=2, ensure_ascii=False).encode()
    if not isinstance(fmt.oxigraph, ox.RdfFormat):
        raise ValueError(f"{fmt.name} is not an RDF format")
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes=names)
    return body or b""


def document_prefixes(settings: Settings) -> dict[str, str]:
    """Prefixes of served documents: the release's, without ``id:`` (whose local names hold
    slashes that Turtle would have to escape)."""
    return {name: ns for name, ns in prefixes(settings.data_base).items() if name != "id"}


async def description_triples(store: Store, iri: str, *, settings: Settings) -> list[ox.Triple]:
    """The resource's statements, its blank-node structure (4 levels), inbound links, evidence.

    A vocabulary's namespace IRI (the ontology, the shapes) is described by its whole graph:
    who asks for the ontology in Turtle wants the ontology.
    """
    ref = _ref(iri)
    if iri in VOCABULARIES:
        return await _construct(
            store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ref} {{ ?s ?p ?o }} }}", settings
        )
    chain = (
        " ".join(
            f"OPTIONAL {{ ?b{n} ?q{n + 1} ?b{n + 1} . FILTER(isBlank(?b{n})) " for n in range(1, 4)
        )
        + "}" * 3
    )
    sparql = f"""CONSTRUCT {{ {ref} ?p ?b1 . ?b1 ?q2 ?b2 . ?b2 ?q3 ?b3 . ?b3 ?q4 ?b4 .
                 ?s ?pi {ref} . ?st ?sp ?so }}
    WHERE {{
      {{ {ref} ?p ?b1 . {chain} }}
      UNION {{ ?s ?pi {ref} . FILTER(!isBlank(?s)) }}
      UNION {{ ?st <{RDF}subject> {ref} ; ?sp ?so }}
    }}"""
    return await _construct(store, sparql, settings)


async def _construct(store: Store, sparql: str, settings: Settings) -> list[ox.Triple]:
    request = QueryRequest.of(
        sparql, format=NTRIPLES, timeout=settings.query_timeout, max_rows=settings.max_result_rows
    )
    answer = await store.query(request)
    return [quad.triple for quad in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]


# ---------------------------------------------------------------- helpers


async def _evidence(
    store: Store, ref: str, *, settings: Settings
) -> dict[tuple[str, str], tuple[str, ...]]:
    rows = await select(
        store,
        f"SELECT ?p ?o ?e WHERE {{ ?st <{RDF}subject> {ref} ; <{RDF}predicate> ?p ; "
        f"<{RDF}object> ?o ; <{DCTERMS}source> ?e }}",
        settings=settings,
    )
    found: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        found.setdefault((row["p"].value, str(row["o"])), []).append(row["e"].value)
    return {key: tuple(sorted(urls)) for key, urls in found.items()}


async def _timeline_rows(store: Store, ref: str, *, settings: Settings) -> list[dict[str, Term]]:
    """Lifecycle events of the resource (a work item) or of the work items developing or
    revising it (a text), and the editions of a text."""
    idm = IDM_NS
    sparql = f"""SELECT ?what ?kind ?date ?nlt ?subject ?src WHERE {{
      {{
        {{ BIND({ref} AS ?subject) }} UNION {{ ?subject <{idm}develops>|<{idm}revises> {ref} }}
        ?subject <{idm}lifecycleEvent> ?what . ?what <{idm}eventType> ?kind .
        OPTIONAL {{ ?what <{DCTERMS}date> ?date }} OPTIONAL {{ ?what <{idm}notLaterThan> ?nlt }}
        OPTIONAL {{ ?what <{DCTERMS}source> ?src }}
      }} UNION {{
        ?what <{idm}editionOf> {ref} ; <{DCTERMS}date> ?date .
        BIND(<{idm}Edition> AS ?kind) BIND({ref} AS ?subject)
        OPTIONAL {{ ?what <{DCTERMS}source> ?src }}
      }}
    }}"""
    return await select(store, sparql, settings=settings)


def _timeline(rows: list[dict[str, Term]], value: Any) -> tuple[Event, ...]:
    merged: dict[str, Event] = {}
    for row in rows:
        date = row.get("date") or row.get("nlt")
        if date is None:
            continue
        key = row["what"].value
        sources = (value(row["src"]),) if "src" in row else ()
        if key in merged:
            sources = tuple({s.text: s for s in (*merged[key].sources, *sources)}.values())
        merged[key] = Event(
            what=value(row["what"]),
            kind=value(row["kind"]),
            date=date.value,
            exact="date" in row,
            subject=value(row["subject"]),
            sources=sources,
        )
    return tuple(sorted(merged.values(), key=lambda e: (e.date, e.kind.text, e.what.text)))


def _merge(statements: Iterable[Statement]) -> list[Statement]:
    """One statement per (predicate, value), with the graphs of all its copies."""
    merged: dict[tuple[str, str, str | None], Statement] = {}
    for item in statements:
        shown = item.value.iri or item.value.node or item.value.text
        key = (item.predicate.iri or "", shown, item.value.language)
        if key in merged:
            before = merged[key]
            graphs = {g.iri: g for g in (*before.graphs, *item.graphs)}
            merged[key] = Statement(
                predicate=before.predicate,
                value=before.value,
                graphs=tuple(graphs.values()),
                evidence=tuple(sorted({*before.evidence, *item.evidence})),
            )
        else:
            merged[key] = item
    return list(merged.values())


def _statement_order(item: Statement) -> tuple[int, str, str]:
    first = 0 if item.predicate.iri == RDF_TYPE else 1
    return first, item.predicate.text.casefold(), item.value.text.casefold()


def _iris(rows: Iterable[dict[str, Term]]) -> set[str]:
    return {term.value for row in rows for term in row.values() if isinstance(term, ox.NamedNode)}


def _language_rank(literal: ox.Literal) -> int:
    if literal.language in (None, "en") or (literal.language or "").startswith("en-"):
        return 0
    return 1


def _ref(iri: str) -> str:
    """``iri`` as a SPARQL IRI reference (N-Triples escaping keeps the query well formed)."""
    return str(ox.NamedNode(iri))
