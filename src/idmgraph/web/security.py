"""Headers that keep a browser from being turned against the site's visitors, on every answer.

The data is published by others and shown on pages, so a page must never run what the data
says: scripts only come from ``/static`` (no inline script, no ``eval``), nothing is loaded
from elsewhere, the site cannot be framed, types are never sniffed, and outside sites are not
told which page a visitor came from. The policy is the same for every answer: a JSON or
Turtle document opened in a browser tab is held to it too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The two <style> elements YASGUI's table (its column resizer) adds, allowed by their hashes
# (CSP 3 hash-source): the grip rules, and the cursor while a column is dragged. A YASGUI
# upgrade that changes them shows up as a CSP violation in tests/browser/test_hardening.py.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
# 'self' only: YASGUI and the site's scripts are served from /static; the query page talks to
# /sparql (connect-src). Forms submit to the site only; no <base> may redirect relative links.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        " ".join(("style-src 'self'", *YASGUI_STYLE_HASHES)),
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # full referrer within the site, none to outside sites
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
}


class SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the application, adding the headers to its answer's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
