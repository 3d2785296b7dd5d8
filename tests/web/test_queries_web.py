"""Named queries and the gap analysis over HTTP: a real uvicorn server on the real data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.query
from rdflib.query import ResultRow
from SPARQLWrapper import JSON, SPARQLWrapper

from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import BASIS, load_catalogue
from idmgraph.reading.querying import store_from_sources
from idmgraph.store.cached import CachedStore
from idmgraph.web import queries
from idmgraph.web.app import create_app
from tests.remoteserver import dataset_store
from tests.web.running import running

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(ROOT / "queries", root=ROOT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dump = tmp_path_factory.mktemp("release") / "idmgraph.nq"
    dump.write_bytes(
        store_from_sources(Settings(root=ROOT)).dump(format=ox.RdfFormat.N_QUADS) or b""
    )
    settings = Settings(root=ROOT, query_workers=2, warm_pages=False)
    with dataset_store(dump, workers=settings.query_workers) as inner:
        store = CachedStore(inner)
        # result IRIs link to this server's own pages of the resources
        with running(create_app(settings, store)) as base:
            yield base


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def test_catalogue_page_lists_every_query(http: httpx.Client) -> None:
    page = http.get("/queries", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for query in CATALOGUE:
        assert f'href="/queries/{query.name}"' in page.text
    assert "computed by the graph, not stated by SG17" in page.text


def test_json_answer_by_extension_parses(http: httpx.Client) -> None:
    got = http.get("/queries/pending-approval.json", params={"on": "2023-11-01"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/sparql-results+json")
    results = ox.parse_query_results(got.content, format=ox.QueryResultsFormat.JSON)
    assert isinstance(results, ox.QuerySolutions)
    rows = [{v.value: s[v.value].value for v in results.variables} for s in results]
    assert sorted(row["designation"] for row in rows) == ["X.oob-sa", "X.osia", "X.pet_auth"]
    assert {row["basis"] for row in rows} == {BASIS}
    assert "ETag" in got.headers


def test_csv_and_tsv_answers_parse(http: httpx.Client) -> None:
    got = http.get("/queries/idm-groups-without-work-items.csv")
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert sorted(row["groupName"] for row in rows) == ["SG16", "SG3"]
    tsv = http.get("/queries/discontinued-work.tsv")
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert len(tsv.text.strip().splitlines()) == 1 + 4


def test_accept_header_chooses_the_format(http: httpx.Client) -> None:
    got = http.get("/queries/liaison-asymmetry", headers={"Accept": "text/csv"})
    assert got.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(got.text)))) == 17
    page = http.get("/queries/liaison-asymmetry", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Secure Identity Alliance" in page.text


def test_construct_answer_in_turtle(http: httpx.Client) -> None:
    got = http.get("/queries/topic-assignments.ttl")
    assert got.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=got.text, format="turtle")
    subject = rdflib.URIRef("http://purl.org/dc/terms/subject")
    assert len(set(graph.subjects(subject, None))) == 43
    wrong = http.get("/queries/topic-assignments.csv")
    assert wrong.status_code == 406


def test_query_text_is_served(http: httpx.Client) -> None:
    got = http.get("/queries/pending-approval.rq")
    assert got.headers["content-type"].startswith("application/sparql-query")
    assert got.text == CATALOGUE.get("pending-approval").sparql


@pytest.mark.parametrize(
    ("path", "params", "problem"),
    [
        ("/queries/pending-approval.json", {"on": "yesterday"}, "not a valid date"),
        ("/queries/work-items-by-status.json", {"status": "stalled"}, "is not one of"),
        ("/queries/pending-approval.json", {"colour": "red"}, "has no parameter"),
        ("/gaps", {"on": "2023-13-01"}, "not a valid date"),
    ],
)
def test_bad_parameters_are_400_problems(
    http: httpx.Client, path: str, params: dict[str, str], problem: str
) -> None:
    got = http.get(path, params=params)
    assert got.status_code == 400
    assert got.headers["content-type"] == "application/problem+json"
    assert problem in got.json()["detail"]


def test_bad_parameter_on_the_page_shows_the_form_again(http: httpx.Client) -> None:
    got = http.get(
        "/queries/pending-approval", params={"on": "soon"}, headers={"Accept": "text/html"}
    )
    assert got.status_code == 400
    assert "not a valid date" in got.text
    assert '<form class="inline"' in got.text


def test_unknown_query_and_format_are_404(http: httpx.Client) -> None:
    assert http.get("/queries/no-such-query").status_code == 404
    assert http.get("/queries/pending-approval.docx").status_code == 404


def test_query_page_has_form_results_and_downloads(http: httpx.Client) -> None:
    got = http.get(
        "/queries/pending-approval", params={"on": "2023-12-31"}, headers={"Accept": "text/html"}
    )
    assert got.status_code == 200
    assert 'name="on"' in got.text
    assert 'value="2023-12-31"' in got.text
    assert "2 row(s)" in got.text
    assert 'href="/queries/pending-approval.csv?on=2023-12-31"' in got.text
    assert 'href="/id/workitem/X.osia"' in got.text


def test_a_sparql_results_client_reads_a_named_query_by_url(http: httpx.Client) -> None:
    got = http.get("/queries/coordination-blind-spots", params={"format": "json"})
    result = rdflib.query.Result.parse(io.BytesIO(got.content), format="json")
    rows = cast("Iterable[ResultRow]", result)
    assert [str(row["groupLabel"]) for row in rows] == ["ITU-T SG3"]


def test_sparqlwrapper_runs_the_query_text_at_the_endpoint(server: str, http: httpx.Client) -> None:
    text = http.get("/queries/coordination-blind-spots.rq").text
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(text)
    client.setReturnFormat(JSON)
    results = client.query().convert()
    assert isinstance(results, dict)
    labels = [row["groupLabel"]["value"] for row in results["results"]["bindings"]]
    assert labels == ["ITU-T SG3"]


def test_a_query_parameter_is_refused_with_a_pointer_to_the_endpoint(http: httpx.Client) -> None:
    got = http.get("/queries/coordination-blind-spots.json", params={"query": "ASK {}"})
    assert got.status_code == 400
    assert "/sparql" in got.json()["detail"]


def test_gaps_page_has_every_section_and_its_evidence(http: httpx.Client) -> None:
    got = http.get("/gaps")
    assert got.status_code == 200
    assert "<script" not in got.text
    for query in CATALOGUE.of_kind(CATALOGUE.get("pending-approval").kind):
        assert f'id="{query.name}"' in got.text
        assert f"/queries/{query.name}" in got.text
    assert got.text.count("<svg") == 6  # the liaison diagram and five pipeline charts
    assert '/queries/pending-approval?on=2023-09-08"' in got.text
    assert 'name="on" value="2023-09-08"' in got.text  # the date the page was computed for
    # result IRIs link to this server's own page of the resource
    assert 'href="/id/group/itu-t/2022-2024/sg3"' in got.text


def test_gaps_for_another_date_and_as_markdown(http: httpx.Client) -> None:
    later = http.get("/gaps.md", params={"on": "2023-12-31"})
    assert later.headers["content-type"].startswith("text/markdown")
    assert "query `pending-approval` with on=2023-12-31; 2 row(s)" in later.text


def test_gaps_answers_carry_validators_per_representation(http: httpx.Client) -> None:
    page = http.get("/gaps")
    tags = {page.headers["etag"], http.get("/gaps.md").headers["etag"]}
    tags.add(http.get("/gaps", params={"on": "2023-12-31"}).headers["etag"])
    assert len(tags) == 3
    again = http.get("/gaps", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["etag"] == page.headers["etag"]
    assert http.get("/gaps").text == page.text


def test_openapi_paths_describe_every_query_and_its_parameters() -> None:
    paths = queries.openapi_paths(CATALOGUE)
    assert set(paths) == {f"/queries/{query.name}" for query in CATALOGUE}
    operation = paths["/queries/work-items-by-status"]["get"]
    status, on = operation["parameters"]
    assert status["schema"]["enum"][0] == "new-work-item"
    assert on["schema"] == {"type": "string", "format": "date", "default": "2023-09-08"}
    assert "text/csv" in operation["responses"]["200"]["content"]
    construct = paths["/queries/topic-assignments"]["get"]["responses"]["200"]["content"]
    assert "text/turtle" in construct
    assert "text/csv" not in construct


def test_machine_readable_catalogue(http: httpx.Client, server: str) -> None:
    listing = http.get("/queries.json").json()
    assert [entry["name"] for entry in listing] == [query.name for query in CATALOGUE]
    pending = next(entry for entry in listing if entry["name"] == "pending-approval")
    assert pending["url"] == server + "/queries/pending-approval"
    assert pending["parameters"][0]["type"] == "date"
    rdf = http.get("/queries.ttl")
    graph = rdflib.Graph().parse(data=rdf.text, format="turtle")
    select = rdflib.URIRef("http://www.w3.org/ns/shacl#select")
    assert len(set(graph.subjects(select, None))) == len(CATALOGUE) - 1  # one CONSTRUCT
