"""Named queries outside the server: the query and report commands, the catalogue as RDF."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from idmgraph.base.errors import BadRequest, NotFound
from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import catalogue_triples, load_catalogue
from idmgraph.reading.querying import open_local_store, report_command, run_query_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's sources, without a release: the commands read the sources."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_query_command_writes_csv_by_default(project: Path) -> None:
    out = run_query_command(Settings(root=project), "pending-approval", params=["on=2023-11-01"])
    assert out.format.name == "csv"
    rows = list(csv.DictReader(io.StringIO(out.body.decode("utf-8"))))
    assert sorted(row["designation"] for row in rows) == ["X.oob-sa", "X.osia", "X.pet_auth"]


def test_query_command_other_formats(project: Path) -> None:
    settings = Settings(root=project)
    json_out = run_query_command(settings, "discontinued-work", fmt="json")
    parsed = ox.parse_query_results(json_out.body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    assert len(list(parsed)) == 4
    graph = run_query_command(settings, "topic-assignments")
    assert graph.format.name == "turtle"
    assert len(rdflib.Graph().parse(data=graph.body.decode("utf-8"), format="turtle")) > 43


@pytest.mark.parametrize(
    ("name", "params", "fmt", "error", "problem"),
    [
        ("no-such-query", [], None, NotFound, "no named query"),
        ("pending-approval", ["on"], None, BadRequest, "name=value"),
        ("pending-approval", ["on=later"], None, BadRequest, "not a valid date"),
        ("pending-approval", [], "turtle", BadRequest, "written as one of json"),
        ("topic-assignments", [], "csv", BadRequest, "written as one of turtle"),
    ],
)
def test_query_command_errors(
    project: Path,
    name: str,
    params: list[str],
    fmt: str | None,
    error: type[Exception],
    problem: str,
) -> None:
    with pytest.raises(error, match=problem):
        run_query_command(Settings(root=project), name, params=params, fmt=fmt)


def test_local_store_prefers_the_release(project: Path, tmp_path: Path) -> None:
    release = tmp_path / "dist"
    release.mkdir()
    # a release holding one triple: the commands must read it, not the sources
    (release / "idmgraph.nq").write_text(
        "<https://example.org/s> <https://example.org/p> <https://example.org/o> "
        "<https://example.org/g> .\n",
        encoding="utf-8",
    )
    store = open_local_store(Settings(root=project, dist_dir=release))
    assert len(store) == 1


def test_report_command_writes_the_files(project: Path, tmp_path: Path) -> None:
    settings = Settings(root=project, public_url="https://idm.example.org/")
    files = report_command(settings, out_dir=tmp_path / "report", on="2023-12-31")
    html = files.html.read_text(encoding="utf-8")
    assert 'href="https://idm.example.org/queries/pending-approval?on=2023-12-31"' in html
    assert "query `pending-approval` with on=2023-12-31; 2 row(s)" in files.markdown.read_text(
        encoding="utf-8"
    )
    assert {path.name for path in files.svgs} >= {"liaison-flows.svg", "pipeline-sg17.svg"}


def test_catalogue_described_as_rdf() -> None:
    catalogue = load_catalogue(ROOT / "queries", root=ROOT)
    triples = catalogue_triples(catalogue, queries_url="https://idm.example.org/queries/")
    graph = rdflib.Graph()
    for triple in triples:
        graph.parse(data=f"{triple} .", format="nt")
    shacl = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    selects = set(graph.subjects(rdflib.RDF.type, shacl.SPARQLSelectExecutable))
    constructs = set(graph.subjects(rdflib.RDF.type, shacl.SPARQLConstructExecutable))
    assert len(selects) + len(constructs) == len(catalogue)
    pending = rdflib.URIRef("https://idm.example.org/queries/pending-approval")
    assert pending in selects
    assert str(graph.value(pending, shacl.select)) == catalogue.get("pending-approval").sparql
