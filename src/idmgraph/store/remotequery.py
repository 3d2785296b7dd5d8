"""Query text for a remote store: graph names made versioned, bindings written as VALUES.

A remote store holds each release in *versioned* named graphs (``<graph>?idmgraph-load=ID``),
so several versions can live side by side while one is being loaded. The marker is a suffix,
so a filter on the start of a graph name (``STRSTARTS(STR(?g), ...)``) still holds. A client
names the release's own graphs, so an IRI naming a release graph is rewritten to its versioned
name where it stands for a graph (after GRAPH, FROM, FROM NAMED; not a graph name compared in
a FILTER or bound by VALUES), and the answer is rewritten back (:func:`unversion`). IRIs of
idmgraph's bookkeeping (``urn:idmgraph:``, or carrying a load marker) in those positions are
rewritten to a graph that never exists, so no query can read the pointer graph or another
version.

A graph *variable* (``GRAPH ?g { … }``) is bound to the release's own name inside the query,
not only in the answer (:func:`named_graph_variables`): a query that joins ``?g`` with what the
data says of that graph (``?g prov:wasAttributedTo ?body``) finds the same rows as on the
embedded store.

"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from urllib.parse import urljoin

import pyoxigraph

from idmgraph.base.querytext import TOKEN, Token, next_significant, tokens_of
from idmgraph.store.evaluate import Term

INTERNAL = "urn:idmgraph:"  # every IRI of idmgraph's own bookkeeping in a remote store
HIDDEN = INTERNAL + "hidden"  # a graph that is never written: reading it finds nothing
MARKER = "?idmgraph-load="  # versioned graph = graph IRI + MARKER + load id
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_KEEP_FROM = frozenset({"SELECT", "VALUES", "GROUP", "ORDER"})  # variables stay variables
_KEEP_UNTIL = frozenset({"{", "}", "WHERE", "HAVING"})
_GRAPH_POSITION = frozenset({"GRAPH", "FROM", "NAMED"})  # keywords a graph name follows
MAX_GRAPH_VARIABLES = 64  # GRAPH ?g patterns one query may hold on a remote store
_ERASED = re.compile(r"[^\n]")  # what a removed clause is written as: spaces, its line breaks


def rewrite(
    sparql: str,
    *,
    graphs: Mapping[str, str],
    base_iri: str | None = None,
    substitutions: Mapping[str, Term] | None = None,
) -> str:
    """The query with release graph IRIs made versioned and ``substitutions`` bound.

    A bound variable is written as its term wherever the WHERE pattern reads it (so a FILTER
    inside MINUS sees it, as with Oxigraph's substitutions), and a VALUES row at the top of
    the pattern binds it for the projection and the solution modifiers.
    """
    bound = {name: str(term) for name, term in (substitutions or {}).items()}
    values = _values(substitutions) if substitutions else ""
    pieces: list[str] = []
    depth, guarded, last = 0, False, ""
    for kind, token, iri in _resolved(sparql, base_iri):
        text, upper = token, token.upper()
        if kind == "open":
            depth = 1
            pieces += [text, values]
            values = ""
            continue
        if depth and kind not in ("space", "comment"):
            depth += {"{": 1, "}": -1}.get(text, 0)
            # a projection, AS target, VALUES header or GROUP/ORDER BY needs the variable
            guarded = (guarded or upper in _KEEP_FROM) and upper not in _KEEP_UNTIL
            if kind == "var" and text[1:] in bound and not guarded and last != "AS":
                text = bound[text[1:]]
        # only graph positions: a source's IRI is also the subject of its description
        if iri is not None and last in _GRAPH_POSITION and (iri in graphs or is_internal(iri)):
            tail = text[len(text.rstrip(".")) :] if kind == "word" else ""
            text = f"<{graphs.get(iri, HIDDEN)}>{tail}"
        pieces.append(text)
        last = upper if kind not in ("space", "comment") else last
    if values:
        raise ValueError("the query has no group pattern to bind values in")
    # BASE on the first line keeps the line numbers the client sees in remote messages.
    prologue = f"BASE <{base_iri}> " if base_iri else ""
    return named_graph_variables(prologue + "".join(pieces), graphs)


def named_graph_variables(sparql: str, graphs: Mapping[str, str]) -> str:
    """``GRAPH ?g { P }`` made to bind ``?g`` to the release's name of the versioned graph.

    Each such pattern becomes a sub-select over ``GRAPH ?hidden { P }`` joined with a VALUES
    table from release name to versioned name; it projects ``?g`` and the variables of ``P``
    only, so ``SELECT *`` sees no extra column. With no versioned graphs it is the identity.
    SPARQL evaluates ``GRAPH ?g { P }`` on its own before joining it with its group, so the
    sub-select, which sees nothing from outside either, gives the same solutions.
    """
    if not graphs:
        return sparql
    tokens = tokens_of(sparql)
    table = " ".join(f"(<{name}> <{versioned}>)" for name, versioned in sorted(graphs.items()))
    counter = [0]
    rewritten = "".join(_scoped(tokens, table, counter))
    if counter[0] > MAX_GRAPH_VARIABLES:
        # each pattern carries the whole table: a short text must not become a huge one
        raise ValueError(f"the query has more than {MAX_GRAPH_VARIABLES} GRAPH ?variable patterns")
    return rewritten


def _scoped(tokens: list[Token], table: str, counter: list[int]) -> Iterator[str]:
    index = 0
    while index < len(tokens):
        text = tokens[index][1]
        opening = _graph_variable_at(tokens, index) if text.upper() == "GRAPH" else None
        if opening is None:
            yield text
            index += 1
            continue
        variable, brace = opening
        close = _matching_brace(tokens, brace)
        inner = tokens[brace + 1 : close]
        counter[0] += 1
        hidden = f"?idmgraph_versioned_graph_{counter[0]}"
        # in the order they first appear, so that SELECT * keeps its columns' order
        named = dict.fromkeys("?" + t[1:] for k, t in inner if k == "var" and len(t) > 1)
        projected = [name for name in named if name != variable]
        yield (
            f"{{ SELECT {variable} {' '.join(projected)} WHERE {{ GRAPH {hidden} {{"
            f"{''.join(_scoped(inner, table, counter))}}} VALUES ({variable} {hidden}) "
            f"{{ {table} }} }} }}"
        )
        index = close + 1


def _graph_variable_at(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """(variable, index of the opening brace) when a GRAPH keyword at ``index`` names one."""
    following = next_significant(tokens, index, 2)
    if len(following) < 2:
        return None
    name, brace = following
    if tokens[name][0] != "var" or tokens[brace][1] != "{":
        return None
    return "?" + tokens[name][1][1:], brace


def _matching_brace(tokens: list[Token], opening: int) -> int:
    depth = 0
    for index in range(opening, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[index][1], 0)
        if depth == 0:
            return index
    raise ValueError("a GRAPH pattern is not closed")


def limited(sparql: str, max_rows: int) -> str:
    """A SELECT query told to stop after ``max_rows + 1`` rows, one past the row cap.

    A top-level LIMIT above that is lowered, a smaller one kept; without one, a LIMIT is
    written after the solution modifiers (before a trailing VALUES clause), on a line of its
    own so that a closing comment cannot swallow it. The remote then computes and sends no
    more than the cap needs; one row more tells that the answer was cut.
    """
    wanted = max_rows + 1
    depth, closed, limit = 0, False, False
    for match in TOKEN.finditer(sparql):
        kind, text = match.lastgroup or "other", match.group(0)
        if kind in ("space", "comment"):
            continue
        if limit:  # the token after a top-level LIMIT: its integer
            if text.isdigit() and int(text) > wanted:
                return sparql[: match.start()] + str(wanted) + sparql[match.end() :]
            return sparql
        if text in ("{", "}"):
            depth += 1 if text == "{" else -1
            closed = closed or depth == 0  # the first group closed at the top is the pattern
        elif closed and depth == 0 and kind == "word":
            limit = text.upper() == "LIMIT"
            if text.upper() == "VALUES":
                return f"{sparql[: match.start()]}\nLIMIT {wanted}\n{sparql[match.start() :]}"
    return sparql if limit else f"{sparql}\nLIMIT {wanted}\n"


def _resolved(sparql: str, base_iri: str | None) -> Iterator[tuple[str, str, str | None]]:
    """(kind, text, absolute IRI or None) for every piece of the text, spaces included.

    The kind ``open`` marks the brace that opens the WHERE pattern, where VALUES can go.
    """
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    previous: list[str] = []  # the last two significant tokens, upper-cased
    after_where = False
    opened = False
    for match in TOKEN.finditer(sparql):
        kind, text = match.lastgroup or "other", match.group(0)
        if kind in ("space", "comment", "string"):
            yield kind, text, None
            if kind == "string":
                previous = [*previous[-1:], "STRING"]
            continue
        iri: str | None = None
        upper = previous[-1] if previous else ""
        if kind == "iri":
            iri = urljoin(base, text[1:-1]) if base else text[1:-1]
            if upper == "BASE":
                base = iri
            elif len(previous) == 2 and previous[0] == "PREFIX":
                prefixes[previous[1][:-1]] = iri
                iri = None
        elif kind == "word" and ":" in text and upper != "PREFIX":
            prefix, local = text.rstrip(".").split(":", 1)
            if prefix in prefixes:
                iri = prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        if kind == "word" and text.upper() == "WHERE":
            after_where = True
        if text == "{" and not opened and (after_where or _pattern_first(previous, sparql)):
            opened = True
            kind = "open"
        yield kind, text, iri
        previous = [*previous[-1:], text if kind == "word" and ":" in text else text.upper()]


def _pattern_first(previous: list[str], sparql: str) -> bool:
    # Without WHERE, the first brace of SELECT or ASK opens the pattern; CONSTRUCT's is the
    # template, so a CONSTRUCT is only bound after its WHERE.
    return "CONSTRUCT" not in sparql.upper() and bool(previous)


def _values(substitutions: Mapping[str, Term]) -> str:
    names = sorted(substitutions)
    for name in names:
        if isinstance(substitutions[name], pyoxigraph.BlankNode):
            raise ValueError(f"?{name}: a blank node cannot be bound in VALUES")
    header = " ".join(f"?{name}" for name in names)
    row = " ".join(str(substitutions[name]) for name in names)
    return f" VALUES ({header}) {{ ({row}) }} "


def is_internal(iri: str) -> bool:
    """Whether ``iri`` names idmgraph's bookkeeping or a versioned graph: never to be read."""
    return iri.startswith(INTERNAL) or MARKER in iri


def unversion(body: bytes, marker: str) -> bytes:
    """The answer with every versioned graph name written as the release's own name."""
    return body.replace(marker.encode(), b"") if marker else body


def without_dataset_clauses(sparql: str) -> str:
    """The query with its FROM and FROM NAMED clauses blanked out, line numbers kept.

    The SPARQL Protocol lets ``default-graph-uri`` / ``named-graph-uri`` override a query's own
    dataset; Virtuoso reads FROM first instead. Where the request names its dataset, the
    query's clauses are removed before it is sent, so every store reads the same dataset.
    """
    pieces: list[str] = []
    dropping = 0  # 1 after FROM: NAMED may follow; 2: the graph's IRI follows
    for match in TOKEN.finditer(sparql):
        kind, text = match.lastgroup or "other", match.group(0)
        upper = text.upper() if kind == "word" else ""
        if kind in ("space", "comment"):
            pieces.append(text)
            continue
        if upper == "FROM" and not dropping:
            dropping = 1
        elif dropping == 1 and upper == "NAMED":
            dropping = 2
        elif dropping and kind in ("iri", "word"):
            dropping = 0
        else:
            dropping = 0
            pieces.append(text)
            continue
        pieces.append(_ERASED.sub(" ", text))
    return "".join(pieces)
