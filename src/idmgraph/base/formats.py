"""The one registry of serialisation formats.

Content negotiation, download names, ``--format`` choices and SPARQL result formats all read
:data:`FORMATS`; adding a format is one record here.

>>> by_extension("ttl").media_type
'text/turtle'
>>> by_media_type("application/sparql-results+json").name
'json'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyoxigraph


class Kind(Enum):
    """What a format serialises."""

    GRAPH = "graph"  # RDF triples or quads
    RESULTS = "results"  # SPARQL SELECT/ASK results
    PAGE = "page"  # a page for people


@dataclass(frozen=True, kw_only=True)
class Format:
    """One serialisation: its names, media types and file extension."""

    name: str
    label: str
    kind: Kind
    media_types: tuple[str, ...]
    extension: str
    holds_datasets: bool = False
    oxigraph: pyoxigraph.RdfFormat | pyoxigraph.QueryResultsFormat | None = None
    w3c: str | None = None  # its name under http://www.w3.org/ns/formats/ (sd:resultFormat)

    @property
    def w3c_iri(self) -> str | None:
        """The W3C's IRI of the format, where the W3C names it."""
        return W3C_FORMATS + self.w3c if self.w3c else None

    @property
    def media_type(self) -> str:
        """The canonical media type, sent in Content-Type."""
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        """Content-Type header value, with a charset for text formats."""
        if self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml")):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


RDF = pyoxigraph.RdfFormat
RESULTS = pyoxigraph.QueryResultsFormat
W3C_FORMATS = "http://www.w3.org/ns/formats/"

# Media types of what is not one of the registry's serialisations: protocol bodies, problem
# documents, manifests, compressed dumps, Markdown pages and the importer's inputs.
JSON_MEDIA_TYPE = "application/json"
PROBLEM_MEDIA_TYPE = "application/problem+json"
GZIP_MEDIA_TYPE = "application/gzip"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
MARKDOWN_MEDIA_TYPE = "text/markdown"
PLAIN_TEXT_MEDIA_TYPE = "text/plain"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FORMATS: tuple[Format, ...] = (
    Format(
        name="turtle",
        w3c="Turtle",
        label="Turtle",
        kind=Kind.GRAPH,
        extension="ttl",
        media_types=("text/turtle", "application/x-turtle"),
        oxigraph=RDF.TURTLE,
    ),
    Format(
        name="jsonld",
        w3c="JSON-LD",
        label="JSON-LD",
        kind=Kind.GRAPH,
        extension="jsonld",
        media_types=("application/ld+json",),
        oxigraph=RDF.JSON_LD,
    ),
    Format(
        name="ntriples",
        w3c="N-Triples",
        label="N-Triples",
        kind=Kind.GRAPH,
        extension="nt",
        media_types=("application/n-triples",),
        oxigraph=RDF.N_TRIPLES,
    ),
    Format(
        name="rdfxml",
        w3c="RDF_XML",
        label="RDF/XML",
        kind=Kind.GRAPH,
        extension="rdf",
        media_types=("application/rdf+xml",),
        oxigraph=RDF.RDF_XML,
    ),
    Format(
        name="nquads",
        w3c="N-Quads",
        label="N-Quads",
        kind=Kind.GRAPH,
        extension="nq",
        holds_datasets=True,
        media_types=("application/n-quads",),
        oxigraph=RDF.N_QUADS,
    ),
    Format(
        name="trig",
        w3c="TriG",
        label="TriG",
        kind=Kind.GRAPH,
        extension="trig",
        holds_datasets=True,
        media_types=("application/trig",),
        oxigraph=RDF.TRIG,
    ),
    Format(
        name="json",
        w3c="SPARQL_Results_JSON",
        label="SPARQL Results JSON",
        kind=Kind.RESULTS,
        extension="srj",
        media_types=("application/sparql-results+json", "application/json"),
        oxigraph=RESULTS.JSON,
    ),
    Format(
        name="xml",
        w3c="SPARQL_Results_XML",
        label="SPARQL Results XML",
        kind=Kind.RESULTS,
        extension="srx",
        media_types=("application/sparql-results+xml",),
        oxigraph=RESULTS.XML,
    ),
    Format(
        name="csv",
        w3c="SPARQL_Results_CSV",
        label="CSV",
        kind=Kind.RESULTS,
        extension="csv",
        media_types=("text/csv",),
        oxigraph=RESULTS.CSV,
    ),
    Format(
        name="tsv",
        w3c="SPARQL_Results_TSV",
        label="TSV",
        kind=Kind.RESULTS,
        extension="tsv",
        media_types=("text/tab-separated-values",),
        oxigraph=RESULTS.TSV,
    ),
    Format(
        name="html",
        label="HTML",
        kind=Kind.PAGE,
        extension="html",
        media_types=("text/html", "application/xhtml+xml"),
    ),
)


def of_kind(kind: Kind) -> tuple[Format, ...]:
    """Every format of one kind, in registry order (the first is the default)."""
    return tuple(fmt for fmt in FORMATS if fmt.kind is kind)


def by_name(name: str) -> Format:
    """The format called ``name``; KeyError when there is none."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def by_extension(extension: str) -> Format:
    """The format whose file extension is ``extension`` (without the dot)."""
    for fmt in FORMATS:
        if fmt.extension == extension.lstrip("."):
            return fmt
    raise KeyError(extension)


def by_media_type(media_type: str) -> Format:
    """The format that serves ``media_type`` (parameters such as charset are ignored)."""
    bare = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS:
        if bare in fmt.media_types:
            return fmt
    raise KeyError(media_type)


def lookup(token: str) -> Format:
    """A format named by a ``format=`` parameter: a name, an extension or a media type."""
    for finder in (by_name, by_extension, by_media_type):
        try:
            return finder(token)
        except KeyError:
            continue
    raise KeyError(token)
