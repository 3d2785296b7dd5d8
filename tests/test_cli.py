"""cli.py: the commands people and CI run, through a real interpreter where it matters."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib.namespace import DefinedNamespace

from idmgraph.base import namespaces
from idmgraph.cli import main
from idmgraph.pipeline import namespacegen
from idmgraph.pipeline.release import read_release

REPO = Path(__file__).parent.parent
ITEMS = "data/report-a/items.ttl"


def test_build_prints_the_version_and_counts(
    project: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    result = run_cli("--root", str(project), "build")
    assert result.returncode == 0, result.stderr
    made = read_release(project / "dist")
    assert result.stdout.startswith(f"release {made.version}: {made.triples} triples in 4 graphs")
    assert result.stderr == ""


def test_build_prints_one_line_per_violation_and_exits_1(
    project: Path,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    replace_in: Callable[[Path, str, str, str], None],
) -> None:
    replace_in(project, ITEMS, '    rdfs:label "X.pet_auth"@en ;\n', "")
    replace_in(project, ITEMS, "a idm:LiaisonFlow", "a idm:LiaisonFlw")
    result = run_cli("--root", str(project), "build")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines == [
        f"{ITEMS}: id:liaison/sg17-to-iso - idm:LiaisonFlw"
        " — Undeclared class https://w3id.org/idmgraph/def/LiaisonFlw: not in the ontology",
        f"{ITEMS}: id:workitem/X.pet_auth rdfs:label -"
        " — A work item needs a label with a language tag.",
        "2 violation(s): the release was not written",
    ]
    assert not (project / "dist").exists()


def test_build_names_file_and_line_of_a_syntax_error(
    project: Path,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    write: Callable[[Path, str, str], Path],
) -> None:
    write(project, "data/facts-b/broken.ttl", "<id/a> <id/b> <id/c>\n<id/d> <id/e> <id/f> .\n")
    result = run_cli("--root", str(project), "build")
    assert result.returncode == 1
    assert result.stderr.startswith("data/facts-b/broken.ttl:2: ")
    assert not (project / "dist").exists()


def test_validate_json_lists_every_result(
    project: Path,
    replace_in: Callable[[Path, str, str, str], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    replace_in(project, ITEMS, "    idm:studyGroup group:sg17 ;\n", "")
    assert main(["--root", str(project), "validate", "--json"]) == 1
    [result] = json.loads(capsys.readouterr().out)
    assert result == {
        "focus": "https://w3id.org/idmgraph/id/workitem/X.pet_auth",
        "path": "https://w3id.org/idmgraph/def/studyGroup",
        "value": None,
        "message": "Less than 1 values on <https://w3id.org/idmgraph/id/workitem/X.pet_auth>"
        "-><https://w3id.org/idmgraph/def/studyGroup>",
        "shape": "https://w3id.org/idmgraph/shapes/WorkItemShape",
        "severity": "Violation",
        "files": [ITEMS],
    }


def test_validate_passes_on_the_fixture(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(project), "validate"]) == 0
    assert capsys.readouterr().out == "0 violation(s), 0 result(s)\n"
    assert not (project / "dist").exists()


def test_the_root_comes_from_the_environment_too(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IDMGRAPH_ROOT", str(project))
    assert main(["validate"]) == 0
    assert "0 violation(s)" in capsys.readouterr().out


def test_namespaces_check_passes_on_the_repository_ontology(
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    result = run_cli("--root", str(REPO), "namespaces", "--check")
    assert result.returncode == 0, result.stderr


def test_namespaces_check_fails_when_the_ontology_changes(
    tmp_path: Path,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    write: Callable[[Path, str, str], Path],
) -> None:
    shutil.copytree(REPO / "ontology", tmp_path / "ontology")
    assert run_cli("--root", str(tmp_path), "namespaces", "--check").returncode == 0
    write(
        tmp_path,
        "ontology/zz-new.ttl",
        "<https://w3id.org/idmgraph/def/BrandNewClass> a <http://www.w3.org/2002/07/owl#Class> .\n",
    )
    result = run_cli("--root", str(tmp_path), "namespaces", "--check")
    assert result.returncode == 1
    assert "namespaces --write" in result.stderr


def test_the_regenerated_namespace_is_closed_and_complete(project: Path) -> None:
    terms = namespacegen.ontology_terms(project, base_iri="https://w3id.org/idmgraph/")
    text = namespacegen.regenerate(namespacegen.module_path().read_text(encoding="utf-8"), terms)
    module: dict[str, object] = {}
    exec(compile(text, "generated_namespaces.py", "exec"), module)
    idm = module["IDM"]
    assert isinstance(idm, type)
    assert issubclass(idm, DefinedNamespace)
    assert str(idm.LiaisonFlow) == "https://w3id.org/idmgraph/def/LiaisonFlow"
    assert str(idm.statusDate) == "https://w3id.org/idmgraph/def/statusDate"
    assert str(idm["Thing-with-dash"]) == "https://w3id.org/idmgraph/def/Thing-with-dash"
    with pytest.raises(AttributeError):
        _ = idm.WorkItm
    # The repository's own namespace is closed as well.
    with pytest.raises(AttributeError):
        _ = namespaces.IDM.WorkItm


def test_settings_prints_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| Setting | Environment variable | Default | Meaning |")
    assert "`IDMGRAPH_BASE_IRI`" in out


def test_generated_code_passes_the_linters(project: Path, tmp_path: Path) -> None:
    # The fixture ontology has a term that is no Python identifier, which takes _extras.
    terms = namespacegen.ontology_terms(project, base_iri="https://w3id.org/idmgraph/")
    text = namespacegen.regenerate(namespacegen.module_path().read_text(encoding="utf-8"), terms)
    target = tmp_path / "generated_namespaces.py"
    target.write_text(text, encoding="utf-8")
    config = str(REPO / "pyproject.toml")
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "--config", config], ["format", "--check", "--config", config]):
        result = subprocess.run(
            [*ruff, *command, str(target)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_synth_writes_a_project_that_builds(
    tmp_path: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    out = tmp_path / "synthetic"
    made = run_cli("--root", str(REPO), "synth", "--scale", "3000", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "triples in" in made.stdout
    built = run_cli("--root", str(out), "build")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (out / "dist" / "release.json").is_file()
