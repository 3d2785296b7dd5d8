"""Work items of one Question across study periods: texts, editions, dated lifecycle events.

Each item lives, with all its events, in the progress report that tells its latest decision
(or announces it as new), and is listed in the work plan of every report while in progress.
Dates respect the approval process: new work item, then consent/determination/agreement at a
later meeting, then approval weeks (AAP) or months (TAP) after consent/determination; a text
is only revised, corrected or supplemented after its edition was approved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from idmgraph.synth.bodies import question, study_group
from idmgraph.synth.plan import Plan, StudyPeriod, meeting_day, report_source, rng, word, work_plan
from idmgraph.synth.terms import Block, day, node, plain, positive, source_node, text

SERIES = "ABCDEFGHJKLMNPRSTUVWXY"
# (deliverable kind, weight); kinds that change a text fall back to a new Recommendation
# when the Question has no approved text yet.
KINDS = (
    ("recommendation", 50),
    ("revision", 15),
    ("corrigendum", 10),
    ("amendment", 5),
    ("supplement", 10),
    ("technical-report", 10),
)
CHANGES = ("revision", "corrigendum", "amendment", "supplement")
LEGACY_TEXTS = 2  # approved Recommendations each Question inherits before the first period
FIRST_EVENT = {"aap": "consented", "tap": "determined", "agreement": "agreed"}
SUBJECTS = (
    "decentralized identifiers",
    "biometric authentication",
    "password-less login",
    "identity federation",
    "attribute certificates",
    "verifiable credentials",
    "device identity",
    "trust frameworks",
    "identity proofing",
    "entity authentication",
)
FORMS = ("Framework for", "Requirements for", "Guidelines on", "Protocol for", "APIs for")


@dataclass
class Rec:
    """A Recommendation of the lineage with its latest edition."""

    number: str
    iri: str
    edition: str = ""
    issued: dt.date | None = None
    corrigenda: int = 0
    amendments: int = 0
    revised_in: int = -1  # study period of its latest revision work item


@dataclass(frozen=True)
class Item:
    """The decisions drawn for one work item."""

    kind: str
    route: str
    start: int  # report index of the new-work-item event
    end: int  # report index of the last decision, or of the last report listing it
    outcome: str  # "open", "done" or "discontinued"
    target: Rec | None


# (IRI, date, whether the date is only an upper bound, event type)
Event = tuple[str, dt.date, bool, str]
UNDECIDED = ("new-work-item", "discontinued")


@dataclass(frozen=True)
class Names:
    """How a work item is called."""

    iri: str
    notation: str  # its designation as a report writes it: X.pet_auth, X.510 Revised
    provisional: str | None
    changes: str  # the text a revision, corrigendum or amendment prepares; "" otherwise


def catalogue_source(union: int) -> str:
    """Folder of a union's bibliographic source (texts and editions)."""
    return f"synth-u{union}-catalogue"


class Lineage:
    """The work of one Question of one study group, across all study periods."""

    def __init__(self, plan: Plan, union: int, group: int, number: int) -> None:
        self.plan, self.union, self.group, self.number = plan, union, group, number
        self.draw = rng(plan.seed, f"lineage/{union}/{group}/{number}")
        self.series = SERIES[group % len(SERIES)]
        # 9, union, series block, Question: unique, and no real ITU-T text has such a number
        self.code = f"9{union}{group // len(SERIES)}{number + 1:02d}"
        self.recs: list[Rec] = []
        self.numbered = 0
        self.supplements = 0

    def blocks(self, periods: tuple[StudyPeriod, ...]) -> Iterator[Block]:
        """Legacy texts, then every study period's work items."""
        for _ in range(LEGACY_TEXTS):
            issued = periods[0].start - dt.timedelta(days=self.draw.randrange(365, 8 * 365))
            title = f"Synthetic: {self.draw.choice(FORMS)} {self.draw.choice(SUBJECTS)}"
            yield from self._new_text("recommendation", issued, title, None)[1]
        for period in periods:
            for index in range(self.plan.items):
                yield from self._item(period, index, self._draw_item(period, index))

    def _draw_item(self, period: StudyPeriod, index: int) -> Item:
        last = len(period.reports) - 1
        kind = self.draw.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        start = self.draw.randrange(last + 1)
        roll = self.draw.random()
        outcome = "done" if roll < 0.62 else "discontinued" if roll < 0.72 else "open"
        if self.group == 0 and self.number == 0 and index <= last:
            # one open item starting at each report: no work plan is ever empty
            start, outcome = index, "open"
        target = None
        if kind in CHANGES:
            opened = meeting_day(period, start, self.group)
            free = [
                rec
                for rec in self.recs
                if rec.issued
                and rec.issued < opened
                and (kind != "revision" or rec.revised_in < period.index)
            ]
            target = self.draw.choice(free) if free else None
        if target is None:
            kind = "recommendation" if kind in CHANGES else kind
        elif kind == "revision":
            target.revised_in = period.index
        outcome = "open" if start == last else outcome
        end = last if outcome == "open" else self.draw.randint(start + 1, last)
        if kind in ("supplement", "technical-report"):
            route = "agreement"
        elif kind in ("corrigendum", "amendment"):
            route = "aap"
        else:
            route = "aap" if self.draw.random() < 0.65 else "tap"
        return Item(kind, route, start, end, outcome, target)

    def _item(self, period: StudyPeriod, index: int, item: Item) -> Iterator[Block]:
        u, plan = self.union, self.plan
        unique = (u * plan.groups + self.group) * plan.questions + self.number
        unique = unique * plan.periods + period.index
        status = period.reports[item.start if item.outcome == "open" else item.end][1]
        src = report_source(u, status)
        names = self._names(item, period, word(unique * plan.items + index))
        title = f"Synthetic: {self.draw.choice(FORMS)} {self.draw.choice(SUBJECTS)}"
        events = list(self._events(period, item, names.iri))
        pairs: list[tuple[str, str]] = [
            ("a", "idm:WorkItem"),
            ("rdfs:label", text(f"{names.notation} (synthetic)")),
            ("skos:notation", plain(names.notation)),
            ("dcterms:title", text(title)),
            ("idm:studyGroup", study_group(u, period, self.group)),
            ("idm:question", question(u, period, self.group, self.number)),
            ("idm:deliverableKind", f"kind:{item.kind}"),
            ("idm:plannedRoute", f"route:{item.route}"),
        ]
        if names.provisional:
            pairs.append(("idm:provisionalName", plain(names.provisional)))
        link = {"revision": "idm:revises", "supplement": "idm:supplements"}.get(item.kind)
        if item.target and link:
            pairs.append((link, item.target.iri))
        decided = [event for event in events if event[3] not in UNDECIDED]
        if decided and item.kind != "technical-report":  # a TR keeps its name, gets no number
            developed, texts = self._texts(item, events, title, names)
            yield from texts
            pairs.append(("idm:develops", developed))
        pairs += [("idm:lifecycleEvent", event[0]) for event in events]
        yield src, names.iri, tuple(pairs)
        for event_iri, when, undated, kind in events:
            yield (
                src,
                event_iri,
                (
                    ("a", "idm:LifecycleEvent"),
                    ("rdfs:label", text(f"{names.notation}: {kind.replace('-', ' ')}")),
                    ("idm:eventType", f"status:{kind}"),
                    ("idm:notLaterThan" if undated else "dcterms:date", day(when)),
                    ("dcterms:source", source_node(src)),
                ),
            )
        listed_until = item.end - 1 if item.outcome == "done" else item.end
        for k in range(item.start, listed_until + 1):
            status_k = period.reports[k][1]
            plan_iri = node(work_plan(u, status_k))
            yield report_source(u, status_k), plan_iri, (("idm:item", names.iri),)

    def _names(self, item: Item, period: StudyPeriod, stem: str) -> Names:
        """How the item is called, and the text it changes when known from the start."""
        base = f"workitem/u{self.union}/"
        target = item.target
        if item.kind == "revision" and target:
            path = f"{base}{target.number}-revised-{period.label}"
            return Names(node(path), f"{target.number} Revised", None, target.iri)
        if item.kind in ("corrigendum", "amendment") and target:
            if item.kind == "corrigendum":
                target.corrigenda += 1
                short, count = "Cor", target.corrigenda
            else:
                target.amendments += 1
                short, count = "Amd", target.amendments
            path = f"{base}{target.number}-{short.lower()}{count}"
            text_iri = f"{target.iri[:-1]}/{short.lower()}{count}>"
            return Names(node(path), f"{target.number} {short}. {count}", None, text_iri)
        prefix = {"supplement": f"{self.series}.sup-syn", "technical-report": "TR.syn"}
        name = prefix.get(item.kind, f"{self.series}.syn") + stem
        return Names(node(base + name), name, name, "")

    def _events(self, period: StudyPeriod, item: Item, iri: str) -> Iterator[Event]:
        """The item's lifecycle events in date order."""
        stem = iri[:-1]
        meeting = [meeting_day(period, k, self.group) for k in range(len(period.reports))]
        opened = meeting[item.start]
        yield f"{stem}/new-work-item-{opened}>", opened, False, "new-work-item"
        when = meeting[item.end]
        if item.outcome == "discontinued":
            if self.draw.random() < 0.3:  # stated by the report without a date
                yield f"{stem}/discontinued>", period.reports[item.end][1], True, "discontinued"
            else:
                yield f"{stem}/discontinued-{when}>", when, False, "discontinued"
        if item.outcome != "done":
            return
        first = FIRST_EVENT[item.route]
        yield f"{stem}/{first}-{when}>", when, False, first
        if item.route != "agreement" and self.draw.random() < 0.95:
            wait = self.draw.randint(25, 80) if item.route == "aap" else self.draw.randint(60, 160)
            approved = when + dt.timedelta(days=wait)
            yield f"{stem}/approved-{approved}>", approved, False, "approved"

    def _texts(
        self, item: Item, events: list[Event], title: str, names: Names
    ) -> tuple[str, list[Block]]:
        """(the text the item develops, the catalogue blocks its decisions add)."""
        issued = events[-1][1] if events[-1][3] in ("approved", "agreed") else None
        target = item.target
        if item.kind == "revision" and target:
            return target.iri, self._edition(target, issued) if issued else []
        if item.kind in ("corrigendum", "amendment") and target:
            return names.changes, self._amending_text(item.kind, target, names, issued)
        return self._new_text(item.kind, issued, title, target)

    def _new_text(
        self, kind: str, issued: dt.date | None, title: str, target: Rec | None
    ) -> tuple[str, list[Block]]:
        if kind == "supplement":
            self.supplements += 1
            number = f"{self.series}.Sup{self.code}{self.supplements:02d}"
            klass = "idm:Supplement"
        else:
            self.numbered += 1
            number = f"{self.series}.{self.code}.{self.numbered}"
            klass = "idm:Recommendation"
        iri = node(f"rec/u{self.union}/{number}")
        pairs = [
            ("a", klass),
            ("rdfs:label", text(f"Synthetic {number}")),
            ("skos:notation", plain(number)),
            ("idm:series", plain(self.series)),
            ("dcterms:title", text(title)),
        ]
        if klass == "idm:Supplement" and target:
            pairs.append(("idm:supplements", target.iri))
            pairs.append(("idm:sequenceNumber", positive(self.supplements)))
        rec = Rec(number, iri)
        if klass == "idm:Recommendation":
            self.recs.append(rec)
        blocks: list[Block] = [(catalogue_source(self.union), iri, tuple(pairs))]
        return iri, blocks + (self._edition(rec, issued) if issued else [])

    def _amending_text(
        self, kind: str, target: Rec, names: Names, issued: dt.date | None
    ) -> list[Block]:
        count = target.corrigenda if kind == "corrigendum" else target.amendments
        link = "idm:corrigendumTo" if kind == "corrigendum" else "idm:amendmentTo"
        pairs = (
            ("a", f"idm:{kind.capitalize()}"),
            ("rdfs:label", text(f"Synthetic {names.notation}")),
            ("skos:notation", plain(names.notation)),
            ("idm:series", plain(self.series)),
            (link, target.iri),
            ("idm:sequenceNumber", positive(count)),
        )
        blocks: list[Block] = [(catalogue_source(self.union), names.changes, pairs)]
        amending = Rec(names.notation, names.changes)
        return blocks + (self._edition(amending, issued) if issued else [])

    def _edition(self, rec: Rec, issued: dt.date) -> list[Block]:
        """A new edition of ``rec``, replacing its previous one, which it becomes."""
        src = catalogue_source(self.union)
        iri = f"{rec.iri[:-1]}/{issued:%Y-%m}>"
        label = f"{rec.number} ({issued:%m/%Y})"
        pairs = [
            ("a", "idm:Edition"),
            ("rdfs:label", text(f"Synthetic {label}")),
            ("skos:notation", plain(label)),
            ("idm:editionOf", rec.iri),
            ("dcterms:date", day(issued)),
            ("dcterms:source", source_node(src)),
        ]
        if rec.edition:
            pairs.append(("idm:replaces", rec.edition))
        rec.edition, rec.issued = iri, issued
        return [(src, iri, tuple(pairs))]
