"""Lookup of outside identifiers against a real store holding the project's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from idmgraph.reading.lookup import Index, Kind, Outcome, load_index, normalise, parse_code, resolve
from tests.linkedstore import running_store

ID = "https://w3id.org/idmgraph/id/"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    generator = running_store(tmp_path_factory.mktemp("lookup"))
    running = next(generator)
    yield running.run(load_index(running.store, settings=running.settings))
    generator.close()


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("ITU-T X.1095", "rec/X.1095"),
        ("X.1095", "rec/X.1095"),
        ("x.1095", "rec/X.1095"),
        ("T-REC-X.1095", "rec/X.1095"),
        ("https://www.itu.int/rec/T-REC-X.1095", "rec/X.1095"),
        ("T-REC-X.1095-202311-I", "rec/X.1095/edition/2023-11"),
        ("T-REC-X.1095-202311-S", "rec/X.1095/edition/2023-11"),  # the letter is ignored
        ("https://www.itu.int/rec/T-REC-X.1095-202311-I/en", "rec/X.1095/edition/2023-11"),
        ("T-REC-X.509-202310-I!Cor2", "rec/X.509/cor2/edition/2023-10"),
        ("ITU-T X.509 (2019) Cor. 2 (10/2023)", "rec/X.509/cor2/edition/2023-10"),
        ("ITU-T X.1095 (11/2023)", "rec/X.1095/edition/2023-11"),
        ("X.pet_auth", "workitem/X.pet_auth"),
        ("X.PET_AUTH", "workitem/X.pet_auth"),
        ("11.1002/1000/15708", "rec/X.1095/edition/2023-11"),
        ("https://handle.itu.int/11.1002/1000/15708", "rec/X.1095/edition/2023-11"),
        ("ITU-T X.509 Cor. 2", "rec/X.509/cor2"),
        ("Q10/17", "group/itu-t/2022-2024/sg17/q10"),
        ("ISO/IEC JTC1/SC27/WG5", "group/iso-iec-jtc1/sc27/wg5"),
        (f"<{ID}org/itu>", "org/itu"),
    ],
)
def test_identifier_forms_resolve(index: Index, identifier: str, expected: str) -> None:
    found = resolve(identifier, index)
    assert found.outcome is Outcome.FOUND, found
    assert found.iri == ID + expected


def test_unknown_edition_falls_back_to_its_text_and_says_so(index: Index) -> None:
    # X.1254 has editions of 09/2012 and 09/2020 in the ITU-T catalogue; none of 09/2016
    found = resolve("T-REC-X.1254-201609-I", index)
    assert found.iri == ID + "rec/X.1254"
    assert "not in the graph" in found.note


def test_ambiguous_number_lists_every_choice(index: Index) -> None:
    # "X.509 Cor. 2" names both the published corrigendum and the work item that prepared it
    found = resolve("X.509 Cor. 2", index)
    assert found.outcome is Outcome.AMBIGUOUS
    assert {m.iri for m in found.matches} == {ID + "rec/X.509/cor2", ID + "workitem/X.509-cor2"}
    assert found.iri is None


def test_citation_prefix_restricts_to_texts(index: Index) -> None:
    found = resolve("ITU-T X.pet_auth", index)
    assert found.outcome is Outcome.UNKNOWN


@pytest.mark.parametrize("identifier", ["", "   ", "X.9999", "T-REC-X.9999", "no such thing"])
def test_unknown_identifiers(index: Index, identifier: str) -> None:
    assert resolve(identifier, index).outcome is Outcome.UNKNOWN


def test_index_knows_kinds(index: Index) -> None:
    kinds = {entry.iri: entry.kind for entry in index.entries}
    assert kinds[ID + "rec/X.1095"] is Kind.TEXT
    assert kinds[ID + "rec/X.509/cor2"] is Kind.TEXT
    assert kinds[ID + "rec/X.1095/edition/2023-11"] is Kind.EDITION
    assert kinds[ID + "workitem/X.pet_auth"] is Kind.OTHER


def test_parse_code_forms() -> None:
    code = parse_code("T-REC-X.1277.2-202304-I")
    assert code is not None
    assert (code.text, code.month) == ("X.1277.2", "2023-04")
    code = parse_code("T-REC-X.509")
    assert code is not None
    assert (code.text, code.month) == ("X.509", None)
    assert parse_code("X.509") is None


def test_normalise_ignores_case_spaces_and_abbreviation_dots() -> None:
    assert normalise("X.509 Cor. 2") == normalise("x.509 corrigendum 2") == "x.509cor2"
    assert normalise("X.1095") != normalise("X.1096")


def test_suggestions_for_a_near_miss(index: Index) -> None:
    from idmgraph.reading.lookup import suggest

    hints = [m.iri for m in suggest("X.1095x", index)]
    assert ID + "rec/X.1095" in hints
    assert next(m.iri for m in suggest("pet_auth", index)) == ID + "workitem/X.pet_auth"
    assert suggest("q", index) == ()


def test_search_by_words_of_a_title(index: Index) -> None:
    from idmgraph.reading.lookup import suggest

    hints = {m.iri for m in suggest("telebiometrics", index)}
    assert {ID + "rec/X.1095", ID + "workitem/X.pet_auth"} <= hints
