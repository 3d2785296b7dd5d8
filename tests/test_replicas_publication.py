"""Replicas on a shared remote store: while a new release is published, no page mixes two.

Two ``idmgraph serve`` on one ``oxigraph serve`` behind nginx, and a third, the witness, that
no client asks during the publication. A page reads the store several times (its ETag from the
version, then queries: a resource page's statements, sources and inbound links, the landing
page's lists and figures, the gap report's sections at once). Release A is a synthetic
landscape, release B another one (another seed), so every one of those reads differs between
them. Clients ask page after page of the balancer while B is built into the same folder and
published; every answer must be the witness's page of A or its page of B, whole: status,
validators and bytes. A page that read A for some queries and B for others, or that read A's
graphs after the publication dropped them, is neither.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import build
from idmgraph.store.publish import publish_remote
from idmgraph.synth import write_project
from tests.balancer import UPSTREAM_HEADER, balancer, replica_servers
from tests.remoteserver import OxigraphServer, oxigraph_server

REPO = Path(__file__).parent.parent
SCALE = 3_000  # triples of each synthetic release: hundreds of resource pages
CLIENTS = 4
RESOURCE_PAGES = 40  # asked of each replica: fresh to its caches, computed while it switches
BUDGET = 60.0  # seconds the replicas have to follow the publication
BASE = Settings().base_iri
DATA = BASE + "id/"
RESOURCES = f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{DATA}")) }} ORDER BY ?s LIMIT {RESOURCE_PAGES}"""


@dataclass(frozen=True)
class Page:
    """What a client or a cache keeps of an answer."""

    status: int
    etag: str | None
    modified: str | None
    body: bytes

    @classmethod
    def of(cls, response: httpx.Response) -> Page:
        """The page ``response`` carries."""
        headers = response.headers
        return cls(
            response.status_code,
            headers.get("etag"),
            headers.get("last-modified"),
            response.content,
        )


def write_sources(folder: Path, *, seed: int) -> Path:
    """A synthetic landscape with the repository's ontology, shapes and named queries."""
    write_project(
        folder,
        scale=SCALE,
        seed=seed,
        ontology_dir=REPO / "ontology",
        shapes_dir=REPO / "shapes",
    )
    shutil.copytree(REPO / "queries", folder / "queries")
    return folder


@pytest.fixture
def store() -> Iterator[OxigraphServer]:
    with oxigraph_server(query_timeout=30) as server:
        yield server


def served_release(base: str) -> str:
    """The release a server's store reads now."""
    return str(httpx.get(base + "/health", timeout=30).json()["release"])


def wait_for_release(base: str, version: str) -> None:
    """Wait until the server at ``base`` reads ``version`` (it reads the pointer every 5 s)."""
    deadline = time.monotonic() + BUDGET
    while served_release(base) != version:
        assert time.monotonic() < deadline, f"{base} did not follow release {version}"
        time.sleep(0.1)


def page_paths(base: str, host: str) -> list[str]:
    """The landing page, the gap report and resource pages of release A."""
    answer = httpx.get(
        base + "/sparql",
        params={"query": RESOURCES},
        headers={"accept": "text/csv", "host": host},
        timeout=60,
    )
    answer.raise_for_status()
    iris = answer.text.splitlines()[1:]
    assert len(iris) == RESOURCE_PAGES
    return ["/", "/gaps", *("/" + iri.removeprefix(BASE) + ".html" for iri in iris)]


def pages(base: str, paths: list[str], host: str) -> dict[str, Page]:
    """Each page as the server at ``base`` answers it now."""
    with (
        httpx.Client(base_url=base, timeout=60, headers={"host": host}) as client,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        return dict(
            zip(paths, pool.map(lambda path: Page.of(client.get(path)), paths), strict=True)
        )


@dataclass
class Clients:
    """Clients asking the balancer for page after page until told to stop."""

    base: str
    paths: list[str]
    stop: threading.Event  # set once both replicas read the new release (or on a failure)
    started: threading.Barrier  # passed once every client holds an answer (or broken)
    seen: list[tuple[str, str, Page]]  # path, replica, page
    lock: threading.Lock

    def ask(self, first: int) -> None:
        """Ask the pages in turn from ``first`` on, keeping every answer."""
        with httpx.Client(base_url=self.base, timeout=60) as client:
            self._keep(client, first)
            self.started.wait()
            turn = first + 1
            while not self.stop.is_set():
                self._keep(client, turn)
                turn += 1
            # one more, asked once both replicas read the new release: it is seen for sure
            self._keep(client, turn)

    def _keep(self, client: httpx.Client, turn: int) -> None:
        path = self.paths[turn % len(self.paths)]
        response = client.get(path)
        with self.lock:
            self.seen.append((path, response.headers[UPSTREAM_HEADER], Page.of(response)))


def test_no_page_mixes_two_releases_while_one_is_published(
    store: OxigraphServer, tmp_path: Path
) -> None:
    root = write_sources(tmp_path / "site", seed=1)
    settings = Settings(
        root=root,
        store="sparql:" + store.query_url,
        remote_graph_store_url=store.store_url,
        validator="pyshacl-turbo",  # the same gate, in a second rather than ten
    )
    first_release = build(settings)
    publish_remote(settings, environ={})
    shared = {
        "IDMGRAPH_STORE": settings.store,
        "IDMGRAPH_REMOTE_GRAPH_STORE_URL": store.store_url,
    }
    with (
        replica_servers(root, {}, {}, {}, common=shared) as (one, two, witness),
        balancer([one, two], tmp_path / "nginx") as base,
    ):
        host = base.removeprefix("http://")  # what the replicas see: the witness sees it too
        paths = page_paths("http://" + witness, host)
        before = pages("http://" + witness, paths, host)
        # release B: other sources, built into the same folder (dist/ swapped whole)
        shutil.rmtree(root / "data")
        shutil.copytree(write_sources(tmp_path / "next", seed=2) / "data", root / "data")
        second_release = build(settings)
        started = threading.Barrier(CLIENTS + 1, timeout=BUDGET)
        clients = Clients(base, paths, threading.Event(), started, [], threading.Lock())
        with ThreadPoolExecutor(CLIENTS) as pool:
            asking = [pool.submit(clients.ask, n * len(paths) // CLIENTS) for n in range(CLIENTS)]
            try:
                started.wait()  # pages of A are being asked: now publish B
                publish_remote(settings, environ={})
                for replica_base in (one, two):
                    wait_for_release("http://" + replica_base, second_release.version)
            finally:
                clients.stop.set()  # the clients end, whatever failed
                started.abort()
            for future in asking:
                future.result()
        wait_for_release("http://" + witness, second_release.version)
        after = pages("http://" + witness, paths, host)
    assert first_release.version != second_release.version
    versions = set()
    for path, answered_by, page in clients.seen:
        if page == before[path]:
            versions.add(first_release.version)
        else:
            assert page == after[path], f"{path} from {answered_by}: neither release A nor B"
            versions.add(second_release.version)
    # the clients were asking while the store switched: they saw both releases
    assert versions == {first_release.version, second_release.version}
