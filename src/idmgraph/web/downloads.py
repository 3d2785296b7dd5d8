"""Downloads and metadata: the release's files at versioned URLs, VoID, DCAT and the @context.

* ``/downloads`` lists every distribution with size, media type and SHA-256;
* ``/downloads/<version>/<file>`` never changes (cached as immutable); ``/downloads/latest/…``
  redirects (302) to the current version's URL;
* ``/.well-known/void`` and ``/catalog``: the release's VoID + DCAT description, plus the DCAT
  catalogue and data service (the SPARQL endpoint) and the VoID linksets of our outgoing links;
* ``/context.jsonld``: the JSON-LD context of the dumps; ``/downloads/links.csv``: the mapping
  (our URI, outside identifier) for catalogue owners.
"""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from idmgraph.base import formats
from idmgraph.base.errors import NotFound
from idmgraph.base.settings import Settings
from idmgraph.base.urls import LATEST, download_path, latest_path, page
from idmgraph.pipeline import compactld
from idmgraph.pipeline.release import (
    CONTEXT_FILE,
    DESCRIPTION_FILE,
    MANIFEST,
    Release,
    read_release,
)
from idmgraph.pipeline.void import DCAT, DCTERMS, dataset_iri
from idmgraph.reading.describe import RDF_TYPE, document_prefixes
from idmgraph.reading.linksets import links_csv, linkset_triples, outgoing_links
from idmgraph.store.interface import Store
from idmgraph.store.snapshot import Served, Snapshot
from idmgraph.web import pages
from idmgraph.web.headers import CACHE_CONTROL, not_modified
from idmgraph.web.negotiation import choose
from idmgraph.web.revalidation import http_date

IMMUTABLE = "public, max-age=31536000, immutable"
GZIP = formats.GZIP_MEDIA_TYPE
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
EXTRA_FILES = {
    DESCRIPTION_FILE: formats.by_name("turtle").media_type,
    CONTEXT_FILE: formats.by_name("jsonld").media_type,
    MANIFEST: formats.JSON_MEDIA_TYPE,
}


class Downloads:
    """The handlers, over the release ``served`` (pinned: a rebuild cannot change it)."""

    def __init__(self, settings: Settings, store: Store, served: Served) -> None:
        self.settings = settings
        self.store = store
        self.served = served

    def snapshot(self) -> Snapshot:
        """The pinned release, the one the store serves."""
        return self.served.current(self.store.version)

    async def listing(self, request: Request) -> Response:
        """The downloads page."""
        release = self.snapshot().release
        rows = [
            {
                "item": item,
                "label": formats.by_name(item.format).label
                + (" (gzip)" if item.compressed else ""),
                "versioned": download_path(release.version, item.file),
                "latest": latest_path(item.file),
            }
            for item in release.distributions
        ]
        context = {
            "release": release,
            "rows": rows,
            "links_csv": page("links_csv"),
            "void": page("void"),
            "catalog": page("catalog"),
            "context": page("context"),
            "manifest": download_path(release.version, MANIFEST),
        }
        return pages.render(
            request, "downloads.html", context, headers={"Cache-Control": CACHE_CONTROL}
        )

    async def file(self, request: Request) -> Response:
        """One file of the served release or an earlier one, or a redirect from ``latest``."""
        version, name = request.path_params["version"], request.path_params["file"]
        snapshot = self.snapshot()
        release = snapshot.release
        if version == LATEST:
            self._media_type(release, name)  # 404 for a file the release does not have
            return RedirectResponse(download_path(release.version, name), status_code=302)
        if version != release.version:
            return self._earlier(request, version, name)
        media_type, etag = self._media_type(release, name)
        # the release's time, not the file's (FileResponse's own): one date for every answer
        # of the release, its 304s included
        modified = http_date(snapshot.released)
        headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "Last-Modified": modified}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        return FileResponse(snapshot.path(name), media_type=media_type, headers=headers)

    def _earlier(self, request: Request, version: str, name: str) -> Response:
        """A file of an earlier release: its URL never changes, so it stays downloadable."""
        path = self.served.earlier(version, name)
        manifest = self.served.earlier(version, MANIFEST)
        if path is None or manifest is None:
            current = self.snapshot().version
            raise NotFound(
                f"release {version} is not served here; the current one is {current}",
                current=download_path(current, name),
            )
        media_type, etag = self._media_type(read_release(manifest.parent), name)
        modified = http_date(int(manifest.stat().st_mtime))  # that release's time
        headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "Last-Modified": modified}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        return FileResponse(path, media_type=media_type, headers=headers)

    def _media_type(self, release: Release, name: str) -> tuple[str, str]:
        for item in release.distributions:
            if item.file == name:
                return (
                    GZIP if item.compressed else formats.by_name(item.format).content_type,
                    f'"{item.sha256}"',
                )
        if name in EXTRA_FILES:
            return EXTRA_FILES[name], f'"{release.version}-{name}"'
        raise NotFound(f"the release has no file {name!r}")

    async def description(self, request: Request) -> Response:
        """VoID + DCAT of the release, with catalogue, data service and linksets."""
        fmt = choose(
            accept=request.headers.get("accept"),
            kind=formats.Kind.GRAPH,
            tokens=request.query_params.getlist("format"),
            fallback=True,
        )
        etag = f'"{self.store.version}-void-{fmt.extension}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        triples = await self.description_triples()
        names = document_prefixes(self.settings)
        if fmt.name == "jsonld":
            body = json.dumps(compactld.compact(triples, names), indent=2).encode()
        else:
            assert isinstance(fmt.oxigraph, ox.RdfFormat)
            body = ox.serialize(triples, format=fmt.oxigraph, prefixes=names) or b""
        return Response(body, headers={**headers, "Content-Type": fmt.content_type})

    async def description_triples(self) -> list[ox.Triple]:
        """The release's void.ttl, the DCAT catalogue and service, and the linksets."""
        described = [
            quad.triple
            for quad in ox.parse(
                self.snapshot().small[DESCRIPTION_FILE], format=ox.RdfFormat.TURTLE
            )
        ]
        links = await outgoing_links(self.store, settings=self.settings)
        return [
            *described,
            *catalogue_triples(self.settings),
            *linkset_triples(links, settings=self.settings),
        ]

    async def context(self, request: Request) -> Response:
        """The JSON-LD @context of the dumps."""
        body = self.snapshot().small[CONTEXT_FILE]
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Access-Control-Allow-Origin": "*"}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        return Response(
            body, headers={**headers, "Content-Type": formats.by_name("jsonld").media_type}
        )

    async def mapping(self, request: Request) -> Response:
        """The CSV mapping of our URIs to outside identifiers."""
        etag = f'"{self.store.version}-links"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        body = links_csv(await outgoing_links(self.store, settings=self.settings))
        return Response(
            body,
            headers={
                **headers,
                "Content-Type": formats.by_name("csv").content_type,
                "Content-Disposition": 'inline; filename="links.csv"',
            },
        )


def catalogue_triples(settings: Settings) -> list[ox.Triple]:
    """The DCAT 3 catalogue holding the dataset, and the SPARQL endpoint as its data service."""
    catalog = ox.NamedNode(settings.base_iri + page("catalog").lstrip("/"))
    service = ox.NamedNode(settings.base_iri + page("sparql").lstrip("/"))
    dataset = ox.NamedNode(dataset_iri(settings))
    facts: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = [
        (catalog, RDF_TYPE, ox.NamedNode(DCAT + "Catalog")),
        (catalog, DCTERMS + "title", ox.Literal("idmgraph catalogue", language="en")),
        (catalog, DCAT + "dataset", dataset),
        (catalog, DCAT + "service", service),
        (service, RDF_TYPE, ox.NamedNode(DCAT + "DataService")),
        (service, DCTERMS + "title", ox.Literal("idmgraph SPARQL endpoint", language="en")),
        (service, DCAT + "endpointURL", service),
        (service, DCAT + "endpointDescription", service),
        (service, DCAT + "servesDataset", dataset),
        (service, DCTERMS + "conformsTo", ox.NamedNode(SPARQL_PROTOCOL)),
    ]
    return [ox.Triple(s, ox.NamedNode(p), o) for s, p, o in facts]


def router(settings: Settings, store: Store, served: Served) -> APIRouter:
    """Routes for downloads, VoID, the DCAT catalogue, the context and the link mapping."""
    handlers = Downloads(settings, store, served)
    routes = APIRouter()
    for path, handler in (
        (page("downloads"), handlers.listing),
        (page("links_csv"), handlers.mapping),
        (page("downloads") + "/{version}/{file}", handlers.file),
        (page("void"), handlers.description),
        (page("catalog"), handlers.description),
        (page("context"), handlers.context),
    ):
        routes.add_api_route(path, handler, methods=["GET", "HEAD"], include_in_schema=False)
    return routes
