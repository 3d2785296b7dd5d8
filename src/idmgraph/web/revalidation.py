"""``Last-Modified`` from the release, and ``If-Modified-Since`` answered 304, on every answer.

An answer validated by an ETag follows from the release the server serves, so its
``Last-Modified`` is when that release was written (the manifest's time, see
:class:`~idmgraph.store.snapshot.Snapshot`), never when this process started: replicas of one
release behind a balancer then give the same validators, and a cache cannot tell them apart.
Answers that set their own (downloads) keep it. Answers on ``elsewhere`` paths do not follow
from the release alone and get none from it: the landscape of today changes with the day (so no
cache revalidates it by date), the package's static files are dated by their own files.

A GET or HEAD with ``If-Modified-Since`` and no ``If-None-Match`` (which takes precedence, RFC
9110 §13.2.2) is answered 304 when the answer was not modified since. It wraps the answer
cache, so remembered answers are revalidated the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOT_MODIFIED = 304
# Headers that describe a body a 304 does not have (RFC 9110 §15.4.5).
_BODY_HEADERS = frozenset(
    {b"content-length", b"content-type", b"content-encoding", b"content-disposition"}
)


class Revalidation:
    """ASGI wrapper adding the release's ``Last-Modified`` and honouring ``If-Modified-Since``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        released: Callable[[], int | None],
        elsewhere: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self._released = released  # seconds since the epoch; None: no release known
        self._elsewhere = elsewhere

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run ``app``, adding ``Last-Modified`` to its answer, or answer 304 instead."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dated = not scope["path"].startswith(self._elsewhere)
        since = _modified_since(scope)
        replaced = False

        async def revalidating(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if dated:
                    headers = self._dated(headers)
                if since is not None and message["status"] == 200 and _unchanged(headers, since):
                    replaced = True
                    headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
                    await send({**message, "status": NOT_MODIFIED, "headers": headers})
                    return
                await send({**message, "headers": headers})
            elif not replaced:
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})

        await self.app(scope, receive, revalidating)

    def _dated(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """``headers`` with the release's Last-Modified, when validated by an ETag only."""
        names = {name.lower() for name, _ in headers}
        if b"etag" not in names or b"last-modified" in names:
            return headers
        released = self._released()
        if released is None:
            return headers
        return [*headers, (b"last-modified", http_date(released).encode("latin-1"))]


def http_date(seconds: int) -> str:
    """``seconds`` since the epoch as an HTTP date (IMF-fixdate)."""
    return formatdate(seconds, usegmt=True)


def _modified_since(scope: Scope) -> int | None:
    """The If-Modified-Since of a GET or HEAD without If-None-Match, when it is a valid date."""
    if scope["method"] not in ("GET", "HEAD"):
        return None
    found = None
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return None
        if name == b"if-modified-since":
            found = value
    return _seconds(found) if found is not None else None


def _seconds(value: bytes) -> int | None:
    """An HTTP date in seconds since the epoch; None when it is no date, or a future one."""
    try:
        moment = int(parsedate_to_datetime(value.decode("latin-1")).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # a date later than the server's clock is invalid (RFC 9110 §13.1.3)
    return moment if moment <= time.time() else None


def _unchanged(headers: list[tuple[bytes, bytes]], since: int) -> bool:
    modified = next((v for k, v in headers if k.lower() == b"last-modified"), None)
    seconds = _seconds(modified) if modified is not None else None
    return seconds is not None and seconds <= since
