"""The named-query catalogue: metadata parsing, parameter checking, and every query's answer on
the real data. Expected answers are read from the SG17 report of September 2023 (and, for
topics, from data/editorial-topics/assignments.ttl), not copied from query output."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from idmgraph.base.errors import BadRequest, NotFound, SourceError
from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import (
    BASIS,
    ParamType,
    QueryForm,
    QueryKind,
    load_catalogue,
    read_query,
    run,
)
from idmgraph.reading.querying import store_from_sources

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = load_catalogue(ROOT / "queries", root=ROOT)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return store_from_sources(Settings(root=ROOT))


def rows(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    """The answer as plain strings (empty for unbound), every gap row checked for its basis."""
    query = CATALOGUE.get(name)
    result = run(store, query, params)
    assert isinstance(result, ox.QuerySolutions)
    names = [variable.value for variable in result.variables]
    found = [{n: ("" if row[n] is None else row[n].value) for n in names} for row in result]
    if query.kind is QueryKind.GAP:
        assert all(row["basis"] == BASIS for row in found)
    return found


def column(found: list[dict[str, str]], name: str) -> list[str]:
    return sorted(row[name] for row in found)


# ------------------------------------------------------------------ the catalogue


def test_catalogue_holds_every_kind_and_orders_gaps_first() -> None:
    kinds = [query.kind for query in CATALOGUE]
    assert len(CATALOGUE) >= 15
    assert kinds == sorted(kinds, key=list(QueryKind).index)
    assert {QueryKind.GAP, QueryKind.INVENTORY, QueryKind.EXAMPLE} <= set(kinds)
    assert len(CATALOGUE.of_kind(QueryKind.GAP)) >= 12


def test_metadata_is_read_from_the_comment_block() -> None:
    query = CATALOGUE.get("work-items-by-status")
    assert query.title == "Work items with a given status on a date"
    assert query.path == "queries/work-items-by-status.rq"
    assert query.form is QueryForm.SELECT
    status, on = query.parameters
    assert (status.name, status.type, status.default) == ("status", ParamType.STRING, "approved")
    assert "discontinued" in status.allowed
    assert len(status.allowed) == 6
    assert (on.name, on.type, on.default) == ("on", ParamType.DATE, "2023-09-08")
    assert "latest lifecycle event on or before the date" in query.description


def test_unknown_query_is_not_found() -> None:
    with pytest.raises(NotFound):
        CATALOGUE.get("no-such-query")


def test_construct_query_has_its_form() -> None:
    assert CATALOGUE.get("topic-assignments").form is QueryForm.CONSTRUCT


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"on": "2023-02-30"}, "not a valid date"),
        ({"on": "8 September 2023"}, "not a valid date"),
        ({"on": '2023-09-08"^^<x> } #'}, "not a valid date"),
        ({"status": "pending"}, "is not one of"),
        ({"colour": "red"}, "has no parameter 'colour'"),
    ],
)
def test_parameters_are_checked(given: dict[str, str], problem: str) -> None:
    with pytest.raises(BadRequest, match=problem):
        CATALOGUE.get("work-items-by-status").bindings(given)


def test_parameters_are_bound_as_typed_terms() -> None:
    bound = CATALOGUE.get("work-items-by-status").bindings({"on": " 2023-10-01 "})
    assert bound["on"] == ox.Literal(
        "2023-10-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
    )
    assert bound["status"] == ox.Literal("approved")


def test_a_string_parameter_cannot_change_the_query(store: ox.Store) -> None:
    # The value is one literal term: quotes and braces in it match nothing, inject nothing.
    found = rows(store, "work-items-by-group", group='SG17" } UNION { ?item ?p ?o } #')
    assert found == []


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_HEAD = "#+ title: T\n#+ kind: inventory\n#+ description: D\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("SELECT * WHERE { ?s ?p ?o }\n", "no '#\\+' metadata block"),
        ("#+ title: T\n#+ kind: inventory\nSELECT * {}\n", "needs '#\\+ description:'"),
        ("#+ title: T\n#+ kind: report\n#+ description: D\nSELECT * {}\n", "kind 'report'"),
        (GOOD_HEAD + "#+ colour: red\nSELECT * {}\n", "unknown metadata line"),
        (GOOD_HEAD + "SELECT * WHERE { ?s ?p }\n", "SPARQL syntax error"),
        (GOOD_HEAD + "#+ param: on\n#+   type: time\nSELECT ?on {}\n", "type must be one of"),
        (GOOD_HEAD + "#+ param: on\n#+   type: date\nSELECT ?x {}\n", "the query has no \\?on"),
        (
            GOOD_HEAD + "#+ param: on\n#+   type: date\n#+   default: soon\nSELECT ?on {}\n",
            "not a valid date",
        ),
        (
            GOOD_HEAD + "#+ param: on\n#+   type: date\nSELECT ?x { BIND(?on AS ?x) }\n",
            "cannot be bound",
        ),
        (
            "#+ title: T\n#+ kind: gap\n#+ description: D\nSELECT ?s { ?s ?p ?o }\n",
            "must project \\?basis",
        ),
    ],
)
def test_a_malformed_query_file_fails_naming_the_file(
    tmp_path: Path, text: str, problem: str
) -> None:
    write(tmp_path, "broken-query.rq", text)
    with pytest.raises(SourceError, match=problem) as caught:
        load_catalogue(tmp_path, root=tmp_path)
    assert caught.value.path == "broken-query.rq"


def test_a_query_name_must_be_a_url_segment(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="lower-case words"):
        read_query(write(tmp_path, "Bad Name.rq", GOOD_HEAD + "SELECT * {}\n"))


def test_continuation_lines_extend_a_description(tmp_path: Path) -> None:
    text = GOOD_HEAD.replace("D\n", "first\n#+   second\n") + "SELECT * {}\n"
    assert read_query(write(tmp_path, "ok.rq", text)).description == "first second"


# ------------------------------------------------------------------ gap queries on the real data
# Report, first paragraph: SG2, SG3, SG11, SG13, SG16, SG20 (and SG17) have IdM activities;
# Annex 2 lists items of SG2, SG11, SG13, SG17 and SG20 only.


def test_idm_groups_without_work_items(store: ox.Store) -> None:
    assert column(rows(store, "idm-groups-without-work-items"), "groupName") == ["SG16", "SG3"]


# Section 5: received from 8 counterparts, sent to 21; SG2, SG11, SG13, SG16, SCV and
# ISO/IEC JTC1/SC27/WG5 appear in both lists.
RECEIVED_ONLY = ["GSMA PQTN", "Secure Identity Alliance"]
SENT_ONLY = [
    "FIDO Alliance", "ISO/TC 307/JWG 4", "ITU-D Q3/2", "ITU-T SG12", "ITU-T SG15", "ITU-T SG20",
    "ITU-T SG3", "ITU-T SG5", "ITU-T SG9", "NIST", "OASIS", "OASIS ESAT TC", "RAISE Forum",
    "TSAG", "W3C DID WG",
]  # fmt: skip


def test_liaison_asymmetry(store: ox.Store) -> None:
    found = rows(store, "liaison-asymmetry")
    by_flow = {flow: sorted(r["counterpartLabel"] for r in found if r["flow"] == flow)
               for flow in ("received only", "sent only")}  # fmt: skip
    assert by_flow == {"received only": RECEIVED_ONLY, "sent only": sorted(SENT_ONLY)}
    assert {row["partyName"] for row in found} == {"SG17"}


def test_coordination_blind_spots(store: ox.Store) -> None:
    # IdM-active groups with a one-way flow: SG3 and SG20 (sent only); SG20 has work items.
    found = rows(store, "coordination-blind-spots")
    assert [(r["groupLabel"], r["flow"]) for r in found] == [("ITU-T SG3", "sent only")]


def test_work_items_by_group_route_status(store: ox.Store) -> None:
    found = rows(store, "work-items-by-group-route-status")
    assert len(found) == 30  # 9 rows of Annex 1 + 21 of Annex 2
    status = {row["designation"]: row["status"] for row in found}
    assert status["X.pet_auth"] == "consented"  # approved only on 2023-11-13
    assert status["X.uaf12"] == "approved"
    assert status["TR.x509ac4sc"] == "agreed"
    assert status["X.oob-sa"] == "determined"
    assert status["X.afotak"] == "new-work-item"
    assert status["X.1251rev"] == "discontinued"
    assert status["X.bvm"] == ""  # the report states no event for it
    per_group = {g: sum(r["groupName"] == g for r in found) for g in ("SG2", "SG17", "SG20")}
    assert per_group == {"SG2": 2, "SG17": 20, "SG20": 4}
    routes = {row["designation"]: row["route"] for row in found}
    assert routes["TR.OTTnum"] == "agreement"
    assert routes["E.IoT-NNAI"] == "tap"
    later = {r["designation"]: r["status"] for r in rows(store, name_of_status(), on="2023-12-01")}
    assert later["X.pet_auth"] == "approved"
    assert later["X.510 Revised"] == "approved"
    earlier = rows(store, name_of_status(), on="2023-01-01")
    assert {row["status"] for row in earlier} == {""}


def name_of_status() -> str:
    return "work-items-by-group-route-status"


DISCONTINUED = ["X.1251rev", "Y.FW.IC.MDSC", "Y.IoT-IoD-PT", "YSTR.Feas-DID-IoT"]


def test_discontinued_work(store: ox.Store) -> None:
    found = rows(store, "discontinued-work")
    assert column(found, "designation") == DISCONTINUED
    assert {row["dateIs"] for row in found} == {"not later than"}  # the report gives no date
    assert rows(store, "discontinued-work", on="2023-09-07") == []


def test_approval_pipeline(store: ox.Store) -> None:
    # Consented 2023-09-08, approved 2023-10-29 (51 days) or 2023-11-13 (66 days).
    found = rows(store, "approval-pipeline")
    days = sorted((row["designation"], row["step"], int(row["days"])) for row in found)
    assert days == [
        ("X.509 Cor. 2", "consented", 51),
        ("X.510 Revised", "consented", 51),
        ("X.jss", "consented", 51),
        ("X.pet_auth", "consented", 66),
    ]


def test_pending_approval(store: ox.Store) -> None:
    on_status_date = rows(store, "pending-approval")
    assert sorted((r["designation"], r["status"]) for r in on_status_date) == [
        ("X.509 Cor. 2", "consented"), ("X.510 Revised", "consented"), ("X.jss", "consented"),
        ("X.oob-sa", "determined"), ("X.osia", "determined"), ("X.pet_auth", "consented"),
    ]  # fmt: skip
    assert {row["daysPending"] for row in on_status_date} == {"0"}
    november = rows(store, "pending-approval", on="2023-11-01")
    assert sorted((r["designation"], r["daysPending"]) for r in november) == [
        ("X.oob-sa", "54"), ("X.osia", "54"), ("X.pet_auth", "54"),
    ]  # fmt: skip
    year_end = rows(store, "pending-approval", on="2023-12-31")
    assert column(year_end, "designation") == ["X.oob-sa", "X.osia"]


def test_topics_without_approved_recommendation(store: ox.Store) -> None:
    # In force on 2023-09-08: X.1277.2 and X.1278.2 (approved 2023-04-29) and the existing
    # X.509, X.510, X.1250, X.1251, X.1254; X.1095 only from 2023-11-13.
    expected = [
        "decentralised-identity", "dfs-ekyc", "iot-device-identity", "naming-numbering",
        "network-signalling", "telebiometrics", "zero-trust",
    ]  # fmt: skip
    found = rows(store, "topics-without-approved-recommendation")
    assert sorted(row["topic"].rsplit("/", 1)[1] for row in found) == expected
    telebiometrics = next(row for row in found if row["topic"].endswith("/telebiometrics"))
    assert sorted(telebiometrics["items"].split(", ")) == ["X.bvm", "X.pet_auth", "X.tas"]
    after = rows(store, "topics-without-approved-recommendation", on="2023-11-13")
    assert sorted(row["topic"].rsplit("/", 1)[1] for row in after) == [
        topic for topic in expected if topic != "telebiometrics"
    ]


def test_topics_in_several_groups(store: ox.Store) -> None:
    found = rows(store, "topics-in-several-groups")
    groups = {row["topic"].rsplit("/", 1)[1]: sorted(row["groups"].split(", ")) for row in found}
    assert groups == {
        "iot-device-identity": ["SG11", "SG2", "SG20"],  # E.IoT-NNAI, Q.CCF-CCSD, Y.IoT-acs-fra
        "zero-trust": ["SG13", "SG20"],  # Y.trust-tla, Y.IoT-acs-fra
    }
    # Before the SG20 discontinuations are known, decentralised identity spans SG17 and SG20.
    before = rows(store, "topics-in-several-groups", on="2023-09-07")
    assert "decentralised-identity" in {row["topic"].rsplit("/", 1)[1] for row in before}


def test_topics_only_discontinued(store: ox.Store) -> None:
    found = rows(store, "topics-only-discontinued")
    assert [row["topic"].rsplit("/", 1)[1] for row in found] == ["privacy-user-control"]
    assert sorted(found[0]["items"].split(", ")) == ["X.1251rev", "Y.IoT-IoD-PT"]
    assert rows(store, "topics-only-discontinued", on="2023-09-07") == []


OUTSIDE = [
    "FIDO Alliance", "GSMA PQTN", "ISO/IEC JTC 1/SC 27/WG 5", "ISO/TC 307/JWG 4", "NIST",
    "OASIS", "OASIS ESAT TC", "RAISE Forum", "Secure Identity Alliance", "W3C DID WG",
]  # fmt: skip


# The correspondences of ../shared/sources/external-facts.md, read by hand: (number, link,
# specification, publishing bodies). SIA is the only liaison counterpart among the publishers:
# ISO and IEC publish the ISO/IEC texts, which need not be the work of the ISO groups SG17
# liaises with.
KNOWN_CORRESPONDENCES = [
    ("X.1254", "related", "ISO/IEC 29115", ["IEC", "ISO"]),
    ("X.1281", "derived from", "OSIA", ["Secure Identity Alliance"]),
    ("X.508", "common text", "ISO/IEC 9594-12", ["IEC", "ISO"]),
    ("X.509", "common text", "ISO/IEC 9594-8", ["IEC", "ISO"]),
    ("X.510", "common text", "ISO/IEC 9594-11", ["IEC", "ISO"]),
]
EXTERNAL_FACTS = "https://w3id.org/idmgraph/id/source/external-facts"


def correspondences(found: list[dict[str, str]]) -> list[tuple[str, str, str, list[str]]]:
    return sorted(
        (r["number"], r["link"], r["specificationLabel"], sorted(r["bodies"].split(" / ")))
        for r in found
    )


def test_external_coverage_on_the_real_sources(store: ox.Store) -> None:
    with_facts = ox.NamedNode(EXTERNAL_FACTS) in set(store.named_graphs())
    found = correspondences(rows(store, "external-correspondences"))
    left = column(rows(store, "counterparts-without-correspondence"), "counterpartLabel")
    if with_facts:  # the confirmed outside facts are loaded (data/external-facts/)
        # The ITU-T catalogue (data/catalogue-itu/) adds the common texts its records name
        # (X.500 | ISO/IEC 9594-1 …); each is a common text published by ISO and/or IEC.
        assert all(row in found for row in KNOWN_CORRESPONDENCES)
        extra = [row for row in found if row not in KNOWN_CORRESPONDENCES]
        assert all(
            link == "common text" and set(bodies) <= {"IEC", "ISO"} for _, link, _, bodies in extra
        )
        assert left == [label for label in OUTSIDE if label != "Secure Identity Alliance"]
    else:  # the report alone states no correspondence with another body's specification
        assert found == []
        assert left == OUTSIDE


CORRESPONDENCE = """
@prefix idm: <https://w3id.org/idmgraph/def/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@base <https://w3id.org/idmgraph/> .
<https://example.org/osia> a idm:Specification ; rdfs:label "OSIA" ;
    dcterms:creator <id/org/sia> .
<https://example.org/9594-8> a idm:Specification ; rdfs:label "ISO/IEC 9594-8" ;
    dcterms:creator <id/org/iso> , <id/org/iec> .
<id/rec/X.1281> prov:wasDerivedFrom <https://example.org/osia> .
<id/rec/X.509> idm:commonTextWith <https://example.org/9594-8> .
"""


def test_external_coverage_with_correspondences() -> None:
    # a store of the report alone (no outside facts, no catalogue) plus two correspondences in
    # the model of data/external-facts
    store = store_from_sources(Settings(root=ROOT))
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode) and (
            graph.value == EXTERNAL_FACTS or "/source/catalogue-" in graph.value
        ):
            store.remove_graph(graph)
    extra = ox.NamedNode("https://example.org/test-graph")
    for triple in ox.parse(CORRESPONDENCE, format=ox.RdfFormat.TURTLE):
        store.add(ox.Quad(triple.subject, triple.predicate, triple.object, extra))
    assert correspondences(rows(store, "external-correspondences")) == [
        ("X.1281", "derived from", "OSIA", ["Secure Identity Alliance"]),
        ("X.509", "common text", "ISO/IEC 9594-8", ["IEC", "ISO"]),
    ]
    left = column(rows(store, "counterparts-without-correspondence"), "counterpartLabel")
    assert left == [label for label in OUTSIDE if label != "Secure Identity Alliance"]


# ------------------------------------------------------------------ inventory and examples


def test_work_items_by_group(store: ox.Store) -> None:
    # Annex 2 per group: SG2 2, SG11 3, SG13 1, SG20 4; SG17 has 9 (Annex 1) + 11 (Annex 2).
    counts = {group: len(rows(store, "work-items-by-group", group=group))
              for group in ("SG2", "SG11", "SG13", "SG17", "SG20", "SG3")}  # fmt: skip
    assert counts == {"SG2": 2, "SG11": 3, "SG13": 1, "SG17": 20, "SG20": 4, "SG3": 0}
    assert len(rows(store, "work-items-by-group")) == 30
    numbers = {r["designation"]: r["number"] for r in rows(store, "work-items-by-group")}
    assert numbers["X.pet_auth"] == "X.1095"
    assert numbers["X.pki-em"] == "X.508"


def test_work_items_by_status(store: ox.Store) -> None:
    approved = rows(store, "work-items-by-status")
    assert column(approved, "designation") == ["X.ctap21", "X.uaf12"]
    approved_later = rows(store, "work-items-by-status", on="2023-12-01")
    assert column(approved_later, "designation") == [
        "X.509 Cor. 2", "X.510 Revised", "X.ctap21", "X.jss", "X.pet_auth", "X.uaf12",
    ]  # fmt: skip
    determined = rows(store, "work-items-by-status", status="determined")
    assert column(determined, "designation") == ["X.oob-sa", "X.osia"]
    new = rows(store, "work-items-by-status", status="new-work-item")
    assert column(new, "designation") == ["X.afotak", "X.sup-ekyc-dfs", "X.sup-sat-dfs"]


def test_work_items_by_topic(store: ox.Store) -> None:
    found = rows(store, "work-items-by-topic", topicName="dfs-ekyc")
    assert sorted((r["what"], r["designation"]) for r in found) == [
        ("work item", "X.sup-ekyc-dfs"), ("work item", "X.sup-sat-dfs"),
    ]  # fmt: skip
    everything = rows(store, "work-items-by-topic")
    # every one of the 30 work items and 13 texts of the report has at least one topic
    assert len({r["designation"] for r in everything if r["what"] == "work item"}) == 30
    assert len({r["designation"] for r in everything if r["what"] == "text"}) == 13


def test_events_by_date(store: ox.Store) -> None:
    # Reporting period: approvals of 2023-04-29, the 2023-09-08 decisions and the undated ones.
    found = rows(store, "events-by-date")
    assert len(found) == 16
    autumn = rows(store, "events-by-date", **{"from": "2023-10-01", "to": "2023-12-31"})
    assert column(autumn, "designation") == ["X.509 Cor. 2", "X.510 Revised", "X.jss", "X.pet_auth"]


def test_liaison_flows(store: ox.Store) -> None:
    found = rows(store, "liaison-flows")
    assert len(found) == 23  # 8 received + 21 sent - 6 both ways
    by_label = {row["counterpartLabel"]: row for row in found}
    assert by_label["ITU-T SG2"]["sent"] == "1"
    assert by_label["ITU-T SG2"]["received"] == "1"
    assert by_label["OASIS ESAT TC"]["organisations"] == "OASIS"
    assert sorted(by_label["ISO/IEC JTC 1/SC 27/WG 5"]["organisations"].split(" / ")) == [
        "IEC", "ISO",
    ]  # fmt: skip


def test_topic_assignments_construct(store: ox.Store) -> None:
    answer = run(store, CATALOGUE.get("topic-assignments"))
    assert isinstance(answer, ox.QueryTriples)
    triples = list(answer)
    subject = ox.NamedNode("http://purl.org/dc/terms/subject")
    assigned = {t.subject for t in triples if t.predicate == subject}
    assert len(assigned) == 43  # 30 work items + 13 texts


def test_topic_parameter_allows_exactly_the_topics_of_the_scheme(store: ox.Store) -> None:
    # the allowed values are written in the .rq file: they must follow the editorial scheme
    answer = store.query(
        "SELECT ?n WHERE { ?t <http://www.w3.org/2004/02/skos/core#topConceptOf> ?s ; "
        "<http://www.w3.org/2004/02/skos/core#notation> ?n }",
        use_default_graph_as_union=True,
    )
    assert isinstance(answer, ox.QuerySolutions)
    scheme = {row["n"].value for row in answer}
    assert len(scheme) == 12
    assert set(CATALOGUE.get("work-items-by-topic").parameter("topicName").allowed) == scheme


def test_topic_assignments_are_their_own_source(store: ox.Store) -> None:
    # every dcterms:subject on a work item or text lives in the editorial graph, not the report's
    answer = store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?x <http://purl.org/dc/terms/subject> ?t . "
        "?t <http://www.w3.org/2004/02/skos/core#inScheme> ?s } }"
    )
    assert isinstance(answer, ox.QuerySolutions)
    graphs = {row["g"].value for row in answer}
    assert graphs == {"https://w3id.org/idmgraph/id/source/editorial-topics"}
