"""``idmgraph serve``: the web application under uvicorn, with bounded request heads.

uvicorn's httptools protocol accepts a request head of any size and any number of header
fields, collecting them in memory before the application sees the request (a 100 MB header
was accepted). :func:`bounded_protocol` counts the head as it arrives and answers 431 once it
passes ``max_header_bytes`` or ``max_headers``, before anything is parsed further.

Nor does uvicorn bound the time a head takes: a client sending one byte a second (slowloris)
held its connection for as long as it liked. A head must now be whole within ``head_timeout``
seconds of the connection's opening or of the end of the previous answer; past it, 408.
A body, once its head is whole, must arrive within ``body_timeout`` seconds (a slow body held
its connection and its task as long as a slow head did); past it, 408 if nothing was answered
yet, and the connection is closed either way.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from idmgraph.base.settings import Settings
from idmgraph.store.snapshot import open_served
from idmgraph.web.app import create_app

TOO_LARGE = 431
TIMED_OUT = 408
_END_OF_HEAD = b"\r\n\r\n"


def serve(settings: Settings) -> None:
    """Serve the release in ``settings.release_dir`` until interrupted."""
    # One pinned, verified release for the store and the web layer alike (pipeline.snapshot).
    serving = open_served(settings)
    app = create_app(settings, serving.store, served=serving.served)
    uvicorn.Server(server_config(app, settings)).run()


def server_config(
    app: ASGIApp,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    log_level: str = "info",
) -> uvicorn.Config:
    """The uvicorn configuration every server of the application runs with, tests included."""
    return uvicorn.Config(
        app,
        host=host or settings.host,
        port=port if port is not None else settings.port,
        http=bounded_protocol(
            max_head_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
            head_timeout=settings.head_timeout,
            body_timeout=settings.body_timeout,
        ),
        access_log=False,
        log_level=log_level,
        lifespan="on",
    )


def bounded_protocol(
    *,
    max_head_bytes: int,
    max_headers: int,
    head_timeout: float = 10.0,
    body_timeout: float = 30.0,
) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol, refusing request heads past the given limits with 431,
    and heads or bodies that take longer than ``head_timeout`` or ``body_timeout`` seconds
    with 408."""

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = True
            self._head_bytes = 0
            self._fields = 0
            self._refused = False
            self._head_since: float | None = None  # when the head now awaited began
            self._body_since: float | None = None  # when the body now awaited began

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_since = self.loop.time()
            _sweep_soon(self.loop, self.connections)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._head_since = self.loop.time()  # the next request's head starts now

        def head_overdue(self, now: float) -> bool:
            return self._head_since is not None and now - self._head_since > head_timeout

        def body_overdue(self, now: float) -> bool:
            return self._body_since is not None and now - self._body_since > body_timeout

        def body_expired(self) -> None:
            self._body_since = None
            if self._refused or self.transport.is_closing():
                return
            if self.cycle is not None and self.cycle.response_started:
                self.transport.close()  # answered already: only the rest of the body is late
            else:
                # the application, still waiting for the body, is told the client went away
                self._refuse(
                    f"the request body took longer than {body_timeout:g} s", status=TIMED_OUT
                )

        def head_expired(self) -> None:
            self._head_since = None
            if not self._in_head or self._refused or self.transport.is_closing():
                return
            if self._head_bytes == 0:  # nothing asked: nothing to answer
                self.transport.close()
            else:
                self._refuse(
                    f"the request head took longer than {head_timeout:g} s", status=TIMED_OUT
                )

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._in_head:
                end = data.find(_END_OF_HEAD)
                # a head split across reads counts whole reads: the bound errs on the safe side
                self._head_bytes += len(data) if end < 0 else end + len(_END_OF_HEAD)
                if self._head_bytes > max_head_bytes:
                    self._refuse(f"the request head exceeds {max_head_bytes} bytes")
                    return
            super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._fields = 0

        def on_header(self, name: bytes, value: bytes) -> None:
            self._fields += 1
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._head_since = None
            self._in_head, self._head_bytes = False, 0
            if self._fields > max_headers:
                self._refuse(f"the request carries more than {max_headers} header fields")
                return
            self._body_since = self.loop.time()  # until the message is complete
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                super().on_body(body)

        def on_message_complete(self) -> None:
            self._body_since = None
            if self._refused:
                return
            super().on_message_complete()
            self._in_head = True  # what follows on this connection is the next request's head

        def _refuse(self, message: str, *, status: int = TOO_LARGE) -> None:
            self._head_since = self._body_since = None
            body = message.encode("ascii")
            self.transport.write(
                b"".join(
                    [
                        STATUS_LINE[status],
                        b"content-type: text/plain; charset=utf-8\r\n",
                        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                        b"connection: close\r\n\r\n",
                        body,
                    ]
                )
            )
            self.transport.close()
            self._refused = True

    sweeping: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
    every = min(1.0, head_timeout / 4, body_timeout / 4)

    # One sweep of the connections per loop and second, rather than a timer armed and
    # cancelled for every request: that cost 3 % of the server's time on small queries.
    def _sweep_soon(loop: asyncio.AbstractEventLoop, connections: set[Any]) -> None:
        if loop not in sweeping:
            sweeping.add(loop)
            loop.call_later(every, _sweep, loop, connections)

    def _sweep(loop: asyncio.AbstractEventLoop, connections: set[Any]) -> None:
        now = loop.time()
        for connection in list(connections):
            if not isinstance(connection, BoundedHttpToolsProtocol):
                continue
            if connection.body_overdue(now):
                connection.body_expired()
            elif connection.head_overdue(now):
                connection.head_expired()
        loop.call_later(every, _sweep, loop, connections)

    return BoundedHttpToolsProtocol
