"""A malformed record stops the import with its file and fault, and data/ stays as it was."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest
from catalogue_support import FIXTURES, make_project

from idmgraph.base.errors import SourceError
from idmgraph.catalogue.run import import_catalogue

GOOD = (FIXTURES / "itu" / "itu-t-x-1280-03-2024.yaml").read_text(encoding="utf-8")
BROKEN = "itu-t-x-1281-03-2024.yaml"
VARIANTS = {
    "yaml-error": (GOOD.replace("type: main", "type: [main"), "not YAML"),
    "no-identifier": (
        GOOD.replace(
            "docidentifier:\n- content: ITU-T X.1280 (03/2024)\n  type: ITU\n  primary: true\n", ""
        ),
        "no primary identifier",
    ),
    "impossible-date": (GOOD.replace("'2024-03-01'", "'2024-02-30'"), "impossible published date"),
    "relation-to-nothing": (
        GOOD.replace(
            "future_field: ignored",
            "relation:\n- type: obsoletes\n  bibitem:\n    title: a title only",
        ),
        "relation 'obsoletes' leads to nothing",
    ),
}


def _digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_variants_differ_from_the_good_record() -> None:
    assert all(text != GOOD for text, _ in VARIANTS.values())


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_malformed_record_stops_the_import(variant: str, tmp_path: Path) -> None:
    settings = make_project(tmp_path / "project")
    import_catalogue(settings, FIXTURES / "itu", as_of=date(2026, 8, 22))
    before = _digest(settings.root / "data")
    folder = tmp_path / "records"
    shutil.copytree(FIXTURES / "itu", folder)
    text, fault = VARIANTS[variant]
    (folder / BROKEN).write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        import_catalogue(settings, folder, as_of=date(2026, 9, 1))
    assert BROKEN in str(raised.value)
    assert fault in str(raised.value)
    assert _digest(settings.root / "data") == before
    assert not list(settings.root.glob(".idmgraph-import-*"))
