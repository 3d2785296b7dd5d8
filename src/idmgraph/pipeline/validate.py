"""The SHACL gate: pyshacl checks the data against ``shapes/`` before anything is released.

The data graph is the union of every data graph and the ontology graph, without inference:
``sh:class org:Organization`` then accepts an ``org:FormalOrganization`` through the
ontology's ``rdfs:subClassOf`` statements, and SPARQL constraints can ask whether a term is
declared (``?term a owl:Class``). SHACL Advanced Features are on, so shapes may use
``sh:SPARQLTarget`` (the declared-terms shape does).

Two engines run the same shapes with the same options (setting ``validator``): pyshacl, the
reference and default, and pyshacl-turbo, a Rust engine with pyshacl's API that gives the same
named shapes on every fixture of ``tests/shapes/`` (asserted there) and is ~25x faster, so the gate
stays usable at 10^6 triples (``bench/scaling.py``).

Each result becomes a :class:`Violation` naming the resource, the path, the value and the data
files stating the resource, so a person can go straight to the line to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from idmgraph.base.errors import ConfigurationError, SourceError, ValidationFailed
from idmgraph.pipeline.sources import Role, Sources

VIOLATION = "Violation"
WARNING = "Warning"
INFO = "Info"

PYSHACL = "pyshacl"  # the reference engine
TURBO = "pyshacl-turbo"  # Rust engine with pyshacl's API, for large landscapes
VALIDATORS = (PYSHACL, TURBO)


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One SHACL result: what is wrong with which resource, and where it is stated.

    ``focus``, ``path`` and ``value`` are IRIs as they are, blank nodes as ``_:id`` and
    literals in their N-Triples form.
    """

    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None  # the named shape the constraint belongs to
    severity: str  # "Violation", "Warning" or "Info"
    files: tuple[str, ...]  # data files that state the focus resource


@dataclass(frozen=True, kw_only=True)
class Report:
    """Every result of one validation run, in a stable order."""

    results: tuple[Violation, ...]

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Results of severity Violation: any of them stops the release."""
        return tuple(item for item in self.results if item.severity == VIOLATION)

    @property
    def conforms(self) -> bool:
        """True when nothing stops the release (warnings and infos do not)."""
        return not self.violations


def validate(sources: Sources, *, validator: str = PYSHACL) -> Report:
    """Run the shapes over the data (plus ontology) with ``validator``; return every result."""
    data = engine_input(
        (
            triple
            for graph in (*sources.of_role(Role.DATA), *sources.of_role(Role.ONTOLOGY))
            for triple in graph.triples()
        ),
        validator=validator,
    )
    shapes = to_graph(
        triple for graph in sources.of_role(Role.SHAPES) for triple in graph.triples()
    )
    # The ontology is merged into the data graph rather than passed as ont_graph: pyshacl only
    # "inoculates" class and property definitions from ont_graph, so the SKOS concepts of
    # ontology/vocabularies.ttl would look untyped (324 false violations on the real sources).
    try:
        return run_shapes(
            data, shapes, files_of=lambda node: _files(node, sources), validator=validator
        )
    except _engine_errors() as exc:
        # A shape pyshacl cannot use (sh:minCount "many", broken SPARQL): a source error.
        shown = ", ".join(f for graph in sources.of_role(Role.SHAPES) for f in graph.files)
        raise SourceError(shown or "shapes/", _first_line(exc)) from exc


def run_shapes(
    data: Graph | ox.Store,
    shapes: Graph,
    *,
    files_of: Callable[[Node | None], tuple[str, ...]] | None = None,
    validator: str = PYSHACL,
) -> Report:
    """Run ``shapes`` over ``data`` (ontology included) with the gate's options and engine.

    Shape tests use this directly on their fixture graphs; ``data`` may be changed in place.
    pyshacl reads an rdflib graph only; pyshacl-turbo also reads a pyoxigraph store.
    """
    _, results, _ = _engine(validator)(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,  # SHACL-AF: sh:SPARQLTarget in the declared-terms shape
        allow_warnings=True,
        inplace=True,  # the caller's graph is a throwaway copy, so pyshacl need not clone it
    )
    lookup = files_of or _no_files
    found = {_violation(results, node, shapes, lookup) for node in _result_nodes(results)}
    return Report(results=tuple(sorted(found, key=_order)))


def gate(sources: Sources, *, validator: str = PYSHACL) -> Report:
    """Validate; raise ValidationFailed when any result has severity Violation."""
    report = validate(sources, validator=validator)
    if not report.conforms:
        raise ValidationFailed(list(report.violations))
    return report


def _engine(validator: str) -> Callable[..., tuple[bool, Graph, str]]:
    """The ``validate`` function of the named engine (pyshacl-turbo imported only when used)."""
    if validator == PYSHACL:
        return pyshacl.validate
    if validator == TURBO:
        import pyshacl_turbo

        return pyshacl_turbo.validate  # type: ignore[no-any-return]
    raise ConfigurationError(f"validator={validator!r}: choose one of {', '.join(VALIDATORS)}")


def _engine_errors() -> tuple[type[Exception], ...]:
    """The errors by which either engine says a shape is unusable."""
    import pyshacl_turbo.errors

    return (ReportableRuntimeError, pyshacl_turbo.errors.ReportableRuntimeError)


def _no_files(node: Node | None) -> tuple[str, ...]:
    del node
    return ()


def engine_input(triples: Iterable[ox.Triple], *, validator: str) -> Graph | ox.Store:
    """The data graph in the form ``validator`` reads fastest.

    pyshacl-turbo parses a pyoxigraph store's N-Quads in Rust: at 10^6 triples 2.8 s and
    2.3 GB peak, against 17.7 s and 2.9 GB to build an rdflib copy first (bench/RESULTS.md).
    """
    if validator == TURBO:
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        return store
    return to_graph(triples)


def to_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples, keeping blank node ids (to find their files)."""
    graph = Graph()
    # Terms repeat (a 10^6-triple landscape has ~10x fewer distinct terms than positions):
    # converting each once halves the time of the conversion.
    converted: dict[object, URIRef | BNode | Literal] = {}

    def term(value: object) -> URIRef | BNode | Literal:
        found = converted.get(value)
        if found is None:
            found = converted[value] = _term(value)
        return found

    graph.addN((term(t.subject), term(t.predicate), term(t.object), graph) for t in triples)
    return graph


def term_text(node: Node) -> str:
    """An IRI as it is, a blank node as ``_:id``, a literal in its N-Triples form."""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        if node.datatype == XSD.string:  # engines differ on writing it; N-Triples omits it
            return Literal(str(node)).n3()
        return node.n3()
    return str(node)


def _term(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        # A simple literal is an xsd:string; rdflib tells the two apart, SHACL does not.
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"RDF-star triple terms are not supported: {term!r}")


def _result_nodes(results: Graph) -> list[Node]:
    return list(results.subjects(RDF.type, SH.ValidationResult))


def _violation(
    results: Graph,
    node: Node,
    shapes: Graph,
    files_of: Callable[[Node | None], tuple[str, ...]],
) -> Violation:
    focus = results.value(node, SH.focusNode)
    path = results.value(node, SH.resultPath)
    value = results.value(node, SH.value)
    severity = results.value(node, SH.resultSeverity)
    messages = sorted(str(item) for item in results.objects(node, SH.resultMessage))
    component = results.value(node, SH.sourceConstraintComponent)
    message = "; ".join(messages) or _local_name(component) or "constraint not met"
    return Violation(
        focus=term_text(focus) if focus is not None else "",
        path=term_text(path) if path is not None else None,
        value=term_text(value) if value is not None else None,
        message=message,
        shape=_named_shape(results.value(node, SH.sourceShape), shapes),
        severity=_local_name(severity) or VIOLATION,
        files=files_of(focus),
    )


def _named_shape(shape: Node | None, shapes: Graph) -> str | None:
    """The shape's IRI or, for an anonymous property shape, the IRI of its node shape."""
    if shape is None:
        return None
    if isinstance(shape, URIRef):
        return str(shape)
    parent = shapes.value(predicate=SH.property, object=shape)
    return str(parent) if isinstance(parent, URIRef) else term_text(shape)


def _files(focus: Node | None, sources: Sources) -> tuple[str, ...]:
    """The data files stating ``focus`` (a literal or missing focus has none)."""
    if isinstance(focus, BNode):
        return sources.files_of(ox.BlankNode(str(focus)))
    if isinstance(focus, URIRef):
        return sources.files_of(ox.NamedNode(str(focus)))
    return ()


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "message", "") or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def _local_name(node: Node | None) -> str:
    if node is None:
        return ""
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _order(item: Violation) -> tuple[str, ...]:
    return ("\n".join(item.files), item.focus, item.path or "", item.message, item.value or "")
