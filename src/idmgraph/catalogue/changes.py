"""What changed between two snapshots of a catalogue: ``idmgraph diff OLD NEW`` on two folders.

Each side is a ``data/catalogue-<body>/`` folder (the committed one, or one kept from an earlier
import). Editions are compared by IRI: new editions, editions gone from the catalogue, stage
changes (withdrawals named as such) and changed dates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from idmgraph.base.errors import SourceError
from idmgraph.base.namespaces import IDM_NS
from idmgraph.base.settings import Settings
from idmgraph.pipeline import sources

_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_DATE = "http://purl.org/dc/terms/date"
_STAGE = IDM_NS + "stage"
_EDITION = IDM_NS + "Edition"
EDITIONS_FILE = "editions.ttl"
# Stages that end an edition's life: ISO withdrawal, W3C rescinded, obsolete or superseded.
WITHDRAWN = frozenset({"95.99", "RSCND", "OBSL", "SPSD"})


@dataclass(frozen=True, kw_only=True)
class Edition:
    """An edition as one snapshot states it."""

    iri: str
    label: str
    date: str | None
    stage: str | None  # the stage code (60.60, REC), the last segment of its IRI


@dataclass(frozen=True, kw_only=True)
class Change:
    """One edition present on both sides with a different stage or date."""

    label: str
    what: str  # "stage" or "date"
    old: str | None
    new: str | None
    withdrawn: bool


@dataclass(frozen=True, kw_only=True)
class CatalogueChanges:
    """The differences between two snapshots of one catalogue."""

    added: tuple[Edition, ...]
    removed: tuple[Edition, ...]
    changed: tuple[Change, ...]

    def to_json(self) -> dict[str, object]:
        """The changes as JSON-ready data."""
        return asdict(self)


def is_catalogue(path: Path) -> bool:
    """Whether ``path`` is a catalogue snapshot folder."""
    return path.is_dir() and (path / EDITIONS_FILE).is_file()


def read_editions(settings: Settings, folder: Path) -> dict[str, Edition]:
    """The editions of a snapshot folder, by IRI."""
    facts: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.ttl")):
        for triple in sources.parse_file(path, root=folder, base_iri=settings.base_iri):
            subject, obj = triple.subject, triple.object
            if isinstance(subject, ox.NamedNode) and isinstance(obj, ox.NamedNode | ox.Literal):
                facts.setdefault(subject.value, {})[triple.predicate.value] = obj.value
    return {
        iri: Edition(
            iri=iri,
            label=fact.get(_LABEL, iri),
            date=fact.get(_DATE),
            stage=fact[_STAGE].rsplit("/", 1)[-1] if _STAGE in fact else None,
        )
        for iri, fact in sorted(facts.items())
        if fact.get(_TYPE) == _EDITION
    }


def compare(old: dict[str, Edition], new: dict[str, Edition]) -> CatalogueChanges:
    """Editions added, removed and changed from ``old`` to ``new``."""
    changed = []
    for iri in sorted(old.keys() & new.keys()):
        before, after = old[iri], new[iri]
        if before.stage != after.stage:
            withdrawn = after.stage in WITHDRAWN and before.stage not in WITHDRAWN
            changed.append(
                Change(
                    label=after.label,
                    what="stage",
                    old=before.stage,
                    new=after.stage,
                    withdrawn=withdrawn,
                )
            )
        if before.date != after.date:
            changed.append(
                Change(
                    label=after.label, what="date", old=before.date, new=after.date, withdrawn=False
                )
            )
    return CatalogueChanges(
        added=tuple(new[iri] for iri in sorted(new.keys() - old.keys())),
        removed=tuple(old[iri] for iri in sorted(old.keys() - new.keys())),
        changed=tuple(changed),
    )


def catalogue_diff_command(
    settings: Settings, old: Path, new: Path, *, output_format: str = "text"
) -> str:
    """``idmgraph diff OLD NEW`` for two catalogue snapshot folders."""
    for side in (old, new):
        if not is_catalogue(side):
            raise SourceError(str(side), f"not a catalogue snapshot (no {EDITIONS_FILE})")
    changes = compare(read_editions(settings, old), read_editions(settings, new))
    if output_format == "json":
        return json.dumps(changes.to_json(), indent=2, ensure_ascii=False) + "\n"
    lines = [f"Changes from the catalogue snapshot {old} to {new}"]
    sections = {
        "New editions": [f"+ {e.label} ({e.date or e.stage or 'undated'})" for e in changes.added],
        "Editions no longer in the catalogue": [f"- {e.label}" for e in changes.removed],
        "Withdrawals": [f"{c.label}: {c.old} -> {c.new}" for c in changes.changed if c.withdrawn],
        "Stage and date changes": [
            f"{c.label}: {c.what} {c.old} -> {c.new}" for c in changes.changed if not c.withdrawn
        ],
    }
    for title, rows in sections.items():
        lines += ["", f"{title} ({len(rows)})", *(f"  {row}" for row in rows or ["none"])]
    return "\n".join(lines) + "\n"
