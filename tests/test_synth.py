"""The synthetic landscape: deterministic, streamed, sized by scale, conforming to the shapes."""

from __future__ import annotations

import doctest
import hashlib
import tracemalloc
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

import idmgraph.synth
import idmgraph.synth.terms
from idmgraph.base.settings import Settings
from idmgraph.pipeline import sources, validate
from idmgraph.synth import generate, main_synth, write_nquads, write_project
from idmgraph.synth.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
CLASSES = (
    "Sector", "StudyGroup", "Question", "JointCoordinationActivity", "Group", "StudyPeriod",
    "Recommendation", "Corrigendum", "Amendment", "Supplement", "Edition", "WorkItem",
    "LifecycleEvent", "WorkPlan", "LiaisonFlow", "ReportingPeriod", "Meeting", "Workshop",
    "TemporaryDocument", "Roadmap", "Resolution", "ProgressReport", "Source",
)  # fmt: skip
BASE = Settings().base_iri
SYNTH = BASE + "id/synth/"
SOURCE = BASE + "id/source/synth-"
PREFIXES = f"""
PREFIX idm: <https://w3id.org/idmgraph/def/>
PREFIX status: <https://w3id.org/idmgraph/def/status/>
PREFIX direction: <https://w3id.org/idmgraph/def/direction/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX syn: <{SYNTH}>
"""


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, keyed by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def store_1e5(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """A store holding the 10^5-triple landscape, loaded from its N-Quads file."""
    path = tmp_path_factory.mktemp("nq") / "synth.nq"
    write_nquads(path, scale=100_000, seed=7)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    """SELECT results as tuples of term values."""
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(term.value if term else "" for term in row) for row in result]


def test_same_scale_and_seed_give_byte_identical_projects(tmp_path: Path) -> None:
    first = write_project(tmp_path / "a", scale=5_000, seed=3)
    second = write_project(tmp_path / "b", scale=5_000, seed=3)
    other = write_project(tmp_path / "c", scale=5_000, seed=4)
    digest = tree_digest(tmp_path / "a")
    assert len(digest) > 10
    assert digest == tree_digest(tmp_path / "b")
    assert digest != tree_digest(tmp_path / "c")
    assert first.triples == second.triples
    assert other.triples > 0


def test_same_scale_and_seed_give_byte_identical_nquads(tmp_path: Path) -> None:
    write_nquads(tmp_path / "a.nq", scale=20_000, seed=1)
    write_nquads(tmp_path / "b.nq", scale=20_000, seed=1)
    assert (tmp_path / "a.nq").read_bytes() == (tmp_path / "b.nq").read_bytes()


def test_project_and_nquads_hold_the_same_quads(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", scale=5_000, seed=2)
    summary = write_nquads(tmp_path / "all.nq", scale=5_000, seed=2)
    from_files = set()
    for path in sorted((tmp_path / "project" / "data").rglob("*.ttl")):
        graph = ox.NamedNode(f"{BASE}id/source/{path.parent.name}")
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE):
            from_files.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    from_nquads = set(ox.parse(path=str(tmp_path / "all.nq"), format=ox.RdfFormat.N_QUADS))
    assert from_files == from_nquads
    assert len(from_nquads) == summary.triples == project.triples  # no statement twice
    assert project.sources == summary.sources == len({q.graph_name for q in from_nquads})


def test_the_base_iri_is_honoured() -> None:
    quads = list(generate(scale=2_000, seed=0, base_iri="http://example.org/x/"))
    assert all(q[0].startswith("<http://example.org/x/id/") for q in quads)


@pytest.mark.parametrize("scale", [10_000, 100_000])
def test_scale_is_the_approximate_triple_count(scale: int) -> None:
    count = sum(1 for _ in generate(scale=scale, seed=0))
    assert 0.8 * scale <= count <= 1.2 * scale


def test_a_scale_too_small_for_the_landscape_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        Plan.for_scale(999)


def test_generation_streams_in_bounded_memory(tmp_path: Path) -> None:
    peaks = []
    for scale in (20_000, 200_000):
        tracemalloc.start()
        write_nquads(tmp_path / f"{scale}.nq", scale=scale, seed=0)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # ten times the triples, not ten times the memory: only per-Question state is kept
    assert peaks[1] < 3 * peaks[0]
    assert peaks[1] < 20 * 2**20


def test_small_landscape_passes_the_shacl_gate(tmp_path: Path) -> None:
    write_project(
        tmp_path, scale=3_000, seed=5, ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes"
    )
    report = validate.validate(sources.load(Settings(root=tmp_path)))
    assert report.results == ()
    # the gate does look at this data: breaking one resource makes it fail
    structure = tmp_path / "data" / "synth-u0-structure" / "data.ttl"
    broken = structure.read_text(encoding="utf-8").replace('skos:notation "SG1"', "", 1)
    structure.write_text(broken, encoding="utf-8")
    failed = validate.validate(sources.load(Settings(root=tmp_path)))
    assert [v.shape for v in failed.violations] == [
        "https://w3id.org/idmgraph/shapes/StudyGroupShape"
    ]


def test_every_kind_of_resource_is_there(store_1e5: ox.Store) -> None:
    found = {
        row[0]: row[1]
        for row in rows(
            store_1e5, "SELECT ?t (COUNT(?s) AS ?n) { GRAPH ?g { ?s a ?t } } GROUP BY ?t"
        )
    }
    for local in CLASSES:
        assert int(found.get(f"https://w3id.org/idmgraph/def/{local}", "0")) > 0, local
    assert int(found["https://w3id.org/idmgraph/def/WorkItem"]) > 1_000


def test_nothing_can_be_mistaken_for_real_data(store_1e5: ox.Store) -> None:
    outside = rows(
        store_1e5,
        f"""SELECT DISTINCT ?s {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER (!STRSTARTS(STR(?s), "{SYNTH}") && !STRSTARTS(STR(?s), "{SOURCE}")) }}""",
    )
    assert outside == []
    graphs = rows(store_1e5, "SELECT DISTINCT ?g { GRAPH ?g { } }")
    assert graphs
    assert all(g.startswith(SOURCE) for (g,) in graphs)
    undisclaimed = rows(
        store_1e5,
        """SELECT ?g { GRAPH ?g { ?g a ?kind } FILTER NOT EXISTS {
               GRAPH ?g { ?g dcterms:description ?d FILTER CONTAINS(?d, "Synthetic data") } } }""",
    )
    assert undisclaimed == []


def test_lifecycle_dates_follow_the_approval_process(store_1e5: ox.Store) -> None:
    checked = rows(
        store_1e5,
        """SELECT (COUNT(*) AS ?n) { ?item idm:lifecycleEvent ?a , ?b .
               ?a idm:eventType status:new-work-item ; dcterms:date ?start .
               ?b idm:eventType status:approved ; dcterms:date ?end . }""",
    )
    assert int(checked[0][0]) > 100
    order = {"new-work-item": 0, "consented": 1, "determined": 1, "agreed": 1, "discontinued": 1}
    order["approved"] = 2
    wrong = []
    for item, first, second, start, end in rows(
        store_1e5,
        """SELECT ?item ?ta ?tb ?da ?db { ?item idm:lifecycleEvent ?a , ?b .
               ?a idm:eventType ?ta ; dcterms:date|idm:notLaterThan ?da .
               ?b idm:eventType ?tb ; dcterms:date|idm:notLaterThan ?db . FILTER (?a != ?b) }""",
    ):
        rank_a, rank_b = order[first.rsplit("/", 1)[1]], order[second.rsplit("/", 1)[1]]
        if rank_a < rank_b and start > end:
            wrong.append((item, first, start, second, end))
    assert wrong == []


def test_events_are_stated_by_a_report_of_their_time(store_1e5: ox.Store) -> None:
    # only approvals may come after the status date: updates the report added
    stated = rows(
        store_1e5, "SELECT (COUNT(*) AS ?n) { ?e a idm:LifecycleEvent ; dcterms:source ?s }"
    )
    assert int(stated[0][0]) > 1_000
    late = rows(
        store_1e5,
        """SELECT ?e { ?e dcterms:source ?src ; dcterms:date ?d ; idm:eventType ?t .
               ?src idm:statusDate ?status FILTER (?d > ?status && ?t != status:approved) }""",
    )
    assert late == []


def test_editions_replace_earlier_editions(store_1e5: ox.Store) -> None:
    pairs = rows(
        store_1e5,
        """SELECT ?new ?old ?dn ?do { ?new idm:replaces ?old ; dcterms:date ?dn ;
               idm:editionOf ?text . ?old dcterms:date ?do ; idm:editionOf ?text . }""",
    )
    assert len(pairs) > 10
    assert [p for p in pairs if p[2] <= p[3]] == []


def test_texts_are_changed_only_after_an_approved_edition(store_1e5: ox.Store) -> None:
    query = """SELECT {0} {{
        ?item idm:revises|idm:supplements|(idm:develops/(idm:corrigendumTo|idm:amendmentTo)) ?rec ;
              idm:lifecycleEvent ?start .
        ?start idm:eventType status:new-work-item ; dcterms:date ?opened .
        {1} }}"""
    changes = rows(store_1e5, query.format("(COUNT(*) AS ?n)", ""))
    assert int(changes[0][0]) > 100
    premature = rows(
        store_1e5,
        query.format(
            "?item ?rec",
            "FILTER NOT EXISTS { ?e idm:editionOf ?rec ; dcterms:date ?d FILTER (?d < ?opened) }",
        ),
    )
    assert premature == []


def test_liaison_flows_are_asymmetric_both_ways(store_1e5: ox.Store) -> None:
    query = """SELECT (COUNT(*) AS ?n) {{
        ?f idm:direction direction:{0} ; idm:party ?p ; idm:counterpart ?c ;
           idm:reportingPeriod ?rp .
        MINUS {{ ?g idm:direction direction:{1} ; idm:party ?p ; idm:counterpart ?c ;
                    idm:reportingPeriod ?rp . }} }}"""
    sent_only = int(rows(store_1e5, query.format("outgoing", "incoming"))[0][0])
    received_only = int(rows(store_1e5, query.format("incoming", "outgoing"))[0][0])
    both = rows(
        store_1e5,
        """SELECT (COUNT(*) AS ?n) { ?f idm:direction direction:outgoing ; idm:party ?p ;
               idm:counterpart ?c ; idm:reportingPeriod ?rp . ?g idm:direction direction:incoming ;
               idm:party ?p ; idm:counterpart ?c ; idm:reportingPeriod ?rp . }""",
    )
    assert sent_only > 0
    assert received_only > 0
    assert int(both[0][0]) > 0


def test_every_work_plan_lists_items(store_1e5: ox.Store) -> None:
    plans = rows(store_1e5, "SELECT ?w { ?w a idm:WorkPlan }")
    empty = rows(store_1e5, "SELECT ?w { ?w a idm:WorkPlan FILTER NOT EXISTS { ?w idm:item ?i } }")
    assert len(plans) > 10
    assert empty == []


def test_main_synth_reuses_the_projects_ontology_and_shapes(tmp_path: Path) -> None:
    summary = main_synth(2_000, tmp_path / "out", 0, root=ROOT)
    assert summary.triples > 1_000
    for folder in ("ontology", "shapes"):
        assert tree_digest(tmp_path / "out" / folder) == tree_digest(ROOT / folder)
    assert (tmp_path / "out" / "data" / "synth-landscape" / "source.ttl").is_file()


@pytest.mark.parametrize("module", [idmgraph.synth, idmgraph.synth.terms])
def test_docstring_examples(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module)
    assert tried > 0
    assert failures == 0


def test_a_folder_with_data_is_not_overwritten(tmp_path: Path) -> None:
    write_project(tmp_path, scale=2_000, seed=0)
    with pytest.raises(FileExistsError, match="not empty"):
        write_project(tmp_path, scale=3_000, seed=0)
