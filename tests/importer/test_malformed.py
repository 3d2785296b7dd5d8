"""Every malformed row stops the import with its line number and the text at fault.

Each case is the 2023-09 report with one line replaced; the expected line is where that line
is, found by the fixture, and ``data/`` must be byte for byte what it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from importer_support import tree_digest

from idmgraph.base.errors import SourceError, ValidationFailed
from idmgraph.base.settings import Settings
from idmgraph.importer import import_report

# (case, line as in the report, replacement, words the error must contain); the error names
# the replaced line, except where a case says how many lines above it the row starts.
ROW_STARTS_ABOVE = {"cells-missing": 3}
MALFORMED = [
    (
        "unknown-status",
        "\tEntity authentication service for pet animals using telebiometrics (Consented "
        "2023-09-08, Approved 2023-11-13)",
        "\tEntity authentication service for pet animals using telebiometrics (Frobnicated "
        "2023-09-08)",
        "Frobnicated 2023-09-08",
    ),
    (
        "impossible-date",
        "\tUniversal authentication framework (Approved 2023-04-29)",
        "\tUniversal authentication framework (Approved 2023-02-30)",
        "Approved 2023-02-30",
    ),
    ("marker-without-footnote", "\tX.1281*", "\tX.1281***", "'***'"),
    ("not-a-number", "\tX.1095", "\tX-1095", "X-1095"),
    ("not-a-study-group", "\tSG13", "\tGroup 13", "Group 13"),
    ("cells-missing", "\tTelebiometric authentication using speaker recognition", "", "3 cells"),
    (
        "achievement-without-status",
        "\tClient to authenticator protocol (Approved 2023-04-29)",
        "\tClient to authenticator protocol",
        "Client to authenticator protocol",
    ),
    (
        "unknown-paragraph",
        "2\tOngoing work",
        "SG17 also baked a cake.",
        "SG17 also baked a cake.",
    ),
    (
        "bad-meeting-date",
        "JCA-IdM met once during this reporting period. At the 1 September 2023 meeting, reports "
        "were shared from ITU-T SG11, Q10/17, ISO/TC307/JWG4 and ISO/IEC JTC1/SC27/WG5. Report "
        "is in TD1106.",
        "JCA-IdM met once during this reporting period. At the 31 September 2023 meeting, reports "
        "were shared from ITU-T SG11, Q10/17, ISO/TC307/JWG4 and ISO/IEC JTC1/SC27/WG5. Report "
        "is in TD1106.",
        "31 September 2023",
    ),
    (
        "meeting-count",
        "JCA-IdM met once during this reporting period. At the 1 September 2023 meeting, reports "
        "were shared from ITU-T SG11, Q10/17, ISO/TC307/JWG4 and ISO/IEC JTC1/SC27/WG5. Report "
        "is in TD1106.",
        "JCA-IdM met twice during this reporting period. At the 1 September 2023 meeting, reports "
        "were shared from ITU-T SG11, Q10/17, ISO/TC307/JWG4 and ISO/IEC JTC1/SC27/WG5. Report "
        "is in TD1106.",
        "announces 2",
    ),
    (
        "bad-partner",
        "In this reporting period, SG17 received and treated liaison statements on identity "
        "management matters coming from ITU-T SG2, SG11, SG13, SG16, SCV; GSMA PQTN; SIA \u2013 "
        "Secure Identity Alliance; ISO/IEC JTC1/SC27/WG5.",
        "In this reporting period, SG17 received and treated liaison statements on identity "
        "management matters coming from ITU-T SG2, SG11, SG13, SG16, SCV; GSMA PQTN; SIA \u2013 "
        "Secure Identity Alliance; ISO/IEC JTC/SC27/WG5.",
        "ISO/IEC JTC/SC27/WG5",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [pytest.param(old, new, words, id=case) for case, old, new, words in MALFORMED],
)
def test_malformed_line_stops_the_import(
    curated_project: Settings,
    report_variant: Callable[[str, str], tuple[Path, int]],
    request: pytest.FixtureRequest,
    old: str,
    new: str,
    words: str,
) -> None:
    path, replaced = report_variant(old, new)
    line = replaced - ROW_STARTS_ABOVE.get(request.node.callspec.id, 0)
    folder = curated_project.root / "data" / "sg17-idm-report-2023-09"
    moved = folder.rename(folder.with_name("earlier"))  # so the report is not "imported already"
    before = tree_digest(curated_project.root)
    with pytest.raises(SourceError) as caught:
        import_report(curated_project, path)
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path.name}:{line}: ")
    assert tree_digest(curated_project.root) == before
    assert moved.is_dir()


def test_cases_cover_distinct_lines() -> None:
    assert len(MALFORMED) >= 10
    assert len({case for case, *_ in MALFORMED}) == len(MALFORMED)


def test_graph_the_gate_refuses_leaves_data_untouched(
    empty_project: Settings, report_variant: Callable[[str, str], tuple[Path, int]]
) -> None:
    # Parses, but approval before consent breaks the work-item shape: nothing may be written.
    path, _ = report_variant(
        "\tJSON signature scheme (JSS) (Consented 2023-09-08, Approved 2023-10-29)",
        "\tJSON signature scheme (JSS) (Consented 2023-09-08, Approved 2023-01-29)",
    )
    before = tree_digest(empty_project.root)
    with pytest.raises(ValidationFailed) as caught:
        import_report(empty_project, path)
    assert any("X.jss" in item.focus for item in caught.value.violations)
    assert tree_digest(empty_project.root) == before
