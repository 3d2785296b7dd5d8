"""Compact JSON-LD of an RDF graph, in one linear pass.

The release's dump and the resource pages compact with a context of prefixes only (no term
definitions, no ``@vocab``, no type coercion). For such a context, JSON-LD 1.1 compaction of a
flattened graph reduces to: one node object per subject, ordered by ``@id``; IRIs as the
shortest compact IRI (a prefix name that is exactly the IRI, where a vocabulary term is
expected); ``rdf:type`` as ``@type``; ``xsd:string`` literals as plain strings; single values
unwrapped. pyld runs the general algorithm in pure Python: 13 of the 18 s of a 10^5-triple
release, and the build's limit at 10^6 (bench/RESULTS.md). Lists stay as their
``rdf:first``/``rdf:rest`` nodes, which any JSON-LD processor reads as the same triples. The
tests read every output back with pyld, the reference processor.

>>> import pyoxigraph as ox
>>> triple = ox.Triple(ox.NamedNode("https://e.org/a"), ox.NamedNode(RDF_TYPE),
...                    ox.NamedNode("https://e.org/C"))
>>> compact([triple], {"e": "https://e.org/"})
{'@context': {'e': 'https://e.org/'}, '@id': 'e:a', '@type': 'e:C'}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from idmgraph.base.namespaces import RDF_TYPE

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
Subject = ox.NamedNode | ox.BlankNode
Value = str | dict[str, str]
Node = dict[str, Any]


class _Compactor:
    """IRI compaction against one prefix-only context, remembered per IRI."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # An IRI mapping used as a prefix must end in a gen-delim (JSON-LD 1.1 §4.2.2).
        self._prefixes = [(n, iri) for n, iri in prefixes.items() if iri[-1:] in ":/?#[]@"]
        self._terms = {iri: name for name, iri in prefixes.items()}
        self._names = set(prefixes)
        self._ids: dict[str, str] = {}
        self._vocab: dict[str, str] = {}

    def id(self, iri: str) -> str:
        """An IRI in ``@id`` position: compact IRIs only."""
        found = self._ids.get(iri)
        if found is None:
            found = self._ids[iri] = self._shortest(iri)
        return found

    def vocab(self, iri: str) -> str:
        """An IRI as a property, a type or a datatype: a term that is exactly it wins."""
        found = self._vocab.get(iri)
        if found is None:
            found = self._vocab[iri] = self._terms.get(iri) or self._shortest(iri)
        return found

    def _shortest(self, iri: str) -> str:
        best: str | None = None
        for name, mapping in self._prefixes:
            suffix = iri[len(mapping) :]
            # "p://x" would expand as an absolute IRI, and a candidate must not be a term.
            if not iri.startswith(mapping) or not suffix or suffix.startswith("//"):
                continue
            candidate = f"{name}:{suffix}"
            if candidate in self._names:
                continue
            if best is None or (len(candidate), candidate) < (len(best), best):
                best = candidate
        return best or iri

    def node_id(self, term: Subject) -> str:
        """The ``@id`` of a subject or an object node."""
        return _expanded(term) if isinstance(term, ox.BlankNode) else self.id(term.value)

    def type(self, term: Subject) -> str:
        """A class in ``@type``."""
        return _expanded(term) if isinstance(term, ox.BlankNode) else self.vocab(term.value)

    def value(self, term: object) -> Value:
        """An object of a triple as a compacted value."""
        if isinstance(term, ox.NamedNode | ox.BlankNode):
            return {"@id": self.node_id(term)}
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@language": term.language, "@value": term.value}
            if term.datatype.value == XSD_STRING:
                return term.value
            return {"@type": self.vocab(term.datatype.value), "@value": term.value}
        raise TypeError(f"RDF-star triple terms are not supported: {term!r}")


def _expanded(term: Subject) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def nodes(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> list[Node]:
    """One compacted node object per subject, ordered by its expanded ``@id``."""
    compactor = _Compactor(prefixes)
    grouped: dict[Subject, list[ox.Triple]] = {}
    for triple in triples:
        subject = triple.subject
        if isinstance(subject, ox.Triple):
            raise TypeError(f"RDF-star triple terms are not supported: {subject!r}")
        grouped.setdefault(subject, []).append(triple)
    ordered = sorted(grouped, key=_expanded)
    return [_node(subject, grouped[subject], compactor) for subject in ordered]


def _node(subject: Subject, triples: list[ox.Triple], compactor: _Compactor) -> Node:
    values: dict[str, list[Value]] = {}
    for triple in triples:
        predicate = triple.predicate.value
        if predicate == RDF_TYPE and isinstance(triple.object, ox.NamedNode | ox.BlankNode):
            values.setdefault("@type", []).append(compactor.type(triple.object))
        else:
            key = compactor.vocab(predicate)
            values.setdefault(key, []).append(compactor.value(triple.object))
    node: Node = {"@id": compactor.node_id(subject)}
    for key in sorted(values):
        found = values[key]
        node[key] = found[0] if len(found) == 1 else found
    return node


def compact(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> dict[str, Any]:
    """The compacted document: the context, and the node itself when there is only one."""
    found = nodes(triples, prefixes)
    document: dict[str, Any] = {"@context": dict(prefixes)}
    if len(found) == 1:
        document.update(found[0])
    elif found:
        document["@graph"] = found
    return document


def dump(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> bytes:
    """The compacted document as UTF-8, one node object per line of ``@graph`` (kept even
    for a single node: a dump always has one).

    One line per node keeps a large dump readable with line tools, and lets the C JSON
    encoder write each line (an indented document goes through the pure-Python encoder).
    """
    context = json.dumps({"@context": dict(prefixes)}, indent=2, ensure_ascii=False)
    lines = [
        json.dumps(node, ensure_ascii=False, sort_keys=True) for node in nodes(triples, prefixes)
    ]
    graph = ",\n    ".join(lines)
    body = f'{context[:-2]},\n  "@graph": [\n    {graph}\n  ]\n}}\n' if lines else context + "\n"
    return body.encode("utf-8")
