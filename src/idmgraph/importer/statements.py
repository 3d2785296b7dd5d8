"""Statements grouped by the file they go to, each subject's statements in the order made."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from idmgraph.base.namespaces import IDM, IDM_NS

STATUS = Namespace(IDM_NS + "status/")
ROUTE = Namespace(IDM_NS + "route/")
KIND = Namespace(IDM_NS + "kind/")
DIRECTION = Namespace(IDM_NS + "direction/")
AREA = Namespace(IDM_NS + "area/")
SCHEMA = Namespace("https://schema.org/")
IDM_AREA = AREA["identity-management"]

__all__ = [
    "AREA",
    "DCAT",
    "DCTERMS",
    "DIRECTION",
    "FOAF",
    "IDM",
    "IDM_AREA",
    "KIND",
    "ORG",
    "PROV",
    "RDF",
    "RDFS",
    "ROUTE",
    "SCHEMA",
    "SKOS",
    "STATUS",
    "XSD",
    "Statements",
    "date_literal",
    "en",
]


def en(text: str) -> Literal:
    """An English literal."""
    return Literal(text, lang="en")


@dataclass(kw_only=True)
class Statements:
    """What a new source will say, file by file (``annex1.ttl`` …), subject by subject."""

    data_base: str
    files: dict[str, dict[URIRef, list[tuple[URIRef, Node]]]] = field(default_factory=dict)

    def iri(self, path: str) -> URIRef:
        """A data resource: ``path`` under ``<base>id/``."""
        return URIRef(self.data_base + path)

    def add(self, file: str, subject: URIRef, predicate: URIRef, *objects: Node) -> None:
        """State ``subject predicate object`` in ``file`` (once)."""
        pairs = self.files.setdefault(file, {}).setdefault(subject, [])
        for obj in objects:
            if (predicate, obj) not in pairs:
                pairs.append((predicate, obj))

    def triples(self) -> Iterator[tuple[URIRef, URIRef, Node]]:
        """Every statement, file by file."""
        for subjects in self.files.values():
            for subject, pairs in subjects.items():
                for predicate, obj in pairs:
                    yield subject, predicate, obj

    def graph(self) -> Graph:
        """All statements as one rdflib graph."""
        graph = Graph()
        for triple in self.triples():
            graph.add(triple)
        return graph

    def drop(self, remove: set[tuple[URIRef, URIRef, Node]]) -> None:
        """Remove the statements in ``remove`` wherever they are."""
        for subjects in self.files.values():
            for subject, pairs in list(subjects.items()):
                subjects[subject] = [(p, o) for p, o in pairs if (subject, p, o) not in remove]
                if not subjects[subject]:
                    del subjects[subject]


def date_literal(day: object) -> Literal:
    """An ``xsd:date`` literal."""
    return Literal(str(day), datatype=XSD.date)
