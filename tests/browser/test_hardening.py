"""A real Chromium on every kind of page, with a published resource that attacks its page: the
page is not blanked, no script of the data runs, javascript: IRIs are not links, and the
Content-Security-Policy is present and reports no violation (so the site's own scripts, YASGUI
included, live within it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright import sync_api as playwright_api

from idmgraph.pipeline.release import Release
from tests.browser.test_pages import browser, shot  # noqa: F401 - the shared browser fixture
from tests.web.hostile import HOSTILE_PAGE, JAVASCRIPT, LABEL, hostile_server

pytestmark = pytest.mark.browser

# One page of each kind the site renders.
PAGES = {
    "home": "/",
    "resource": "/id/rec/X.1095.html",
    "hostile-resource": HOSTILE_PAGE,
    "ontology": "/def/",
    "queries": "/queries",
    "named-query": "/queries/approval-pipeline",
    "query": "/query",
    "gaps": "/gaps",
    "changes": "/changes",
    "downloads": "/downloads",
}
# Records every CSP violation the page reports, before any of its own scripts runs.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(scope="module")
def base(repository_release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with hostile_server(repository_release, tmp_path_factory.mktemp("hostile")) as url:
        yield url


@pytest.fixture
def visit(browser: playwright_api.Browser) -> Iterator[playwright_api.Page]:  # noqa: F811 - the fixture imported above
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_init_script(WATCH)
    opened = context.new_page()
    console: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    opened.on("console", lambda message: console.append(message.text))
    opened.on("pageerror", lambda error: errors.append(str(error)))

    def dismiss(dialog: playwright_api.Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", dismiss)
    yield opened
    context.close()
    assert errors == [], errors
    assert dialogs == [], dialogs
    refused = [text for text in console if "Content Security Policy" in text]
    assert refused == [], refused


def _violations(page: playwright_api.Page) -> list[str]:
    return list(page.evaluate("window.__violations"))


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_keeps_within_its_policy(
    visit: playwright_api.Page, base: str, name: str
) -> None:
    answer = visit.goto(base + PAGES[name])
    assert answer is not None
    assert answer.status == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    visit.wait_for_load_state("networkidle")
    assert visit.locator("footer.site").is_visible()  # the whole page was parsed
    if name == "query":
        visit.wait_for_selector(".yasqe .CodeMirror")
        visit.click("button.example >> nth=0")
        visit.locator(".yasr table tbody tr").first.wait_for(timeout=30_000)
        assert "X.1095" in visit.locator(".yasr").inner_text()
    assert _violations(visit) == []
    assert visit.evaluate("typeof window.pwned") == "undefined"
    shot(visit, f"policy-{name}")


def test_a_hostile_resource_is_shown_not_run(visit: playwright_api.Page, base: str) -> None:
    visit.goto(base + HOSTILE_PAGE)
    assert visit.locator("h1").inner_text() == LABEL
    assert visit.locator("section.statements tr").count() >= 5
    assert visit.locator(f"span.iri >> text={JAVASCRIPT}").count() >= 1
    links = visit.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)")
    assert links
    assert not [href for href in links if not href.startswith(("http://", "https://"))], links
    embedded = visit.eval_on_selector('script[type="application/ld+json"]', "n => n.textContent")
    assert '"Evil \\u003c!--\\u003cscript\\u003e' in embedded
    # clicking every value of the page runs nothing either
    for cell in visit.locator("span.iri").all():
        cell.click()
    assert visit.evaluate("typeof window.pwned") == "undefined"
    assert visit.url.endswith(HOSTILE_PAGE)
