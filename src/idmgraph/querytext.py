"""What a SPARQL request says about itself, read from its tokens before anything evaluates it.

Oxigraph has no switch to keep ``SERVICE`` off the network, and it lets a union default graph
override ``FROM``; so the endpoint reads the query's form, its dataset clauses and every
``SERVICE`` target itself. The reading errs on the side of refusal: a target that is not a
plain absolute IRI (a variable, a relative IRI, an unknown prefix) is reported as ``None``.

>>> shape = inspect_query("PREFIX ex: <http://ex/> SELECT * { SERVICE SILENT ex:s { ?s ?p ?o } }")
>>> shape.form, shape.services
('SELECT', ('http://ex/s',))
>>> inspect_query("INSERT DATA { <a> <b> <c> }").is_update
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_VERBS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

# One alternative per SPARQL terminal that can hide a keyword: strings, IRIs and comments are
# skipped whole so that "SERVICE" inside them is not read as the keyword. IRIREF excludes the
# same characters as the grammar does, so "?a<?b" is read as an operator, as Oxigraph reads it.
# The one tokenizer of SPARQL text: remotequery rewrites queries with it.
TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\s{}()\[\],;.<>"'\#=!|&+*/^?$]*)
    | (?P<word>[^\s{}()\[\],;<>"'\#=!|&+*/^?$.][^\s{}()\[\],;<>"'\#=!|&+*/^?$]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, kw_only=True)
class QueryShape:
    """The parts of a request the endpoint decides on before evaluating it."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or None when no form was found
    is_update: bool  # the text starts like a SPARQL Update request
    has_dataset: bool  # the query names its own dataset (FROM / FROM NAMED)
    services: tuple[str | None, ...]  # every SERVICE target; None when it cannot be resolved


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


@lru_cache(maxsize=1024)
def inspect_query(text: str) -> QueryShape:
    """Read the form, dataset clauses and SERVICE targets of a SPARQL request (memoised)."""
    # SPARQL allows \\u escapes anywhere in a query; Oxigraph 0.5 does not expand them outside
    # strings, a later version might. Reading both spellings and joining the findings means
    # neither reading can hide a SERVICE.
    raw = _shape(_tokens(text))
    unescaped_text = _ESCAPE.sub(_unescape, text)
    if unescaped_text == text:
        return raw
    other = _shape(_tokens(unescaped_text))
    return QueryShape(
        form=raw.form or other.form,
        is_update=raw.is_update or other.is_update,
        has_dataset=raw.has_dataset or other.has_dataset,
        services=raw.services + other.services,
    )


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code < 0x110000 else match.group(0)


def _tokens(text: str) -> list[_Token]:
    found = []
    for match in TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            found.append(_Token(kind, match.group(0)))
    return found


def _shape(tokens: list[_Token]) -> QueryShape:
    prefixes: dict[str, str] = {}
    form: str | None = None
    is_update = False
    has_dataset = False
    services: list[str | None] = []
    for index, token in enumerate(tokens):
        if token.kind != "word":
            continue
        keyword = token.text.upper()
        if keyword == "PREFIX" and index + 2 < len(tokens):
            name, iri = tokens[index + 1], tokens[index + 2]
            if name.kind == "word" and name.text.endswith(":") and iri.kind == "iri":
                prefixes[name.text[:-1]] = iri.text[1:-1]
        elif keyword in QUERY_FORMS and form is None and not is_update:
            form = keyword
        elif keyword in UPDATE_VERBS and form is None:
            is_update = True
        elif keyword == "FROM":
            has_dataset = True
        elif keyword == "SERVICE":
            services.append(_service_target(tokens[index + 1 :], prefixes))
    return QueryShape(
        form=form, is_update=is_update, has_dataset=has_dataset, services=tuple(services)
    )


def _service_target(rest: list[_Token], prefixes: dict[str, str]) -> str | None:
    if rest and rest[0].kind == "word" and rest[0].text.upper() == "SILENT":
        rest = rest[1:]
    if not rest:
        return None
    target = rest[0]
    if target.kind == "iri":
        iri = target.text[1:-1]
        return iri if _ABSOLUTE.match(iri) else None
    if target.kind == "word" and ":" in target.text:
        prefix, local = target.text.split(":", 1)
        if prefix in prefixes and _ABSOLUTE.match(prefixes[prefix]):
            return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    return None
