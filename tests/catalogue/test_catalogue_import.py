"""``idmgraph catalogue import`` on small Relaton records of both dialects, and on broken ones."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from catalogue_support import FIXTURES, make_project, select, store_of

from idmgraph.base.errors import ConfigurationError, SourceError, ValidationFailed
from idmgraph.base.settings import Settings
from idmgraph.catalogue.describe import catalogue_statements
from idmgraph.catalogue.files import open_checkout
from idmgraph.catalogue.records import parse
from idmgraph.catalogue.run import import_catalogue, read_records
from idmgraph.catalogue.scope import read_scope
from idmgraph.cli import main

AS_OF = date(2026, 8, 22)
ID = "https://w3id.org/idmgraph/id/"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A project holding every source of the repository except the catalogues."""
    return make_project(tmp_path / "project")


def _import_all(settings: Settings) -> None:
    for body in ("itu", "iso", "w3c"):
        import_catalogue(settings, FIXTURES / body, as_of=AS_OF)


def test_fixtures_are_few() -> None:
    files = list(FIXTURES.rglob("*.yaml"))
    assert 0 < len(files) <= 30


def test_both_dialects_read_alike() -> None:
    itu = parse("x1280.yaml", (FIXTURES / "itu" / "itu-t-x-1280-03-2024.yaml").read_bytes())
    iso = parse("iso.yaml", (FIXTURES / "iso" / "iso-iec-9594-8-2020.yaml").read_bytes())
    assert (itu.identifier, itu.published, itu.flavor) == (
        "ITU-T X.1280 (03/2024)",
        "2024-03-01",
        "itu",
    )
    assert itu.title == "Framework for out-of-band server authentication using mobile devices"
    assert itu.committee == "ITU-T Study Group 17"
    assert (iso.identifier, iso.published, iso.stage) == ("ISO/IEC 9594-8:2020", "2020-12", "60.60")
    assert iso.committee == "ISO/IEC JTC 1/SC 6"
    assert iso.title is not None
    assert iso.title.startswith("Information technology - Open systems")
    assert iso.pages == ("https://www.iso.org/standard/80325.html",)
    assert [(r.kind, r.target) for r in iso.relations] == [("obsoletes", "ISO/IEC 9594-8:2017")]


def test_itu_records_meet_the_report(settings: Settings) -> None:
    result = import_catalogue(settings, FIXTURES / "itu", as_of=AS_OF)
    assert (result.slug, result.records, result.editions) == ("catalogue-itu", 8, 7)
    assert any("madeUpRelation" in warning for warning in result.warnings)
    rows = select(
        store_of(settings),
        """PREFIX idm: <https://w3id.org/idmgraph/def/> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?id ?date WHERE {
          ?item skos:notation "X.oob-sa" ; idm:develops ?text .
          ?edition idm:editionOf ?text ; dcterms:identifier ?id ; dcterms:date ?date }""",
    )
    assert rows == [{"id": "ITU-T X.1280 (03/2024)", "date": "2024-03-01"}]


def test_corrigenda_amendments_and_supplements(settings: Settings) -> None:
    import_catalogue(settings, FIXTURES / "itu", as_of=AS_OF)
    rows = select(
        store_of(settings),
        """PREFIX idm: <https://w3id.org/idmgraph/def/>
        SELECT ?edition ?text ?base WHERE {
          ?edition idm:editionOf ?text . OPTIONAL { ?edition idm:appliesTo ?base } }""",
    )
    found = {row["edition"].removeprefix(ID): row.get("base", "").removeprefix(ID) for row in rows}
    assert found["rec/X.509/cor2/edition/2023-10"] == "rec/X.509/edition/2019-10"
    assert found["rec/X.509/amd1/edition/2024-10"] == "rec/X.509/edition/2019-10"
    assert found["rec/X.Sup99/edition/2024-09"] == ""
    assert not any("BT.500" in key for key in found)
    links = select(
        store_of(settings),
        """PREFIX idm: <https://w3id.org/idmgraph/def/>
        SELECT ?sup ?rec ?rule WHERE {
          { ?sup idm:supplements ?rec } UNION { ?e idm:selectedBy ?rule } }""",
    )
    assert {"sup": ID + "rec/X.Sup99", "rec": ID + "rec/X.1280"} in links
    assert [row["rule"] for row in links if "rule" in row] == [ID + "scope/itu-t/X.1250-X.1299"]


def test_no_statement_is_made_twice(settings: Settings) -> None:
    import_catalogue(settings, FIXTURES / "itu", as_of=AS_OF)
    texts = (settings.root / "data" / "catalogue-itu" / "texts.ttl").read_text(encoding="utf-8")
    # the report states X.1280 and X.509 Cor. 2 already; the catalogue adds only X.1299 and more
    assert '"ITU-T X.1280"@en' not in texts
    assert '"ITU-T X.1299"@en' in texts


def test_iso_stage_relations_and_committee(settings: Settings) -> None:
    import_catalogue(settings, FIXTURES / "iso", as_of=AS_OF)
    rows = select(
        store_of(settings),
        """PREFIX idm: <https://w3id.org/idmgraph/def/> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?edition ?stage ?date ?replaces ?applies ?group WHERE {
          GRAPH <https://w3id.org/idmgraph/id/source/catalogue-iso> { ?edition a idm:Edition }
          OPTIONAL { ?edition idm:stage/skos:notation ?stage }
          OPTIONAL { ?edition dcterms:date ?date }
          OPTIONAL { ?edition dcterms:replaces ?replaces }
          OPTIONAL { ?edition idm:appliesTo ?applies }
          OPTIONAL { ?edition dcterms:creator ?group } }""",
    )
    found = {row["edition"].removeprefix(ID): row for row in rows}
    new = found["spec/iso-iec/9594-8/edition/2020"]
    assert (new["stage"], new["date"]) == ("60.60", "2020-12")
    assert new["replaces"] == ID + "spec/iso-iec/9594-8/edition/2017"
    amendment = found["spec/iso-iec/24760-1/amd1/edition/2023"]
    assert amendment["date"] == "2023-01"
    assert amendment["applies"] == ID + "spec/iso-iec/24760-1/edition/2019"
    assert amendment["group"] == ID + "group/iso-iec-jtc1/sc27"
    draft = found["spec/iso-iec/29115/edition/dis"]
    assert (draft["stage"], "date" in draft) == ("40.20", False)


def test_w3c_maturity(settings: Settings) -> None:
    import_catalogue(settings, FIXTURES / "w3c", as_of=AS_OF)
    rows = select(
        store_of(settings),
        """PREFIX idm: <https://w3id.org/idmgraph/def/> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?stage ?replaced ?group WHERE {
          ?edition idm:editionOf <https://w3id.org/idmgraph/id/spec/w3c/did-core> ;
              idm:stage/skos:notation ?stage ; dcterms:replaces ?replaced ;
              dcterms:creator ?group }""",
    )
    assert rows == [
        {
            "stage": "REC",
            "replaced": ID + "spec/w3c/did-core/edition/2021-08-03",
            "group": ID + "group/w3c/did-wg",
        }
    ]


def test_import_is_reproducible_and_replaces(settings: Settings, tmp_path: Path) -> None:
    import_catalogue(settings, FIXTURES / "itu", as_of=AS_OF)
    folder = settings.root / "data" / "catalogue-itu"
    first = {path.name: path.read_bytes() for path in folder.iterdir()}
    import_catalogue(settings, FIXTURES / "itu", as_of=AS_OF)
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == first
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    shutil.copy(FIXTURES / "itu" / "itu-t-x-1280-03-2024.yaml", smaller)
    result = import_catalogue(settings, smaller, as_of=date(2026, 9, 1))
    assert result.editions == 1
    assert "X.1299" not in (folder / "editions.ttl").read_text(encoding="utf-8")


def _git(*args: str, cwd: Path) -> None:
    env = {
        "GIT_AUTHOR_DATE": "2026-08-22T10:00:00Z",
        "GIT_COMMITTER_DATE": "2026-08-22T10:00:00Z",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "HOME": str(cwd),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_git_checkout_and_bare_directory(settings: Settings, tmp_path: Path) -> None:
    checkout = tmp_path / "relaton-data-w3c"
    shutil.copytree(FIXTURES / "w3c", checkout / "data")
    _git("init", "-q", ".", cwd=checkout)
    _git("add", "data", cwd=checkout)
    _git("commit", "-q", "-m", "records", cwd=checkout)
    _git("clone", "-q", "--bare", str(checkout), str(tmp_path / "bare.git"), cwd=tmp_path)
    worked = open_checkout(checkout)
    bare = open_checkout(tmp_path / "bare.git")
    assert worked.commit == bare.commit
    assert worked.commit_date == "2026-08-22"
    assert bare.git_dir is not None
    import_catalogue(settings, tmp_path / "bare.git")
    source = (settings.root / "data" / "catalogue-w3c" / "source.ttl").read_text(encoding="utf-8")
    assert f'idm:commit "{bare.commit}"' in source
    assert '"2026-08-22"^^xsd:date' in source


def test_a_plain_folder_needs_a_date(settings: Settings) -> None:
    with pytest.raises(SourceError, match="--as-of"):
        import_catalogue(settings, FIXTURES / "w3c")


def test_cli(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--root", str(settings.root), "catalogue", "import", str(FIXTURES / "itu")]
    assert main([*args, "--as-of", "2026-08-22"]) == 0
    captured = capsys.readouterr()
    assert "catalogue-itu: 8 records read, 7 editions in scope" in captured.out
    assert "madeUpRelation" in captured.err


def test_the_gate_runs_the_projects_validator(settings: Settings) -> None:
    # an engine that does not exist is refused only if the gate asks for the configured one
    unknown = dataclasses.replace(settings, validator="no-such-engine")
    with pytest.raises(ConfigurationError, match="no-such-engine"):
        import_catalogue(unknown, FIXTURES / "itu", as_of=AS_OF)
    assert not (settings.root / "data" / "catalogue-itu").exists()
    turbo = dataclasses.replace(settings, validator="pyshacl-turbo")
    assert import_catalogue(turbo, FIXTURES / "itu", as_of=AS_OF).editions == 7


STAGE_OF_2017 = """PREFIX idm: <https://w3id.org/idmgraph/def/>
SELECT ?stage WHERE { <https://w3id.org/idmgraph/id/spec/iso-iec/9594-8/edition/2017> idm:stage ?stage }
"""  # noqa: E501 - one IRI


def _restaged(folder: Path, name: str, substage: str) -> None:
    """A copy of the withdrawn 2017 record under ``name``, at stage 95.<substage>."""
    record = (FIXTURES / "iso" / "iso-iec-9594-8-2017.yaml").read_text(encoding="utf-8")
    changed = record.replace(
        "  substage:\n    value: '99'", f"  substage:\n    value: '{substage}'"
    )
    assert changed != record
    (folder / name).write_text(changed, encoding="utf-8")


def test_a_stale_twin_under_an_earlier_file_name_is_left_out(
    settings: Settings, tmp_path: Path
) -> None:
    # as in relaton-data-iso: the same record under "…:2017.yaml", with another stage
    folder = tmp_path / "iso"
    shutil.copytree(FIXTURES / "iso", folder)
    _restaged(folder, "iso-iec-9594-8:2017.yaml", "60")
    done = import_catalogue(settings, folder, as_of=AS_OF)
    assert done.warnings[0].startswith("1 record(s) under an earlier file name left out")
    assert "iso-iec-9594-8:2017.yaml" in done.warnings[0]
    stages = [row["stage"] for row in select(store_of(settings), STAGE_OF_2017)]
    assert stages == ["https://w3id.org/idmgraph/def/iso-stage/95.99"]  # the current twin's


def test_records_giving_an_edition_two_stages_are_named(settings: Settings, tmp_path: Path) -> None:
    # no twin: another file name altogether, so neither record can be preferred
    folder = tmp_path / "iso"
    shutil.copytree(FIXTURES / "iso", folder)
    _restaged(folder, "iso-iec-9594-8-2017-copy.yaml", "60")
    with pytest.raises(ValidationFailed):
        import_catalogue(settings, folder, as_of=AS_OF)
    selection = catalogue_statements(
        read_records(folder)[0],
        read_scope(settings, importing="catalogue-iso"),
        repository="https://github.com/relaton/relaton-data-iso",
        commit=None,
    )
    assert selection.warnings == [
        "spec/iso-iec/9594-8/edition/2017: its records give different stages "
        "(data/iso-iec-9594-8-2017-copy.yaml 95.60, data/iso-iec-9594-8-2017.yaml 95.99); "
        "the gate allows one"
    ]


def test_a_publicly_available_specification_has_its_publisher(
    settings: Settings, tmp_path: Path
) -> None:
    # ISO/PAS and IEC/PAS documents: 65 of the whole ISO catalogue had no publisher before
    folder = tmp_path / "iso"
    shutil.copytree(FIXTURES / "iso", folder)
    record = folder / "iso-iec-24760-1-2019.yaml"
    record.write_text(
        record.read_text(encoding="utf-8").replace("ISO/IEC 24760-1:2019", "ISO/PAS 24760-1:2019"),
        encoding="utf-8",
    )
    import_catalogue(settings, folder, as_of=AS_OF)
    found = select(
        store_of(settings),
        """PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?creator WHERE {
          <https://w3id.org/idmgraph/id/spec/iso/24760-1> dcterms:creator ?creator
        }""",
    )
    assert [row["creator"] for row in found] == [ID + "org/iso"]
