"""The repository's release plus one resource an attacker published: a label that would blank
a page whose JSON-LD is embedded carelessly, and page links with schemes that run code. The
SHACL gate refuses such links, so the statements are added to the dump, past the gate, as a
store that another tool loaded might hold them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import Release
from idmgraph.store.cached import CachedStore
from idmgraph.web.app import create_app
from tests.remoteserver import dataset_store
from tests.web.linkedserver import ROOT
from tests.web.running import running

BASE = "https://w3id.org/idmgraph/"
HOSTILE = BASE + "id/org/hostile"
HOSTILE_PAGE = "/id/org/hostile.html"
GRAPH = BASE + "id/source/external-facts"
# "<!--<script>" makes an HTML parser read past the "</script>" that should end the JSON-LD.
LABEL = 'Evil <!--<script>window.pwned = 1</script> & "friends"'
COMMENT = "</script><script>window.pwned = 2</script><!--"
JAVASCRIPT = "javascript:window.pwned=3"
DATA = "data:text/html;base64,PHNjcmlwdD53aW5kb3cucHduZWQ9NDwvc2NyaXB0Pg=="  # <script>…</script>
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


HOSTILE_QUADS = "".join(
    f"<{HOSTILE}> <{predicate}> {value} <{GRAPH}> .\n"
    for predicate, value in (
        (
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            "<http://www.w3.org/ns/org#Organization>",
        ),
        (RDFS + "label", _literal(LABEL)),
        (RDFS + "comment", _literal(COMMENT)),
        (FOAF + "page", f"<{JAVASCRIPT}>"),
        (RDFS + "seeAlso", f"<{DATA}>"),
        (FOAF + "homepage", "<https://example.org/hostile>"),
    )
)


@contextmanager
def hostile_server(release: Release, folder: Path) -> Iterator[str]:
    """The whole application over ``release`` plus :data:`HOSTILE_QUADS`; yields its base URL."""
    dump = folder / "hostile.nq"
    dump.write_bytes(release.dataset_file.read_bytes() + HOSTILE_QUADS.encode())
    settings = Settings(root=ROOT, dist_dir=release.directory, query_workers=1, warm_pages=False)
    with (
        dataset_store(dump, workers=settings.query_workers) as store,
        running(create_app(settings, CachedStore(store))) as base,
    ):
        yield base
