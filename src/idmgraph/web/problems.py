"""Errors answered as RFC 9457 problem documents (``application/problem+json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.errors import RequestError

PROBLEM_TYPE = formats.PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem document; ``extra`` members with a value of None are left out."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body.update({key: value for key, value in (extra or {}).items() if value is not None})
    merged = {"Cache-Control": "no-store", **(headers or {})}
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=status,
        media_type=PROBLEM_TYPE,
        headers=merged,
    )


def from_error(error: RequestError) -> Response:
    """The problem document of one of our own request errors."""
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return problem(error.status, error.title, error.detail, extra=error.extra, headers=headers)


async def _request_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestError)
    return from_error(exc)


async def _http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    title = _TITLES.get(exc.status_code, "Error")
    return problem(exc.status_code, title, str(exc.detail), headers=headers)


async def _client_gone(_request: Request, _exc: Exception) -> Response:
    # the client left (or was cut off past body_timeout) before its body was whole: the
    # server sends nothing (the connection is closed), and there is no error to log
    return Response(status_code=499)


_TITLES = {404: "Not found", 405: "Method not allowed", 400: "Bad request"}


def install(app: FastAPI) -> None:
    """Answer every RequestError and routing error of ``app`` as a problem document."""
    app.add_exception_handler(RequestError, _request_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(ClientDisconnect, _client_gone)
