"""What a SPARQL request says about itself, read from its tokens before anything evaluates it.

This reading gives a client a clear 400 before a worker is busied; it is not what keeps a
query off the network: the processes that evaluate queries cannot open a network socket at
all (:mod:`idmgraph.store.sandbox`). The reading errs on the side of refusal: any word that holds
``SERVICE`` outside a string, IRI, comment, variable or local name counts as the keyword
(Oxigraph's parser needs no space between ``1`` and ``SERVICE``), and a target that is not a
plain absolute IRI (a variable, a relative IRI, an unknown prefix) is reported as ``None``.

The reading is one linear pass (two when the text holds ``\\u`` escapes) and stops early on
nesting deeper than :data:`MAX_DEPTH`, which Oxigraph's recursive parser cannot take.

>>> shape = inspect_query("PREFIX ex: <http://ex/> SELECT * { SERVICE SILENT ex:s { ?s ?p ?o } }")
>>> shape.form, shape.services
('SELECT', ('http://ex/s',))
>>> inspect_query("SELECT * { ?s ?p 1SERVICE <http://ex/> {} }").services
('http://ex/',)
>>> inspect_query("INSERT DATA { <a> <b> <c> }").is_update
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_VERBS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
MAX_DEPTH = 200  # brackets nested deeper than this are refused (Oxigraph recurses per level)
_MEMO_MAX_CHARS = 4_096  # only short texts are memoised, so the memo stays small in bytes
_OPENING = frozenset("{([")
_CLOSING = frozenset("})]")

# One alternative per SPARQL terminal that can hide a keyword: strings, IRIs and comments are
# skipped whole so that "SERVICE" inside them is not read as the keyword. IRIREF excludes the
# same characters as the grammar does, so "?a<?b" is read as an operator, as Oxigraph reads it.
# Strings use possessive loops, so a long one is one fast scan without backtracking.
# A number is its own token, as in the grammar: "1SERVICE" is a number, then a word.
# The one tokenizer of SPARQL text: remotequery rewrites queries with it.
TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]++|\\.|'(?!''))*+'''|\"\"\"(?:[^"\\]++|\\.|"(?!""))*+\"\"\"
                 |'(?:[^'\\\n\r]++|\\.)*+'|"(?:[^"\\\n\r]++|\\.)*+")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\s{}()\[\],;.<>"'\#=!|&+*/^?$]*)
    | (?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
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
    too_deep: bool = False  # brackets nest deeper than MAX_DEPTH (the reading stopped there)


def inspect_query(text: str) -> QueryShape:
    """Read the form, dataset clauses and SERVICE targets of a SPARQL request."""
    if len(text) <= _MEMO_MAX_CHARS:
        return _inspect_short(text)
    return _inspect(text)


@lru_cache(maxsize=1024)
def _inspect_short(text: str) -> QueryShape:
    return _inspect(text)


def _inspect(text: str) -> QueryShape:
    # SPARQL allows \\u escapes anywhere in a query; Oxigraph 0.5 does not expand them outside
    # strings, a later version might. Reading both spellings and joining the findings means
    # neither reading can hide a SERVICE.
    raw = _shape(_significant(text))
    unescaped_text = unescaped(text)
    if unescaped_text == text or raw.too_deep:
        return raw
    other = _shape(_significant(unescaped_text))
    return QueryShape(
        form=raw.form or other.form,
        is_update=raw.is_update or other.is_update,
        has_dataset=raw.has_dataset or other.has_dataset,
        services=raw.services + other.services,
        too_deep=other.too_deep,
    )


def unescaped(text: str) -> str:
    """``text`` with its ``\\u`` and ``\\U`` escapes expanded, as SPARQL reads them."""
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code < 0x110000 else match.group(0)


Token = tuple[str, str]  # (kind, text): the kind is the name of TOKEN's group


def tokens_of(text: str) -> list[Token]:
    """Every token of ``text``, spaces and comments included, so that joining gives it back."""
    return [(match.lastgroup or "other", match.group(0)) for match in TOKEN.finditer(text)]


def next_significant(tokens: list[Token], index: int, count: int) -> list[int]:
    """Indices of the (at most) ``count`` tokens after ``index`` that are not space or comment."""
    found: list[int] = []
    for position in range(index + 1, len(tokens)):
        if len(found) == count:
            break
        if tokens[position][0] not in ("space", "comment"):
            found.append(position)
    return found


def _significant(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of every token but spaces and comments, lazily."""
    for match in TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield kind, match.group(0)


class _Reader:
    """The state of one pass over the tokens; each token is looked at once."""

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = {}
        self.form: str | None = None
        self.is_update = False
        self.has_dataset = False
        self.services: list[str | None] = []
        self.depth = 0
        # what the next tokens complete: a PREFIX declaration or a SERVICE target
        self.pending: str | None = None
        self.pending_name = ""

    def read(self, kind: str, text: str) -> None:
        if self.pending is not None and self._complete(kind, text):
            return
        if kind == "other":
            if text in _OPENING:
                self.depth += 1
            elif text in _CLOSING:
                self.depth -= 1
        elif kind == "word":
            self._word(text)

    def _word(self, text: str) -> None:
        keyword = text.upper()
        if keyword == "PREFIX":
            self.pending, self.pending_name = "prefix", ""
        elif keyword in QUERY_FORMS and self.form is None and not self.is_update:
            self.form = keyword
        elif keyword in UPDATE_VERBS and self.form is None:
            self.is_update = True
        elif keyword == "FROM":
            self.has_dataset = True
        elif _holds_service(keyword):
            if keyword.endswith("SERVICE"):
                self.pending = "service"
            else:  # glued to what follows it ("SERVICESILENT"): refuse rather than guess
                self.services.append(None)

    def _complete(self, kind: str, text: str) -> bool:
        """Feed a token to the pending declaration; True when the token was used up."""
        pending, self.pending = self.pending, None
        if pending == "prefix":
            if not self.pending_name and kind == "word" and text.endswith(":"):
                self.pending, self.pending_name = "prefix", text[:-1]
                return True
            if self.pending_name and kind == "iri":
                self.prefixes[self.pending_name] = text[1:-1]
                return True
            return False
        if kind == "word" and text.upper() == "SILENT":
            self.pending = "service"
            return True
        self.services.append(self._target(kind, text))
        return kind in ("iri", "var") or (kind == "word" and not _holds_service(text.upper()))

    def _target(self, kind: str, text: str) -> str | None:
        if kind == "iri":
            iri = text[1:-1]
            return iri if _ABSOLUTE.match(iri) else None
        if kind == "word" and ":" in text:
            prefix, local = text.split(":", 1)
            if prefix in self.prefixes and _ABSOLUTE.match(self.prefixes[prefix]):
                return self.prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        return None

    def finish(self) -> None:
        if self.pending == "service":  # the text ends right after SERVICE
            self.services.append(None)


def _holds_service(upper_word: str) -> bool:
    # In a prefixed name only the prefix can hold the keyword: "ex:myService" is a local name.
    return "SERVICE" in upper_word.split(":", 1)[0]


def _shape(tokens: Iterator[tuple[str, str]]) -> QueryShape:
    reader = _Reader()
    for kind, text in tokens:
        reader.read(kind, text)
        if reader.depth > MAX_DEPTH:
            break
    reader.finish()
    return QueryShape(
        form=reader.form,
        is_update=reader.is_update,
        has_dataset=reader.has_dataset,
        services=tuple(reader.services),
        too_deep=reader.depth > MAX_DEPTH,
    )
