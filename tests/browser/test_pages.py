"""A real Chromium (Debian's /usr/bin/chromium, driven by Playwright) browsing the site.

It opens the landing page, follows links to a Recommendation page and back, opens the query
page, runs a query in YASGUI and sees its results. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from idmgraph.pipeline.release import Release
from tests.web.linkedserver import ROOT, Server, serve

CHROMIUM = os.environ.get("IDMGRAPH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(repository_release: Release) -> Iterator[Server]:
    generator = serve(repository_release)
    yield next(generator)
    generator.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_api.Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (never a downloaded one)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: playwright_api.Browser) -> Iterator[playwright_api.Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


def shot(page: playwright_api.Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_browse_from_landing_page_to_a_recommendation_and_back(
    page: playwright_api.Page, server: Server
) -> None:
    page.goto(server.base + "/")
    assert "identity-management" in page.title()
    assert page.locator("section#recommendations-and-other-texts li").count() > 5
    shot(page, "landing")
    page.click("text=ITU-T X.1095")
    page.wait_for_url("**/id/rec/X.1095.html")
    assert page.locator("h1").inner_text() == "ITU-T X.1095"
    assert page.locator("section.timeline tr").count() >= 3
    assert page.locator("a[href='https://www.itu.int/rec/T-REC-X.1095']").count() >= 1
    shot(page, "recommendation")
    page.click("section.inbound >> text=X.pet_auth")
    page.wait_for_url("**/id/workitem/X.pet_auth.html")
    assert "Consented" in page.locator("section.timeline").inner_text()
    page.click("header.site >> text=Home")
    page.wait_for_url(server.base + "/")


def test_phone_width_keeps_the_page_readable(
    browser: playwright_api.Browser, server: Server
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(server.base + "/id/rec/X.1095.html")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    shot(phone, "recommendation-phone")
    context.close()


def test_lookup_from_the_landing_page(page: playwright_api.Page, server: Server) -> None:
    page.goto(server.base + "/")
    page.fill("input[name=id]", "T-REC-X.1095-202311-I")
    page.click("button[type=submit]")
    page.wait_for_url("**/id/rec/X.1095/edition/2023-11.html")
    assert "X.1095 (11/2023)" in page.locator("h1").inner_text()


def test_query_page_runs_a_query_in_yasgui(page: playwright_api.Page, server: Server) -> None:
    page.goto(server.base + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    shot(page, "query-editor")
    page.click("button.example >> nth=0")
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for(timeout=30_000)
    assert rows.count() >= 10
    assert "X.1095" in page.locator(".yasr").inner_text()
    shot(page, "query-results")
