"""Answers to repeated GETs served from memory before any routing: a release never changes.

The key is everything a query answer depends on: path, query string, Accept (the header the
answer varies on) and whether an Origin was sent (CORS headers are added for it). Every entry
belongs to one release: when the store's version changes, the cache starts afresh. Only complete
200 answers to GET are kept; HEAD and If-None-Match are answered from a kept entry too.

It wraps the whole application rather than sitting in its middleware stack, because a hit then
costs a dictionary look-up instead of a walk through every middleware: measured with wrk on the
endpoint fixture, that is the difference between about 10k and 20k answers a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idmgraph.base.lru import ByteLRU
from idmgraph.web.headers import etag_matches

_HEADERS_OF_304 = (b"etag", b"cache-control", b"vary", b"link")


@dataclass(frozen=True)
class _Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str


class AnswerCache:
    """ASGI middleware keeping the last answers to GET requests on ``paths``, by bytes.

    Answers on ``paths`` are kept only when asked with a query string (a SPARQL query);
    answers on ``pages`` also without one.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: tuple[str, ...],
        max_bytes: int,
        version: Callable[[], str] = lambda: "",
        pages: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self._version = version
        self._seen_version = ""
        self._paths = frozenset(paths)
        self._pages = frozenset(pages)
        self._entries = ByteLRU[tuple[str, bytes, bytes], _Entry](max_bytes=max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from memory, or pass on and remember a complete 200 answer."""
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not self._kept(scope["path"], scope["query_string"])
        ):
            await self.app(scope, receive, send)
            return
        self._forget_other_releases()
        accept, if_none_match, origin = b"", None, b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"origin":
                origin = b"*"  # every origin gets the same answer: Allow-Origin is always *
        key = (scope["path"], scope["query_string"], accept + b"\n" + origin)
        entry = self._entries.get(key)
        if entry is not None:
            await _replay(entry, send, head=scope["method"] == "HEAD", if_none_match=if_none_match)
            return
        if scope["method"] != "GET" or if_none_match is not None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._recorder(key, send))

    def _kept(self, path: str, query_string: bytes) -> bool:
        return path in self._pages or (path in self._paths and bool(query_string))

    def _forget_other_releases(self) -> None:
        current = self._version()
        if current != self._seen_version:
            self._entries.clear()
            self._seen_version = current

    def _recorder(self, key: tuple[str, bytes, bytes], send: Send) -> Send:
        started: dict[str, object] = {}
        chunks: list[bytes] = []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body" and started.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._remember(key, list(started["headers"]), b"".join(chunks))  # type: ignore[call-overload]
            await send(message)

        return record

    def _remember(
        self, key: tuple[str, bytes, bytes], headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        etag = next((v.decode("latin-1") for k, v in headers if k.lower() == b"etag"), None)
        if etag is not None:
            entry = _Entry(headers=headers, body=body, etag=etag)
            self._entries.put(key, entry, size=_size(key, body))


def _size(key: tuple[str, bytes, bytes], body: bytes) -> int:
    # the key counts too: a query string can be as long as the request head allows
    return len(body) + len(key[0]) + len(key[1]) + len(key[2])


async def _replay(entry: _Entry, send: Send, *, head: bool, if_none_match: str | None) -> None:
    if if_none_match is not None and etag_matches(if_none_match, entry.etag):
        headers = [(k, v) for k, v in entry.headers if k.lower() in _HEADERS_OF_304]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
    await send({"type": "http.response.body", "body": b"" if head else entry.body})
