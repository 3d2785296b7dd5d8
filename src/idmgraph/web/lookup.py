"""``/lookup?id=…``: resolve an identifier another catalogue holds to our IRI.

One resource: 303 to it. Several: 300 Multiple Choices listing them (a page, or JSON for a
client that prefers it). None: 404, a problem document for machines and a page with
suggestions for people.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from idmgraph.base.errors import BadRequest, NotFound
from idmgraph.base.settings import Settings
from idmgraph.base.urls import Urls, page
from idmgraph.reading.lookup import Index, Outcome, Resolution, load_index, resolve, suggest
from idmgraph.store.interface import Store
from idmgraph.web import pages
from idmgraph.web.negotiation import prefers_html

PARAMETER = "id"


@dataclass
class IndexCache:
    """The lookup index of the store's release, read once per release version."""

    store: Store
    settings: Settings
    _index: Index | None = field(default=None, init=False)
    _version: str | None = field(default=None, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def get(self) -> Index:
        """The index, loaded on first use and again when the store holds a new release."""
        async with self._lock:
            if self._index is None or self._version != self.store.version:
                self._index = await load_index(self.store, settings=self.settings)
                self._version = self.store.version
            return self._index


def router(settings: Settings, store: Store) -> APIRouter:
    """The ``/lookup`` route."""
    cache = IndexCache(store=store, settings=settings)
    urls = Urls(settings.base_iri)

    async def lookup(request: Request) -> Response:
        identifier = request.query_params.get(PARAMETER, "").strip()
        if not identifier:
            raise BadRequest("give the identifier to look up as ?id=…", parameter=PARAMETER)
        index = await cache.get()
        found = resolve(identifier, index)
        if found.outcome is Outcome.FOUND and found.iri is not None:
            response = RedirectResponse(urls.href(found.iri), status_code=303)
            response.headers["Link"] = f'<{found.iri}>; rel="canonical"'
            return response
        wants_page = prefers_html(request.headers.get("accept"))
        if found.outcome is Outcome.AMBIGUOUS:
            return choices(request, found, urls, page_wanted=wants_page)
        hints = suggest(identifier, index)
        detail = f"no resource is known as {identifier!r}"
        if not wants_page:
            raise NotFound(
                detail, identifier=identifier, suggestions=[urls.href(m.iri) for m in hints]
            )
        return pages.render(
            request,
            "not_found.html",
            {"detail": detail, "suggestions": hints, "href": urls.href, "asked": identifier},
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )

    routes = APIRouter()
    routes.add_api_route(page("lookup"), lookup, methods=["GET", "HEAD"], include_in_schema=False)
    return routes


def choices(request: Request, found: Resolution, urls: Urls, *, page_wanted: bool) -> Response:
    """300 Multiple Choices: every resource the identifier may mean."""
    links = ", ".join(f'<{urls.href(m.iri)}>; rel="alternate"' for m in found.matches)
    headers = {"Link": links, "Cache-Control": "no-store"}
    if page_wanted:
        return pages.render(
            request,
            "not_found.html",
            {
                "detail": f"{found.identifier!r} may mean any of these",
                "suggestions": found.matches,
                "href": urls.href,
                "asked": found.identifier,
                "title": "Several resources match",
            },
            status_code=300,
            headers=headers,
        )
    body = {
        "identifier": found.identifier,
        "choices": [
            {"iri": m.iri, "href": urls.href(m.iri), "label": m.label, "kind": m.kind.value}
            for m in found.matches
        ],
    }
    return JSONResponse(body, status_code=300, headers=headers)
