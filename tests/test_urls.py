"""URL shapes: IRI ↔ path ↔ document, round trips for every namespace and format."""

from __future__ import annotations

import pytest

from idmgraph.base import formats
from idmgraph.base.urls import (
    ONTOLOGY_NS,
    SHAPES_NS,
    SYSTEM_PAGES,
    Urls,
    document_path,
    download_path,
    latest_path,
    resource_formats,
    split_document,
    with_format,
)

BASE = "https://w3id.org/idmgraph/"
IRIS = [
    BASE + "id/rec/X.1095",
    BASE + "id/rec/X.509/cor2",
    BASE + "id/workitem/X.pet_auth/approved-2023-11-13",
    BASE + "id/period/sg17/2023-03-03--2023-09-08",
    BASE + "id/group/itu-t/2022-2024/sg17/q10",
    ONTOLOGY_NS,
    ONTOLOGY_NS + "WorkItem",
    ONTOLOGY_NS + "status/approved",
    SHAPES_NS + "EditionShape",
]


@pytest.mark.parametrize("iri", IRIS)
def test_iri_path_round_trip(iri: str) -> None:
    urls = Urls(BASE)
    path = urls.path(iri)
    assert path is not None
    assert path.startswith(("/id/", "/def/", "/shapes/"))
    assert urls.iri(path) == iri


@pytest.mark.parametrize("iri", IRIS)
@pytest.mark.parametrize("fmt", resource_formats(), ids=lambda f: f.name)
def test_document_round_trip(iri: str, fmt: formats.Format) -> None:
    urls = Urls(BASE)
    document = urls.document(iri, fmt)
    parsed = split_document(document)
    assert parsed is not None
    assert parsed.format == fmt
    assert urls.iri(parsed.thing) == iri


def test_resource_formats_are_single_graph_rdf_and_html() -> None:
    names = [fmt.name for fmt in resource_formats()]
    assert names == ["turtle", "jsonld", "ntriples", "rdfxml", "html"]


def test_dots_in_identifiers_are_not_extensions() -> None:
    assert split_document("/id/rec/X.1095") is None
    assert split_document("/id/rec/X.1277.2") is None
    assert split_document("/id/workitem/X.pet_auth") is None


def test_namespace_document_is_index() -> None:
    assert document_path("/def/", formats.by_name("turtle")) == "/def/index.ttl"
    parsed = split_document("/def/index.html")
    assert parsed is not None
    assert parsed.thing == "/def/"


def test_other_base_moves_data_but_not_the_ontology() -> None:
    urls = Urls("http://localhost:8000/")
    assert urls.path("http://localhost:8000/id/org/itu") == "/id/org/itu"
    assert urls.path(ONTOLOGY_NS + "Text") == "/def/Text"
    assert urls.path(BASE + "id/org/itu") is None
    assert urls.iri("/id/org/itu") == "http://localhost:8000/id/org/itu"


def test_outside_iris_have_no_path_and_link_to_themselves() -> None:
    urls = Urls(BASE)
    outside = "http://www.wikidata.org/entity/Q376150"
    assert urls.path(outside) is None
    assert not urls.is_ours(outside)
    assert urls.href(outside) == outside
    with pytest.raises(ValueError, match="not in a namespace"):
        urls.document(outside, formats.by_name("turtle"))


def test_system_pages_are_not_data() -> None:
    urls = Urls(BASE)
    for path in SYSTEM_PAGES.values():
        assert urls.iri(path) is None, path


def test_with_format_keeps_other_parameters() -> None:
    url = with_format("/lookup?id=X.1095&format=html", formats.by_name("turtle"))
    assert url == "/lookup?id=X.1095&format=ttl"


def test_download_paths() -> None:
    assert download_path("abc123", "idmgraph.ttl.gz") == "/downloads/abc123/idmgraph.ttl.gz"
    assert latest_path("idmgraph.nq") == "/downloads/latest/idmgraph.nq"


def test_characters_outside_pchar_are_escaped() -> None:
    urls = Urls(BASE)
    path = urls.path(BASE + "id/org/a b")
    assert path == "/id/org/a%20b"
    assert urls.iri(path) == BASE + "id/org/a b"
