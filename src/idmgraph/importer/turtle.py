"""Statements as Turtle files laid out like the curated folder.

Data IRIs are written relative to the base (``<id/rec/X.1095>``) and no ``@base`` is written,
so the files follow the ``base_iri`` setting like the hand-written ones; vocabulary terms use
the well-known prefixes.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from idmgraph.base.namespaces import WELL_KNOWN
from idmgraph.importer.statements import AREA, DIRECTION, KIND, ROUTE, STATUS, Statements

_VOCABULARIES = {
    "status": str(STATUS),
    "route": str(ROUTE),
    "kind": str(KIND),
    "direction": str(DIRECTION),
    "area": str(AREA),
}
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def render(out: Statements, *, base_iri: str, headers: dict[str, str]) -> dict[str, str]:
    """File name → Turtle text, for every file of ``out``."""
    prefixes = {**WELL_KNOWN, **_VOCABULARIES}
    files = {}
    for name, subjects in out.files.items():
        body = []
        used: set[str] = set()
        for subject, pairs in subjects.items():
            lines = []
            for index, (predicate, obj) in enumerate(pairs):
                verb = "a" if predicate == RDF.type else _term(predicate, base_iri, prefixes, used)
                end = " ." if index == len(pairs) - 1 else " ;"
                lead = _term(subject, base_iri, prefixes, used) if index == 0 else "   "
                lines.append(f"{lead} {verb} {_term(obj, base_iri, prefixes, used)}{end}")
            body.append("\n".join(lines))
        header = "".join(f"# {line}\n" for line in headers.get(name, "").splitlines())
        declared = "".join(
            f"@prefix {prefix}: <{prefixes[prefix]}> .\n" for prefix in prefixes if prefix in used
        )
        files[name] = header + declared + "\n" + "\n\n".join(body) + "\n"
    return files


def _term(term: Node, base_iri: str, prefixes: dict[str, str], used: set[str]) -> str:
    if isinstance(term, Literal):
        return _literal(term, base_iri, prefixes, used)
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(base_iri + "id/"):
        return f"<{text[len(base_iri) :]}>"
    for prefix, namespace in sorted(prefixes.items(), key=lambda item: -len(item[1])):
        local = text[len(namespace) :]
        if text.startswith(namespace) and _LOCAL.match(local):
            used.add(prefix)
            return f"{prefix}:{local}"
    return f"<{text}>"


def _literal(term: Literal, base_iri: str, prefixes: dict[str, str], used: set[str]) -> str:
    quoted = '"' + "".join(_ESCAPES.get(char, char) for char in str(term)) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if term.datatype is not None:
        return f"{quoted}^^{_term(term.datatype, base_iri, prefixes, used)}"
    return quoted
