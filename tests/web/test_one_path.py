"""One SPARQL request on a real server: its text is read once and checked once.

The lexer and the check are wrapped, in every module that holds them, with counters; then one
request goes through HTTP, the endpoint, the store and a worker and back.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from idmgraph.base import querytext
from idmgraph.store import request as request_module
from tests.remoteserver import backend


def _counted(monkeypatch: pytest.MonkeyPatch, name: str, original: Callable[..., Any]) -> list[str]:
    """Wrap ``name`` wherever a module of idmgraph holds ``original``; the calls, by text."""
    calls: list[str] = []

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return original(text, *args, **kwargs)

    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("idmgraph") and getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, counting)
    return calls


@pytest.fixture
def counters(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    # _inspect is what inspect_query memoises: a second reading would hit the memo unseen
    read = _counted(monkeypatch, "_inspect", querytext._inspect)
    checked = _counted(monkeypatch, "checked_shape", request_module.checked_shape)
    return read, checked


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_one_request_is_read_once_and_checked_once(
    endpoint: Any, counters: tuple[list[str], list[str]], method: str
) -> None:
    read, checked = counters
    # a text never asked before (memo and caches miss), long enough to be read off the loop
    sparql = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 3 # {method} {'x' * 5000} {id(counters)}"
    if method == "GET":
        answer = httpx.get(endpoint.url, params={"query": sparql}, timeout=30)
    else:
        answer = httpx.post(endpoint.url, data={"query": sparql}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert read.count(sparql) == 1
    assert checked.count(sparql) == 1
    if backend() == "embedded":  # the remote rewrites the text for its versioned graphs
        assert len(read) == 1
