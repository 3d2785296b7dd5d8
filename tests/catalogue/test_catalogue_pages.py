"""What the resource pages of the committed snapshot show: X.509's editions and corrigenda."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.linkedstore import Running, running_store

from idmgraph.reading.describe import Description, describe_resource

ID = "https://w3id.org/idmgraph/id/"
DEF = "https://w3id.org/idmgraph/def/"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    generator = running_store(Path(tmp_path_factory.mktemp("catalogue-pages")))
    yield next(generator)
    generator.close()


def about(running: Running, iri: str) -> Description:
    found = running.run(describe_resource(running.store, iri, settings=running.settings))
    assert found is not None, iri
    return found


def test_x509_page_shows_its_editions_with_dates(running: Running) -> None:
    page = about(running, ID + "rec/X.509")
    editions = {e.what.iri: e.date for e in page.timeline if e.kind.iri == DEF + "Edition"}
    assert editions[ID + "rec/X.509/edition/2019-10"] == "2019-10-14"
    assert editions[ID + "rec/X.509/edition/1988-11"] == "1988-11-25"
    corrigenda = {s.value.iri for s in page.inbound if s.predicate.iri == DEF + "corrigendumTo"}
    assert {ID + "rec/X.509/cor1", ID + "rec/X.509/cor2"} <= corrigenda


def test_corrigendum_edition_page_names_the_edition_it_corrects(running: Running) -> None:
    page = about(running, ID + "rec/X.509/edition/2019-10")
    applied = {s.value.iri for s in page.inbound if s.predicate.iri == DEF + "appliesTo"}
    assert ID + "rec/X.509/cor2/edition/2023-10" in applied
    graphs = {g.iri for s in page.statements for g in s.graphs}
    assert ID + "source/catalogue-itu" in graphs
