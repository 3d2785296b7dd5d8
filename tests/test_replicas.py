"""Two ``idmgraph serve`` processes on one release behind nginx (round robin) are one server.

Replica 1 serves the release folder the build wrote, replica 2 a copy of it made as an
operator ships a release to another machine (``shutil.copytree`` keeps the files' times, as
``rsync -a`` does). Every answer is asked of each replica directly and twice through the
balancer, which then hands it to each replica once: the status, the body's bytes and every
header but the connection's own (Date, Server, Connection...) must be the same, ETag and
Last-Modified included, and a conditional GET must be answered 304 by either replica.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from idmgraph.pipeline.release import Release
from tests.balancer import UPSTREAM_HEADER, balancer, replica_servers

REPO = Path(__file__).parent.parent
RESOURCE = "/id/rec/X.1252"
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
SHACL = "http://www.w3.org/ns/shacl#"
# the shapes' blank nodes: their labels must be the release's, not a process's own
BLANK_NODES = f"""SELECT ?shape ?property ?path WHERE {{
  GRAPH <https://w3id.org/idmgraph/shapes/> {{
    ?shape <{SHACL}property> ?property . ?property <{SHACL}path> ?path }}
}} ORDER BY ?shape ?property LIMIT 30"""
UNORDERED = "SELECT * WHERE { ?s ?p ?o } LIMIT 25"
SUBJECT = f"<https://w3id.org/idmgraph{RESOURCE}>"
CONSTRUCT = f"CONSTRUCT {{ {SUBJECT} ?p ?o }} WHERE {{ {SUBJECT} ?p ?o }}"
# Headers of the connection rather than of the answer: nginx writes its own.
HOP = frozenset({"date", "server", "connection", "keep-alive", "transfer-encoding"})


@dataclass(frozen=True)
class Ask:
    """One request, as a client makes it."""

    path: str
    accept: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None  # a POST of this form

    def send(self, client: httpx.Client, base: str, **headers: str) -> httpx.Response:
        """Send it to ``base``, with ``headers`` besides Accept."""
        sent = {"accept": self.accept} if self.accept else {}
        sent.update(headers)
        if self.form is not None:
            return client.post(base + self.path, data=self.form, headers=sent)
        return client.get(base + self.path, params=self.params, headers=sent)


def asks(version: str) -> list[Ask]:
    """A representative set: pages, resources, SPARQL, named queries, downloads, metadata."""
    sparql = [
        Ask("/sparql", accept=accept, params={"query": query})
        for query in (SELECT, BLANK_NODES, UNORDERED)
        for accept in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        )
    ]
    return [
        Ask("/"),
        Ask(RESOURCE, accept="text/turtle"),  # 303 to the document
        *(Ask(f"{RESOURCE}.{ext}") for ext in ("html", "ttl", "jsonld", "nt", "rdf")),
        Ask("/shapes/", accept="text/turtle"),
        Ask("/sparql"),  # the service description
        *sparql,
        Ask("/sparql", accept="text/turtle", params={"query": CONSTRUCT}),
        Ask("/sparql", accept="application/ld+json", params={"query": CONSTRUCT}),
        Ask("/sparql", accept="text/csv", form={"query": SELECT}),
        Ask("/queries"),
        *(Ask(f"/queries/work-items-by-status{ext}") for ext in ("", ".csv", ".json", ".tsv")),
        Ask("/queries/approval-pipeline.csv"),
        Ask("/gaps"),
        Ask("/gaps.md"),
        Ask("/landscape"),
        Ask("/changes"),
        Ask("/lookup", params={"id": "ITU-T X.1252"}),
        Ask("/downloads"),
        Ask("/downloads/latest/idmgraph.ttl"),
        *(
            Ask(f"/downloads/{version}/{name}")
            for name in ("idmgraph.ttl", "idmgraph.nq.gz", "idmgraph.jsonld", "release.json")
        ),
        Ask("/downloads/links.csv"),
        Ask("/.well-known/void"),
        Ask("/catalog", accept="application/ld+json"),
        Ask("/context.jsonld"),
        Ask("/openapi.json"),
        Ask("/static/site.css"),
        Ask("/id/nothing-here.html"),  # a 404 too
        Ask("/health"),
    ]


@dataclass(frozen=True)
class Replicas:
    """Two replicas, their balancer and the release they serve."""

    first: str  # base URL of each replica
    second: str
    balancer: str
    host: str  # the balancer's host:port, which it passes on to the replicas
    version: str


@pytest.fixture(scope="module")
def replicas(
    repository_release: Release, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    folder = tmp_path_factory.mktemp("replicas")
    shipped = folder / "shipped"
    shutil.copytree(repository_release.directory, shipped)  # copy2: the files' times kept
    own = {"IDMGRAPH_DIST_DIR": str(repository_release.directory)}
    with (
        replica_servers(REPO, own, {"IDMGRAPH_DIST_DIR": str(shipped)}) as (first, second),
        balancer([first, second], folder / "nginx") as base,
    ):
        yield Replicas(
            first="http://" + first,
            second="http://" + second,
            balancer=base,
            host=base.removeprefix("http://"),
            version=repository_release.version,
        )


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60, follow_redirects=False) as session:
        yield session


def answer(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    """What a client or a cache can see of an answer, the connection's headers aside."""
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in HOP and name != UPSTREAM_HEADER
    }
    return response.status_code, response.content, headers


def through_balancer(
    ask: Ask, client: httpx.Client, replicas: Replicas, **headers: str
) -> list[httpx.Response]:
    """Ask the balancer twice: round robin hands the request to each replica once."""
    responses = [ask.send(client, replicas.balancer, **headers) for _ in range(2)]
    answered = {response.headers.get(UPSTREAM_HEADER) for response in responses}
    assert answered == {
        replicas.first.removeprefix("http://"),
        replicas.second.removeprefix("http://"),
    }, f"{ask.path}: answered by {answered}"
    return responses


def test_replicas_answer_alike_directly_and_through_the_balancer(
    replicas: Replicas, client: httpx.Client
) -> None:
    for ask in asks(replicas.version):
        # the Host a replica sees is the balancer's (proxy_set_header Host $http_host)
        direct = [
            ask.send(client, base, host=replicas.host) for base in (replicas.first, replicas.second)
        ]
        first = answer(direct[0])
        assert first[0] < 500, f"{ask}: {first[0]} {first[1][:300]!r}"
        assert answer(direct[1]) == first, f"{ask}: the replicas differ"
        for response in through_balancer(ask, client, replicas):
            assert answer(response) == first, f"{ask}: the balancer's answer differs"


def test_release_answers_carry_the_release_validators(
    replicas: Replicas, client: httpx.Client
) -> None:
    release_time = parsedate_to_datetime(
        client.get(f"{replicas.balancer}/downloads/{replicas.version}/release.json").headers[
            "last-modified"
        ]
    )
    for path in ("/", f"{RESOURCE}.ttl", "/gaps", "/.well-known/void", "/downloads/links.csv"):
        for response in through_balancer(Ask(path), client, replicas):
            assert response.headers["etag"].startswith(f'"{replicas.version}-')
            assert parsedate_to_datetime(response.headers["last-modified"]) == release_time
    # today's landscape changes with the day, not only with the release: no date to revalidate
    for response in through_balancer(Ask("/landscape"), client, replicas):
        assert "etag" in response.headers
        assert "last-modified" not in response.headers


def test_conditional_requests_are_answered_304_by_either_replica(
    replicas: Replicas, client: httpx.Client
) -> None:
    validated = 0
    for ask in asks(replicas.version):
        if ask.form is not None:
            continue
        first = ask.send(client, replicas.balancer)
        etag, modified = first.headers.get("etag"), first.headers.get("last-modified")
        if first.status_code != 200 or etag is None:
            continue
        validated += 1
        for response in through_balancer(ask, client, replicas, **{"if-none-match": etag}):
            assert response.status_code == 304, ask
            assert response.content == b""
            assert response.headers["etag"] == etag
            # a 304 need not repeat the date (Starlette's static files do not), never another
            assert response.headers.get("last-modified") in (None, modified)
        if modified is None:
            continue
        for response in through_balancer(ask, client, replicas, **{"if-modified-since": modified}):
            assert response.status_code == 304, ask
            assert response.headers["etag"] == etag
        # a second earlier than the answer's date: it was modified since, so it comes whole
        earlier = formatdate(parsedate_to_datetime(modified).timestamp() - 1, usegmt=True)
        for response in through_balancer(ask, client, replicas, **{"if-modified-since": earlier}):
            assert response.status_code == 200, ask
            assert response.content == first.content
    assert validated > 30
