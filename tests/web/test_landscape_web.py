"""/landscape over the repository's release: every IdM text of the three catalogues and every
work item of the report, each with a working link; the same as ``idmgraph landscape``."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from idmgraph.reading.landscape import today as landscape_today
from idmgraph.reading.querying import landscape_command
from idmgraph.web import landscape as web_landscape
from tests.web.linkedserver import Server

ID = "https://w3id.org/idmgraph/id/"

TEXTS = """
SELECT DISTINCT ?text WHERE {
  GRAPH ?catalogue { ?edition <http://purl.org/dc/terms/identifier> ?identifier }
  ?edition <https://w3id.org/idmgraph/def/editionOf> ?text .
}"""
ITEMS = """
SELECT ?item WHERE {
  GRAPH <https://w3id.org/idmgraph/id/source/sg17-idm-report-2023-09> {
    ?item a <https://w3id.org/idmgraph/def/WorkItem> }
}"""


def iris(store: ox.Store, query: str) -> set[str]:
    answer = store.query(query, use_default_graph_as_union=True)
    assert isinstance(answer, ox.QuerySolutions)
    return {row[0].value for row in answer}


def test_every_catalogued_text_and_work_item_is_a_line(
    http: httpx.Client, release_store: ox.Store
) -> None:
    got = http.get("/landscape.json")
    assert got.status_code == 200
    lines = got.json()["lines"]
    shown = {line["iri"] for line in lines}
    corrections = {e["iri"] for line in lines for e in line["corrections"]}
    texts = iris(release_store, TEXTS)
    items = iris(release_store, ITEMS)
    assert len(texts) > 100
    assert len(items) > 20
    # a text is a line, or its editions are folded beneath the text they correct
    folded = {iri.split("/edition/")[0] for iri in corrections}
    assert texts - shown - folded == set()
    assert items - shown == set()


def test_the_page_links_each_line_to_its_resource_page(http: httpx.Client) -> None:
    page = http.get("/landscape")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert page.text.count("<svg") == 1  # the approvals timeline
    for body in ("ITU", "ISO", "W3C"):
        assert f">{body}</a></h2>" in page.text
    links = set(re.findall(r'href="(/id/[^"#?]+)"', page.text))
    assert {"/id/rec/X.509", "/id/spec/iso-iec/24760-1", "/id/workitem/X.pet_auth"} <= links
    assert {"/id/org/itu", "/id/group/itu-t/2022-2024/sg17"} <= links
    for path in sorted(links)[:: max(1, len(links) // 25)]:  # a sample of every kind of link
        assert http.get(path + ".html").status_code == 200, path


def test_csv_json_and_filters_agree(http: httpx.Client) -> None:
    wanted = {"body": "ISO", "status": "development"}
    rows = list(csv.DictReader(io.StringIO(http.get("/landscape.csv", params=wanted).text)))
    assert len(rows) > 1
    assert {(r["body"], r["status"]) for r in rows} == {("ISO", "development")}
    lines = http.get("/landscape.json", params=wanted).json()["lines"]
    assert [line["iri"] for line in lines] == [row["iri"] for row in rows]


def test_answers_kept_once_written_stay_those_of_their_filters_and_date(
    http: httpx.Client,
) -> None:
    def lines(path: str, **params: str) -> list[str]:
        answer = http.get(path, params=params)
        assert answer.status_code == 200
        if path.endswith(".csv"):
            return [row["iri"] for row in csv.DictReader(io.StringIO(answer.text))]
        return [line["iri"] for line in answer.json()["lines"]]

    for path in ("/landscape.json", "/landscape.csv"):
        whole = lines(path)
        narrowed = lines(path, body="ISO")
        earlier = lines(path, on="2010-01-01")
        assert set(narrowed) < set(whole)
        assert len(earlier) < len(whole)
        # asked again (now written already), each is the same as the first time
        assert (lines(path), lines(path, body="ISO"), lines(path, on="2010-01-01")) == (
            whole,
            narrowed,
            earlier,
        )


def test_an_earlier_date_shows_fewer_lines(http: httpx.Client) -> None:
    now = http.get("/landscape.json", params={"on": "2026-12-31"}).json()
    then = http.get("/landscape.json", params={"on": "2010-01-01"}).json()
    assert then["on"] == "2010-01-01"
    assert 0 < len(then["lines"]) < len(now["lines"])
    assert all(line["date"] <= "2010-01-01" for line in then["lines"] if line["date"])


def test_bad_parameters_are_400(http: httpx.Client) -> None:
    for params in ({"on": "2023-13-01"}, {"status": "lost"}, {"since": "yesterday"}):
        assert http.get("/landscape", params=params).status_code == 400, params


def test_the_command_writes_what_the_page_shows(
    http: httpx.Client, server: Server, tmp_path: Path
) -> None:
    written = landscape_command(server.settings, out_dir=tmp_path, on="2026-12-31")
    served = http.get("/landscape.csv", params={"on": "2026-12-31"}).content
    assert written.csv.read_bytes() == served
    assert "# Identity-management standards landscape" in written.markdown.read_text()
    assert "<script" not in written.html.read_text()
    assert "Approvals per year" in written.timeline.read_text()
    assert f"![Approvals per year]({written.timeline.name})" in written.markdown.read_text()


def test_a_text_page_shows_its_editions_and_common_texts(http: httpx.Client) -> None:
    page = http.get("/id/rec/X.509.html").text
    editions = page.split("<h2>Editions</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td><a href=\"([^\"]+)\">([^<]*)</a>", editions)
    assert ("1988-11-25", "/id/rec/X.509/edition/1988-11", "ITU-T X.509 (11/1988)") in rows
    cor2 = "ITU-T X.509 (2019) Cor. 2 (10/2023)"
    assert any(row[2] == cor2 for row in rows)
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)  # a timeline: by date
    assert "https://www.itu.int/rec/T-REC-X.509-198811-S" in editions
    common = page.split("<h2>Common texts at other bodies</h2>", 1)[1].split("</ul>", 1)[0]
    assert 'href="/id/spec/iso-iec/9594-8"' in common
    iso = http.get("/id/spec/iso-iec/24760-1.html").text
    assert "Withdrawal of International Standard" in iso  # the 2011 edition's stage
    assert "undated" in iso  # the FDIS under development


def test_validators_name_the_release_the_date_and_the_filters(http: httpx.Client) -> None:
    today = http.get("/landscape.csv")
    tags = {
        today.headers["etag"],
        http.get("/landscape.csv", params={"on": "2020-01-01"}).headers["etag"],
    }
    tags.add(http.get("/landscape.csv", params={"status": "approved"}).headers["etag"])
    assert len(tags) == 3
    assert landscape_today() in today.headers["etag"]  # today's landscape changes with the day
    again = http.get("/landscape.csv", headers={"If-None-Match": today.headers["etag"]})
    assert again.status_code == 304


def test_a_long_landscape_is_paged_in_html_and_whole_in_json(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = http.get("/landscape.json").json()["lines"]
    monkeypatch.setattr(web_landscape, "PAGE_LINES", 50)
    first = http.get("/landscape")
    assert first.status_code == 200
    assert first.text.count('<tr class="line"') == 50
    assert f"Lines 1 to 50 of {len(every)}" in first.text
    assert 'href="/landscape?page=2"' in first.text
    counts = re.search(r'<table class="counts">.*?</table>', first.text, re.S)
    assert counts is not None  # the counts are of every line, not of the page
    assert sum(int(n) for n in re.findall(r">(\d+)</a></td>", counts.group(0))) == len(every)
    pages = -(-len(every) // 50)
    last = http.get("/landscape", params={"page": pages})
    assert last.text.count('<tr class="line"') == len(every) - 50 * (pages - 1)
    assert 'rel="next"' not in last.text
    names = [
        re.findall(r'<tr class="line".*?href="(/id/[^"]+)"', page.text, re.S)
        for page in (first, last)
    ]
    assert names[0][0] != names[1][0]
    assert http.get("/landscape", params={"page": pages + 1}).status_code == 404
    for bad in ("0", "two", "-1"):
        assert http.get("/landscape", params={"page": bad}).status_code == 400
    assert len(http.get("/landscape.json").json()["lines"]) == len(every)  # complete
    filtered = http.get("/landscape", params={"body": "W3C"})
    assert "Lines 1 to" not in filtered.text  # one page: no pager
