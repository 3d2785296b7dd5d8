"""The README documents every setting, with the table `idmgraph settings` prints."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from idmgraph.base.errors import ConfigurationError
from idmgraph.base.settings import Settings, env_name
from idmgraph.cli import settings_table

README = Path(__file__).parent.parent / "README.md"
BEGIN, END = "<!-- settings:begin -->\n", "\n<!-- settings:end -->"


def _readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text, "README.md lost its settings markers"
    assert END in text, "README.md lost its settings markers"
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


def test_readme_table_is_the_generated_one() -> None:
    assert _readme_table() == settings_table(), "run: idmgraph settings, paste into README.md"


def test_readme_lists_every_setting_with_its_variable() -> None:
    table = _readme_table()
    fields = dataclasses.fields(Settings)
    assert fields
    for item in fields:
        assert f"| `{item.name}` | `{env_name(item.name)}` |" in table, item.name
        assert item.metadata["help"], f"{item.name} has no help text"


def test_every_help_text_is_its_own() -> None:
    helps = [item.metadata["help"] for item in dataclasses.fields(Settings)]
    assert len(set(helps)) == len(helps)


def test_a_yes_or_no_setting_reads_its_variable_as_one() -> None:
    for raw, wanted in (("false", False), ("0", False), ("No", False), ("true", True), ("1", True)):
        assert Settings.from_env({"IDMGRAPH_WARM_PAGES": raw}).warm_pages is wanted, raw
    with pytest.raises(ConfigurationError, match="IDMGRAPH_WARM_PAGES='maybe'"):
        Settings.from_env({"IDMGRAPH_WARM_PAGES": "maybe"})
