"""Every example written in a module's docstrings runs, so the examples stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tests.test_layering import modules

WITH_EXAMPLES = [name for name, path in modules().items() if ">>> " in path.read_text("utf-8")]


def test_some_modules_carry_examples() -> None:
    assert len(WITH_EXAMPLES) > 5


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
