"""A query on its way to a store, and the answer that comes back: the records every backend
takes and gives.

A query is read and checked once, where it enters (the endpoint, a named query, one of the
application's own reads), into a :class:`QueryRequest` that carries its text, what the reading
found (:class:`~idmgraph.base.querytext.QueryShape`), its dataset, the answer's format and
its limits.
Backends take that record and never read the text again to decide anything.

>>> request = QueryRequest.of("ASK {}", format=formats.by_name("json"), timeout=1, max_rows=1)
>>> request.kind, request.union_default_graph
(<AnswerKind.ASK: 'ask'>, True)
>>> checked_shape("DROP ALL", allowlist=())
Traceback (most recent call last):
...
idmgraph.base.errors.UpdateRefused: this endpoint is read-only: SPARQL Update is never executed
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest, NotAcceptable, UpdateRefused
from idmgraph.base.querytext import MAX_DEPTH, QueryShape, inspect_query

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
DEFAULT_MAX_BYTES = 32_000_000  # the default of the max_answer_bytes setting
READ_ONLY = "this endpoint is read-only: SPARQL Update is never executed"


class AnswerKind(Enum):
    """The form of a query answer."""

    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE

    @property
    def format_kind(self) -> formats.Kind:
        """The kind of format that can carry such an answer."""
        return formats.Kind.GRAPH if self is AnswerKind.GRAPH else formats.Kind.RESULTS


def answer_kind(shape: QueryShape) -> AnswerKind:
    """The kind of answer a query of this shape gives (a graph unless SELECT or ASK)."""
    return {"ASK": AnswerKind.ASK, "SELECT": AnswerKind.SELECT}.get(
        shape.form or "", AnswerKind.GRAPH
    )


def checked_shape(
    sparql: str, *, allowlist: tuple[str, ...], shape: QueryShape | None = None
) -> QueryShape:
    """Read a client's query and refuse what the endpoint never does; the one check.

    Updates are refused (403), nesting the parser cannot take (400), and SERVICE to anything
    but the allow-list (400) — the workers cannot reach the network anyway; this gives the
    client a clear answer before a worker is busied.
    """
    shape = shape or inspect_query(sparql)
    if shape.too_deep:
        raise BadRequest(f"the query nests brackets more than {MAX_DEPTH} deep")
    if shape.is_update:
        raise UpdateRefused(READ_ONLY)
    for target in shape.services:
        if target is None:
            raise BadRequest("SERVICE needs an absolute IRI from the allow-list, not a variable")
        if target not in allowlist:
            raise BadRequest(f"SERVICE <{target}> is not allowed; this endpoint calls no network")
    return shape


@dataclass(frozen=True, kw_only=True)
class QueryRequest:
    """One read-only query, read once, with everything a backend needs to answer it."""

    sparql: str
    shape: QueryShape
    format: formats.Format
    timeout: float
    max_rows: int
    max_bytes: int = DEFAULT_MAX_BYTES
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None  # protocol dataset; None: the query's own
    named_graphs: tuple[str, ...] | None = None
    substitutions: tuple[tuple[str, Term], ...] = ()
    # False when the HTTP front cache keeps the whole response already (a GET on /sparql):
    # an answer is held in one cache, never in two
    kept: bool = True

    @classmethod
    def of(
        cls,
        sparql: str,
        *,
        format: formats.Format,  # noqa: A002 - the registry's own word
        timeout: float,
        max_rows: int,
        max_bytes: int = DEFAULT_MAX_BYTES,
        base_iri: str | None = None,
        default_graphs: tuple[str, ...] | None = None,
        named_graphs: tuple[str, ...] | None = None,
        substitutions: Mapping[str, Term] | None = None,
        shape: QueryShape | None = None,
        kept: bool = True,
    ) -> QueryRequest:
        """The request for ``sparql``, read now unless its ``shape`` was read already."""
        shape = shape or inspect_query(sparql)
        if shape.too_deep:
            raise BadRequest(f"the query nests brackets more than {MAX_DEPTH} deep")
        return cls(
            sparql=sparql,
            shape=shape,
            format=format,
            timeout=timeout,
            max_rows=max_rows,
            max_bytes=max_bytes,
            base_iri=base_iri,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            substitutions=tuple(sorted((substitutions or {}).items())),
            kept=kept,
        )

    @property
    def kind(self) -> AnswerKind:
        """The kind of answer the query gives."""
        return answer_kind(self.shape)

    @property
    def has_protocol_dataset(self) -> bool:
        """Whether the request names its dataset (default-graph-uri / named-graph-uri)."""
        return self.default_graphs is not None or self.named_graphs is not None

    @property
    def union_default_graph(self) -> bool:
        """Whether the default graph is the union of all graphs (no dataset named anywhere)."""
        return not self.has_protocol_dataset and not self.shape.has_dataset

    def check_format(self) -> None:
        """Refuse a format that cannot carry this query's answer (406)."""
        if self.format.kind is not self.kind.format_kind:
            label = self.format.label
            raise NotAcceptable(f"{label} cannot carry the answer of a {self.kind.value} query")

    def key(self, version: str) -> tuple[object, ...]:
        """What an answer to this request depends on, in release ``version``."""
        bound = tuple((name, str(term)) for name, term in self.substitutions)
        dataset = (self.base_iri, self.default_graphs, self.named_graphs)
        limits = (self.max_rows, self.max_bytes)
        return (version, self.sparql, self.format.name, dataset, bound, limits)


@dataclass(frozen=True, kw_only=True)
class QueryAnswer:
    """A query answer serialised in ``format``; ``truncated`` when the row cap cut it."""

    kind: AnswerKind
    format: formats.Format
    body: bytes
    truncated: bool = False
    rows: int = 0

    def solutions(self) -> list[dict[str, Term]]:
        """The rows of a SELECT answer as terms keyed by variable name (unbound left out)."""
        oxigraph_format = self.format.oxigraph
        if not isinstance(oxigraph_format, ox.QueryResultsFormat):
            raise TypeError(f"{self.format.label} holds no solutions")
        parsed = ox.parse_query_results(self.body, format=oxigraph_format)
        if not isinstance(parsed, ox.QuerySolutions):
            raise TypeError(f"a {self.kind.value} answer holds no solutions")
        names = [variable.value for variable in parsed.variables]
        return [
            {name: solution[name] for name in names if solution[name] is not None}
            for solution in parsed
        ]
