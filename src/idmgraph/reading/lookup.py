"""Resolve the identifiers other catalogues hold to our IRIs.

Understood forms: a citation (``ITU-T X.1095``, ``ITU-T X.1095 (11/2023)``,
``ITU-T X.509 (2019) Cor. 2 (10/2023)``), a bare number or provisional name (``X.1095``,
``X.pet_auth``, ``SG17``, ``Q10/17``), an ITU publication code or its URL (``T-REC-X.1095``,
``T-REC-X.1095-202311-I``, ``T-REC-X.509-202310-I!Cor2``), an ITU handle
(``11.1002/1000/15708`` or its ``handle.itu.int`` URL) and our own IRIs. The edition letter of
an ITU code is ignored: it changes when a newer edition appears.

>>> parse_code("T-REC-X.509-202310-I!Cor2")
Code(text='X.509 Cor. 2', month='2023-10')
>>> normalise("X.509 Corrigendum 2") == normalise("x.509 cor.2")
True
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from idmgraph.base.namespaces import IDM_NS
from idmgraph.base.settings import Settings
from idmgraph.reading.describe import DCTERMS, RDFS, SKOS, select
from idmgraph.store.interface import Store


class Outcome(Enum):
    """How a lookup ended."""

    FOUND = "found"  # exactly one resource
    AMBIGUOUS = "ambiguous"  # several resources, none preferred
    UNKNOWN = "unknown"  # nothing matched


class Kind(Enum):
    """What a matched resource is, as far as lookup cares."""

    TEXT = "text"  # an ITU-T text (Recommendation, corrigendum …)
    EDITION = "edition"
    OTHER = "other"  # work items, groups, documents, organisations …


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One key under which a resource can be found."""

    iri: str
    label: str
    kind: Kind
    key: str  # normalised
    strong: bool  # notation, provisional name, handle or edition key (labels are weak)


@dataclass(frozen=True, kw_only=True)
class Match:
    """A resource an identifier resolved to."""

    iri: str
    label: str
    kind: Kind


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """The answer to one lookup."""

    identifier: str
    outcome: Outcome
    matches: tuple[Match, ...]
    note: str = ""  # how the identifier was read, or why it fell back

    @property
    def iri(self) -> str | None:
        """The single IRI found, if the outcome is FOUND."""
        return self.matches[0].iri if self.outcome is Outcome.FOUND else None


@dataclass(frozen=True)
class Code:
    """An ITU publication code or citation read into a text number and an edition month."""

    text: str  # our notation of the text, such as "X.509 Cor. 2"
    month: str | None  # YYYY-MM of the edition, when the code names one


@dataclass(frozen=True, kw_only=True)
class Index:
    """Every key of every resource the lookup knows."""

    entries: tuple[Entry, ...]
    data_base: str

    def find(self, key: str, *, kinds: Iterable[Kind] | None = None) -> list[Entry]:
        """Entries under normalised ``key``, strong keys first, optionally of some kinds."""
        wanted = set(kinds) if kinds is not None else set(Kind)
        found = [e for e in self.entries if e.key == key and e.kind in wanted]
        strong = [e for e in found if e.strong]
        return strong or found


_NUMBER = r"[A-Z]{1,4}\.(?:Sup)?[0-9][0-9A-Za-z]*(?:\.[0-9]+)*"
_CODE = re.compile(
    rf"^T-REC-(?P<num>{_NUMBER})(?:-(?P<ym>[0-9]{{6}})(?:-[A-Z])?)?"
    r"(?:!(?P<part>Cor|Amd)(?P<seq>[0-9]+))?(?:-[A-Z])?$",
    re.IGNORECASE,
)
_CITATION = re.compile(
    rf"^(?P<num>{_NUMBER})(?:\s*\((?P<year>[0-9]{{4}})\))?"
    r"(?:\s*(?P<part>Cor|Amd|Corrigendum|Amendment)\.?\s*(?P<seq>[0-9]+))?"
    r"(?:\s*\((?P<mm>[0-9]{2})/(?P<yyyy>[0-9]{4})\))?$",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"^(?:https?://handle\.itu\.int/)?(?P<handle>11\.1002/[0-9]+/[0-9]+)/?$")
_ITU_URL = re.compile(r"^https?://(?:www\.)?itu\.int/rec/(?P<code>T-REC-[^/?#]+)", re.IGNORECASE)
_CITATION_PREFIX = re.compile(r"^ITU-T\s+", re.IGNORECASE)
_PART_WORDS = {"corrigendum": "cor", "amendment": "amd"}


def normalise(identifier: str) -> str:
    """The comparison form of an identifier: case, spaces and ``Cor.`` dots do not matter."""
    text = identifier.casefold()
    for word, short in _PART_WORDS.items():
        text = text.replace(word, short)
    text = re.sub(r"\b(cor|amd)\.", r"\1", text)
    return re.sub(r"\s+", "", text)


def parse_code(code: str) -> Code | None:
    """Read an ITU publication code such as ``T-REC-X.1095-202311-I``; None if it is none."""
    found = _CODE.match(code.strip())
    if found is None:
        return None
    month = f"{found['ym'][:4]}-{found['ym'][4:]}" if found["ym"] else None
    return Code(text=_text_number(found["num"], found["part"], found["seq"]), month=month)


def parse_citation(citation: str) -> Code | None:
    """Read a citation such as ``X.509 (2019) Cor. 2 (10/2023)`` (without ``ITU-T``)."""
    found = _CITATION.match(citation.strip())
    if found is None:
        return None
    month = f"{found['yyyy']}-{found['mm']}" if found["mm"] else None
    return Code(text=_text_number(found["num"], found["part"], found["seq"]), month=month)


def resolve(identifier: str, index: Index) -> Resolution:
    """Resolve one outside identifier against ``index``."""
    text = identifier.strip().strip("<>").strip()
    if not text:
        return Resolution(identifier=identifier, outcome=Outcome.UNKNOWN, matches=())
    if text.startswith(index.data_base):
        return _result(identifier, index.find(normalise(text)), "our own IRI")
    handle = _HANDLE.match(text)
    if handle is not None:
        entries = index.find(normalise(handle["handle"]), kinds=[Kind.EDITION])
        return _result(identifier, entries, "an ITU handle of an edition")
    url = _ITU_URL.match(text)
    code = parse_code(url["code"] if url else text)
    if code is not None:
        return _edition_or_text(identifier, code, index, "an ITU publication code")
    cited = _CITATION_PREFIX.sub("", text)
    if cited != text:
        citation = parse_citation(cited)
        if citation is not None:
            return _edition_or_text(identifier, citation, index, "an ITU-T citation")
    return _bare(identifier, text, index)


def _bare(identifier: str, text: str, index: Index) -> Resolution:
    """A citation of an edition without ``ITU-T``, else any number, name or label."""
    citation = parse_citation(text)
    if citation is not None and citation.month is not None:
        return _edition_or_text(identifier, citation, index, "a citation")
    return _result(identifier, index.find(normalise(text)), "a number, name or label")


async def load_index(store: Store, *, settings: Settings) -> Index:
    """Read the keys of every resource from the store (one query)."""
    idm = IDM_NS
    sparql = f"""SELECT DISTINCT ?x ?key ?how ?label WHERE {{
      {{ ?x <{SKOS}notation>|<{idm}provisionalName> ?key . BIND("strong" AS ?how) }}
      UNION {{ ?x <{RDFS}label>|<{SKOS}altLabel>|<{SKOS}prefLabel>|<{DCTERMS}title> ?key .
               BIND("weak" AS ?how) }}
      UNION {{ ?x <{idm}handle> ?key . BIND("strong" AS ?how) }}
      UNION {{ ?x <{idm}editionOf>/<{SKOS}notation> ?number ; <{DCTERMS}date> ?date .
               BIND(CONCAT(?number, "@", SUBSTR(STR(?date), 1, 7)) AS ?key)
               BIND("strong" AS ?how) }}
      OPTIONAL {{ ?x <{RDFS}label> ?label }}
      FILTER(isIRI(?x))
    }}"""
    entries = []
    editions = {
        row["x"].value
        for row in await select(
            store, f"SELECT ?x WHERE {{ ?x a <{idm}Edition> }}", settings=settings
        )
    }
    # the texts read apart: an OPTIONAL class path in the query above is answered wrongly by
    # Virtuoso (bound on every row), and an EXISTS per row is slow on Oxigraph at 10^5 triples
    texts = {
        row["x"].value
        for row in await select(
            store,
            f"SELECT DISTINCT ?x WHERE {{ ?x a/<{RDFS}subClassOf>* <{idm}Text> }}",
            settings=settings,
        )
    }
    for row in await select(store, sparql, settings=settings):
        iri = row["x"].value
        kind = Kind.EDITION if iri in editions else Kind.TEXT if iri in texts else Kind.OTHER
        label = row["label"].value if "label" in row else row["key"].value
        entries.append(
            Entry(
                iri=iri,
                label=label,
                kind=kind,
                key=normalise(row["key"].value),
                strong=row["how"].value == "strong",
            )
        )
    entries.extend(
        Entry(iri=iri, label=label, kind=kind, key=normalise(iri), strong=True)
        for iri, label, kind in {(e.iri, e.label, e.kind) for e in entries}
    )
    return Index(entries=tuple(entries), data_base=settings.data_base)


def suggest(text: str, index: Index, *, limit: int = 10) -> tuple[Match, ...]:
    """Resources whose identifier or label contains ``text``, then those close to it."""
    wanted = normalise(text)
    if len(wanted) < 2:
        return ()
    keys = {e.key for e in index.entries if not e.key.startswith(("http:", "https:"))}
    close = difflib.get_close_matches(wanted, keys, n=limit, cutoff=0.75)
    found: dict[str, tuple[int, Match]] = {}
    for entry in index.entries:
        if entry.key not in keys:
            continue
        if entry.key == wanted:
            rank = 0
        elif entry.key.startswith(wanted):
            rank = 1
        elif wanted in entry.key:
            rank = 2
        elif entry.key in close:
            rank = 3 + close.index(entry.key)
        else:
            continue
        match = Match(iri=entry.iri, label=entry.label, kind=entry.kind)
        if entry.iri not in found or rank < found[entry.iri][0]:
            found[entry.iri] = (rank, match)
    ordered = sorted(found.values(), key=lambda item: (item[0], len(item[1].label), item[1].label))
    return tuple(match for _, match in ordered[:limit])


def _edition_or_text(identifier: str, code: Code, index: Index, how: str) -> Resolution:
    if code.month is not None:
        editions = index.find(normalise(f"{code.text}@{code.month}"), kinds=[Kind.EDITION])
        if editions:
            return _result(identifier, editions, f"{how} of the edition {code.text} ({code.month})")
    texts = index.find(normalise(code.text), kinds=[Kind.TEXT])
    if code.month is not None and texts:
        note = f"the edition {code.text} ({code.month}) is not in the graph: the text it is of"
        return _result(identifier, texts, note)
    return _result(identifier, texts, f"{how} of the text {code.text}")


def _result(identifier: str, entries: list[Entry], note: str) -> Resolution:
    matches = {e.iri: Match(iri=e.iri, label=e.label, kind=e.kind) for e in entries}
    ordered = tuple(sorted(matches.values(), key=lambda m: (m.kind.value, m.label, m.iri)))
    if not ordered:
        return Resolution(identifier=identifier, outcome=Outcome.UNKNOWN, matches=(), note=note)
    outcome = Outcome.FOUND if len(ordered) == 1 else Outcome.AMBIGUOUS
    return Resolution(identifier=identifier, outcome=outcome, matches=ordered, note=note)


def _text_number(number: str, part: str | None, seq: str | None) -> str:
    """Our notation of a text: ``X.509``, ``X.509 Cor. 2``, ``X.509 Amd. 1``."""
    series, _, rest = number.partition(".")
    text = f"{series.upper()}.{rest}"
    if part and seq:
        short = "Cor." if part.lower().startswith("cor") else "Amd."
        text += f" {short} {int(seq)}"
    return text
