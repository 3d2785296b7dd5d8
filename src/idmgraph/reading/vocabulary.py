"""The terms of our vocabularies (the ontology and the shapes), for their documentation page.

Read from the store, from the named graph of the vocabulary, so the page is generated from the
ontology itself and cannot drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from idmgraph.base.settings import Settings
from idmgraph.reading.describe import RDF_TYPE, RDFS, SKOS, local_name, select
from idmgraph.store.interface import Store

OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
# Kinds of term in the order the page lists them, with their headings.
KINDS: dict[str, str] = {
    OWL + "Class": "Classes",
    OWL + "ObjectProperty": "Object properties",
    OWL + "DatatypeProperty": "Datatype properties",
    OWL + "AnnotationProperty": "Annotation properties",
    SKOS + "ConceptScheme": "Concept schemes",
    SKOS + "Concept": "Concepts",
    SH + "NodeShape": "Shapes",
}


@dataclass(frozen=True, kw_only=True)
class Term:
    """One term of a vocabulary as its documentation lists it."""

    iri: str
    name: str  # local name, the anchor on the page
    kind: str  # heading from :data:`KINDS`
    label: str
    definition: str
    related: tuple[tuple[str, str], ...]  # (relation, IRI): super-class, domain, range, target


async def vocabulary_terms(store: Store, namespace: str, *, settings: Settings) -> list[Term]:
    """Every term minted in ``namespace`` (whose graph has the same name), grouped by kind."""
    graph = str(ox.NamedNode(namespace))
    kinds = " ".join(str(ox.NamedNode(kind)) for kind in KINDS)
    rows = await select(
        store,
        f"""SELECT ?term ?kind ?label ?definition ?rel ?other WHERE {{ GRAPH {graph} {{
          ?term <{RDF_TYPE}> ?kind . VALUES ?kind {{ {kinds} }}
          FILTER(isIRI(?term) && STRSTARTS(STR(?term), STR({graph})))
          OPTIONAL {{ ?term <{RDFS}label>|<{SH}name> ?label }}
          OPTIONAL {{ ?term <{SKOS}definition>|<{RDFS}comment> ?definition }}
          OPTIONAL {{ ?term ?rel ?other . FILTER(isIRI(?other))
                      VALUES ?rel {{ <{RDFS}subClassOf> <{RDFS}subPropertyOf> <{RDFS}domain>
                                     <{RDFS}range> <{SKOS}inScheme> <{SH}targetClass> }} }}
        }} }}""",
        settings=settings,
    )
    found: dict[str, _Builder] = {}
    for row in rows:
        iri = row["term"].value
        entry = found.setdefault(iri, _Builder(kind=KINDS[row["kind"].value]))
        if "label" in row:
            entry.label = row["label"].value
        if "definition" in row:
            entry.definition = row["definition"].value
        if "rel" in row and "other" in row:
            entry.related.add((local_name(row["rel"].value), row["other"].value))
    order = list(KINDS.values())
    listed = [
        Term(
            iri=iri,
            name=local_name(iri),
            kind=entry.kind,
            label=entry.label or local_name(iri),
            definition=entry.definition,
            related=tuple(sorted(entry.related)),
        )
        for iri, entry in found.items()
    ]
    return sorted(listed, key=lambda t: (order.index(t.kind), t.label.casefold()))


@dataclass
class _Builder:
    """A term while its rows are read."""

    kind: str
    label: str = ""
    definition: str = ""
    related: set[tuple[str, str]] = field(default_factory=set)
