"""Last-Modified from the release, and If-Modified-Since, on the whole application."""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime

import httpx
import pytest

from tests.web.linkedserver import Server

SELECT = "SELECT ?s WHERE { ?s a ?t } ORDER BY ?s LIMIT 3"


def _shifted(date: str, seconds: float) -> str:
    return formatdate(parsedate_to_datetime(date).timestamp() + seconds, usegmt=True)


@pytest.fixture(scope="module")
def released(http: httpx.Client) -> str:
    """The release's Last-Modified, as the landing page gives it."""
    return http.get("/").headers["last-modified"]


def test_every_answer_of_the_release_is_dated_by_it(
    http: httpx.Client, server: Server, released: str
) -> None:
    manifest = server.release.directory / "release.json"
    assert parsedate_to_datetime(released).timestamp() == int(manifest.stat().st_mtime)
    version = server.release.version
    for path in ("/sparql", "/.well-known/void", "/id/rec/X.1252.ttl", "/gaps.md"):
        assert http.get(path).headers["last-modified"] == released, path
    download = http.get(f"/downloads/{version}/idmgraph.ttl")
    assert download.headers["last-modified"] == released
    # its 304 carries the same date (FileResponse would date it by the file)
    again = http.get(download.request.url, headers={"if-none-match": download.headers["etag"]})
    assert (again.status_code, again.headers["last-modified"]) == (304, released)


def test_if_modified_since_the_release_is_answered_304(http: httpx.Client, released: str) -> None:
    for path, params in (("/", {}), ("/sparql", {"query": SELECT}), ("/sparql", {"query": SELECT})):
        # the second SPARQL answer comes from the answer cache: revalidated the same way
        answer = http.get(path, params=params, headers={"if-modified-since": released})
        assert answer.status_code == 304, path
        assert answer.content == b""
        assert answer.headers["last-modified"] == released
        assert "etag" in answer.headers
        assert "content-type" not in answer.headers
    head = http.head("/", headers={"if-modified-since": released})
    assert head.status_code == 304


@pytest.mark.parametrize(
    ("since", "extra"),
    [
        (-1, {}),  # a second before the release: modified since
        (None, {}),  # not a date
        (10 * 365 * 86_400, {}),  # a date in the future is not valid (RFC 9110 §13.1.3)
        (0, {"if-none-match": '"another"'}),  # If-None-Match decides when both are sent
    ],
)
def test_other_conditions_get_the_whole_answer(
    http: httpx.Client, released: str, since: int | None, extra: dict[str, str]
) -> None:
    date = "yesterday" if since is None else _shifted(released, since)
    answer = http.get("/", headers={"if-modified-since": date, **extra})
    assert answer.status_code == 200
    assert answer.content


def test_a_post_is_never_answered_304(http: httpx.Client, released: str) -> None:
    answer = http.post("/sparql", data={"query": SELECT}, headers={"if-modified-since": released})
    assert answer.status_code == 200


def test_todays_landscape_is_not_dated_by_the_release(http: httpx.Client, released: str) -> None:
    answer = http.get("/landscape.csv", headers={"if-modified-since": released})
    assert answer.status_code == 200
    assert "last-modified" not in answer.headers
    assert "etag" in answer.headers
