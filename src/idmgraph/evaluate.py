"""One SPARQL query evaluated by Oxigraph and serialised, as a worker process runs it.

Everything here crosses a process boundary, so jobs and replies are plain picklable records
that name formats by their registry name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyoxigraph

from idmgraph import formats

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple

_POSITION = re.compile(r"error at (\d+):(\d+)")


@dataclass(frozen=True, kw_only=True)
class Job:
    """A query to evaluate and how to serialise its answer."""

    sparql: str
    format: str  # registry name of the answer's format
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    default_graphs: tuple[str, ...] | None = None  # protocol dataset; None: the query's own
    named_graphs: tuple[str, ...] | None = None
    union: bool = True  # default graph = union of all graphs, when no dataset is given
    substitutions: tuple[tuple[str, Term], ...] = ()
    max_rows: int = 10_000
    describe_store: bool = False  # instead of a query: answer the store's graphs and size


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What a worker answers: a serialised answer, or the reason there is none."""

    kind: str = ""  # select, ask or graph
    body: bytes = b""
    truncated: bool = False
    rows: int = 0
    error: str | None = None  # syntax, mismatch or evaluation
    message: str = ""
    line: int | None = None
    column: int | None = None
    graphs: tuple[str, ...] = ()
    triples: int = 0


def open_store(path: Path, format_name: str | None) -> pyoxigraph.Store:
    """An in-memory store loaded from an RDF file, or an on-disk store opened read-only."""
    if format_name is None:
        return pyoxigraph.Store.read_only(str(path))
    fmt = formats.by_name(format_name).oxigraph
    if not isinstance(fmt, pyoxigraph.RdfFormat):
        raise ValueError(f"{format_name} is not an RDF format")
    store = pyoxigraph.Store()
    store.load(path=str(path), format=fmt)
    return store


def evaluate(store: pyoxigraph.Store, job: Job) -> Reply:
    """Run one job; every failure is a Reply, never an exception."""
    if job.describe_store:
        graphs = sorted(
            graph.value for graph in store.named_graphs() if isinstance(graph, pyoxigraph.NamedNode)
        )
        return Reply(graphs=tuple(graphs), triples=len(store))
    try:
        result = _query(store, job)
        return _serialise(result, job)
    except SyntaxError as exc:
        position = _POSITION.search(str(exc))
        return Reply(
            error="syntax",
            message=str(exc),
            line=int(position.group(1)) if position else None,
            column=int(position.group(2)) if position else None,
        )
    except Exception as exc:  # any failure of Oxigraph is answered, not raised
        return Reply(error="evaluation", message=str(exc))


def _query(
    store: pyoxigraph.Store, job: Job
) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples:
    substitutions: dict[pyoxigraph.Variable, Term] | None = None
    if job.substitutions:
        substitutions = {pyoxigraph.Variable(name): value for name, value in job.substitutions}
    if job.default_graphs is None and job.named_graphs is None:
        return store.query(
            job.sparql,
            base_iri=job.base_iri,
            use_default_graph_as_union=job.union,
            substitutions=substitutions,
        )
    # SPARQL 1.1 Protocol: when either list is given, the two lists are the whole dataset.
    default_graph: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph]
    default_graph = [pyoxigraph.NamedNode(iri) for iri in job.default_graphs or ()]
    named: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode]
    named = [pyoxigraph.NamedNode(iri) for iri in job.named_graphs or ()]
    return store.query(
        job.sparql,
        base_iri=job.base_iri,
        default_graph=default_graph,
        named_graphs=named,
        substitutions=substitutions,
    )


def _serialise(
    result: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples,
    job: Job,
) -> Reply:
    fmt = formats.by_name(job.format)
    if isinstance(result, pyoxigraph.QueryBoolean):
        if fmt.kind is not formats.Kind.RESULTS:
            return Reply(error="mismatch", kind="ask")
        body = result.serialize(format=_results_format(fmt)) or b""
        return Reply(kind="ask", body=body, rows=1)
    if isinstance(result, pyoxigraph.QuerySolutions):
        if fmt.kind is not formats.Kind.RESULTS:
            return Reply(error="mismatch", kind="select")
        return _serialise_solutions(result, fmt, job.max_rows)
    if fmt.kind is not formats.Kind.GRAPH:
        return Reply(error="mismatch", kind="graph")
    triples = list(islice(result, job.max_rows + 1))
    rdf_format = fmt.oxigraph
    assert isinstance(rdf_format, pyoxigraph.RdfFormat)
    return Reply(
        kind="graph",
        body=pyoxigraph.serialize(triples[: job.max_rows], format=rdf_format) or b"",
        truncated=len(triples) > job.max_rows,
        rows=min(len(triples), job.max_rows),
    )


def _serialise_solutions(
    solutions: pyoxigraph.QuerySolutions, fmt: formats.Format, max_rows: int
) -> Reply:
    variables = solutions.variables
    rows = list(islice(solutions, max_rows + 1))
    truncated = len(rows) > max_rows
    del rows[max_rows:]
    # pyoxigraph serialises only a whole result set, so the kept rows are written as SPARQL
    # TSV (whose cells are N-Triples terms, exactly str() of a term) and re-read by Oxigraph,
    # which then writes the requested format.
    lines = ["\t".join(str(variable) for variable in variables)]
    width = range(len(variables))
    lines.extend(
        "\t".join("" if row[index] is None else str(row[index]) for index in width) for row in rows
    )
    tsv = ("\n".join(lines) + "\n").encode()
    kept = pyoxigraph.parse_query_results(tsv, format=pyoxigraph.QueryResultsFormat.TSV)
    assert isinstance(kept, pyoxigraph.QuerySolutions)
    return Reply(
        kind="select",
        body=kept.serialize(format=_results_format(fmt)) or b"",
        truncated=truncated,
        rows=len(rows),
    )


def _results_format(fmt: formats.Format) -> pyoxigraph.QueryResultsFormat:
    assert isinstance(fmt.oxigraph, pyoxigraph.QueryResultsFormat)
    return fmt.oxigraph
