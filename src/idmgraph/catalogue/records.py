"""One Relaton record as the few facts the graph keeps, from either schema dialect.

The ITU-T and W3C repositories write the newer dialect (``docidentifier`` / ``content``,
``source``, ``date.at``, ``status.stage.content``); the ISO repository the older one (``docid``
/ ``id``, ``link``, ``date.value``, ``docstatus.stage.value``, ``ext.editorialgroup``). Both
are read into one ``Record``. Unknown fields are ignored. Files are parsed with PyYAML's
``BaseLoader`` (every scalar a string), so a date stays as printed and is checked here.

Why not the ``relaton`` package of PyPI: its release 0.2.33 (pre-alpha) models only the older
dialect (``DocID.id``, ``docid``, ``link``), so it cannot read the ITU-T and W3C records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from idmgraph.base.errors import SourceError

_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Relation types whose target is another document; the others are known and not kept.
KEPT_RELATIONS = frozenset({"obsoletes", "updates", "complementOf", "hasEdition", "editionOf"})
KNOWN_RELATIONS = KEPT_RELATIONS | frozenset(
    {
        "instanceOf",
        "hasInstance",
        "obsoletedBy",
        "updatedBy",
        "hasDraft",
        "draftOf",
        "hasReprint",
        "corrected",
        "complements",
        "adoptedFrom",
        "adoptedAs",
        "partOf",
        "hasPart",
        "successorOf",
        "hasSuccessor",
        "predecessorOf",
        "hasPredecessor",
        "merges",
        "splits",
        "identicalAdoptionOf",
        "hasIdenticalAdoption",
        "derivedFrom",
        "related",
        "cites",
    }
)


@dataclass(frozen=True, kw_only=True)
class Relation:
    """A relation of the record to another document, by that document's identifier."""

    kind: str
    target: str


@dataclass(frozen=True, kw_only=True)
class Record:
    """The facts of one catalogue record that the graph keeps."""

    file: str
    identifier: str  # the primary identifier as printed
    flavor: str  # itu, iso, w3c (recognised from the record)
    title: str | None  # the main English title
    published: str | None  # YYYY, YYYY-MM or YYYY-MM-DD as the catalogue gives it
    dates: tuple[tuple[str, str], ...]  # (type, value) of every date, in record order
    stage: str | None  # ISO "60.60", W3C "Recommendation", ITU "Published"
    committee: str | None  # ISO/IEC JTC 1/SC 27, ITU-T Study Group 17, a W3C working group
    source: str | None  # the record's own source URL
    pages: tuple[str, ...]
    common: tuple[str, ...]  # identifiers of common texts (ITU-T records name the ISO/IEC one)
    doctype: str | None
    relations: tuple[Relation, ...]


def parse(file: str, content: bytes) -> Record:
    """Read one record; a fault raises ``SourceError`` naming the file."""
    try:
        data = yaml.load(content, Loader=_LOADER)  # noqa: S506 - BaseLoader builds no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SourceError(file, f"not YAML: {getattr(exc, 'problem', exc)}", line) from None
    if not isinstance(data, dict):
        raise SourceError(file, "a record is a YAML mapping")
    identifier = _identifier(data)
    if identifier is None:
        raise SourceError(file, "the record has no primary identifier (docidentifier/docid)")
    dates = tuple(_dates(data))
    for kind, value in dates:
        if not valid_date(value):
            raise SourceError(file, f"impossible {kind} date {value!r}")
    relations = tuple(_relations(file, data))
    published = next((value for kind, value in dates if kind == "published"), None)
    ext = _mapping(data.get("ext"))
    return Record(
        file=file,
        identifier=identifier,
        flavor=_flavor(data, identifier),
        title=_title(data),
        published=published,
        dates=dates,
        stage=_stage(data),
        committee=_committee(data, ext),
        source=_source(data),
        pages=tuple(_pages(data)),
        common=tuple(_common(data, identifier)),
        doctype=_text(_mapping(ext.get("doctype")).get("content"))
        or _text(_mapping(ext.get("doctype")).get("type")),
        relations=relations,
    )


def valid_date(value: str) -> bool:
    """Whether ``value`` is a real YYYY, YYYY-MM or YYYY-MM-DD date."""
    match = _DATE.match(value)
    if match is None:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("content", value.get("value"))
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _identifier(data: dict[str, Any]) -> str | None:
    ids = [_mapping(item) for item in _list(data.get("docidentifier") or data.get("docid"))]
    for item in sorted(ids, key=lambda item: item.get("primary") != "true"):
        text = _text(item.get("content", item.get("id")))
        if text is not None and item.get("type") not in {"URN", "iso-reference"}:
            return text
    return None


def _common(data: dict[str, Any], identifier: str) -> list[str]:
    ids = [_mapping(item) for item in _list(data.get("docidentifier"))]
    found = (_text(item.get("content")) for item in ids if item.get("type") == "ISO")
    return [text for text in found if text is not None and text != identifier]


def _flavor(data: dict[str, Any], identifier: str) -> str:
    flavor = _text(_mapping(data.get("ext")).get("flavor"))
    if flavor:
        return flavor
    return identifier.split(" ", 1)[0].split("/", 1)[0].lower().removeprefix("itu-")


def _title(data: dict[str, Any]) -> str | None:
    titles = [_mapping(item) for item in _list(data.get("title"))]
    english = [t for t in titles if "en" in _list(t.get("language")) or not t.get("language")]
    for wanted in ("main", None):
        for title in english:
            if wanted is None or title.get("type") == wanted:
                text = _text(title.get("content"))
                if text:
                    return text
    return None


def _dates(data: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for raw in _list(data.get("date")):
        item = _mapping(raw)
        value = _text(item.get("at", item.get("value")))
        if value is not None:
            found.append((str(item.get("type", "published")), value))
    return found


def _stage(data: dict[str, Any]) -> str | None:
    status = _mapping(data.get("docstatus") or data.get("status"))
    stage = _text(_mapping(status.get("stage")).get("value")) or _text(status.get("stage"))
    substage = _text(_mapping(status.get("substage")).get("value"))
    if stage and substage:
        return f"{stage}.{substage}"
    return stage


def _committee(data: dict[str, Any], ext: dict[str, Any]) -> str | None:
    group = _mapping(ext.get("editorialgroup"))
    for committee in _list(group.get("technical_committee")):
        text = _text(_mapping(committee).get("identifier"))
        if text:
            return text
    for raw in _list(data.get("contributor")):
        contributor = _mapping(raw)
        roles = {_mapping(role).get("type") for role in _list(contributor.get("role"))}
        if "author" not in roles:
            continue
        for unit in _list(_mapping(contributor.get("organization")).get("subdivision")):
            names = [_text(_mapping(name).get("content")) for name in _list(unit.get("name"))]
            if names and names[0]:
                return names[0]
    return None


def _links(data: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for raw in _list(data.get("source")) + _list(data.get("link")):
        item = _mapping(raw)
        url = _text(item.get("content"))
        if url is not None:
            found.append((str(item.get("type", "src")), url))
    return found


def _source(data: dict[str, Any]) -> str | None:
    return next((url for kind, url in _links(data) if kind == "src"), None)


def _pages(data: dict[str, Any]) -> list[str]:
    return [
        url
        for kind, url in _links(data)
        if kind in {"src", "obp"} and url.startswith(("http://", "https://"))
    ]


def _relations(file: str, data: dict[str, Any]) -> list[Relation]:
    found = []
    for raw in _list(data.get("relation")):
        item = _mapping(raw)
        kind = str(item.get("type", ""))
        target = _identifier(_mapping(item.get("bibitem")))
        if target is None:
            target = _text(_mapping(item.get("bibitem")).get("formattedref"))
        if target is None:
            raise SourceError(file, f"relation {kind!r} leads to nothing (no identifier)")
        found.append(Relation(kind=kind, target=target))
    return found
