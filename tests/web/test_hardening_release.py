"""One release at a time: a rebuild under a running server changes nothing it serves, earlier
versioned downloads stay available, and a damaged release refuses to start, naming the file."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from idmgraph.base.errors import ReleaseDamaged
from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import build
from idmgraph.pipeline.release import MANIFEST, Release, read_release
from idmgraph.store import snapshot
from idmgraph.store.snapshot import Served, Snapshot, open_served, pin
from idmgraph.web.app import create_app
from tests.web.running import running

ITEMS = "data/report-a/items.ttl"
LIAISON = "/id/liaison/sg17-to-iso"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
DATASET = "https://w3id.org/idmgraph/id/dataset/idmgraph"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@contextmanager
def serving(settings: Settings) -> Iterator[httpx.Client]:
    """The whole application over the release in ``settings``, as ``idmgraph serve`` runs it."""
    opened = open_served(settings)
    app = create_app(settings, opened.store, served=opened.served)
    with running(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def seen(client: httpx.Client) -> dict[str, object]:
    """Everything a visitor can learn about which release the server serves."""
    sparql = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    void = ox.Store()
    void.load(
        client.get("/.well-known/void", params={"format": "nt"}).content, ox.RdfFormat.N_TRIPLES
    )
    description = ox.Store()
    description.load(
        client.get("/sparql", headers={"Accept": "application/n-triples"}).content,
        ox.RdfFormat.N_TRIPLES,
    )
    page = client.get(LIAISON + ".html")
    manifest = client.get("/downloads/latest/" + MANIFEST, follow_redirects=True)
    dump = client.get("/downloads/latest/idmgraph.nq", follow_redirects=True)
    return {
        "sparql": int(sparql.text.split()[1]),
        "void": _triples(void, f"<{DATASET}>"),
        "sd": _triples(
            description, "[ a <http://www.w3.org/ns/sparql-service-description#Graph> ]"
        ),
        "page": re.findall(r"SG17 to [A-Z/]+", page.text)[0],
        "etag": page.headers["etag"],
        "downloads": re.findall(r"/downloads/([0-9a-f]+)/", client.get("/downloads").text)[0],
        "manifest": manifest.json()["version"],
        "dump": hashlib.sha256(dump.content).hexdigest(),
    }


def _triples(store: ox.Store, subject: str) -> int:
    solutions = store.query(f"SELECT ?n WHERE {{ {subject} <{VOID_TRIPLES}> ?n }}")
    assert isinstance(solutions, ox.QuerySolutions)
    [row] = solutions
    return int(row["n"].value)


def expected(release: Release) -> dict[str, object]:
    """What :func:`seen` shows for ``release``."""
    label = (
        "SG17 to ISO/IEC"
        if "SG17 to ISO/IEC" in release.dataset_file.read_text()
        else "SG17 to ISO"
    )
    return {
        "sparql": release.triples,
        "void": release.triples,
        "sd": release.triples,
        "page": label,
        "etag": f'"{release.version}-html"',
        "downloads": release.version,
        "manifest": release.version,
        "dump": release.distribution("nquads").sha256,
    }


def _rebuild(project: Path, replace_in: Callable[..., None], settings: Settings) -> Release:
    replace_in(project, ITEMS, '"SG17 to ISO"@en', '"SG17 to ISO/IEC"@en ; rdfs:comment "new"@en')
    return build(settings)


def test_a_rebuild_under_a_running_server_changes_nothing_it_serves(
    project: Path, settings: Settings, replace_in: Callable[..., None]
) -> None:
    first = build(settings)
    with serving(settings) as client:
        before = seen(client)
        assert before == expected(first)
        second = _rebuild(project, replace_in, settings)
        assert second.version != first.version
        assert second.triples != first.triples
        assert seen(client) == before
        assert client.get(f"/downloads/{first.version}/{MANIFEST}").status_code == 200
        assert client.get(f"/downloads/{second.version}/{MANIFEST}").status_code == 404
    with serving(settings) as client:
        assert seen(client) == expected(second)


def test_earlier_versioned_downloads_stay_available_after_a_restart(
    project: Path, settings: Settings, replace_in: Callable[..., None]
) -> None:
    first = build(settings)
    old_dump = first.dataset_file.read_bytes()
    _rebuild(project, replace_in, settings)
    with serving(settings) as client:
        manifest = client.get(f"/downloads/{first.version}/{MANIFEST}")
        assert manifest.status_code == 200
        assert manifest.json()["version"] == first.version
        dump = client.get(f"/downloads/{first.version}/idmgraph.nq")
        assert dump.content == old_dump
        assert dump.headers["etag"] == f'"{first.distribution("nquads").sha256}"'
        assert client.get(f"/downloads/{'0' * 12}/{MANIFEST}").status_code == 404


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda body: body[: len(body) // 2], id="truncated"),
        pytest.param(lambda _: b"", id="empty"),
        pytest.param(lambda body: body.replace(b"SG17 to ISO", b"SG17 to XYZ"), id="same-size"),
    ],
)
def test_a_damaged_dump_refuses_to_start_naming_the_file(
    settings: Settings, damage: Callable[[bytes], bytes]
) -> None:
    release = build(settings)
    dump = release.dataset_file
    dump.write_bytes(damage(dump.read_bytes()))
    with pytest.raises(ReleaseDamaged) as caught:
        open_served(settings)
    assert caught.value.path == str(dump)
    assert str(dump) in str(caught.value)
    assert list(settings.release_dir.parent.glob(".dist.serving-*")) == []  # nothing left


def test_a_missing_dump_refuses_to_start(settings: Settings) -> None:
    release = build(settings)
    missing = release.path(release.distribution("turtle", compressed=True))
    missing.unlink()
    with pytest.raises(ReleaseDamaged, match=re.escape(str(missing))):
        pin(settings.release_dir)


def test_serve_refuses_a_damaged_release_with_a_clear_message(
    project: Path,
    settings: Settings,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    release = build(settings)
    dump = release.path(release.distribution("trig"))
    dump.write_bytes(dump.read_bytes()[:100])
    result = run_cli("--root", str(project), "serve", "--port", "1")
    assert result.returncode != 0
    assert f"{dump}: 100 bytes, release.json says" in result.stderr
    assert read_release(settings.release_dir).version == release.version  # nothing rebuilt


def test_the_build_carries_every_earlier_release_forward(
    project: Path, settings: Settings, replace_in: Callable[..., None]
) -> None:
    first = build(settings)
    second = _rebuild(project, replace_in, settings)
    replace_in(project, ITEMS, '"new"@en', '"newer"@en')
    third = build(settings)
    kept = settings.release_dir / "versions"
    assert sorted(p.name for p in kept.iterdir()) == sorted([first.version, second.version])
    assert read_release(kept / first.version).version == first.version
    assert (kept / second.version / "idmgraph.nq").read_bytes() == second_dump(second, kept)
    assert read_release(settings.release_dir).version == third.version
    assert build(settings).version == third.version  # the same release is not kept twice
    assert sorted(p.name for p in kept.iterdir()) == sorted([first.version, second.version])


def second_dump(release: Release, kept: Path) -> bytes:
    """The dump of ``release`` as its manifest describes it (size and hash checked)."""
    body = (kept / release.version / "idmgraph.nq").read_bytes()
    assert hashlib.sha256(body).hexdigest() == release.distribution("nquads").sha256
    return body


def test_a_server_following_a_remote_store_re_pins_only_the_version_the_store_serves(
    project: Path, settings: Settings, replace_in: Callable[..., None]
) -> None:
    first = build(settings)
    # a release a minute old, so the two releases' times differ to the second
    first_time = (settings.release_dir / "release.json").stat().st_mtime - 60
    os.utime(settings.release_dir / "release.json", (first_time, first_time))
    served = Served(settings.release_dir)
    try:
        assert served.current(first.version).version == first.version
        second = _rebuild(project, replace_in, settings)
        # the store still serves the first release: nothing moves
        assert served.current(first.version).version == first.version
        asyncio.run(served.follow(first.version))
        assert served.current(second.version).version == first.version  # not pinned yet
        # a store serving a release the folder does not hold: the pinned one stays
        asyncio.run(served.follow("0" * 12))
        assert served.current("0" * 12).version == first.version
        # the store switched to the folder's release: downloads and VoID follow it
        asyncio.run(served.follow(second.version))
        assert served.current(second.version).version == second.version
        # a request still reading the first release gets the first's files and date
        assert served.current(first.version).version == first.version
        assert served.released(first.version) == int(first_time)
        assert served.released(second.version) != served.released(first.version)
        assert served.current(second.version).version == second.version
        earlier = served.earlier(first.version, "idmgraph.nq")
        assert earlier is not None
        assert earlier.read_bytes() == second_dump(first, settings.release_dir / "versions")
    finally:
        served.close()
    assert list(settings.release_dir.parent.glob(".dist.serving-*")) == []


def test_a_release_is_pinned_anew_once_and_off_the_event_loop(
    project: Path,
    settings: Settings,
    replace_in: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = build(settings)
    served = Served(settings.release_dir)
    try:
        assert served.current(first.version).version == first.version
        second = _rebuild(project, replace_in, settings)
        pinned_in: list[threading.Thread] = []

        def recorded(directory: Path) -> Snapshot:
            pinned_in.append(threading.current_thread())
            return pin(directory)

        monkeypatch.setattr(snapshot, "pin", recorded)

        async def requests() -> None:  # five requests arriving while the pin runs
            await asyncio.gather(*(served.follow(second.version) for _ in range(5)))

        asyncio.run(requests())
        assert len(pinned_in) == 1
        assert pinned_in[0] is not threading.main_thread()
        assert served.current(second.version).version == second.version
    finally:
        served.close()


def test_folders_of_servers_that_were_killed_are_removed(settings: Settings) -> None:
    build(settings)
    abandoned = settings.release_dir.parent / f".dist.serving-{2**22 + 1}-x"
    abandoned.mkdir()
    (abandoned / "idmgraph.nq").write_text("left by a killed server")
    snapshot = pin(settings.release_dir)
    try:
        assert not abandoned.exists()
        assert snapshot.path("idmgraph.nq").parent.name.startswith(f".dist.serving-{os.getpid()}-")
    finally:
        snapshot.close()
