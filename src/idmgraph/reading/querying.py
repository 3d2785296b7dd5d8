"""Named queries outside the server: a local store, ``idmgraph query``, ``idmgraph report`` and
``idmgraph landscape`` as plain functions, and the catalogue described as RDF for the service
description and VoID.

    run_query_command(settings, "pending-approval", params=["on=2023-11-01"]).body  # CSV bytes
    report_command(settings, out_dir=Path("dist/report"))  # gaps.md, gaps.html, *.svg
    landscape_command(settings, out_dir=Path("dist/landscape"))  # landscape.md, .html, .csv…
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base import formats
from idmgraph.base.errors import BadRequest
from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.pipeline import sources
from idmgraph.pipeline.queries import QueryForm, project_catalogue, run
from idmgraph.pipeline.release import DATASET_STEM
from idmgraph.reading import landscape, landscapeview, report


def store_from_sources(settings: Settings) -> ox.Store:
    """An in-memory store of the project's sources (ontology, shapes, data), unvalidated."""
    store = ox.Store()
    store.extend(sources.load(settings).quads())
    return store


def open_local_store(settings: Settings) -> ox.Store:
    """The built release (its N-Quads dump) when there is one, else the sources read directly."""
    dump = settings.release_dir / f"{DATASET_STEM}.nq"
    if not dump.is_file():
        return store_from_sources(settings)
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    return store


@dataclass(frozen=True, kw_only=True)
class CommandOutput:
    """What ``idmgraph query`` prints: the serialised answer and its format."""

    body: bytes
    format: formats.Format


def run_query_command(
    settings: Settings, name: str, *, params: Sequence[str] = (), fmt: str | None = None
) -> CommandOutput:
    """Run named query ``name`` with ``key=value`` parameters, serialised in format ``fmt``.

    ``fmt`` is a format name, extension or media type (``csv`` when the query is a SELECT,
    ``turtle`` when a CONSTRUCT, if not given). Raises NotFound or BadRequest, as the web does.
    """
    catalogue = project_catalogue(settings)
    query = catalogue.get(name)
    given: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BadRequest(f"--param {item!r}: write it as name=value")
        given[key.strip()] = value
    kind = formats.Kind.GRAPH if query.form is QueryForm.CONSTRUCT else formats.Kind.RESULTS
    chosen = formats.of_kind(kind)[0] if fmt is None else _command_format(fmt, kind)
    if fmt is None and kind is formats.Kind.RESULTS:
        chosen = formats.by_name("csv")
    result = run(open_local_store(settings), query, given)
    target = chosen.oxigraph
    if isinstance(result, ox.QueryTriples):
        assert isinstance(target, ox.RdfFormat)
        return CommandOutput(body=result.serialize(format=target) or b"", format=chosen)
    assert isinstance(target, ox.QueryResultsFormat)
    return CommandOutput(body=result.serialize(format=target) or b"", format=chosen)


def _command_format(token: str, kind: formats.Kind) -> formats.Format:
    try:
        chosen = formats.lookup(token)
    except KeyError:
        chosen = None
    if chosen is None or chosen.kind is not kind:
        names = ", ".join(item.name for item in formats.of_kind(kind))
        raise BadRequest(f"--format {token!r}: this query's answer is written as one of {names}")
    return chosen


def report_command(
    settings: Settings, *, out_dir: Path, on: str | None = None
) -> report.ReportFiles:
    """Write the gap report (``gaps.md`` with its SVG files, ``gaps.html``) into ``out_dir``.

    Section evidence links point at the server's query pages: ``public_url`` when set, else
    the base IRI.
    """
    catalogue = project_catalogue(settings)
    built = report.build_report(open_local_store(settings), catalogue, on=on)
    server = (settings.public_url or settings.base_iri).rstrip("/")
    return report.write_report(
        built, settings.resolve(out_dir), queries_url=server + page("queries")
    )


def landscape_command(
    settings: Settings, *, out_dir: Path, on: str | None = None
) -> landscapeview.LandscapeFiles:
    """Write the landscape (``landscape.md``, ``.html``, ``.csv``, ``.json``) into ``out_dir``;
    its lines link to the IRIs of the texts, which dereference to their pages."""
    store = open_local_store(settings)
    built = landscape.build_landscape(store, project_catalogue(settings), on=on)
    return landscapeview.write_landscape(built, settings.resolve(out_dir))
