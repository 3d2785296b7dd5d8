"""The ``idmgraph`` command line: a thin layer over the pipeline functions.

Each command is a pair of small functions: ``_add_<name>`` declares its arguments and
``_run_<name>`` does the work and returns the exit status. To add a command, write the pair and
list ``_add_<name>`` in :data:`COMMANDS`.

    idmgraph build                  validate, then write the release to dist/
    idmgraph validate [--json]      only validate; exit 1 on any violation
    idmgraph namespaces --check     fail when namespaces.py lags behind ontology/
    idmgraph settings               the settings table of the README
    idmgraph serve [--host H] [--port P]   build the release if stale, then serve it
    idmgraph import REPORT [--as-of DATE]  read the next SG17 report into data/<slug>/
    idmgraph catalogue import PATH [--as-of DATE]  a Relaton catalogue's IdM scope into data/
    idmgraph diff OLD NEW [--format json]  what changed between two reports or releases
    idmgraph query NAME [--param K=V] [--format csv]   run a named query
    idmgraph report [--out DIR] [--on DATE]            write the gap-analysis report
    idmgraph landscape [--out DIR] [--on DATE]         write the standards landscape
    idmgraph publish                load the release into the remote store, then switch to it
    idmgraph synth --scale N --out DIR [--seed S]      a synthetic landscape project
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

from idmgraph import __version__
from idmgraph.base import namespaces
from idmgraph.base.errors import (
    ConfigurationError,
    IdmGraphError,
    RequestError,
    SourceError,
    ValidationFailed,
)
from idmgraph.base.settings import Settings, documentation
from idmgraph.catalogue.changes import catalogue_diff_command, is_catalogue
from idmgraph.catalogue.run import import_catalogue
from idmgraph.importer import import_report
from idmgraph.pipeline import namespacegen
from idmgraph.pipeline.build import ensure_release, write_dist
from idmgraph.pipeline.sources import load
from idmgraph.pipeline.validate import VIOLATION, Violation, validate
from idmgraph.reading.diff import OUTPUT_FORMATS, diff_command
from idmgraph.reading.querying import landscape_command, report_command, run_query_command
from idmgraph.store.publish import publish_remote
from idmgraph.synth import main_synth

Run = Callable[[argparse.Namespace, Settings], int]
NO_FILE = "(no data file)"
PIPE = "\\|"  # a | inside a Markdown table cell


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the return value is the process exit status."""
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(root=args.root)
        run: Run = args.run
        return run(args, settings)
    except ConfigurationError as exc:
        _err(f"configuration error: {exc}")
        return 2
    except SourceError as exc:
        _err(f"{exc}")
        return 1
    except IdmGraphError as exc:
        _err(f"error: {exc}")
        return 1


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="idmgraph", description="Build and check the idmgraph knowledge graph."
    )
    parser.add_argument("--version", action="version", version=f"idmgraph {__version__}")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="project folder (default: IDMGRAPH_ROOT or the current folder)",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(commands)
    return parser


# ---------------------------------------------------------------- build


def _add_build(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("build", help="validate the sources, then write the release")
    parser.set_defaults(run=_run_build)


def _run_build(args: argparse.Namespace, settings: Settings) -> int:
    del args
    sources = load(settings)
    report = validate(sources, validator=settings.validator)
    for item in report.results:
        _err(violation_line(item, settings))
    if not report.conforms:
        _err(f"{len(report.violations)} violation(s): the release was not written")
        return 1
    made = write_dist(sources, report, settings=settings)
    _out(
        f"release {made.version}: {made.triples} triples in {len(made.graphs)} graphs, "
        f"{len(made.distributions)} dumps in {made.directory}"
    )
    return 0


# ---------------------------------------------------------------- validate


def _add_validate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("validate", help="run the SHACL gate without writing anything")
    parser.add_argument("--json", action="store_true", help="print the results as a JSON list")
    parser.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace, settings: Settings) -> int:
    report = validate(load(settings), validator=settings.validator)
    if args.json:
        _out(json.dumps([asdict(item) for item in report.results], indent=2, ensure_ascii=False))
    else:
        for item in report.results:
            _out(violation_line(item, settings))
        _out(f"{len(report.violations)} violation(s), {len(report.results)} result(s)")
    return 0 if report.conforms else 1


def violation_line(item: Violation, settings: Settings) -> str:
    """``FILE: RESOURCE PATH VALUE — MESSAGE``, with IRIs shortened by the known prefixes."""
    known = namespaces.prefixes(settings.data_base)
    where = ",".join(item.files) or NO_FILE
    parts = [_short(item.focus, known), _short(item.path, known), _short(item.value, known)]
    message = item.message if item.severity == VIOLATION else f"{item.severity}: {item.message}"
    return f"{where}: {' '.join(parts)} — {message}"


def _short(term: str | None, known: dict[str, str]) -> str:
    if term is None:
        return "-"
    if term.startswith(('"', "_:")):
        return term
    return namespaces.shorten(term, known)


# ---------------------------------------------------------------- namespaces


def _add_namespaces(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "namespaces", help="regenerate or check the closed idm: namespace (namespaces.py)"
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite namespaces.py")
    action.add_argument("--check", action="store_true", help="exit 1 when it is out of date")
    parser.set_defaults(run=_run_namespaces)


def _run_namespaces(args: argparse.Namespace, settings: Settings) -> int:
    expected = namespacegen.expected_module(settings.root, base_iri=settings.base_iri)
    target = namespacegen.module_path()
    if args.write:
        target.write_text(expected, encoding="utf-8")
        _out(f"wrote {target}")
        return 0
    if target.read_text(encoding="utf-8") != expected:
        _err(f"{target} is out of date with ontology/: run 'idmgraph namespaces --write'")
        return 1
    _out("namespaces.py matches ontology/")
    return 0


# ---------------------------------------------------------------- settings


def _add_settings(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("settings", help="print the settings table (Markdown)")
    parser.set_defaults(run=_run_settings)


def _run_settings(args: argparse.Namespace, settings: Settings) -> int:
    del args, settings
    _out(settings_table())
    return 0


def settings_table() -> str:
    """The Markdown table of every setting, as the README shows it."""
    rows = ["| Setting | Environment variable | Default | Meaning |", "|---|---|---|---|"]
    for name, variable, default, help_text in documentation():
        shown = f"`{default}`" if default else "(empty)"
        meaning = help_text.replace("|", PIPE).replace("<", "&lt;").replace(">", "&gt;")
        rows.append(f"| `{name}` | `{variable}` | {shown} | {meaning} |")
    return "\n".join(rows)


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve", help="serve the release over HTTP (built first when missing or stale)"
    )
    parser.add_argument("--host", help=f"interface to bind (default {Settings().host})")
    parser.add_argument("--port", type=int, help=f"TCP port (default {Settings().port})")
    parser.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so the build commands do not load the web stack.
    from idmgraph.web.server import serve

    settings = dataclasses.replace(
        settings,
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
    )
    built = ensure_release(settings)
    _out(f"serving release {built.version} on http://{settings.host}:{settings.port}/")
    serve(settings)
    return 0


# ---------------------------------------------------------------- import


def _add_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "import", help="read the next SG17 IdM progress report into a new data/<slug>/ folder"
    )
    parser.add_argument(
        "report", type=Path, help="the report: its text export (.txt) or Word original (.docx)"
    )
    _add_as_of(parser, "status date (YYYY-MM-DD) to record instead of the one the report states")
    parser.set_defaults(run=_run_import)


def _add_as_of(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, metavar="DATE", help=help_text
    )


def _rejected(exc: ValidationFailed, settings: Settings) -> int:
    """An import the SHACL gate refused: one line per violation, exit status 1."""
    for item in exc.violations:
        _err(violation_line(item, settings))
    _err(f"{len(exc.violations)} violation(s): nothing was written to data/")
    return 1


def _run_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        result = import_report(settings, args.report, as_of=args.as_of)
    except ValidationFailed as exc:
        return _rejected(exc, settings)
    _out(
        f"{result.slug}: {result.rows} rows, {result.work_plan} work-plan items, "
        f"{result.triples} triples in {result.directory}"
    )
    for flag in result.flagged:
        _out(f"flagged: {flag.item} left the work plan of {flag.last_plan} with no final status")
    for conflict in result.conflicts:
        _err(f"kept the earlier value: {conflict}")
    return 0


def _add_catalogue(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "catalogue", help="read a standards body's Relaton catalogue (IdM scope) into data/"
    )
    actions = parser.add_subparsers(title="actions", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import", help="import a Relaton data folder into data/catalogue-<body>/"
    )
    importing.add_argument(
        "path",
        type=Path,
        help="a relaton-data-* checkout, its data/ folder or a bare git directory",
    )
    _add_as_of(importing, "snapshot date (YYYY-MM-DD) to record instead of the commit's date")
    importing.set_defaults(run=_run_catalogue_import)


def _run_catalogue_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        result = import_catalogue(settings, args.path, as_of=args.as_of)
    except ValidationFailed as exc:
        return _rejected(exc, settings)
    _out(
        f"{result.slug}: {result.records} records read, {result.editions} editions in scope, "
        f"{result.triples} triples in {result.directory}"
    )
    for warning in result.warnings:
        _err(f"warning: {warning}")
    return 0


# ---------------------------------------------------------------- diff


def _add_diff(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "diff", help="what changed between two reports, or two catalogue snapshots"
    )
    parser.add_argument(
        "old",
        help="a release folder (dist/), a dump (.nq, .trig), a data folder or its slug; "
        "or a data/catalogue-<body> folder (then NEW is one too)",
    )
    parser.add_argument("new", help="the newer side, in any of the same forms")
    parser.add_argument(
        "--format", choices=OUTPUT_FORMATS, default="text", help="text (default) or json"
    )
    parser.set_defaults(run=_run_diff)


def _run_diff(args: argparse.Namespace, settings: Settings) -> int:
    old, new = Path(args.old), Path(args.new)
    if is_catalogue(old) and is_catalogue(new):
        text = catalogue_diff_command(settings, old, new, output_format=args.format)
    else:
        text = diff_command(settings, args.old, args.new, output_format=args.format)
    _out(text.rstrip("\n"))
    return 0


# ---------------------------------------------------------------- named queries and report


def _add_query(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("query", help="run a named query of queries/ on the release")
    parser.add_argument("name", help="the query's name (its file name without .rq)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="a parameter value; repeat"
    )
    parser.add_argument(
        "--format", help="result format: a name, extension or media type (default csv, or ttl)"
    )
    parser.set_defaults(run=_run_query)


def _run_query(args: argparse.Namespace, settings: Settings) -> int:
    try:
        output = run_query_command(settings, args.name, params=args.param, fmt=args.format)
    except RequestError as exc:
        _err(f"error: {exc.detail}")
        return 2
    sys.stdout.buffer.write(output.body)
    sys.stdout.flush()
    return 0


def _add_report(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("report", help="write the gap-analysis report (Markdown, HTML)")
    parser.add_argument(
        "--out", type=Path, default=Path("report"), help="folder to write to (default report/)"
    )
    parser.add_argument("--on", metavar="DATE", help="date the dated sections are computed for")
    parser.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace, settings: Settings) -> int:
    written = report_command(settings, out_dir=args.out, on=args.on)
    for path in (written.markdown, written.html, *written.svgs):
        _out(str(path))
    return 0


def _add_landscape(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "landscape", help="write the standards landscape (Markdown, HTML, CSV, JSON)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("landscape"),
        help="folder to write to (default landscape/)",
    )
    parser.add_argument("--on", metavar="DATE", help="date the landscape is shown for (today)")
    parser.set_defaults(run=_run_landscape)


def _run_landscape(args: argparse.Namespace, settings: Settings) -> int:
    written = landscape_command(settings, out_dir=args.out, on=args.on)
    for path in (written.markdown, written.html, written.csv, written.json, written.timeline):
        _out(str(path))
    return 0


def _add_publish(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands.add_parser(
        "publish",
        help="load the release into the remote SPARQL store (store=sparql:...) and switch to it",
    ).set_defaults(run=_run_publish)


def _run_publish(args: argparse.Namespace, settings: Settings) -> int:
    del args
    done = publish_remote(settings)
    replaced = (
        f"; replaced {done.replaced}, dropped {done.dropped} old graphs" if done.replaced else ""
    )
    _out(
        f"release {done.version}: {done.triples} triples in {len(done.graphs)} graphs "
        f"published in {done.seconds:.1f} s{replaced}"
    )
    return 0


def _add_synth(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "synth", help="write a deterministic synthetic landscape project (for benchmarks)"
    )
    parser.add_argument("--scale", type=int, required=True, help="about this many triples")
    parser.add_argument("--out", type=Path, required=True, help="project folder to write")
    parser.add_argument("--seed", type=int, default=0, help="same scale and seed, same bytes")
    parser.set_defaults(run=_run_synth)


def _run_synth(args: argparse.Namespace, settings: Settings) -> int:
    summary = main_synth(args.scale, args.out, args.seed, root=settings.root)
    _out(f"{summary.triples} triples in {summary.sources} sources under {summary.path}")
    return 0


COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    _add_build,
    _add_validate,
    _add_namespaces,
    _add_settings,
    _add_serve,
    _add_import,
    _add_catalogue,
    _add_diff,
    _add_query,
    _add_report,
    _add_landscape,
    _add_publish,
    _add_synth,
)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
