"""The Store interface on the embedded Oxigraph backend, without HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph
import pytest

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest, ConfigurationError, NotAcceptable, QueryTimeout
from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release, write_manifest
from idmgraph.store.backends import open_store
from idmgraph.store.cached import CachedStore
from idmgraph.store.embedded import OxigraphStore
from idmgraph.store.interface import Store
from idmgraph.store.request import AnswerKind, QueryAnswer, QueryRequest, Term

S = TypeVar("S", bound=Store)
T = TypeVar("T")
FIXTURE = Path(__file__).parent / "fixtures" / "endpoint" / "graph.trig"
BASE = "https://w3id.org/idmgraph/"
REPORT = BASE + "id/source/fixture-report"
ROADMAP = BASE + "id/source/fixture-roadmap"
JSON = formats.by_name("json")
RUNAWAY = "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"


def local_store() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=str(FIXTURE), format=pyoxigraph.RdfFormat.TRIG)
    return store


def run(coroutine_function: Callable[[S], Awaitable[T]], store: S) -> T:
    async def main() -> T:
        await store.start()
        try:
            return await coroutine_function(store)
        finally:
            await store.close()

    return asyncio.run(main())


async def select(
    store: Store,
    query: str,
    *,
    timeout: float = 10,
    max_rows: int = 1000,
    default_graphs: tuple[str, ...] | None = None,
    named_graphs: tuple[str, ...] | None = None,
    substitutions: Mapping[str, Term] | None = None,
) -> list[dict[str, Any]]:
    answer = await store.query(
        QueryRequest.of(
            query,
            format=JSON,
            timeout=timeout,
            max_rows=max_rows,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            substitutions=substitutions,
        )
    )
    assert answer.kind is AnswerKind.SELECT
    bindings: list[dict[str, Any]] = json.loads(answer.body)["results"]["bindings"]
    return bindings


def test_shape_of_the_store() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=1)
    local = local_store()

    async def check(store: OxigraphStore) -> tuple[tuple[str, ...], int]:
        return store.graphs(), store.triple_count()

    graphs, count = run(check, store)
    assert graphs == tuple(sorted(g.value for g in local.named_graphs()))
    assert count == len(local)
    assert store.version == OxigraphStore.from_file(FIXTURE).version


def test_datasets_and_substitutions() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=1)
    notation = "SELECT ?n { ?s <http://www.w3.org/2004/02/skos/core#notation> ?n }"

    async def check(store: OxigraphStore) -> tuple[list[dict[str, Any]], ...]:
        union = await select(store, notation)
        report_only = await select(store, notation, default_graphs=(REPORT,))
        from_clause = await select(store, notation.replace("{", f"FROM <{ROADMAP}> {{", 1))
        bound = await select(
            store,
            "SELECT ?s ?n { ?s <http://www.w3.org/2004/02/skos/core#notation> ?n }",
            substitutions={"s": pyoxigraph.NamedNode(BASE + "id/rec/X.1002")},
        )
        return union, report_only, from_clause, bound

    union, report_only, from_clause, bound = run(check, store)

    def values(rows: list[dict[str, Any]]) -> list[str]:
        return sorted(row["n"]["value"] for row in rows)

    assert values(union) == ["X.1001", "X.1002", "X.1003"]
    assert values(report_only) == ["X.1001", "X.1002"]
    assert values(from_clause) == ["X.1003"]
    assert values(bound) == ["X.1002"]


def test_row_cap_and_errors() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=1)

    async def check(
        store: OxigraphStore,
    ) -> tuple[QueryAnswer, QueryAnswer, QueryAnswer, BadRequest]:
        capped = await store.query(
            QueryRequest.of("SELECT * { ?s ?p ?o }", format=JSON, timeout=10, max_rows=3)
        )
        whole = await store.query(
            QueryRequest.of("SELECT * { ?s ?p ?o }", format=JSON, timeout=10, max_rows=100)
        )
        graph = await store.query(
            QueryRequest.of(
                "CONSTRUCT WHERE { ?s ?p ?o }",
                format=formats.by_name("ntriples"),
                timeout=10,
                max_rows=4,
            )
        )
        with pytest.raises(BadRequest) as syntax:
            await store.query(
                QueryRequest.of("SELECT * {\n ?s ?p", format=JSON, timeout=10, max_rows=10)
            )
        with pytest.raises(NotAcceptable):
            await store.query(
                QueryRequest.of("ASK {}", format=formats.by_name("turtle"), timeout=10, max_rows=10)
            )
        return capped, whole, graph, syntax.value

    capped, whole, graph, syntax = run(check, store)
    assert (capped.truncated, capped.rows) == (True, 3)
    assert len(json.loads(capped.body)["results"]["bindings"]) == 3
    assert (whole.truncated, whole.rows) == (False, len(local_store()))
    assert graph.truncated
    assert len(graph.body.decode().strip().splitlines()) == 4
    assert syntax.extra["line"] == 2


def test_timeout_kills_the_query_and_the_store_keeps_answering() -> None:
    store = OxigraphStore.from_file(FIXTURE, workers=1)

    async def check(store: OxigraphStore) -> tuple[float, QueryAnswer]:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            await store.query(QueryRequest.of(RUNAWAY, format=JSON, timeout=0.5, max_rows=10))
        stopped = time.monotonic() - started
        # the only worker was killed: its replacement answers
        answer = await store.query(QueryRequest.of("ASK {}", format=JSON, timeout=5, max_rows=10))
        return stopped, answer

    stopped, answer = run(check, store)
    assert stopped < 1.0
    assert json.loads(answer.body) == {"head": {}, "boolean": True}


def test_cached_store_serves_repeated_queries_from_memory() -> None:
    store = CachedStore(OxigraphStore.from_file(FIXTURE, workers=1))

    async def check(store: CachedStore) -> tuple[QueryAnswer, QueryAnswer, QueryAnswer]:
        query = "SELECT * { ?s ?p ?o }"
        first = await store.query(QueryRequest.of(query, format=JSON, timeout=10, max_rows=100))
        second = await store.query(QueryRequest.of(query, format=JSON, timeout=10, max_rows=100))
        csv = await store.query(
            QueryRequest.of(query, format=formats.by_name("csv"), timeout=10, max_rows=100)
        )
        return first, second, csv

    first, second, csv = run(check, store)
    assert second is first
    assert csv is not first
    assert csv.format.name == "csv"


def test_an_answer_the_front_cache_keeps_is_not_kept_twice() -> None:
    store = CachedStore(OxigraphStore.from_file(FIXTURE, workers=1))

    async def check(store: CachedStore) -> list[QueryAnswer]:
        query = "SELECT * { ?s ?p ?o }"
        return [
            await store.query(
                QueryRequest.of(query, format=JSON, timeout=10, max_rows=100, kept=kept)
            )
            for kept in (False, False, True, True)
        ]

    first, second, third, fourth = run(check, store)
    assert second is not first  # not kept: the inner store answered again
    assert third is not second
    assert fourth is third  # kept once asked to
    assert first.body == second.body == third.body


def write_release(directory: Path) -> Release:
    local = local_store()
    dataset = directory / "idmgraph.nq"
    dumped = local.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    assert dumped is not None
    dataset.write_bytes(dumped)
    release = Release(
        version="test-1",
        directory=directory,
        triples=len(local),
        graphs=tuple(sorted(g.value for g in local.named_graphs())),
        distributions=(),
    )
    write_manifest(release)
    return release


@pytest.mark.parametrize("where", ["oxigraph:memory", "oxigraph:store"])
def test_open_store_from_a_release(tmp_path: Path, where: str) -> None:
    release = write_release(tmp_path)
    settings = Settings(root=tmp_path, dist_dir=Path(), store=where, query_workers=2)
    store = open_store(settings)

    async def check(store: Store) -> tuple[str, tuple[str, ...], int]:
        rows = await select(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
        return store.version, store.graphs(), int(rows[0]["n"]["value"])

    version, graphs, count = run(check, store)
    assert (version, graphs, count) == (release.version, release.graphs, release.triples)
    if where != "oxigraph:memory":
        assert (tmp_path / "store" / "IDMGRAPH_VERSION").read_text().strip() == "test-1"
        # opened again, the on-disk store is reused, not reloaded
        assert run(check, open_store(settings)) == (version, graphs, count)


def test_unknown_store_setting_is_a_configuration_error(tmp_path: Path) -> None:
    write_release(tmp_path)
    with pytest.raises(ConfigurationError):
        open_store(Settings(root=tmp_path, dist_dir=Path(), store="nosuch:http://x/"))
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "precious.txt").write_text("not a store")
    with pytest.raises(ConfigurationError):
        open_store(Settings(root=tmp_path, dist_dir=Path(), store="oxigraph:occupied"))
