"""Read the project's sources (``ontology/``, ``shapes/``, ``data/<slug>/``) into one dataset.

Each kind of source becomes named graphs of its own:

* ``ontology/*.ttl`` → ``https://w3id.org/idmgraph/def/``
* ``shapes/*.ttl`` → ``https://w3id.org/idmgraph/shapes/``
* ``data/<slug>/*.ttl`` → ``<base>id/source/<slug>`` (one graph per folder)

Files are parsed with pyoxigraph, which reports syntax errors with their line and column, and
with the ``base_iri`` setting as base IRI, so ``@prefix rec: <id/rec/> .`` follows the base.
Blank node labels are renamed per file so that ``_:b`` in two files are two nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base.errors import SourceError
from idmgraph.base.settings import Settings

ONTOLOGY_GRAPH = "https://w3id.org/idmgraph/def/"
SHAPES_GRAPH = "https://w3id.org/idmgraph/shapes/"
ONTOLOGY_DIR = "ontology"
SHAPES_DIR = "shapes"
DATA_DIR = "data"
SOURCE_SUFFIX = ".ttl"

Subject = ox.NamedNode | ox.BlankNode | ox.Triple


class Role(Enum):
    """What a graph holds, which decides how validation and the release use it."""

    ONTOLOGY = "ontology"
    SHAPES = "shapes"
    DATA = "data"


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """The statements of one file."""

    path: str  # relative to the project root, POSIX style
    triples: tuple[ox.Triple, ...]


@dataclass(frozen=True, kw_only=True)
class SourceGraph:
    """One named graph read from one or more files."""

    name: str  # the graph IRI
    role: Role
    parts: tuple[SourceFile, ...]

    @property
    def files(self) -> tuple[str, ...]:
        """The files of this graph, relative to the project root."""
        return tuple(part.path for part in self.parts)

    def triples(self) -> Iterator[ox.Triple]:
        """Every statement of the graph, file by file."""
        for part in self.parts:
            yield from part.triples

    def quads(self) -> Iterator[ox.Quad]:
        """The graph's triples as quads in this graph."""
        graph = ox.NamedNode(self.name)
        for triple in self.triples():
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)


@dataclass(frozen=True, kw_only=True)
class Sources:
    """Everything read from the project, ready to validate and to release."""

    root: Path
    graphs: tuple[SourceGraph, ...]
    subject_files: Mapping[Subject, tuple[str, ...]]  # data files stating each subject

    def of_role(self, role: Role) -> tuple[SourceGraph, ...]:
        """The graphs of one role, in load order."""
        return tuple(graph for graph in self.graphs if graph.role is role)

    def files_of(self, subject: Subject) -> tuple[str, ...]:
        """The data files that hold statements about ``subject`` (empty when none do)."""
        return self.subject_files.get(subject, ())

    def quads(self) -> Iterator[ox.Quad]:
        """Every statement of every graph."""
        for graph in self.graphs:
            yield from graph.quads()

    @property
    def files(self) -> tuple[str, ...]:
        """Every file read, relative to the project root."""
        return tuple(path for graph in self.graphs for path in graph.files)


def load(settings: Settings) -> Sources:
    """Read ``ontology/``, ``shapes/`` and every ``data/<slug>/`` folder under ``settings.root``."""
    root = settings.root
    graphs = [
        _read_graph(
            root,
            _turtle_files(root / ONTOLOGY_DIR),
            ONTOLOGY_GRAPH,
            Role.ONTOLOGY,
            base_iri=settings.base_iri,
        ),
        _read_graph(
            root,
            _turtle_files(root / SHAPES_DIR),
            SHAPES_GRAPH,
            Role.SHAPES,
            base_iri=settings.base_iri,
        ),
    ]
    for folder in data_folders(root):
        name = source_graph_name(settings, folder.name)
        graphs.append(
            _read_graph(root, _turtle_files(folder), name, Role.DATA, base_iri=settings.base_iri)
        )
    return Sources(
        root=root,
        graphs=tuple(graphs),
        subject_files=_subject_files(graphs),
    )


def source_paths(settings: Settings) -> list[Path]:
    """Every file a release is built from (Turtle sources and named queries)."""
    root = settings.root
    folders = [root / ONTOLOGY_DIR, root / SHAPES_DIR, *data_folders(root)]
    paths = [path for folder in folders for path in _turtle_files(folder)]
    return [*paths, *sorted((root / "queries").glob("*.rq"))]


def source_graph_name(settings: Settings, slug: str) -> str:
    """The named graph (and source IRI) of the data folder ``data/<slug>/``."""
    return f"{settings.data_base}source/{slug}"


def data_folders(root: Path) -> list[Path]:
    """The folders under ``data/``, sorted by name; each is one source."""
    data = root / DATA_DIR
    if not data.is_dir():
        return []
    for stray in sorted(data.glob(f"*{SOURCE_SUFFIX}")):
        # It would belong to no source, so it would silently be left out of the release.
        raise SourceError(display_path(stray, root), "data files belong in a folder data/<slug>/")
    return sorted(path for path in data.iterdir() if path.is_dir())


def parse_file(path: Path, *, root: Path, base_iri: str) -> list[ox.Triple]:
    """Parse one Turtle file; a syntax error raises SourceError naming file, line and problem."""
    shown = display_path(path, root)
    try:
        quads = list(
            ox.parse(
                path=path,
                format=ox.RdfFormat.TURTLE,
                base_iri=base_iri,
                rename_blank_nodes=True,
            )
        )
    except SyntaxError as exc:
        raise SourceError(shown, _problem(exc), line=exc.lineno) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(shown, str(exc)) from exc
    return [ox.Triple(quad.subject, quad.predicate, quad.object) for quad in quads]


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to the project root when it is inside it, POSIX style."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _turtle_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix == SOURCE_SUFFIX)


def _read_graph(
    root: Path, paths: Iterable[Path], name: str, role: Role, *, base_iri: str
) -> SourceGraph:
    parts = tuple(
        SourceFile(
            path=display_path(path, root),
            triples=tuple(parse_file(path, root=root, base_iri=base_iri)),
        )
        for path in paths
    )
    return SourceGraph(name=name, role=role, parts=parts)


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _subject_files(graphs: Iterable[SourceGraph]) -> dict[Subject, tuple[str, ...]]:
    """Map each subject of the data graphs to the files stating it.

    The files stating the subject's ``rdf:type`` come first: that is where a resource is
    defined, and where a person fixing a violation should look before files that only add to it.
    """
    defining: dict[Subject, dict[str, None]] = {}
    adding: dict[Subject, dict[str, None]] = {}
    for graph in graphs:
        if graph.role is not Role.DATA:
            continue
        for part in graph.parts:
            for triple in part.triples:
                target = defining if triple.predicate == _RDF_TYPE else adding
                target.setdefault(triple.subject, {})[part.path] = None
    return {
        subject: tuple({**defining.get(subject, {}), **adding.get(subject, {})})
        for subject in defining.keys() | adding.keys()
    }


def _problem(exc: SyntaxError) -> str:
    """The parser's message without the position, which SourceError shows itself."""
    message = exc.msg or str(exc)
    prefix = "Parser error at line "
    if message.startswith(prefix) and ": " in message:
        position, _, rest = message.partition(": ")
        column = position.rsplit(" between columns ", 1)[-1].split(" and ", 1)[0]
        return f"column {column}: {rest}" if column.isdigit() else rest
    return message
