"""The application's own reads see every resource, whatever the client's row cap (issue 13).

On a synthetic landscape of about 10^5 triples, with a client row cap far below its size, the
lookup index, the outgoing links (links.csv, the VoID linksets) and the landing page's lists
hold every resource a direct reading of the same data finds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
import pytest

from idmgraph.base.namespaces import IDM_NS
from idmgraph.base.settings import Settings
from idmgraph.reading.linksets import LINK_PREDICATES, outgoing_links
from idmgraph.reading.lookup import load_index
from idmgraph.store.embedded import OxigraphStore
from idmgraph.synth import write_nquads
from idmgraph.web.home import entry_lists

T = TypeVar("T")
CLIENT_CAP = 100  # far below what each read returns


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ox.Store]:
    path = tmp_path_factory.mktemp("synth") / "landscape.nq"
    write_nquads(path, scale=100_000, seed=11)
    direct = ox.Store()
    direct.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return path, direct


def _read(path: Path, work: Callable[[OxigraphStore, Settings], Awaitable[T]]) -> T:
    settings = Settings(max_result_rows=CLIENT_CAP)
    store = OxigraphStore.from_file(path, workers=1)

    async def main() -> T:
        await store.start()
        try:
            return await work(store, settings)
        finally:
            await store.close()

    return asyncio.run(main())


def _iris(direct: ox.Store, pattern: str) -> set[str]:
    found = direct.query(
        f"SELECT DISTINCT ?x {{ {pattern} FILTER(isIRI(?x)) }}", use_default_graph_as_union=True
    )
    assert isinstance(found, ox.QuerySolutions)
    return {row["x"].value for row in found}


def test_the_lookup_index_holds_every_labelled_resource(landscape: tuple[Path, ox.Store]) -> None:
    path, direct = landscape
    labelled = _iris(direct, "?x <http://www.w3.org/2000/01/rdf-schema#label> ?l")
    assert len(labelled) > 10 * CLIENT_CAP
    index = _read(path, lambda store, settings: load_index(store, settings=settings))
    assert labelled <= {entry.iri for entry in index.entries}


def test_the_landing_page_lists_every_work_item(landscape: tuple[Path, ox.Store]) -> None:
    path, direct = landscape
    work_items = _iris(direct, f"?x a <{IDM_NS}WorkItem>")
    assert len(work_items) > 10 * CLIENT_CAP
    lists = _read(path, lambda store, settings: entry_lists(store, settings=settings))
    listed = next(entries for entries in lists if entries.title == "Work items")
    assert len(listed.entries) == len(work_items)


def test_the_outgoing_links_are_all_there(landscape: tuple[Path, ox.Store]) -> None:
    path, direct = landscape
    predicates = " ".join(f"<{p}>" for p in LINK_PREDICATES)
    found = direct.query(
        f"SELECT DISTINCT ?s ?p ?o {{ ?s ?p ?o VALUES ?p {{ {predicates} }} "
        f'FILTER(STRSTARTS(STR(?s), "https://w3id.org/idmgraph/id/") '
        f'&& (isLiteral(?o) || !STRSTARTS(STR(?o), "https://w3id.org/idmgraph/"))) }}',
        use_default_graph_as_union=True,
    )
    assert isinstance(found, ox.QuerySolutions)
    expected = {(row["s"].value, row["p"].value, row["o"].value) for row in found}
    links = _read(path, lambda store, settings: outgoing_links(store, settings=settings))
    assert {(link.subject, link.predicate, link.target) for link in links} == expected
