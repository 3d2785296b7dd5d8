"""The gap report on the real data: every section, its wording, the diagrams as valid SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.base.errors import BadRequest
from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import BASIS, QueryKind, load_catalogue
from idmgraph.reading import charts, report
from idmgraph.reading.querying import store_from_sources

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = load_catalogue(ROOT / "queries", root=ROOT)
GAPS = CATALOGUE.of_kind(QueryKind.GAP)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return store_from_sources(Settings(root=ROOT))


@pytest.fixture(scope="module")
def gap_report(store: ox.Store) -> report.GapReport:
    return report.build_report(store, CATALOGUE)


def test_every_gap_query_is_a_section_in_reading_order(gap_report: report.GapReport) -> None:
    names = [section.query.name for section in gap_report.sections]
    assert sorted(names) == sorted(query.name for query in GAPS)
    assert names == [name for name in report.ORDER if name in names]


def test_markdown_has_each_section_with_its_meaning_and_basis(
    gap_report: report.GapReport, store: ox.Store
) -> None:
    text = report.markdown(gap_report)
    assert text.startswith(f"# {report.TITLE}\n")
    for query in GAPS:
        assert f"\n## {query.title}\n" in text
        assert query.meaning in text
        assert f"query `{query.name}`" in text
    assert text.count(BASIS) == len(GAPS)
    # a row of the liaison-asymmetry table
    assert "| SG17 |" in text
    assert "| Party name | Counterpart | Counterpart label | Flow | Sent | Received |" in text
    assert "No rows" not in text.split("## Topics whose only work was discontinued")[1][:600]
    # the day before the report's status date no discontinuation is known: said in words
    before = report.markdown(report.build_report(store, CATALOGUE, on="2023-09-07"))
    only_discontinued = before.split("## Topics whose only work was discontinued")[1]
    assert (
        only_discontinued.split("\n## ")[0]
        .rstrip()
        .endswith("No rows: the graph shows no such case.")
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_standalone_html_is_self_contained(gap_report: report.GapReport) -> None:
    html = report.standalone_html(
        gap_report, link=lambda iri: iri, evidence=lambda s: report.evidence_url("/queries", s)
    )
    parser = _Collector()
    parser.feed(html)
    tags = parser.tags
    assert not [tag for tag, _ in tags if tag in ("script", "link", "img", "iframe")]
    ids = {attrs.get("id") for _, attrs in tags}
    assert {query.name for query in GAPS} <= ids
    evidence = {attrs["href"] for tag, attrs in tags if tag == "a" and attrs.get("href")}
    assert {f"/queries/{query.name}" for query in GAPS if not query.parameters} <= evidence
    assert "/queries/pending-approval?on=2023-09-08" in evidence
    # result IRIs are links: the evidence of each row is one click away
    assert "https://w3id.org/idmgraph/id/group/itu-t/2022-2024/sg3" in evidence
    assert len([tag for tag, _ in tags if tag == "svg"]) == 1 + 5  # flows + SG2..SG20


def test_liaison_diagram(gap_report: report.GapReport) -> None:
    root = ET.fromstring(str(gap_report.flow_svg()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert "SG17" in root.findtext(f"{SVG}title", "")
    spokes = root.findall(f"{SVG}g")
    assert len(spokes) == 23  # 8 received + 21 sent - 6 both ways
    titles = sorted(group.findtext(f"{SVG}title", "") for group in spokes)
    assert sum(title.endswith(": two-way") for title in titles) == 6
    assert sum(title.endswith(": received only") for title in titles) == 2
    assert "ITU-T SG3: sent only" in titles
    two_way = [line for line in root.iter(f"{SVG}line") if line.get("stroke-width") == "3"]
    assert all(line.get("marker-start") and line.get("marker-end") for line in two_way)
    legend = {text.text for text in root.iter(f"{SVG}text")}
    assert {"ITU", "OASIS", "IEC / ISO", "W3C"} <= legend


def test_pipeline_charts_per_group(gap_report: report.GapReport) -> None:
    charts_by_group = gap_report.pipeline_svgs()
    assert list(charts_by_group) == ["SG2", "SG11", "SG13", "SG17", "SG20"]
    sg17 = ET.fromstring(str(charts_by_group["SG17"]))
    texts = [text.text for text in sg17.iter(f"{SVG}text")]
    assert texts[0] == "SG17: 20 work item(s) by latest status"
    counts = dict(str(text).rsplit(": ", 1) for text in texts[1:])
    # one stacked bar: a segment per status that occurs, each named by its tooltip
    segments = [title.text for rect in sg17.iter(f"{SVG}rect")
                if (title := rect.find(f"{SVG}title")) is not None]  # fmt: skip
    assert segments == [f"{label}: {n}" for label, n in counts.items()]
    sg2 = ET.fromstring(str(charts_by_group["SG2"]))
    assert len(list(sg2.iter(f"{SVG}text"))) < len(texts)  # zero rows are not drawn
    # on 2023-09-08: 7 without a stated event, 3 new, 4 consented, 2 determined, 1 agreed,
    # 2 approved (X.uaf12, X.ctap21), 1 discontinued (X.1251rev)
    assert counts == {
        "In work plan, no decision": "7",
        "New work item": "3",
        "Consented (AAP)": "4",
        "Determined (TAP)": "2",
        "Agreed": "1",
        "Approved": "2",
        "Discontinued": "1",
    }


def test_the_report_date_moves_every_dated_section(store: ox.Store) -> None:
    later = report.build_report(store, CATALOGUE, on="2023-12-31")
    pending = next(s for s in later.sections if s.query.name == "pending-approval")
    assert pending.parameters == {"on": "2023-12-31"}
    assert sorted(r["designation"] for r in pending.answer.records()) == ["X.oob-sa", "X.osia"]
    assert "with on=2023-12-31" in report.markdown(later)
    assert "Dated sections are computed for 2023-12-31." in report.markdown(later)


def test_a_bad_report_date_is_refused(store: ox.Store) -> None:
    with pytest.raises(BadRequest, match="not a valid date"):
        report.build_report(store, CATALOGUE, on="31/12/2023")


def test_diagram_text_is_escaped() -> None:
    flows = [
        {"partyName": "A&B", "counterpart": "x", "counterpartLabel": "<script>x</script>",
         "organisations": 'O"rg', "sent": "1", "received": "0"},
    ]  # fmt: skip
    svg = str(charts.liaison_diagram(flows))
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    assert "<script>x</script>: sent only" in {g.findtext(f"{SVG}title") for g in root.iter()}


def test_write_report_files(gap_report: report.GapReport, tmp_path: Path) -> None:
    written = report.write_report(gap_report, tmp_path, queries_url="http://127.0.0.1:8000/queries")
    md = written.markdown.read_text(encoding="utf-8")
    for svg in written.svgs:
        assert f"]({svg.name})" in md
        ET.parse(svg)
    html = written.html.read_text(encoding="utf-8")
    assert 'href="http://127.0.0.1:8000/queries/pending-approval?on=2023-09-08"' in html
    assert re.search(r"<h1>Identity-management roadmap: gap analysis</h1>", html)


def test_a_page_shows_at_most_max_rows_per_section_and_links_to_every_row(
    gap_report: report.GapReport,
) -> None:
    section = max(gap_report.sections, key=lambda s: len(s.answer.rows))
    total = len(section.answer.rows)
    assert total >= 3, "the real data should give a section with a few rows"
    evidence = report.evidence_url("/queries", section)
    full = report.section_html(section, link=str, evidence=evidence)
    capped = report.section_html(section, link=str, evidence=evidence, max_rows=2)
    assert full.count("<tr>") == total + 1  # the heading row too
    assert capped.count("<tr>") == 2 + 1
    assert f'The first 2 of {total} rows; <a href="{evidence}">every row</a>' in capped
    assert "every row" not in report.section_html(
        section, link=str, evidence=evidence, max_rows=total
    )
