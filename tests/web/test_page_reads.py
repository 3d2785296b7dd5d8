"""A page's named queries are the application's own reads: never cut at the client's row cap.

/gaps and /landscape read named queries through ``answer_table``; with the client's cap (10,000
rows by default) a whole-catalogue landscape lost its lines silently. Here the cap is 3.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from idmgraph.base import formats
from idmgraph.pipeline.queries import load_catalogue
from idmgraph.store.request import QueryRequest
from idmgraph.web.gaps import answer_table
from tests.linkedstore import ROOT, Running, running_store


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    generator = running_store(tmp_path_factory.mktemp("page-reads"))
    yield next(generator)
    generator.close()


def test_a_page_reads_every_row_of_a_named_query_whatever_the_client_cap(
    running: Running,
) -> None:
    query = load_catalogue(ROOT / "queries", root=ROOT).get("landscape-editions")
    values = {"on": "2026-12-31"}
    tight = dataclasses.replace(running.settings, max_result_rows=3)
    read = running.run(answer_table(running.store, tight, query, values))
    # what a client asking under a cap far above the answer gets: every row
    whole = running.run(
        running.store.query(
            QueryRequest.of(
                query.sparql,
                shape=query.shape,
                format=formats.by_name("json"),
                substitutions=query.bindings(values),
                timeout=60,
                max_rows=1_000_000,
            )
        )
    )
    assert not whole.truncated
    assert len(read.rows) == whole.rows > 3
