"""``/changes`` on a real uvicorn server over a real Oxigraph store of a built release."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release, read_release
from idmgraph.reading.comparison import release_dump
from idmgraph.reading.diff import diff_command
from idmgraph.store.snapshot import Served
from idmgraph.web.app import create_app
from tests.remoteserver import dataset_store
from tests.web.running import running

REPO = Path(__file__).parent.parent.parent


def _serve(settings: Settings, *, read: str = "store") -> Iterator[str]:
    # The page reads the release's dump when the store serves that release, and the store
    # when it serves another (a remote store that followed a newer publication).
    release = read_release(settings.release_dir)
    version = release.version if read == "dump" else None
    with (
        dataset_store(
            release.dataset_file, workers=settings.query_workers, version=version
        ) as store,
        running(create_app(settings, store)) as base,
    ):
        yield base


@pytest.fixture(scope="module", params=["dump", "store"])
def two_reports(
    request: pytest.FixtureRequest, follow_up_project: Settings
) -> Iterator[tuple[str, Settings]]:
    settings = dataclasses.replace(follow_up_project, query_workers=1, warm_pages=False)
    for base in _serve(settings, read=request.param):
        yield base, settings


@pytest.fixture(scope="module")
def one_report(repository_release: Release) -> Iterator[str]:
    yield from _serve(
        Settings(
            root=REPO, dist_dir=repository_release.directory, query_workers=1, warm_pages=False
        )
    )


def test_changes_page_says_what_moved(two_reports: tuple[str, Settings]) -> None:
    base, _ = two_reports
    answer = httpx.get(base + "/changes", timeout=60)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "SG17 IdM progress report, September 2023" in page
    assert "SG17 IdM progress report, April 2024" in page
    assert "J.dic-idm" in page
    assert 'Q.cco-mec</a>\n<strong class="flag">' in page
    assert "X.1282" in page
    assert "ETSI TC ESI" in page
    assert 'href="https://w3id.org/idmgraph/id/group/itu-t/2022-2024/sg9"' in page


def test_changes_json_matches_the_cli(two_reports: tuple[str, Settings]) -> None:
    base, settings = two_reports
    answer = httpx.get(base + "/changes", params={"format": "json"}, timeout=60)
    assert answer.status_code == 200
    served = answer.json()["changes"]
    printed = json.loads(
        diff_command(
            settings,
            "sg17-idm-report-2023-09",
            "sg17-idm-report-2024-04",
            output_format="json",
        )
    )
    assert served == printed
    by_accept = httpx.get(base + "/changes", headers={"Accept": "application/json"}, timeout=60)
    assert by_accept.json() == answer.json()


def test_single_report_has_nothing_to_compare(one_report: str) -> None:
    answer = httpx.get(one_report + "/changes", timeout=60)
    assert answer.status_code == 200
    assert "nothing to compare yet" in answer.text
    assert httpx.get(one_report + "/changes?format=json", timeout=60).json() == {"changes": None}


def test_the_release_dump_is_read_only_when_the_store_serves_that_release(
    two_reports: tuple[str, Settings],
) -> None:
    _, settings = two_reports
    release = read_release(settings.release_dir)
    served = Served(settings.release_dir)
    try:
        dump = release_dump(served, release.version)
        assert dump is not None
        assert dump.read_bytes() == release.dataset_file.read_bytes()
        assert dump != release.dataset_file  # the pinned copy, which a rebuild leaves alone
        assert release_dump(served, "another-release") is None
    finally:
        served.close()
    assert release_dump(Served(settings.root / "none"), "x") is None


OLD, NEW = "sg17-idm-report-2023-09", "sg17-idm-report-2024-04"


def test_any_pair_of_reports_can_be_compared(two_reports: tuple[str, Settings]) -> None:
    base, _ = two_reports
    backwards = httpx.get(
        base + "/changes", params={"from": NEW, "to": OLD, "format": "json"}, timeout=60
    )
    assert backwards.status_code == 200
    back = backwards.json()["changes"]
    default = httpx.get(base + "/changes", params={"format": "json"}, timeout=60).json()
    forth = default["changes"]
    assert (back["old"]["source"], back["new"]["source"]) == (
        forth["new"]["source"],
        forth["old"]["source"],
    )
    # what one way adds, the other way no longer lists
    assert {item["iri"] for item in back["removed"]} == {item["iri"] for item in forth["added"]}
    assert {item["iri"] for item in back["added"]} == {item["iri"] for item in forth["removed"]}
    to_latest = httpx.get(base + "/changes", params={"to": NEW, "format": "json"}, timeout=60)
    assert to_latest.json() == default  # "to" alone compares with the report before it


def test_the_page_offers_every_report_with_the_pair_shown_selected(
    two_reports: tuple[str, Settings],
) -> None:
    base, _ = two_reports
    page = httpx.get(base + "/changes", params={"from": NEW, "to": OLD}, timeout=60).text
    assert '<select name="from">' in page
    assert '<select name="to">' in page
    assert page.count(f'<option value="{NEW}" selected>') == 1
    assert page.count(f'<option value="{OLD}" selected>') == 1
    assert page.count("<option ") == 4
    assert f"?from={NEW}&amp;to={OLD}&amp;format=json" in page


def test_the_oldest_report_alone_has_nothing_before_it(two_reports: tuple[str, Settings]) -> None:
    base, _ = two_reports
    answer = httpx.get(base + "/changes", params={"to": OLD}, timeout=60)
    assert answer.status_code == 200
    assert "No earlier report than this one" in answer.text
    assert httpx.get(base + "/changes", params={"to": OLD, "format": "json"}).json() == {
        "changes": None
    }


def test_an_unknown_report_is_a_problem_naming_the_known_ones(
    two_reports: tuple[str, Settings],
) -> None:
    base, _ = two_reports
    answer = httpx.get(base + "/changes", params={"from": "sg17-report-1999"}, timeout=60)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    detail = answer.json()["detail"]
    assert "from=sg17-report-1999" in detail
    assert OLD in detail
    assert NEW in detail
