"""Pages cannot be turned against their visitors: security headers on every answer, no inline
script, JSON-LD embedded so no literal can end it, and links only to http(s) IRIs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from idmgraph.base.urls import linkable
from idmgraph.pipeline.release import Release
from idmgraph.web.security import CONTENT_SECURITY_POLICY
from tests.web.hostile import COMMENT, DATA, HOSTILE_PAGE, JAVASCRIPT, LABEL, hostile_server

PAGES = (
    "/",
    HOSTILE_PAGE,
    "/id/rec/X.1095.html",
    "/def/",
    "/queries",
    "/queries/approval-pipeline",
    "/query",
    "/gaps",
    "/changes",
    "/downloads",
    "/lookup?id=X.1095",
    "/id/no/such/thing.html",
)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OTHER_ANSWERS = (
    "/sparql?query=ASK%7B%7D",
    "/sparql",
    "/id/rec/X.1095.ttl",
    "/.well-known/void",
    "/static/site.css",
    "/static/query.js",
    "/downloads/latest/release.json",
    "/no-such-page",
)


@pytest.fixture(scope="module")
def hostile(
    repository_release: Release, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    with (
        hostile_server(repository_release, tmp_path_factory.mktemp("hostile")) as base,
        httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client,
    ):
        yield client


class _Elements(HTMLParser):
    """The script elements (attributes and text) and link targets of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.hrefs: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append((found, ""))
            self._in_script = True
        href = found.get("href")
        if href is not None:
            self.hrefs.append(href)
        assert not any(name.startswith("on") for name in found), (tag, found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def elements(body: str) -> _Elements:
    parser = _Elements()
    parser.feed(body)
    return parser


@pytest.mark.parametrize("path", PAGES + OTHER_ANSWERS)
def test_every_answer_carries_the_security_headers(hostile: httpx.Client, path: str) -> None:
    answer = hostile.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    policy = answer.headers["content-security-policy"]
    directives = dict(item.strip().split(" ", 1) for item in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'none'"


@pytest.mark.parametrize("path", PAGES)
def test_no_page_has_an_inline_script(hostile: httpx.Client, path: str) -> None:
    answer = hostile.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert answer.headers["content-type"].startswith("text/html")
    found = elements(answer.text)
    for attrs, text in found.scripts:
        # data blocks are never run; anything else must come from the site's static files
        if attrs.get("type") in ("application/json", "application/ld+json"):
            continue
        assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert text.strip() == ""
    assert all(linkable(href) for href in found.hrefs), found.hrefs


def test_a_hostile_literal_cannot_end_the_embedded_json_ld(hostile: httpx.Client) -> None:
    page = hostile.get(HOSTILE_PAGE).text
    [(_, embedded)] = [
        (attrs, text)
        for attrs, text in elements(page).scripts
        if attrs.get("type") == "application/ld+json"
    ]
    assert not re.search(r"[<>&]", embedded)
    document = json.dumps(json.loads(embedded))
    assert json.dumps(LABEL)[1:-1] in document
    assert json.dumps(COMMENT)[1:-1] in document
    # the page goes on after the script element: heading, statements and footer are parsed
    assert page.count("<script") == 1
    assert "&lt;!--&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; &#34;friends&#34;" in page
    assert page.rstrip().endswith("</html>")


def test_iris_of_other_schemes_are_shown_as_text_never_as_links(hostile: httpx.Client) -> None:
    page = hostile.get(HOSTILE_PAGE).text
    hrefs = elements(page).hrefs
    assert "https://example.org/hostile" in hrefs  # the web page is still a link
    assert not [href for href in hrefs if href.lower().startswith(("javascript:", "data:"))]
    assert f'<span class="iri">{JAVASCRIPT}</span>' in page
    assert f'<span class="iri">{DATA}</span>' in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.itu.int/", True),
        ("HTTP://example.org/", True),
        ("/id/rec/X.1095.html", True),
        ("?from=a&to=b", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("urn:isbn:123", False),
    ],
)
def test_only_web_addresses_and_site_paths_are_linkable(url: str, expected: bool) -> None:
    assert linkable(url) is expected


def test_the_policy_allows_no_inline_script_no_eval_and_nothing_from_elsewhere() -> None:
    sources = {
        word for directive in CONTENT_SECURITY_POLICY.split(";") for word in directive.split()[1:]
    }
    hashes = {word for word in sources if word.startswith("'sha256-")}
    assert sources - hashes <= {"'none'", "'self'", "data:"}, sources
