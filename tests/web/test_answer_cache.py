"""The answer cache forgets every answer when the release it was made from changes."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from idmgraph.web.cache import AnswerCache


def test_a_new_release_empties_the_cache() -> None:
    calls: list[str] = []
    version = {"now": "v1"}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(version["now"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"x"')]})
        await send({"type": "http.response.body", "body": version["now"].encode()})

    cache = AnswerCache(app, paths=("/sparql",), max_bytes=10_000, version=lambda: version["now"])

    async def get() -> bytes:
        scope: Scope = {
            "type": "http", "method": "GET", "path": "/sparql",
            "query_string": b"query=ASK%7B%7D", "headers": [],
        }  # fmt: skip
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            sent.append(message)

        await cache(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    assert asyncio.run(get()) == b"v1"
    assert asyncio.run(get()) == b"v1"
    assert calls == ["v1"]  # the second answer came from the cache
    version["now"] = "v2"
    assert asyncio.run(get()) == b"v2"
    assert calls == ["v1", "v2"]


def test_pages_are_kept_without_a_query_string_and_paths_only_with_one() -> None:
    calls: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"x"')]})
        await send({"type": "http.response.body", "body": b"answer"})

    cache = AnswerCache(app, paths=("/sparql",), pages=("/gaps",), max_bytes=10_000)

    async def get(path: str) -> None:
        scope: Scope = {
            "type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
        }  # fmt: skip

        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            del message

        await cache(scope, receive, send)

    for path in ("/gaps", "/gaps", "/sparql", "/sparql", "/other", "/other"):
        asyncio.run(get(path))
    assert calls == ["/gaps", "/sparql", "/sparql", "/other", "/other"]
