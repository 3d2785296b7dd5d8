"""The only module that knows URL shapes: IRI ↔ server path ↔ document ↔ download.

Our IRIs live in three namespaces, each answered under a path prefix of the server:

* data, ``<base>id/…`` → ``/id/…`` (the base is a setting);
* the ontology, ``https://w3id.org/idmgraph/def/…`` → ``/def/…`` (fixed);
* the shapes, ``https://w3id.org/idmgraph/shapes/…`` → ``/shapes/…`` (fixed).

Every other path is a system page (:data:`SYSTEM_PAGES`), so data never collides with them.

Cool URIs, one pattern everywhere (303 See Other): the IRI of a thing never answers with a
document; it redirects to the document that describes it, in the format negotiated from
``Accept`` (or named by ``?format=``). Documents are the thing's path plus a format extension:

>>> urls = Urls("https://w3id.org/idmgraph/")
>>> urls.path("https://w3id.org/idmgraph/id/rec/X.1095")
'/id/rec/X.1095'
>>> urls.document("https://w3id.org/idmgraph/id/rec/X.1095", formats.by_name("turtle"))
'/id/rec/X.1095.ttl'
>>> urls.document("https://w3id.org/idmgraph/def/", formats.by_name("html"))
'/def/index.html'
>>> urls.split_document("/id/rec/X.1095.jsonld").thing
'/id/rec/X.1095'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from idmgraph.base import formats

ONTOLOGY_NS = "https://w3id.org/idmgraph/def/"
SHAPES_NS = "https://w3id.org/idmgraph/shapes/"
DATA_PREFIX = "/id/"
ONTOLOGY_PREFIX = "/def/"
SHAPES_PREFIX = "/shapes/"
INDEX = "index"  # document name of a namespace IRI ending in "/", such as /def/index.html
FORMAT_PARAMETER = "format"

_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these before reading a scheme
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
WEB_SCHEMES = frozenset({"http", "https"})


def linkable(url: object) -> bool:
    """Whether ``url`` may be a link's target: an http(s) URL or a path of this site.

    Any other scheme (``javascript:``, ``data:``, ``vbscript:``, ``file:``) would run or open
    something else in the visitor's browser; such IRIs are shown as text.
    """
    scheme = _SCHEME.match(_IGNORED.sub("", str(url)))
    return scheme is None or scheme.group(1).lower() in WEB_SCHEMES


#: System pages: every path of the server that is not under a namespace prefix.
SYSTEM_PAGES: dict[str, str] = {
    "home": "/",
    "health": "/health",
    "query": "/query",
    "sparql": "/sparql",
    "queries": "/queries",
    "gaps": "/gaps",
    "landscape": "/landscape",
    "changes": "/changes",
    "downloads": "/downloads",
    "lookup": "/lookup",
    "void": "/.well-known/void",
    "catalog": "/catalog",
    "context": "/context.jsonld",
    "links_csv": "/downloads/links.csv",
    "static": "/static",
    "openapi": "/openapi.json",
}

DOWNLOADS = "/downloads"
LATEST = "latest"
# Characters left as they are in a path built from an IRI (RFC 3986 pchar plus "/").
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def resource_formats() -> tuple[formats.Format, ...]:
    """Formats a resource description is served in: single-graph RDF formats, then HTML."""
    graph = tuple(fmt for fmt in formats.of_kind(formats.Kind.GRAPH) if not fmt.holds_datasets)
    return (*graph, formats.by_name("html"))


@dataclass(frozen=True, kw_only=True)
class Document:
    """A server path read as the document of a thing in one format."""

    thing: str  # the path of the thing
    format: formats.Format


@dataclass(frozen=True)
class Urls:
    """URL shapes for one canonical base IRI."""

    base_iri: str

    @property
    def data_ns(self) -> str:
        """Namespace of the data resources."""
        return self.base_iri + DATA_PREFIX.lstrip("/")

    def _spaces(self) -> tuple[tuple[str, str], ...]:
        # data first: with the default base the ontology namespace is not inside it anyway
        return (
            (self.data_ns, DATA_PREFIX),
            (ONTOLOGY_NS, ONTOLOGY_PREFIX),
            (SHAPES_NS, SHAPES_PREFIX),
        )

    def is_ours(self, iri: str) -> bool:
        """Whether ``iri`` is in a namespace this server answers for."""
        return any(iri.startswith(ns) for ns, _ in self._spaces())

    def path(self, iri: str) -> str | None:
        """The server path of one of our IRIs; None for an outside IRI."""
        for namespace, prefix in self._spaces():
            if iri.startswith(namespace):
                return prefix + quote(iri[len(namespace) :], safe=_PATH_SAFE)
        return None

    def iri(self, path: str) -> str | None:
        """The IRI a server path names; None for a system page."""
        for namespace, prefix in self._spaces():
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                return namespace + unquote(path[len(prefix) :])
        return None

    def href(self, iri: str) -> str:
        """Where a page links to show ``iri``: our path for our IRIs, the IRI itself otherwise."""
        return self.path(iri) or iri

    def document(self, iri: str, fmt: formats.Format) -> str:
        """The path of the document describing ``iri`` in ``fmt``."""
        path = self.path(iri)
        if path is None:
            raise ValueError(f"{iri} is not in a namespace of this server")
        return document_path(path, fmt)

    def split_document(self, path: str) -> Document | None:
        """Read ``path`` as ``<thing>.<extension>``; None when it has no resource extension."""
        return split_document(path)


def document_path(thing: str, fmt: formats.Format) -> str:
    """The document path of the thing at ``thing`` in ``fmt``."""
    if thing.endswith("/"):
        return f"{thing}{INDEX}.{fmt.extension}"
    return f"{thing}.{fmt.extension}"


def split_document(path: str) -> Document | None:
    """Read a path as the document of a thing; None when it ends in no resource extension."""
    stem, dot, extension = path.rpartition(".")
    if not dot or "/" in extension:
        return None
    for fmt in resource_formats():
        if fmt.extension == extension:
            if stem.endswith("/" + INDEX):
                return Document(thing=stem[: -len(INDEX)], format=fmt)
            return Document(thing=stem, format=fmt)
    return None


def local_segment(path: str) -> str:
    """The last segment of a path, unescaped, without a resource extension: a search hint."""
    document = split_document(path)
    stem = document.thing if document is not None else path
    return unquote(stem.rstrip("/").rsplit("/", 1)[-1])


def with_format(url: str, fmt: formats.Format) -> str:
    """``url`` with ``?format=`` set to ``fmt`` (other parameters kept, in order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != FORMAT_PARAMETER]
    query.append((FORMAT_PARAMETER, fmt.extension))
    return urlunsplit(parts._replace(query=urlencode(query)))


def download_path(version: str, file: str) -> str:
    """The never-changing path of one file of one release."""
    return f"{DOWNLOADS}/{quote(version)}/{quote(file)}"


def latest_path(file: str) -> str:
    """The path that always serves ``file`` of the newest release."""
    return download_path(LATEST, file)


DATASET = "dataset/idmgraph"  # the dataset's IRI, under <base>id/


def dataset_iri(base_iri: str) -> str:
    """The IRI of the dataset itself (what VoID and DCAT describe).

    >>> dataset_iri("https://w3id.org/idmgraph/")
    'https://w3id.org/idmgraph/id/dataset/idmgraph'
    """
    return base_iri + DATA_PREFIX.lstrip("/") + DATASET


def download_iri(base_iri: str, version: str, file: str) -> str:
    """The lasting address of one file of one release.

    >>> download_iri("https://w3id.org/idmgraph/", "abc", "idmgraph.ttl")
    'https://w3id.org/idmgraph/downloads/abc/idmgraph.ttl'
    """
    return base_iri.rstrip("/") + download_path(version, file)


def short_name(iri: str) -> str:
    """A readable name for an IRI: what follows ``/id/`` (or the last segment).

    >>> short_name("https://w3id.org/idmgraph/id/rec/X.1095"), short_name("http://x.org/a/b/")
    ('rec/X.1095', 'b')
    """
    if DATA_PREFIX in iri:
        return iri.split(DATA_PREFIX, 1)[1]
    return iri.rstrip("/").rsplit("/", 1)[-1] or iri


def page(name: str) -> str:
    """The path of a system page, by its name in :data:`SYSTEM_PAGES`."""
    return SYSTEM_PAGES[name]
