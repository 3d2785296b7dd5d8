"""schemathesis over /openapi.json against the real server: whatever a client sends that the
document allows (and, in schemathesis' negative phase, what it does not), the server answers
without a server error (a 503 only with Retry-After), in a content type the document declares.

Bounded: a few examples per operation, derandomized (the same cases every run, so a failure
is reproducible), no example database written into the repository. The document is built
here, before any server runs, so that each operation is a test of its own (schemathesis'
fixture-loaded schemas do not run under pytest 9); a test checks it is the one served.
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import content_type_conformance

from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import project_catalogue
from idmgraph.web.openapi import OPENAPI_PATH, document
from tests.web.linkedserver import ROOT, Server

EXAMPLES = 20  # per operation; ~40 operations: about 30 s
SETTINGS = Settings(root=ROOT)
DOCUMENT = document(SETTINGS, project_catalogue(SETTINGS))
schema = schemathesis.openapi.from_dict(DOCUMENT)
# A SPARQL query body is text: send it as text/plain bodies are sent (UTF-8).
schemathesis.serializer.alias("application/sparql-query", "text/plain")


def test_the_fuzzed_document_is_the_served_one(http: httpx.Client) -> None:
    assert http.get(OPENAPI_PATH).json() == DOCUMENT


def no_server_error(
    _ctx: Any, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """A 5xx is a bug, except a 503 that says when to come back."""
    if response.status_code < 500:
        return
    if response.status_code == 503 and "retry-after" in response.headers:
        return
    raise AssertionError(
        f"{response.status_code} to {case.method} {case.formatted_path}: {response.text[:300]}"
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_declared_content_types(
    case: schemathesis.Case[Any], server: Server
) -> None:
    response = case.call(base_url=server.base, timeout=30)
    case.validate_response(response, checks=[no_server_error, content_type_conformance])
