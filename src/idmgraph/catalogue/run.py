"""``idmgraph catalogue import``: a Relaton data folder to ``data/catalogue-<body>/``.

All or nothing.

Every record is read and checked before anything is written; a malformed record stops the
import with its file name and fault. The new folder is validated by the SHACL gate together
with every other source (as ``idmgraph import`` does for reports) and then replaces the
catalogue's earlier snapshot, if any, in one rename.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from idmgraph.base.errors import SourceError
from idmgraph.base.settings import Settings
from idmgraph.catalogue.describe import catalogue_statements
from idmgraph.catalogue.files import open_checkout, record_files
from idmgraph.catalogue.records import Record, parse
from idmgraph.catalogue.scope import SCOPE_SLUG, read_scope
from idmgraph.importer.run import write_checked
from idmgraph.importer.statements import DCTERMS, IDM, PROV, RDF, RDFS, XSD, Statements, en
from idmgraph.importer.turtle import render

# The catalogue each flavour of record belongs to: its folder slug, repository and publisher.
CATALOGUES = {
    "itu": ("itu", "https://github.com/relaton/relaton-data-itu", "org/itu", "ITU-T"),
    "iso": ("iso", "https://github.com/relaton/relaton-data-iso", "org/iso", "ISO and ISO/IEC"),
    "iec": ("iso", "https://github.com/relaton/relaton-data-iso", "org/iso", "ISO and ISO/IEC"),
    "w3c": ("w3c", "https://github.com/relaton/relaton-data-w3c", "org/w3c", "W3C"),
}
HEADERS = {
    "source.ttl": "The source: the {name} catalogue as Relaton publishes it ({repository}),\n"
    "IdM scope only (data/catalogue-scope). Written by idmgraph catalogue import.",
    "texts.ttl": "The texts of the catalogue's records in scope, across their editions.",
    "editions.ttl": "One resource per catalogue record in scope: an edition, corrigendum,\n"
    "amendment or supplement edition, with the record's own source URL as its evidence.",
}


@dataclass(frozen=True, kw_only=True)
class CatalogueImport:
    """What ``import_catalogue`` wrote."""

    slug: str
    directory: Path
    records: int
    editions: int
    triples: int
    warnings: tuple[str, ...]


def read_records(path: Path) -> tuple[list[Record], dict[str, str | None]]:
    """Every current record of the folder, checked; the checkout's provenance facts."""
    found, _ = read_current(path)
    return found


def read_current(path: Path) -> tuple[tuple[list[Record], dict[str, str | None]], list[str]]:
    """Every record of the folder, checked, but for stale copies under an earlier file name
    (see :func:`stale_names`); the checkout's provenance facts; the names left out."""
    checkout = open_checkout(path)
    files = dict(record_files(checkout))
    stale = stale_names(files)
    records = [parse(name, content) for name, content in files.items() if name not in stale]
    if not records:
        raise SourceError(str(path), "no Relaton records (data/*.yaml) found")
    facts = {
        "commit": checkout.commit,
        "commit_date": checkout.commit_date,
        "remote": checkout.remote,
    }
    return (records, facts), sorted(stale)


def stale_names(names: Iterable[str]) -> set[str]:
    """Record files named with ``:`` before the year whose twin named with ``-`` is there too.

    relaton-data-iso holds 9,630 records twice, e.g. ``data/iso-ts-9941:2005.yaml`` and
    ``data/iso-ts-9941-2005.yaml``. In its history the ``:`` files were added from December
    2023 and last changed in August 2024, while their ``-`` twins were changed up to June 2025:
    the ``-`` twin is the current one. 1,498 of the pairs give the same edition different
    stages, which the gate refuses (one stage an edition), so only the current twin is read.
    """
    given = set(names)
    return {name for name in given if ":" in name and name.replace(":", "-") in given}


def recognise(records: list[Record], where: str) -> str:
    """The catalogue the records come from: the flavour most of them carry."""
    flavour, _ = Counter(record.flavor for record in records).most_common(1)[0]
    if flavour not in CATALOGUES:
        raise SourceError(where, f"records of an unknown catalogue ({flavour!r})")
    return flavour


def import_catalogue(
    settings: Settings, path: Path, *, as_of: date | None = None
) -> CatalogueImport:
    """Import one catalogue into ``data/catalogue-<body>/``; on any fault write nothing."""
    (records, facts), stale = read_current(path)
    body, repository, publisher, name = CATALOGUES[recognise(records, str(path))]
    slug = f"catalogue-{body}"
    status_date = as_of.isoformat() if as_of else facts["commit_date"]
    if status_date is None:
        raise SourceError(str(path), "not a git checkout: give the snapshot's date with --as-of")
    scope = read_scope(settings, importing=slug)
    selection = catalogue_statements(records, scope, repository=repository, commit=facts["commit"])
    out = selection.out
    # A statement another source makes already is not made twice: the union of the graphs
    # would hold it once but answer it once per graph.
    out.drop({triple for triple in out.triples() if _line(triple) in scope.stated})
    _source(
        out,
        slug,
        name=name,
        repository=repository,
        publisher=publisher,
        facts=facts,
        status_date=status_date,
    )
    headers = {
        file: text.format(name=name, repository=repository) for file, text in HEADERS.items()
    }
    files = render(out, base_iri=settings.base_iri, headers=headers)
    write_checked(settings, slug, files, replace=True)
    return CatalogueImport(
        slug=slug,
        directory=settings.root / "data" / slug,
        records=selection.records,
        editions=selection.editions,
        triples=len(out.graph()),
        warnings=tuple(_stale_warning(stale) + selection.warnings),
    )


def _stale_warning(stale: list[str]) -> list[str]:
    if not stale:
        return []
    return [
        f"{len(stale)} record(s) under an earlier file name left out for their current twin "
        f"(the same name with '-' for ':'), e.g. {stale[0]}"
    ]


def _line(triple: tuple[URIRef, URIRef, Node]) -> str:
    return " ".join(term.n3() for term in triple)


def _source(
    out: Statements,
    slug: str,
    *,
    name: str,
    repository: str,
    publisher: str,
    facts: dict[str, str | None],
    status_date: str,
) -> None:
    file = "source.ttl"
    source = out.iri(f"source/{slug}")
    out.add(file, source, RDF.type, IDM.Source)
    out.add(file, source, RDFS.label, en(f"{name} catalogue (Relaton), IdM scope"))
    out.add(file, source, DCTERMS.source, URIRef(repository))
    if facts["commit"]:
        out.add(file, source, IDM.commit, Literal(facts["commit"]))
    out.add(file, source, IDM.statusDate, Literal(status_date, datatype=XSD.date))
    out.add(file, source, PROV.wasAttributedTo, out.iri(publisher))
    out.add(file, source, DCTERMS.references, out.iri(f"source/{SCOPE_SLUG}"))
