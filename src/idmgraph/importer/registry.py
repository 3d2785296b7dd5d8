"""Organisations and groups: the names a report writes, resolved to one IRI each.

A name is looked up first among the groups earlier sources already describe (by label,
alternative label or notation), so a partner keeps its IRI from one report to the next; a name
seen for the first time is minted by the rules of ``ARCHITECTURE.md``:

* ITU-T study groups and Questions of the study period (``SG 16`` → ``group/itu-t/2022-2024/sg16``),
  ITU-D Questions (``ITU-D Q3/2`` → ``group/itu-d/sg2/q3``), JCAs, TSAG and SCV;
* ISO and ISO/IEC committees with their parents (``ISO/IEC JTC1/SC27/WG5`` →
  ``group/iso-iec-jtc1/sc27/wg5``, labelled ``ISO/IEC JTC 1/SC 27/WG 5``);
* units of known bodies (``W3C DID WG`` → ``group/w3c/did-wg``);
* ``ABBR - Full name``, with an en dash or a hyphen (``org/abbr``), and any other name
  (``org/<slug>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from idmgraph.base.errors import SourceError
from idmgraph.importer.model import Name

# Bodies whose units a report names as "<BODY> <unit>", and their class.
BODIES = ("W3C", "OASIS", "GSMA", "ETSI", "IETF", "IEEE", "ISO", "IEC", "ITU")
_ITU_SG = re.compile(r"^SG ?(\d+)$")
_ITU_Q = re.compile(r"^Q(\d+)/(\d+)$")
_QUESTION_WORDS = re.compile(r"^Question (\d+)/(\d+)$")
_JCA = re.compile(r"^JCA-([A-Za-z]+)$")
_ISO = re.compile(r"^(?P<body>ISO/IEC|ISO)(?P<sep>[ /])(?P<units>.+)$")
_UNIT = re.compile(r"^([A-Z]+) ?(\d+)$")
_ABBREVIATED = re.compile(r"^(?P<abbr>[A-Z][A-Za-z0-9]+) [\u2013-] (?P<name>[A-Z].+)$")
_PLAIN = re.compile(r"^[A-Z0-9][A-Za-z0-9 .&'()/-]*$")


@dataclass(kw_only=True)
class Org:
    """An organisation or group as the new source will describe it."""

    path: str  # under <base>id/
    kind: str  # class CURIE: idm:StudyGroup, org:Organization, …
    label: str
    notation: str | None = None
    parents: list[str] = field(default_factory=list)
    study_period: bool = False
    alt_labels: list[str] = field(default_factory=list)

    def add_alt(self, written: str) -> None:
        """Record a form of the name the report uses, if it is not the label or notation."""
        if written not in (self.label, self.notation) and written not in self.alt_labels:
            self.alt_labels.append(written)


@dataclass(kw_only=True)
class Registry:
    """Every organisation one report names, minted or reused."""

    where: str
    period: str  # ITU-T study period, e.g. "2022-2024"
    known: Mapping[str, str] = field(
        default_factory=dict
    )  # name form -> path, from earlier sources
    orgs: dict[str, Org] = field(default_factory=dict)  # path -> org, in first-use order

    def resolve(self, name: Name) -> Org:
        """The organisation ``name`` stands for, minted (with its parents) on first use."""
        org = self._mint(name)
        earlier = self._earlier(name)
        if earlier is not None and earlier != org.path:
            org = Org(
                path=earlier,
                kind=org.kind,
                label=org.label,
                notation=org.notation,
                parents=org.parents,
                study_period=org.study_period,
            )
        org = self._register(org)
        org.add_alt(name.written)
        return org

    def study_group(self, number: str) -> Org:
        """ITU-T study group ``number`` of the study period."""
        return self.resolve(Name(line=0, written=f"SG{number}"))

    def question(self, number: str, group: str) -> Org:
        """ITU-T Question ``number``/``group``."""
        return self.resolve(Name(line=0, written=f"Q{number}/{group}"))

    def written(self, name: Name, org: Org) -> str:
        """The name as a sentence would write it: the list's sector prefix kept where it fits."""
        if name.prefix and org.label.startswith(name.prefix + " "):
            return f"{name.prefix} {name.written}"
        return name.written

    def _earlier(self, name: Name) -> str | None:
        for form in (f"{name.prefix} {name.written}".strip(), name.written):
            if form in self.known:
                return self.known[form]
        return None

    def _register(self, org: Org) -> Org:
        existing = self.orgs.get(org.path)
        if existing is not None:
            return existing
        for parent in org.parents:
            if parent not in self.orgs:
                self._register(self._parent(parent))
        self.orgs[org.path] = org
        return org

    def _mint(self, name: Name) -> Org:
        text, sector = name.written, (name.prefix or "ITU-T").lower()
        for rule in (self._itu, self._iso, self._body, self._other):
            try:
                org = rule(text, sector)
            except ValueError as exc:
                raise SourceError(self.where, str(exc), line=name.line) from None
            if org is not None:
                return org
        raise SourceError(
            self.where, f"not an organisation or group name: {text!r}", line=name.line
        )

    def _itu(self, text: str, sector: str) -> Org | None:
        return self._itu_named(text) or self._itu_numbered(text, sector)

    def _itu_named(self, text: str) -> Org | None:
        if text == "TSAG":
            return Org(
                path="group/itu-t/tsag",
                kind="idm:Group",
                label="TSAG",
                notation="TSAG",
                parents=["group/itu-t"],
            )
        if text == "SCV":
            # The curated source names it "ITU-T SCV" and records "SCV" as an alternative.
            return Org(
                path="group/itu-t/scv",
                kind="idm:Group",
                label="ITU-T SCV",
                notation="SCV",
                parents=["group/itu-t"],
                alt_labels=["SCV"],
            )
        if _JCA.match(text):
            return Org(
                path=f"group/itu-t/{text.lower()}",
                kind="idm:JointCoordinationActivity",
                label=text,
                notation=text,
                parents=["group/itu-t"],
            )
        return None

    def _itu_numbered(self, text: str, sector: str) -> Org | None:
        sg, question, words = _ITU_SG.match(text), _ITU_Q.match(text), _QUESTION_WORDS.match(text)
        if words:
            question = _ITU_Q.match(f"Q{words[1]}/{words[2]}")
        if sector == "itu-d" and question:
            q, g = question.groups()
            return Org(
                path=f"group/itu-d/sg{g}/q{q}",
                kind="idm:Question",
                label=f"ITU-D Q{q}/{g}",
                notation=f"Q{q}/{g}",
                parents=[f"group/itu-d/sg{g}"],
            )
        if sg:
            group = f"group/itu-t/{self.period}/sg{sg[1]}"
            return Org(
                path=group,
                kind="idm:StudyGroup",
                label=f"ITU-T SG{sg[1]}",
                notation=f"SG{sg[1]}",
                parents=["group/itu-t"],
                study_period=True,
            )
        if question:
            q, g = question.groups()
            return Org(
                path=f"group/itu-t/{self.period}/sg{g}/q{q}",
                kind="idm:Question",
                label=f"Q{q}/{g}",
                notation=f"Q{q}/{g}",
                parents=[f"group/itu-t/{self.period}/sg{g}"],
                study_period=True,
            )
        return None

    def _iso(self, text: str, sector: str) -> Org | None:
        match = _ISO.match(text)
        if not match:
            return None
        units = [_UNIT.match(unit.strip()) for unit in match["units"].split("/")]
        if not all(units):
            raise ValueError(f"not an ISO committee name: {text!r}")
        body, sep = match["body"], match["sep"]
        parents = ["org/iso", "org/iec"] if body == "ISO/IEC" else ["org/iso"]
        path = "group/iso-iec" if body == "ISO/IEC" else "group/iso"
        label, compact, org = body, body, None
        for index, unit in enumerate(u for u in units if u is not None):
            letters, digits = unit.groups()
            joiner = sep if index == 0 else "/"
            path += (
                "-" if index == 0 and body == "ISO/IEC" else "/"
            ) + f"{letters}{digits}".lower()
            label += f"{joiner}{letters} {digits}"
            compact += f"{joiner}{letters}{digits}"
            org = Org(
                path=path,
                kind="idm:Group",
                label=label,
                notation=label,
                parents=parents if org is None else [org.path],
            )
            org.add_alt(compact)
            if org.path not in self.orgs:
                self._register(org)
        return org

    def _body(self, text: str, sector: str) -> Org | None:
        head, _, unit = text.partition(" ")
        if head not in BODIES:
            return None
        if not unit:
            kind = "org:FormalOrganization" if head == "ITU" else "org:Organization"
            return Org(path=f"org/{head.lower()}", kind=kind, label=head)
        return Org(
            path=f"group/{head.lower()}/{slug(unit)}",
            kind="idm:Group",
            label=text,
            notation=unit,
            parents=[f"org/{head.lower()}"],
        )

    def _other(self, text: str, sector: str) -> Org | None:
        abbreviated = _ABBREVIATED.match(text)
        if abbreviated:
            org = Org(
                path=f"org/{slug(abbreviated['abbr'])}",
                kind="org:Organization",
                label=abbreviated["name"],
            )
            org.add_alt(abbreviated["abbr"])
            return org
        if _PLAIN.match(text):
            return Org(path=f"org/{slug(text)}", kind="org:Organization", label=text)
        return None

    def _parent(self, path: str) -> Org:
        """A parent named by path only (a sector, a body, an ITU-D study group)."""
        last = path.rsplit("/", 1)[-1]
        if path in ("group/itu-t", "group/itu-d"):
            return Org(
                path=path,
                kind="idm:Sector",
                label=last.upper().replace("ITU-", "ITU-"),
                notation=last.upper(),
                parents=["org/itu"],
            )
        if path.startswith("group/itu-d/sg"):
            return Org(
                path=path,
                kind="idm:StudyGroup",
                label=f"ITU-D SG{last[2:]}",
                notation=f"SG{last[2:]}",
                parents=["group/itu-d"],
            )
        if path.startswith("org/"):
            body = last.upper()
            kind = "org:FormalOrganization" if body == "ITU" else "org:Organization"
            return Org(path=path, kind=kind, label=body)
        return self._mint(Name(line=0, written=_sg_name(path)))


def study_period(year: int) -> str:
    """The ITU-T study period a year falls in (WTSA-20 met in 2022, so 2017-2020 ran into 2021)."""
    for label, first, last in _STUDY_PERIODS:
        if first <= year <= last:
            return label
    first = 2025 + (year - 2025) // 4 * 4
    return f"{first}-{first + 3}"


# (label, first year, last year it covers): 2017-2020 ran on into 2021 until WTSA-20 met.
_STUDY_PERIODS = (("2017-2020", 2017, 2021), ("2022-2024", 2022, 2024))


def _sg_name(path: str) -> str:
    """``group/itu-t/2022-2024/sg20`` → ``SG20``."""
    return path.rsplit("/", 1)[-1].upper()


def slug(text: str) -> str:
    """Lower case, runs of other characters as one hyphen: ``DID WG`` → ``did-wg``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
