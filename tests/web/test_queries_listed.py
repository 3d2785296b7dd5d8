"""The named queries are listed in the service description and in the release's VoID."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyoxigraph
import pytest

from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import load_catalogue
from idmgraph.pipeline.release import Release
from tests.web.linkedserver import Server

REPO = Path(__file__).parent.parent.parent
SHACL = "http://www.w3.org/ns/shacl#"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"


@pytest.fixture(scope="module")
def names() -> set[str]:
    catalogue = load_catalogue(REPO / "queries", root=REPO)
    found = {query.name for query in catalogue}
    assert found
    return found


def listed(triples: list[pyoxigraph.Triple], subject_prefix: str) -> set[str]:
    assert not any(isinstance(t.object, pyoxigraph.Triple) for t in triples)
    return {
        t.object.value.rsplit("/", 1)[-1]
        for t in triples
        if not isinstance(t.object, pyoxigraph.Triple)
        and t.predicate.value == SEE_ALSO
        and t.object.value.startswith(subject_prefix)
    }


def test_void_of_the_release_lists_every_query(
    repository_release: Release, names: set[str]
) -> None:
    void = list(pyoxigraph.parse(path=repository_release.directory / "void.ttl"))
    assert listed(void, Settings().base_iri + "queries/") == names
    executables = {
        t.subject.value.rsplit("/", 1)[-1]
        for t in void
        if t.predicate.value.endswith("#type") and t.object.value.startswith(SHACL + "SPARQL")
    }
    assert executables == names


def test_service_description_lists_every_query(server: Server, names: set[str]) -> None:
    answer = httpx.get(
        server.base + "/sparql", headers={"Accept": "application/n-triples"}, timeout=30
    )
    assert answer.status_code == 200
    triples = list(pyoxigraph.parse(answer.content, format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert listed(triples, server.base + "/queries/") == names
