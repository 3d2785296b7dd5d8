"""A real Chromium opens /landscape, filters it with the form, and follows a line's link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.test_pages import browser, page, server, shot  # noqa: F401 - fixtures
from tests.web.linkedserver import Server

pytestmark = pytest.mark.browser


def test_open_filter_and_follow_the_landscape(page: Page, server: Server) -> None:  # noqa: F811
    page.goto(server.base + "/landscape")
    assert page.locator("h2.body").count() >= 3  # ITU, ISO, W3C
    everything = page.locator("tr.line").count()
    assert everything > 100
    shot(page, "landscape")
    page.select_option("select[name=body]", "ISO")
    page.select_option("select[name=status]", "development")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/landscape?*status=development*")
    statuses = page.locator("tr.line").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses
    assert set(statuses) == {"development"}
    assert page.locator("h2.body").all_inner_texts() == ["ISO"]
    shot(page, "landscape-filtered")
    page.fill("input[name=on]", "2010-01-01")
    page.select_option("select[name=status]", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/landscape?on=2010-01-01*")
    assert "2010-01-01" in page.locator("main p").first.inner_text()
    page.locator("tr.line a[href^='/id/spec/']").first.click()
    page.wait_for_url("**/id/spec/**.html")
    assert page.locator("section.editions h2").first.inner_text() == "Editions"
