"""``/lookup`` and the landing page on a real server."""

from __future__ import annotations

import httpx
import pytest

ID = "https://w3id.org/idmgraph/id/"


@pytest.mark.parametrize(
    ("identifier", "location"),
    [
        ("ITU-T X.1095", "/id/rec/X.1095"),
        ("X.1095", "/id/rec/X.1095"),
        ("T-REC-X.1095", "/id/rec/X.1095"),
        ("T-REC-X.1095-202311-I", "/id/rec/X.1095/edition/2023-11"),
        ("X.pet_auth", "/id/workitem/X.pet_auth"),
        ("https://handle.itu.int/11.1002/1000/15708", "/id/rec/X.1095/edition/2023-11"),
    ],
)
def test_known_identifiers_redirect_303(http: httpx.Client, identifier: str, location: str) -> None:
    response = http.get("/lookup", params={"id": identifier})
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert ID in response.headers["link"]
    assert http.get(location, follow_redirects=True).status_code == 200


def test_ambiguous_identifier_answers_300_with_the_choices(http: httpx.Client) -> None:
    response = http.get("/lookup", params={"id": "X.509 Cor. 2"}, headers={"accept": "*/*"})
    assert response.status_code == 300
    hrefs = {choice["href"] for choice in response.json()["choices"]}
    assert hrefs == {"/id/rec/X.509/cor2", "/id/workitem/X.509-cor2"}
    assert response.headers["link"].count('rel="alternate"') == 2
    page = http.get("/lookup", params={"id": "X.509 Cor. 2"}, headers={"accept": "text/html"})
    assert page.status_code == 300
    assert 'href="/id/rec/X.509/cor2"' in page.text
    assert 'href="/id/workitem/X.509-cor2"' in page.text


def test_unknown_identifier_is_a_404_problem_or_page(http: httpx.Client) -> None:
    problem = http.get("/lookup", params={"id": "X.9999"})
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["identifier"] == "X.9999"
    page = http.get("/lookup", params={"id": "X.pet_aut"}, headers={"accept": "text/html"})
    assert page.status_code == 404
    assert 'href="/id/workitem/X.pet_auth"' in page.text  # a suggestion


def test_missing_identifier_is_a_bad_request(http: httpx.Client) -> None:
    response = http.get("/lookup")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_landing_page_has_figures_lists_and_ways_onward(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 200
    html = response.text
    for href in ("/query", "/gaps", "/downloads", "/.well-known/void", "/catalog", "/def/"):
        assert f'href="{href}"' in html, href
    for entry in (
        "/id/group/itu-t/2022-2024/sg17",
        "/id/group/itu-t/2022-2024/sg17/q10",
        "/id/rec/X.1095",
        "/id/workitem/X.pet_auth",
        "/id/org/itu",
        "/id/group/w3c/did-wg",
    ):
        assert f'href="{entry}"' in html, entry
    assert html.index(">ITU-T SG2<") < html.index(">ITU-T SG17<")  # natural order
    assert 'action="/lookup"' in html
    again = http.get("/", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


def test_query_page_serves_yasgui_from_our_static_files(http: httpx.Client) -> None:
    html = http.get("/query").text
    assert 'src="/static/vendor/yasgui/yasgui.min.js"' in html
    assert "cdn" not in html.lower()
    script = http.get("/static/vendor/yasgui/yasgui.min.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000
