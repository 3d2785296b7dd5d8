"""The catalogue of named queries: ``queries/*.rq`` files with their metadata.

Each file stays valid SPARQL: its metadata is a leading block of ``#+`` comment lines::

    #+ title: Work items pending approval on a date
    #+ kind: gap
    #+ description: Work items whose latest lifecycle event on or before the date is a consent
    #+   or a determination. (an indented line continues the previous value)
    #+ param: on
    #+   type: date
    #+   default: 2023-09-08
    #+   description: The date the status is computed for.

``kind`` is ``gap``, ``inventory`` or ``example``; a gap query also has a ``meaning``, the
paragraph the gap report prints for a coordinator. A parameter has a ``type`` (``date``,
``integer``, ``string`` or ``iri``), an optional ``default`` and optional ``allowed`` values
separated by ``|``. A parameter without a default is optional: left unbound, its variable
matches every value. Values are checked against type and allowed values and bound as typed
RDF terms through SPARQL substitution (SEP-0007), never pasted into the query text. Oxigraph
binds only variables of the projection (and a sub-select sees one only if it projects it
too), so each parameter is bound once at load time to prove it can be. Every gap query
projects ``?basis``, saying that its rows are computed by the graph and not stated by SG17.
A malformed file raises :class:`~idmgraph.base.errors.SourceError` naming it.

>>> catalogue = load_catalogue(Path("queries"))  # doctest: +SKIP
>>> catalogue.get("pending-approval").bindings({"on": "2023-10-01"})  # doctest: +SKIP
{'on': <Literal value=2023-10-01 datatype=<NamedNode value=...#date>>}
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base.errors import BadRequest, NotFound, SourceError
from idmgraph.base.querytext import QueryShape, inspect_query
from idmgraph.base.settings import Settings

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT_LANDING_PAGE = "http://www.w3.org/ns/dcat#landingPage"

QUERIES_DIR = "queries"
SUFFIX = ".rq"
BASIS_VARIABLE = "basis"
#: What the ``?basis`` column of every gap query says.
BASIS = "Computed by idmgraph from the graph; not stated by SG17"
XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_VALUE_LENGTH = 500

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_META = "#+"


class QueryKind(Enum):
    """What a named query is for."""

    GAP = "gap"  # a question the roadmap asks; computed, not stated
    INVENTORY = "inventory"  # lists what the graph holds
    EXAMPLE = "example"  # shows how to query the model


class QueryForm(Enum):
    """The SPARQL query form, which decides the answer formats."""

    SELECT = "select"
    CONSTRUCT = "construct"
    ASK = "ask"


class ParamType(Enum):
    """The type a parameter value is checked against and bound as."""

    DATE = "date"
    INTEGER = "integer"
    STRING = "string"
    IRI = "iri"


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """One parameter of a named query, bound to the query variable of the same name."""

    name: str
    type: ParamType
    description: str = ""
    default: str | None = None
    allowed: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        """Whether the query needs a value (it has a default, so it always gets one)."""
        return self.default is not None

    def term(self, raw: str) -> Term:
        """``raw`` checked against the type and the allowed values, as a typed RDF term."""
        value = raw.strip()
        if len(value) > MAX_VALUE_LENGTH:
            raise BadRequest(f"parameter {self.name!r}: longer than {MAX_VALUE_LENGTH} characters")
        if self.allowed and value not in self.allowed:
            raise BadRequest(
                f"parameter {self.name!r}: {value!r} is not one of {', '.join(self.allowed)}",
                parameter=self.name,
            )
        return _typed(self, value)


def _typed(parameter: Parameter, value: str) -> Term:
    kind = parameter.type
    problem = f"parameter {parameter.name!r}: {value!r} is not a valid {kind.value}"
    if kind is ParamType.DATE:
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            dt.date.fromisoformat(value)
        except ValueError:
            raise BadRequest(problem + " (YYYY-MM-DD)", parameter=parameter.name) from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if kind is ParamType.INTEGER:
        if not _INTEGER.match(value):
            raise BadRequest(problem, parameter=parameter.name)
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind is ParamType.IRI:
        if not value.startswith(("http://", "https://")):
            raise BadRequest(problem + " (an absolute http(s) IRI)", parameter=parameter.name)
        try:
            return ox.NamedNode(value)
        except ValueError:
            raise BadRequest(problem, parameter=parameter.name) from None
    return ox.Literal(value)


@dataclass(frozen=True, kw_only=True)
class NamedQuery:
    """One ``.rq`` file of the catalogue."""

    name: str  # the file name without .rq; the URL path segment
    path: str  # as shown in messages, relative to the project root
    title: str
    description: str
    kind: QueryKind
    form: QueryForm
    parameters: tuple[Parameter, ...]
    sparql: str
    meaning: str = ""  # for a coordinator: what a row means and what to look at

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; BadRequest when the query has none."""
        for item in self.parameters:
            if item.name == name:
                return item
        known = ", ".join(item.name for item in self.parameters) or "none"
        raise BadRequest(f"query {self.name!r} has no parameter {name!r} (parameters: {known})")

    @functools.cached_property
    def shape(self) -> QueryShape:
        """What the reading of the query text finds, read once per query."""
        return inspect_query(self.sparql)

    def bindings(self, given: Mapping[str, str]) -> dict[str, Term]:
        """Checked typed terms for ``given`` raw values, defaults filled in; empty values unset."""
        for name in given:
            self.parameter(name)
        bound: dict[str, Term] = {}
        for item in self.parameters:
            raw = given.get(item.name)
            if raw is None or not raw.strip():
                raw = item.default
            if raw is not None:
                bound[item.name] = item.term(raw)
        return bound

    def substitutions(self, given: Mapping[str, str]) -> dict[ox.Variable, Term]:
        """:meth:`bindings` keyed by SPARQL variable, as pyoxigraph's ``query`` takes them."""
        return {ox.Variable(name): term for name, term in self.bindings(given).items()}


@dataclass(frozen=True, kw_only=True)
class Catalogue:
    """Every named query, sorted by kind (gap first) and then by name."""

    queries: tuple[NamedQuery, ...]

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self.queries)

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> NamedQuery:
        """The query called ``name``; NotFound when there is none."""
        for query in self.queries:
            if query.name == name:
                return query
        raise NotFound(f"there is no named query {name!r}")

    def of_kind(self, kind: QueryKind) -> tuple[NamedQuery, ...]:
        """The queries of one kind, in catalogue order."""
        return tuple(query for query in self.queries if query.kind is kind)


def project_catalogue(settings: Settings) -> Catalogue:
    """The named queries of the project (``<root>/queries``); empty when it has none."""
    folder = settings.resolve(Path(QUERIES_DIR))
    if not folder.is_dir():
        return Catalogue(queries=())
    return load_catalogue(folder, root=settings.root)


def load_catalogue(folder: Path, *, root: Path | None = None) -> Catalogue:
    """Read every ``*.rq`` file of ``folder``; a malformed one raises SourceError naming it."""
    if not folder.is_dir():
        raise SourceError(folder.as_posix(), "no queries folder")
    order = list(QueryKind)
    queries = sorted(
        (read_query(path, root=root) for path in sorted(folder.glob("*" + SUFFIX))),
        key=lambda query: (order.index(query.kind), query.name),
    )
    return Catalogue(queries=tuple(queries))


def read_query(path: Path, *, root: Path | None = None) -> NamedQuery:
    """Read and check one query file."""
    shown = _shown(path, root)
    name = path.stem
    if not _NAME.match(name):
        raise SourceError(shown, f"query name {name!r} must be lower-case words joined by '-'")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(shown, str(exc)) from exc
    fields, params = _metadata(text, shown)
    kind = _kind(fields, shown)
    form = _form(text, shown)
    for key in ("title", "description"):
        if not fields.get(key):
            raise SourceError(shown, f"the metadata block needs '#+ {key}:'")
    if kind is QueryKind.GAP and f"?{BASIS_VARIABLE})" not in text:
        raise SourceError(shown, f"a gap query must project ?{BASIS_VARIABLE} (… AS ?basis)")
    if kind is QueryKind.GAP and not fields.get("meaning"):
        raise SourceError(shown, "a gap query needs '#+ meaning:', read in the gap report")
    query = NamedQuery(
        name=name,
        path=shown,
        title=fields["title"],
        description=fields["description"],
        kind=kind,
        form=form,
        parameters=tuple(_parameter(raw, shown, text) for raw in params),
        sparql=text,
        meaning=fields.get("meaning", ""),
    )
    _check_bindable(query)
    return query


def _check_bindable(query: NamedQuery) -> None:
    """Let Oxigraph bind every parameter once: it refuses variables outside the projection."""
    if not query.parameters:
        return
    if query.form is not QueryForm.SELECT:
        raise SourceError(query.path, "only a SELECT query can take parameters")
    samples = {item.name: _sample(item) for item in query.parameters}
    try:
        ox.Store().query(query.sparql, substitutions=query.substitutions(samples))
    except RuntimeError as exc:
        raise SourceError(query.path, f"a parameter cannot be bound: {exc}") from None


def _sample(parameter: Parameter) -> str:
    if parameter.default is not None:
        return parameter.default
    if parameter.allowed:
        return parameter.allowed[0]
    return {
        ParamType.DATE: "2000-01-01",
        ParamType.INTEGER: "0",
        ParamType.IRI: "https://example.org/",
        ParamType.STRING: "x",
    }[parameter.type]


@dataclass
class _RawParameter:
    name: str
    line: int
    fields: dict[str, str]


def _metadata(text: str, shown: str) -> tuple[dict[str, str], list[_RawParameter]]:
    """The ``#+`` lines at the top of the file: top-level fields and parameter blocks."""
    fields: dict[str, str] = {}
    params: list[_RawParameter] = []
    target: dict[str, str] = fields
    last: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith(_META):
            break
        body = line[len(_META) :]
        if not body.strip():
            continue
        indented = body.startswith("   ")
        key, sep, value = body.strip().partition(":")
        if indented and params and sep and key in _PARAM_KEYS:
            target, last = params[-1].fields, key
            _put(target, key, value.strip(), shown, number)
        elif indented and last is not None:
            target[last] = f"{target[last]} {body.strip()}".strip()
        elif sep and key == "param":
            if not _VARIABLE.match(value.strip()):
                raise SourceError(shown, f"parameter name {value.strip()!r} is no variable", number)
            params.append(_RawParameter(name=value.strip(), line=number, fields={}))
            last = None
        elif sep and key in _FIELDS:
            target, last = fields, key
            _put(fields, key, value.strip(), shown, number)
        else:
            raise SourceError(shown, f"unknown metadata line {line!r}", number)
    if not fields:
        raise SourceError(shown, "no '#+' metadata block at the top of the file", 1)
    return fields, params


_FIELDS = ("title", "description", "kind", "meaning")
_PARAM_KEYS = ("type", "default", "allowed", "description")


def _put(target: dict[str, str], key: str, value: str, shown: str, line: int) -> None:
    if key in target:
        raise SourceError(shown, f"'{key}' is given twice", line)
    target[key] = value


def _kind(fields: Mapping[str, str], shown: str) -> QueryKind:
    raw = fields.get("kind", "")
    try:
        return QueryKind(raw)
    except ValueError:
        kinds = ", ".join(kind.value for kind in QueryKind)
        raise SourceError(shown, f"kind {raw!r} is not one of {kinds}") from None


def _parameter(raw: _RawParameter, shown: str, sparql: str) -> Parameter:
    try:
        kind = ParamType(raw.fields.get("type", ""))
    except ValueError:
        types = ", ".join(item.value for item in ParamType)
        message = f"parameter {raw.name!r}: type must be one of {types}"
        raise SourceError(shown, message, raw.line) from None
    if not re.search(rf"[?$]{raw.name}\b", sparql):
        raise SourceError(shown, f"parameter {raw.name!r}: the query has no ?{raw.name}", raw.line)
    allowed = tuple(
        item.strip() for item in raw.fields.get("allowed", "").split("|") if item.strip()
    )
    parameter = Parameter(
        name=raw.name,
        type=kind,
        description=raw.fields.get("description", ""),
        default=raw.fields.get("default") or None,
        allowed=allowed,
    )
    try:
        for value in (*allowed, *([parameter.default] if parameter.default else [])):
            parameter.term(value)
    except BadRequest as exc:
        raise SourceError(shown, exc.detail, raw.line) from None
    return parameter


def _form(sparql: str, shown: str) -> QueryForm:
    """Parse the query (on an empty store) and tell its form; a syntax error names the file."""
    try:
        result = ox.Store().query(sparql)
    except SyntaxError as exc:
        position = re.search(r"error at (\d+):(\d+)", str(exc))
        line = int(position.group(1)) if position else None
        raise SourceError(shown, f"SPARQL syntax error: {exc}", line) from None
    if isinstance(result, ox.QuerySolutions):
        return QueryForm.SELECT
    if isinstance(result, ox.QueryBoolean):
        return QueryForm.ASK
    return QueryForm.CONSTRUCT


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def run(
    store: ox.Store, query: NamedQuery, given: Mapping[str, str] | None = None
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Evaluate ``query`` on an embedded store over the union of its graphs."""
    return store.query(
        query.sparql,
        use_default_graph_as_union=True,
        substitutions=query.substitutions(given or {}),
    )


def catalogue_triples(catalogue: Catalogue, *, queries_url: str) -> list[ox.Triple]:
    """The catalogue as RDF, for the service description and VoID: one resource per query.

    Each query is a SHACL-AF ``sh:SPARQLSelectExecutable`` (or ``…ConstructExecutable``)
    holding its text, at ``<queries_url>/<name>``, with title, description, kind and page.
    """
    node, text = ox.NamedNode, ox.Literal
    shacl, dct = "http://www.w3.org/ns/shacl#", "http://purl.org/dc/terms/"
    triples = []
    for query in catalogue:
        subject = node(f"{queries_url.rstrip('/')}/{query.name}")
        construct = query.form is QueryForm.CONSTRUCT
        kind = "SPARQLConstructExecutable" if construct else "SPARQLSelectExecutable"
        triples += [
            ox.Triple(subject, node(RDF_TYPE), node(shacl + kind)),
            ox.Triple(subject, node(shacl + ("construct" if construct else "select")),
                      text(query.sparql)),
            ox.Triple(subject, node(dct + "title"), text(query.title, language="en")),
            ox.Triple(subject, node(dct + "description"), text(query.description, language="en")),
            ox.Triple(subject, node(dct + "type"), text(query.kind.value)),
            ox.Triple(subject, node(DCAT_LANDING_PAGE), subject),
        ]  # fmt: skip
    return triples
