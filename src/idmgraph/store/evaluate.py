"""One SPARQL query evaluated by Oxigraph and serialised, as a worker process runs it.

Everything here crosses a process boundary, so jobs and replies are plain picklable records
that name formats by their registry name.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph

from idmgraph.base import formats

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple

_POSITION = re.compile(r"error at (\d+):(\d+)")
_TSV = pyoxigraph.QueryResultsFormat.TSV
_NTRIPLES = pyoxigraph.RdfFormat.N_TRIPLES


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
    max_bytes: int = 32_000_000  # largest answer, in bytes, in its line-based and final form
    describe_store: bool = False  # instead of a query: answer the store's graphs and size


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What a worker answers: a serialised answer, or the reason there is none."""

    kind: str = ""  # select, ask or graph
    body: bytes = b""
    truncated: bool = False
    rows: int = 0
    error: str | None = None  # syntax, mismatch, network, too-large, memory or evaluation
    message: str = ""
    line: int | None = None
    column: int | None = None
    graphs: tuple[str, ...] = ()
    triples: int = 0
    retire: bool = False  # the worker should be replaced after this reply (memory kept)


def syntax_error_position(error: SyntaxError) -> tuple[int | None, int | None]:
    """Line and column an Oxigraph syntax error names, or None for each when it names none."""
    found = _POSITION.search(str(error))
    return (int(found.group(1)), int(found.group(2))) if found else (None, None)


def open_store(path: Path, format_name: str | None) -> pyoxigraph.Store:
    """An in-memory store loaded from an RDF file, or an on-disk store opened read-only."""
    if format_name is None:
        return pyoxigraph.Store.read_only(str(path))
    fmt = formats.by_name(format_name).oxigraph
    if not isinstance(fmt, pyoxigraph.RdfFormat):
        raise ValueError(f"{format_name} is not an RDF format")
    store = pyoxigraph.Store()
    # Store.load gives every blank node a random label of this process; the release's labels
    # are canonical (c14n0, ...), so kept, every replica of the release answers the same bytes
    store.extend(pyoxigraph.parse(path=str(path), format=fmt, rename_blank_nodes=False))
    return store


def evaluate(
    store: pyoxigraph.Store, job: Job, *, on_planned: Callable[[], None] = lambda: None
) -> Reply:
    """Run one job; every failure is a Reply, never an exception.

    ``on_planned`` is called once the query is parsed and planned, before its evaluation.
    """
    if job.describe_store:
        graphs = sorted(
            graph.value for graph in store.named_graphs() if isinstance(graph, pyoxigraph.NamedNode)
        )
        return Reply(graphs=tuple(graphs), triples=len(store))
    try:
        result = _query(store, job)
        on_planned()
        return _serialise(result, job)
    except SyntaxError as exc:
        line, column = syntax_error_position(exc)
        return Reply(error="syntax", message=str(exc), line=line, column=column)
    except AnswerTooLarge:
        return Reply(error="too-large", message=f"the answer exceeds {job.max_bytes} bytes")
    except PermissionError as exc:
        # the sandbox refused a socket: the query asked for the network (SERVICE)
        return Reply(error="network", message=str(exc))
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
        return _within(serialise_solutions(result, fmt, job.max_rows, job.max_bytes), job)
    if fmt.kind is not formats.Kind.GRAPH:
        return Reply(error="mismatch", kind="graph")
    return _within(_serialise_triples(result, fmt, job.max_rows, job.max_bytes), job)


def _within(reply: Reply, job: Job) -> Reply:
    # the line-based form was within the cap; the requested format may be several times larger
    if len(reply.body) > job.max_bytes:
        raise AnswerTooLarge
    return reply


# pyoxigraph serialises only a whole answer, and cannot be told to stop after N rows. So the
# answer is first written, by Oxigraph, in a line-based format (SPARQL TSV, N-Triples: one
# row or triple per line) into a buffer that stops the writer once it holds one line more than
# the cap; the kept lines are then re-read and written in the requested format, again by
# Oxigraph. No row passes through Python code, and a huge answer is never held whole. The
# remote store reads its answers, in the same line-based formats, into the same buffer.


class BufferFull(Exception):  # a signal, not an error
    """Raised by :class:`CappedBuffer` once it holds more lines than its cap."""


class AnswerTooLarge(Exception):
    """The answer passed its byte cap before its row cap: it is refused, not cut."""


class CappedBuffer:
    """A binary file-like object that refuses to grow past ``max_lines`` lines.

    Past ``max_bytes`` it raises :class:`AnswerTooLarge`: a few rows with huge literals are
    refused whole rather than cut at a byte that may fall inside a row.
    """

    def __init__(self, max_lines: int, max_bytes: int | None = None) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.parts: list[bytes] = []
        self.lines = 0
        self.size = 0

    def write(self, data: bytes) -> int:
        """Keep a chunk; raise BufferFull once the cap is passed (writers write in chunks)."""
        self.parts.append(bytes(data))
        self.lines += data.count(b"\n")
        self.size += len(data)
        if self.lines > self.max_lines:
            raise BufferFull
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise AnswerTooLarge
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the chunks are kept in memory."""

    def kept(self) -> tuple[bytes, bool]:
        """The first ``max_lines`` lines, and whether anything was cut."""
        data = b"".join(self.parts)
        if self.lines <= self.max_lines:
            return data, False
        return b"".join(line + b"\n" for line in data.split(b"\n", self.max_lines)[:-1]), True


def _capped(
    write: Callable[[CappedBuffer], object], max_lines: int, max_bytes: int
) -> tuple[bytes, bool]:
    buffer = CappedBuffer(max_lines, max_bytes)
    with contextlib.suppress(BufferFull):
        write(buffer)
    return buffer.kept()


def serialise_solutions(
    solutions: pyoxigraph.QuerySolutions, fmt: formats.Format, max_rows: int, max_bytes: int
) -> Reply:
    """At most ``max_rows`` solutions written in ``fmt``, and whether some were cut."""
    # TSV: one header line, then one line per row (line breaks in literals are escaped)
    tsv, truncated = _capped(
        lambda out: solutions.serialize(cast(IO[bytes], out), format=_TSV),
        max_rows + 1,
        max_bytes,
    )
    return solutions_reply(tsv, truncated=truncated, fmt=fmt)


def solutions_reply(tsv: bytes, *, truncated: bool, fmt: formats.Format) -> Reply:
    """The reply carrying already capped SPARQL TSV results, written in ``fmt``."""
    rows = tsv.count(b"\n") - 1
    if fmt.oxigraph is _TSV:
        return Reply(kind="select", body=tsv, truncated=truncated, rows=rows)
    kept = pyoxigraph.parse_query_results(tsv, format=_TSV)
    assert isinstance(kept, pyoxigraph.QuerySolutions)
    body = kept.serialize(format=_results_format(fmt)) or b""
    return Reply(kind="select", body=body, truncated=truncated, rows=rows)


def _serialise_triples(
    triples: pyoxigraph.QueryTriples, fmt: formats.Format, max_rows: int, max_bytes: int
) -> Reply:
    data, truncated = _capped(
        lambda out: triples.serialize(cast(IO[bytes], out), format=_NTRIPLES),
        max_rows,
        max_bytes,
    )
    return graph_reply(data, truncated=truncated, fmt=fmt)


def graph_reply(ntriples: bytes, *, truncated: bool, fmt: formats.Format) -> Reply:
    """The reply carrying already capped N-Triples, written in ``fmt``."""
    rdf_format = fmt.oxigraph
    assert isinstance(rdf_format, pyoxigraph.RdfFormat)
    data = ntriples
    if rdf_format is not _NTRIPLES:
        data = (
            pyoxigraph.serialize(pyoxigraph.parse(data, format=_NTRIPLES), format=rdf_format) or b""
        )
    return Reply(kind="graph", body=data, truncated=truncated, rows=ntriples.count(b"\n"))


def _results_format(fmt: formats.Format) -> pyoxigraph.QueryResultsFormat:
    assert isinstance(fmt.oxigraph, pyoxigraph.QueryResultsFormat)
    return fmt.oxigraph
