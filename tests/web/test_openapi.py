"""/openapi.json describes the real routes: it is valid OpenAPI, every path in it answers, the
named queries are the catalogue's, and what answers is declared."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.core.result import Ok

from idmgraph.base import formats
from idmgraph.base.urls import page
from idmgraph.pipeline.queries import project_catalogue
from idmgraph.web.openapi import OPENAPI_PATH
from tests.web.linkedserver import Server

# A value for every templated path segment: a thing that exists under each namespace.
PATH_VALUES = {"/id/{path}": "rec/X.1095", "/def/{path}": "WorkItem", "/shapes/{path}": ""}
REQUIRED_VALUES = {"id": "ITU-T X.1095", "query": "ASK {}"}


@pytest.fixture(scope="module")
def spec(http: httpx.Client) -> dict[str, Any]:
    response = http.get(OPENAPI_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def test_the_document_is_valid_openapi(server: Server) -> None:
    loaded = schemathesis.openapi.from_url(server.base + OPENAPI_PATH)
    loaded.validate()  # raises on a document the OpenAPI 3.1 meta-schema refuses
    results = list(loaded.get_all_operations())
    assert all(isinstance(result, Ok) for result in results)  # no operation failed to load
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20


def test_the_named_queries_are_the_catalogues(spec: dict[str, Any], server: Server) -> None:
    catalogue = project_catalogue(server.settings)
    named = {path for path in spec["paths"] if path.startswith(page("queries") + "/")}
    assert named == {f"{page('queries')}/{query.name}" for query in catalogue}
    assert named


def test_the_endpoint_declares_every_protocol_parameter(spec: dict[str, Any]) -> None:
    sparql = spec["paths"][page("sparql")]
    names = {item["name"] for item in sparql["get"]["parameters"]}
    assert names == {"query", "default-graph-uri", "named-graph-uri", "format", "timeout"}
    assert set(sparql["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
    }
    declared = set(sparql["get"]["responses"]["200"]["content"])
    assert declared == {
        fmt.media_type for kind in (formats.Kind.RESULTS, formats.Kind.GRAPH)
        for fmt in formats.of_kind(kind)
    }  # fmt: skip


def _url(path: str, operation: dict[str, Any]) -> tuple[str, dict[str, str]]:
    for template, value in PATH_VALUES.items():
        if path == template:
            path = template.replace("{path}", value)
    assert not re.search(r"\{[^}]*\}", path), f"no value for the template {path}"
    params = {
        item["name"]: REQUIRED_VALUES[item["name"]]
        for item in operation.get("parameters", [])
        if item.get("required") and item["in"] == "query"
    }
    return path, params


def _declared(operation: dict[str, Any], status: int) -> set[str]:
    response = operation["responses"].get(str(status), {})
    return set(response.get("content", {}))


def test_every_path_answers_as_declared(spec: dict[str, Any], http: httpx.Client) -> None:
    checked = 0
    for path, item in spec["paths"].items():
        operation = item["get"]
        url, params = _url(path, operation)
        response = http.get(url, params=params, follow_redirects=False)
        assert response.status_code < 400, (path, response.status_code, response.text[:200])
        assert str(response.status_code) in operation["responses"], (path, response.status_code)
        if response.status_code == 200:
            media_type = response.headers["content-type"].split(";")[0].strip()
            assert media_type in _declared(operation, 200), (path, media_type)
        checked += 1
    assert checked == len(spec["paths"]) >= 20
