"""The release gate on a copy of the real sources: each typical mistake in a data file makes
``idmgraph build`` fail, name the file and the resource, and write nothing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent
REPORT = "data/sg17-idm-report-2023-09"

MISTAKES = {
    "missing date": (
        f"{REPORT}/annex1.ttl",
        'dcterms:date "2023-04-29"^^xsd:date ;\n    dcterms:source',
        "dcterms:source",
        "workitem/X.uaf12/approved-2023-04-29",
    ),
    "unknown status": (
        f"{REPORT}/annex2.ttl",
        "idm:eventType status:discontinued",
        "idm:eventType status:suspended",
        "workitem/X.1251rev/discontinued",
    ),
    "approval before consent": (
        f"{REPORT}/annex1.ttl",
        '"2023-11-13"^^xsd:date',
        '"2023-01-13"^^xsd:date',
        "workitem/X.pet_auth",
    ),
    "page link that runs script": (
        "data/external-facts/texts.ttl",
        "<id/rec/X.1095> foaf:page <https://www.itu.int/rec/T-REC-X.1095>",
        "<id/rec/X.1095> foaf:page <javascript:alert(document.cookie)>",
        "rec/X.1095",
    ),
    "misspelt class": (
        f"{REPORT}/texts.ttl",
        "<id/rec/X.1095> a idm:Recommendation",
        "<id/rec/X.1095> a idm:Recomendation",
        "rec/X.1095",
    ),
}


@pytest.fixture
def real_project(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(REPO / folder, target / folder)
    return target


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_mistake_fails_the_build_naming_file_and_resource(
    mistake: str,
    real_project: Path,
    replace_in: Callable[[Path, str, str, str], None],
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    relative, old, new, resource = MISTAKES[mistake]
    replace_in(real_project, relative, old, new)
    result = run_cli("--root", str(real_project), "build")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if resource in line]
    # a resource stated in several files lists them all, comma-separated, before ": "
    assert any(relative in line.split(": ", 1)[0].split(",") for line in lines), (
        result.stdout + result.stderr
    )
    assert not (real_project / "dist").exists()


def test_the_unchanged_copy_builds(
    real_project: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    result = run_cli("--root", str(real_project), "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (real_project / "dist" / "release.json").is_file()


def test_a_malformed_named_query_fails_the_build_naming_its_file(
    real_project: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    (real_project / "queries" / "broken.rq").write_text(
        "#+ title: Broken\n#+ kind: nonsense\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8"
    )
    result = run_cli("--root", str(real_project), "build")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "queries/broken.rq" in result.stderr
    assert not (real_project / "dist").exists()
