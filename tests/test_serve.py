"""``idmgraph serve`` on a fresh copy of the repository: it builds the release first, then
answers SPARQLWrapper in every result format; a changed source makes the release stale."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from xml.dom.minidom import Document

import httpx
import pytest
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from idmgraph.base.settings import Settings
from idmgraph.pipeline.build import ensure_release

REPO = Path(__file__).parent.parent
COUNT_RECOMMENDATIONS = """
PREFIX idm: <https://w3id.org/idmgraph/def/>
SELECT (COUNT(?r) AS ?n) WHERE { ?r a idm:Recommendation }
"""


def copy_sources(target: Path) -> Path:
    for folder in ("ontology", "data", "shapes", "queries"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, target / folder)
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    project = copy_sources(tmp_path / "fresh")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from idmgraph.cli import main; raise SystemExit(main())",
            "--root",
            str(project),
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "IDMGRAPH_QUERY_WORKERS": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/sparql", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield url, project
    finally:
        process.terminate()
        process.communicate(timeout=20)  # also closes the pipe


def test_serve_builds_then_answers_every_result_format(served: tuple[str, Path]) -> None:
    url, project = served
    assert (project / "dist" / "release.json").is_file()
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(COUNT_RECOMMENDATIONS)
    client.setReturnFormat(JSON)
    converted = client.query().convert()
    assert isinstance(converted, dict)
    count = int(converted["results"]["bindings"][0]["n"]["value"])
    assert count >= 10
    for fmt, needle in ((XML, "<sparql"), (CSV, "n\r\n"), (TSV, "?n\n")):
        client.setReturnFormat(fmt)
        body = client.query().convert()
        if isinstance(body, Document):
            text = body.toxml()
        else:
            assert isinstance(body, bytes)
            text = body.decode()
        assert needle in text
        assert str(count) in text


def test_a_changed_source_makes_the_release_stale(tmp_path: Path) -> None:
    project = copy_sources(tmp_path / "fresh")
    settings = Settings(root=project)
    first = ensure_release(settings)
    assert ensure_release(settings).version == first.version  # current: not rebuilt
    texts = project / "data" / "sg17-idm-report-2023-09" / "texts.ttl"
    time.sleep(0.01)
    texts.write_text(
        texts.read_text(encoding="utf-8").replace("JSON signature scheme", "JSON signatures"),
        encoding="utf-8",
    )
    assert ensure_release(settings).version != first.version
