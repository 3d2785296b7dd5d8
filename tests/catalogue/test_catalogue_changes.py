"""``idmgraph diff`` on two snapshots of a catalogue: new editions, stage changes, withdrawals."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from catalogue_support import FIXTURES, make_project

from idmgraph.catalogue.run import import_catalogue
from idmgraph.cli import main


def test_diff_of_two_snapshots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_project(tmp_path / "project")
    import_catalogue(settings, FIXTURES / "iso", as_of=date(2026, 8, 22))
    old = tmp_path / "old-snapshot"
    shutil.copytree(settings.root / "data" / "catalogue-iso", old)
    newer = tmp_path / "records"
    shutil.copytree(FIXTURES / "iso", newer)
    record = newer / "iso-iec-24760-1-2019.yaml"
    # the 2019 edition is withdrawn; the draft of 29115 goes from enquiry (40.20) to 40.60
    record.write_text(
        record.read_text(encoding="utf-8").replace("'90'", "'95'").replace("'93'", "'99'")
    )
    draft = newer / "iso-iec-dis-29115.yaml"
    draft.write_text(draft.read_text(encoding="utf-8").replace("value: '20'", "value: '60'"))
    (newer / "iso-iec-9594-8-2017.yaml").unlink()
    import_catalogue(settings, newer, as_of=date(2026, 9, 22))
    new = settings.root / "data" / "catalogue-iso"
    assert main(["--root", str(settings.root), "diff", str(old), str(new), "--format", "json"]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert changes["added"] == []
    assert [e["label"] for e in changes["removed"]] == ["ISO/IEC 9594-8:2017"]
    assert sorted((c["label"], c["old"], c["new"], c["withdrawn"]) for c in changes["changed"]) == [
        ("ISO/IEC 24760-1:2019", "90.93", "95.99", True),
        ("ISO/IEC DIS 29115", "40.20", "40.60", False),
    ]
    assert main(["--root", str(settings.root), "diff", str(old), str(new)]) == 0
    text = capsys.readouterr().out
    assert "Withdrawals (1)\n  ISO/IEC 24760-1:2019: 90.93 -> 95.99" in text
