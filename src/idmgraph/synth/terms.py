"""RDF terms of the synthetic landscape, written once as Turtle and turned into N-Quads.

Terms are plain strings in Turtle syntax, so the generator stays fast at 10^7 triples: data
IRIs are relative to the base (``<id/synth/...>``, resolved by the parser like the real
``data/`` files), vocabulary terms are prefixed names, literals carry a prefixed datatype.
:func:`absolute` turns one into an N-Triples term for a given base.

>>> absolute("idm:WorkItem", "https://example.org/")
'<https://w3id.org/idmgraph/def/WorkItem>'
>>> absolute('"2023-09-08"^^xsd:date', "https://example.org/")
'"2023-09-08"^^<http://www.w3.org/2001/XMLSchema#date>'
>>> absolute(node("rec/s0/X.9000.101"), "https://example.org/")
'<https://example.org/id/synth/rec/s0/X.9000.101>'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TextIO

IDM = "https://w3id.org/idmgraph/def/"
PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "idm": IDM,
    "status": IDM + "status/",
    "route": IDM + "route/",
    "kind": IDM + "kind/",
    "direction": IDM + "direction/",
    "area": IDM + "area/",
}
SYNTH_PATH = "id/synth/"  # every synthetic resource lives here, apart from real data
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

Pairs = tuple[tuple[str, str], ...]
# (source folder, subject, predicate-object pairs): one Turtle subject block.
Block = tuple[str, str, Pairs]


def node(path: str) -> str:
    """A synthetic data resource, as an IRI relative to the base."""
    return f"<{SYNTH_PATH}{path}>"


def source_node(slug: str) -> str:
    """The IRI of a source (named graph), as the build names the folder ``data/<slug>``."""
    return f"<id/source/{slug}>"


def text(value: str) -> str:
    """An English string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@en'


def plain(value: str) -> str:
    """A plain xsd:string literal (identifiers, notations, provisional names)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def day(value: dt.date) -> str:
    """An xsd:date literal."""
    return f'"{value.isoformat()}"^^xsd:date'


def positive(value: int) -> str:
    """An xsd:positiveInteger literal."""
    return f'"{value}"^^xsd:positiveInteger'


_EXPANDED: dict[str, str] = {"a": RDF_TYPE}


def absolute(term: str, base: str) -> str:
    """The N-Triples form of a term, relative IRIs resolved against ``base``."""
    if term.startswith("<"):
        return f"<{base}{term[1:]}"
    if term.startswith('"'):
        head, sep, datatype = term.rpartition("^^")
        if sep and not datatype.startswith("<"):
            return f"{head}^^{absolute(datatype, base)}"
        return term
    cached = _EXPANDED.get(term)
    if cached is None:
        prefix, _, local = term.partition(":")
        cached = _EXPANDED[term] = f"<{PREFIXES[prefix]}{local}>"
    return cached


def turtle_header(out: TextIO, comment: str) -> None:
    """Write a comment line and the prefix declarations at the top of a Turtle file."""
    out.write(f"# {comment}\n")
    for prefix, namespace in PREFIXES.items():
        out.write(f"@prefix {prefix}: <{namespace}> .\n")
    out.write("\n")


def turtle_block(out: TextIO, subject: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Write one subject with its predicate-object pairs."""
    body = " ;\n    ".join(f"{predicate} {obj}" for predicate, obj in pairs)
    out.write(f"{subject} {body} .\n\n")
