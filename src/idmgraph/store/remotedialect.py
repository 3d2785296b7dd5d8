"""What a remote SPARQL store does differently, found out by asking it, and how to cope.

Stores differ where the standard leaves room or where they depart from it. The remote backend
reads SELECT answers as SPARQL TSV because TSV can be cut at a line; OpenLink Virtuoso (7.2)
writes a TSV of its own (every value quoted, IRIs without angle brackets), which cannot tell an
IRI from a string, so from such a store SELECT answers are fetched as SPARQL JSON and written
here as standard TSV. Other habits of Virtuoso that would give wrong answers are caught:

* an ORDER BY with a LIMIT past its ``[Parameters] MaxSortedTopRows`` (10000 by default) is
  refused, and a very large one crashed the server in our trials: an ordered SELECT whose cap
  is past that is sent without idmgraph's LIMIT (the store sorts it all; the bytes are capped);
* its ``[SPARQL] ResultSetMaxRows`` cuts every answer at a number of rows; a SELECT says so in
  an ``X-SPARQL-MaxRows`` header, a CONSTRUCT or DESCRIBE says nothing, so graph answers are
  refused unless the cut is off (0);
* a query past a client-given ``timeout`` is answered 200 with the rows found so far and an
  ``X-SQL-State`` header ("anytime" queries): any answer carrying that header is refused;
* its blank node labels (``nodeID://b1234``) are not valid SPARQL JSON labels: they are
  written as valid, distinct ones;
* it runs built-in SQL functions named by ``bif:`` and ``sql:`` IRIs (files, HTTP), which
  a query must never reach (:func:`builtin_iris`).

The store is recognised by what it answers, never by its ``Server`` header (a proxy may
rewrite that): a probe asks for a TSV row, another for Virtuoso's own configuration.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph

from idmgraph.base.errors import BadRequest, QueryTimeout, RequestError, StoreIncapable
from idmgraph.base.querytext import TOKEN, Token, next_significant, tokens_of, unescaped
from idmgraph.store.evaluate import Term

PROBE_IRI = "urn:idmgraph:probe"
TSV_PROBE = f"SELECT ?x WHERE {{ BIND(<{PROBE_IRI}> AS ?x) }}"
# Answered only by Virtuoso: its configured cut of every answer, in rows (0: none), and the
# largest LIMIT it sorts for (unset: its default).
VIRTUOSO_PROBE = """SELECT ?cap ?top WHERE {
  BIND(bif:virtuoso_ini_item_value("SPARQL", "ResultSetMaxRows") AS ?cap)
  BIND(bif:virtuoso_ini_item_value("Parameters", "MaxSortedTopRows") AS ?top) }"""
VIRTUOSO_SORTED_TOP = 10_000  # MaxSortedTopRows when its configuration does not say
_TIMED_OUT = "SR171"  # Virtuoso's "Transaction timed out" (its MaxQueryExecutionTime)
_SORTED_TOP = "SR353"  # Virtuoso's "Sorted TOP clause specifies more than N rows"
_UNBOUND_PATH = "transitive derived table but neither end"  # Virtuoso's TR... error
_NO_SERVICE = "SPARQL_SINV"  # Virtuoso's view of SERVICE calls, when the SPARQL user may not
# Virtuoso's namespaces of built-in and SQL procedures callable from a query.
BUILTIN_SCHEMES = ("bif:", "sql:")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True, kw_only=True)
class Dialect:
    """How one remote store answers, as far as idmgraph's reading of it depends on it."""

    standard_tsv: bool = True  # SELECT answers in SPARQL 1.1 TSV (else fetched as JSON)
    virtuoso: bool = False  # runs bif:/sql: functions and may cut answers by its settings
    # Virtuoso's ResultSetMaxRows: every answer cut at this many rows; 0: none; None: unknown
    row_cut: int | None = 0
    sorted_top: int | None = None  # Virtuoso's MaxSortedTopRows: the largest ordered LIMIT

    def limits(self, sparql: str, wanted: int) -> bool:
        """Whether idmgraph may add ``LIMIT wanted`` to this SELECT (see the module's notes)."""
        return self.sorted_top is None or wanted <= self.sorted_top or not ordered(sparql)

    @property
    def select_wire(self) -> str:
        """The format (formats registry name) SELECT answers are fetched in."""
        return "tsv" if self.standard_tsv else "json"

    def adapted(self, sparql: str, form: str | None) -> str:
        """The query text as this store must be sent it to answer as the embedded store does.

        Virtuoso describes a resource by its statements both ways (as subject and as object);
        Oxigraph by its concise bounded description (as subject, through blank nodes), which
        Virtuoso gives when told. The pragma goes on the first line: line numbers stay.
        """
        if not self.virtuoso:
            return sparql
        sparql = empty_graph_patterns(sparql)
        if form == "DESCRIBE":
            return f'define sql:describe-mode "CBD" {sparql}'
        return sparql

    def check_graph_answers(self) -> None:
        """Refuse a CONSTRUCT or DESCRIBE the store may cut without saying so."""
        if self.row_cut is None:
            raise StoreIncapable(
                "the remote store may cut CONSTRUCT and DESCRIBE answers without saying so, "
                "and its cut (Virtuoso [SPARQL] ResultSetMaxRows) could not be read"
            )
        if self.row_cut:
            raise StoreIncapable(
                f"the remote store cuts CONSTRUCT and DESCRIBE answers at {self.row_cut} "
                "solutions without saying so (Virtuoso [SPARQL] ResultSetMaxRows); set it to "
                "0 for idmgraph to serve graph answers from it"
            )


def reads_standard_tsv(body: bytes) -> bool:
    """Whether the TSV answer to :data:`TSV_PROBE` is SPARQL 1.1 TSV."""
    return body.splitlines()[:2] == [b"?x", f"<{PROBE_IRI}>".encode()]


def virtuoso_dialect(body: bytes, *, standard_tsv: bool) -> Dialect:
    """Virtuoso's settings from the JSON answer to :data:`VIRTUOSO_PROBE`."""
    bindings = json.loads(body)["results"]["bindings"]
    found = bindings[0] if bindings else {}
    cut, top = (str(found.get(name, {}).get("value", "")).strip() for name in ("cap", "top"))
    return Dialect(
        standard_tsv=standard_tsv,
        virtuoso=True,
        row_cut=int(cut) if cut.isdigit() else 0,
        sorted_top=int(top) if top.isdigit() else VIRTUOSO_SORTED_TOP,
    )


def refusal(status: int, text: str) -> RequestError:
    """The error a store's refusal (not 200) is answered with: a timeout unless it says else."""
    if status == 400:
        return BadRequest(f"the remote store refused the query: {text}")
    if _SORTED_TOP in text:
        return StoreIncapable(
            "the remote store sorts no more rows than its MaxSortedTopRows ([Parameters] of "
            f"Virtuoso) under a LIMIT; lower the query's LIMIT: {text}"
        )
    if _UNBOUND_PATH in text:
        return StoreIncapable(
            "the remote store cannot follow this property path: Virtuoso needs one end of a "
            f"* or + path bound to a term or to another pattern: {text}"
        )
    if _NO_SERVICE in text:
        return StoreIncapable(
            "the remote store does not let queries reach SERVICE (Virtuoso: GRANT SELECT ON "
            'DB.DBA.SPARQL_SINV_2 and EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL"): '
            f"{text}"
        )
    detail = f": {text}" if text else ""
    if _TIMED_OUT in text:
        return QueryTimeout(f"the query ran past the remote store's time limit{detail}")
    return QueryTimeout(f"the remote store answered {status}{detail}")


def empty_graph_patterns(sparql: str) -> str:
    """``GRAPH ?g { }`` written so that Virtuoso answers it as SPARQL says.

    Virtuoso answers an empty GRAPH pattern with one solution and ``?g`` unbound, and
    ``ASK { GRAPH <g> { } }`` with true for a graph that does not exist. A variable's pattern is
    written as the distinct graphs holding a statement (Virtuoso keeps no empty graph); a
    named graph's is refused, as no pattern that binds no variable can stand for it there.
    """
    tokens = tokens_of(sparql)
    pieces: list[str] = []
    index = 0
    while index < len(tokens):
        found = _empty_graph(tokens, index)
        if found is None:
            pieces.append(tokens[index][1])
            index += 1
            continue
        end, kind, name = found
        if kind != "var":
            raise StoreIncapable(
                f"GRAPH {name} {{ }}: the remote store (Virtuoso) answers an empty graph "
                "pattern as if the graph existed; ask GRAPH with a triple pattern in it"
            )
        lines = "".join(text for _, text in tokens[index:end] if "\n" in text).count("\n")
        pieces.append(
            f"{{ SELECT DISTINCT {name} WHERE {{ GRAPH {name} "
            "{ ?idmgraph_any_s ?idmgraph_any_p ?idmgraph_any_o } } }" + "\n" * lines
        )
        index = end
    return "".join(pieces)


def _empty_graph(tokens: list[Token], index: int) -> tuple[int, str, str] | None:
    """(index past it, kind of graph term, the term) where ``GRAPH term { }`` starts here."""
    if tokens[index][0] != "word" or tokens[index][1].upper() != "GRAPH":
        return None
    following = next_significant(tokens, index, 3)
    if len(following) < 3:
        return None
    term, opening, closing = following
    kind, name = tokens[term]
    if kind not in ("var", "iri", "word") or tokens[opening][1] != "{":
        return None
    return (closing + 1, kind, name) if tokens[closing][1] == "}" else None


def ordered(sparql: str) -> bool:
    """Whether the query's own solutions are ordered (an ORDER BY outside every group)."""
    depth, last = 0, ""
    for match in TOKEN.finditer(sparql):
        kind, text = match.lastgroup or "other", match.group(0)
        if kind in ("space", "comment", "string"):
            continue
        depth += {"{": 1, "}": -1}.get(text, 0)
        upper = text.upper()
        if depth == 0 and last == "ORDER" and upper == "BY":
            return True
        last = upper
    return False


def check_complete(headers: Mapping[str, str], *, max_rows: int) -> None:
    """Refuse an answer the store says it cut: by its time limit, or by its row limit.

    ``max_rows`` is the cap idmgraph applies itself: a store's cut past it changes nothing,
    since the answer is cut there anyway (the query asked for one row more).
    """
    state = headers.get("x-sql-state")
    if state is not None:
        message = headers.get("x-sql-message", "")[:200]
        raise QueryTimeout(
            f"the remote store answered with incomplete results ({state}: {message})"
        )
    cut = headers.get("x-sparql-maxrows")
    if cut is not None and cut.strip().isdigit() and int(cut) <= max_rows:
        raise StoreIncapable(
            f"the remote store cut the answer at {int(cut)} rows (Virtuoso [SPARQL] "
            f"ResultSetMaxRows); set it above {max_rows}, or to 0"
        )


def json_as_tsv(body: bytes) -> bytes:
    """SPARQL JSON results (Virtuoso's dialect accepted) written as SPARQL 1.1 TSV."""
    document = json.loads(body)
    names: list[str] = list(document["head"]["vars"])
    lines = ["\t".join(f"?{name}" for name in names)]
    for binding in document["results"]["bindings"]:
        lines.append("\t".join(_tsv_term(binding.get(name)) for name in names))
    return ("\n".join(lines) + "\n").encode()


def _tsv_term(value: Mapping[str, str] | None) -> str:
    if value is None:
        return ""
    return str(_term(value))


def _term(value: Mapping[str, str]) -> Term:
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return pyoxigraph.NamedNode(text)
    if kind == "bnode":
        # Virtuoso's labels look like IRIs (nodeID://b10000); hex keeps distinct labels distinct
        return pyoxigraph.BlankNode("b" + text.encode().hex())
    language = value.get("xml:lang")
    if language:
        return pyoxigraph.Literal(text, language=language)
    datatype = value.get("datatype")
    if datatype and datatype != _XSD_STRING:
        return pyoxigraph.Literal(text, datatype=pyoxigraph.NamedNode(datatype))
    return pyoxigraph.Literal(text)


def refusal_text(body: bytes) -> str:
    """The store's error message, without the query text Virtuoso echoes after it."""
    text = body.decode("utf-8", errors="replace")
    return text.split("\n\nSPARQL query:", 1)[0].strip()


def builtin_iris(sparql: str, base_iri: str | None = None) -> list[str]:
    """IRIs of the query naming Virtuoso's built-in or SQL procedures (``bif:``, ``sql:``).

    Virtuoso runs them wherever they stand as a function (reading files, fetching URLs), so a
    query naming one is never sent to it. Prefixed names are expanded with the query's own
    prefixes; Virtuoso's predeclared ``bif:`` and ``sql:`` prefixes are counted as declared.
    The text is read as written and with its ``\\u`` escapes expanded, so neither hides one.
    """
    found = [*_iris(sparql, base_iri), *_iris(unescaped(sparql), base_iri)]
    return sorted({iri for iri in found if iri.lower().startswith(BUILTIN_SCHEMES)})


def _iris(sparql: str, base_iri: str | None) -> Iterator[str]:
    prefixes = {scheme[:-1]: scheme for scheme in BUILTIN_SCHEMES}
    base = base_iri or ""
    previous: list[str] = []
    for match in TOKEN.finditer(sparql):
        kind, text = match.lastgroup or "other", match.group(0)
        if kind in ("space", "comment", "string"):
            continue
        if kind == "iri":
            iri = urljoin(base, text[1:-1]) if base else text[1:-1]
            if previous[-1:] == ["BASE"]:
                base = iri
            elif len(previous) == 2 and previous[0] == "PREFIX":
                prefixes[previous[1][:-1].lower()] = iri
            yield iri
        elif kind == "word" and ":" in text and previous[-1:] != ["PREFIX"]:
            prefix, local = text.rstrip(".").split(":", 1)
            if prefix.lower() in prefixes:
                yield prefixes[prefix.lower()] + local
        previous = [*previous[-1:], text.upper() if kind == "word" and ":" not in text else text]
