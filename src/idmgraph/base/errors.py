"""The exception tree. Web-facing errors carry the HTTP status they are answered with.

IdmGraphError
├── ConfigurationError            a setting has a value that cannot be used
├── SourceError                   a source file cannot be read (names file and line)
├── ValidationFailed              the SHACL gate found violations; nothing was written
├── ReleaseMissing                no release has been built yet
├── ReleaseDamaged                a file of the release does not match release.json
├── PublishFailed                 a release could not be published to the remote store
├── InternalReadTooLarge          one of the application's own reads would have been cut
└── RequestError (status)         answered to an HTTP client as application/problem+json
    ├── BadRequest (400)          malformed, missing or doubled query; bad parameter
    ├── NotFound (404)
    ├── NotAcceptable (406)
    ├── PayloadTooLarge (413)
    │   └── AnswerTooLarge (413)  the answer would exceed max_answer_bytes
    ├── UnsupportedMediaType (415)
    ├── UpdateRefused (403)       the endpoint is read-only
    ├── StoreIncapable (501)      the remote store cannot answer this query faithfully
    └── ServiceUnavailable (503)  answered with Retry-After: try again later
        ├── QueryTimeout (503)    the query ran past its time limit and was stopped
        ├── Busy (503)            the client's share of the query workers is taken
        └── WorkerStopped (503)   the query stopped its worker (memory limit, crash)
"""

from __future__ import annotations

from typing import Any, ClassVar


class IdmGraphError(Exception):
    """Base of every error idmgraph raises on purpose."""


class ConfigurationError(IdmGraphError):
    """A setting has a value that cannot be used."""


class SourceError(IdmGraphError):
    """A source file cannot be read; the message names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.problem = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class ValidationFailed(IdmGraphError):
    """The SHACL gate found violations; the release was not written."""

    def __init__(self, violations: list[Any]) -> None:
        self.violations = violations
        super().__init__(f"{len(violations)} SHACL violation(s); the release was not written")


class ReleaseMissing(IdmGraphError):
    """No release has been built yet."""


class ReleaseDamaged(IdmGraphError):
    """A file of the release is missing or does not match its size and SHA-256 in release.json."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}; run 'idmgraph build' to write the release again")


class PublishFailed(IdmGraphError):
    """The release could not be published; the remote store serves what it served before."""


class InternalReadTooLarge(IdmGraphError):
    """One of the application's own reads returned more rows than it may hold."""


class RequestError(IdmGraphError):
    """An error answered to an HTTP client as an RFC 9457 problem document."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    retry_after: ClassVar[int | None] = None  # seconds, sent as Retry-After when set

    def __init__(self, detail: str, **extra: Any) -> None:
        self.detail = detail
        self.extra = extra
        super().__init__(detail)


class BadRequest(RequestError):
    """The request is malformed."""


class NotFound(RequestError):
    """Nothing is known under this address."""

    status = 404
    title = "Not found"


class NotAcceptable(RequestError):
    """No representation matches the Accept header."""

    status = 406
    title = "Not acceptable"


class PayloadTooLarge(RequestError):
    """The request body exceeds the configured cap."""

    status = 413
    title = "Payload too large"


class UnsupportedMediaType(RequestError):
    """The POST body has a media type the endpoint does not take."""

    status = 415
    title = "Unsupported media type"


class UpdateRefused(RequestError):
    """The endpoint is read-only: SPARQL Update is never executed."""

    status = 403
    title = "Read-only endpoint"


class AnswerTooLarge(PayloadTooLarge):
    """The answer would exceed the byte cap; nothing of it is sent."""

    title = "Answer too large"


class StoreIncapable(RequestError):
    """The remote store lacks what this query needs; answering would risk a wrong answer."""

    status = 501
    title = "Not supported by the store"


class ServiceUnavailable(RequestError):
    """The query cannot be answered now; the same request may succeed later."""

    status = 503
    title = "Service unavailable"
    retry_after = 2


class QueryTimeout(ServiceUnavailable):
    """The query ran past its time limit and was stopped."""

    title = "Query timeout"


class Busy(ServiceUnavailable):
    """The client already holds its share of the query workers and its queue is full."""

    title = "Busy"


class WorkerStopped(ServiceUnavailable):
    """The query stopped the process evaluating it (its memory limit, or a crash)."""

    title = "Query stopped"
