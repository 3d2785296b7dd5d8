"""Headers shared by the endpoint's answers: caching, revalidation and the VoID link."""

from __future__ import annotations

from starlette.requests import Request

from idmgraph.base.urls import SYSTEM_PAGES

ENDPOINT_PATH = SYSTEM_PAGES["sparql"]
VOID_PATH = SYSTEM_PAGES["void"]
# A release is immutable, but a new one may be deployed under the same URLs: caches keep an
# answer a few minutes, then revalidate it with its ETag.
CACHE_CONTROL = "public, max-age=300"


def answer_headers(etag: str) -> dict[str, str]:
    """Headers every successful answer and every 304 of the endpoint carry."""
    return {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept",
        "Link": f'<{VOID_PATH}>; rel="describedby"',
    }


def not_modified(request: Request, etag: str) -> bool:
    """True when a GET's If-None-Match names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    if request.method not in ("GET", "HEAD"):
        return False
    header = request.headers.get("if-none-match")
    return header is not None and etag_matches(header, etag)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """True when an If-None-Match value names ``etag`` or is ``*``."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
