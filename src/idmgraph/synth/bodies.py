"""Organisations of the synthetic landscape: ITU-like unions and the bodies they liaise with.

Every name says "Synthetic" and every IRI lies under ``<base>id/synth/``, so nothing here can
be mistaken for a fact about a real organisation.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from idmgraph.synth.plan import Plan, StudyPeriod, rng, word
from idmgraph.synth.terms import Block, day, node, plain, text

STRUCTURE = "structure"  # folder suffix of a union's organisation source
LANDSCAPE = "synth-landscape"  # folder of the outside bodies and topics
TOPICS = 12
D_GROUPS, D_QUESTIONS = 2, 3  # development-sector groups and Questions (liaison partners)
# (slug, name, unit kind): consortia shaped like W3C, IETF, FIDO and ETSI, all invented.
CONSORTIA = (
    ("web", "Synthetic Web Consortium", "Working Group"),
    ("inet", "Synthetic Internet Engineering Forum", "Working Group"),
    ("auth", "Synthetic Authentication Alliance", "Technical Working Group"),
    ("tsi", "Synthetic Telecommunications Standards Institute", "Technical Committee"),
)


@dataclass(frozen=True)
class Party:
    """A body or group that can be on either side of a liaison flow."""

    iri: str
    slug: str  # unique; in liaison-flow IRIs with "/" turned into "-"
    label: str = ""
    parents: tuple[str, ...] = ()  # bodies or groups it is part of; none for a body


def union_source(union: int) -> str:
    """Folder of a union's organisation source."""
    return f"synth-u{union}-{STRUCTURE}"


def sector(union: int, letter: str = "t") -> str:
    """A sector of a union (``t`` standardisation, ``d`` development)."""
    return node(f"group/u{union}-{letter}")


def study_group(union: int, period: StudyPeriod, group: int, letter: str = "t") -> str:
    """A study group of one study period."""
    return node(f"group/u{union}-{letter}/{period.label}/sg{group + 1}")


def question(union: int, period: StudyPeriod, group: int, number: int, letter: str = "t") -> str:
    """A Question of a study group of one study period."""
    return node(f"group/u{union}-{letter}/{period.label}/sg{group + 1}/q{number + 1}")


def topic(number: int) -> str:
    """A synthetic topic concept."""
    return node(f"topic/{word(number)}")


def jca(union: int) -> str:
    """The joint coordination activity of a union's lead study group."""
    return node(f"group/u{union}-t/jca-idm")


def advisory_group(union: int) -> str:
    """The advisory group a union's meetings send their results to (like TSAG)."""
    return node(f"group/u{union}-t/tsag")


def roadmap(union: int) -> str:
    """The standards roadmap part the lead study group maintains."""
    return node(f"doc/u{union}-roadmap/part6")


def union_structure(plan: Plan, union: int, periods: tuple[StudyPeriod, ...]) -> Iterator[Block]:
    """The union, its sectors, study periods, study groups, Questions and coordination groups."""
    src = union_source(union)
    name = f"Synthetic Telecommunication Union {union}"
    body = node(f"org/u{union}")
    yield src, body, (("a", "org:FormalOrganization"), ("rdfs:label", text(name)))
    for letter, what in (("t", "standardization"), ("d", "development")):
        label = f"{name} {what} sector (U{union}-{letter.upper()})"
        notation = ("skos:notation", plain(f"U{union}-{letter.upper()}"))
        yield src, sector(union, letter), (*_unit("idm:Sector", label, body), notation)
    for period in periods:
        yield from _period_groups(plan, union, period)
    last = periods[-1]
    resolution = node(f"doc/u{union}-assembly/resolution-2")
    yield (
        src,
        resolution,
        (
            ("a", "idm:Resolution"),
            ("rdfs:label", text(f"Synthetic Union {union} assembly Resolution 2")),
        ),
    )
    coordinated = [study_group(union, last, g) for g in range(1, plan.groups)]
    lead = study_group(union, last, 0)
    yield (
        src,
        jca(union),
        (
            *_unit("idm:JointCoordinationActivity", f"Synthetic U{union} JCA-IdM", lead),
            ("skos:notation", plain("JCA-IdM")),
            ("idm:activityArea", "area:identity-management"),
            ("idm:mandate", resolution),
            *(("idm:coordinatesWith", group) for group in coordinated),
        ),
    )
    yield (
        src,
        advisory_group(union),
        (
            *_unit("idm:Group", f"Synthetic U{union} TSAG", sector(union)),
            ("skos:notation", plain("TSAG")),
        ),
    )
    yield (
        src,
        roadmap(union),
        (
            ("a", "idm:Roadmap"),
            ("rdfs:label", text(f"Synthetic U{union} security standards roadmap, part 6: IdM")),
            ("idm:maintainedBy", lead),
        ),
    )


def _period_groups(plan: Plan, union: int, period: StudyPeriod) -> Iterator[Block]:
    src = union_source(union)
    draw = rng(plan.seed, f"groups/{union}/{period.index}")
    iri = node(f"period/u{union}-t/{period.label}")
    yield (
        src,
        iri,
        (
            ("a", "idm:StudyPeriod"),
            ("rdfs:label", text(f"Synthetic U{union}-T study period {period.label}")),
            ("skos:notation", plain(period.label)),
            ("dcat:startDate", day(period.start)),
            ("dcat:endDate", day(period.end)),
        ),
    )
    for letter, groups, questions in (
        ("t", plan.groups, plan.questions),
        ("d", D_GROUPS, D_QUESTIONS),
    ):
        for group in range(groups):
            yield from _group(union, period, group, letter=letter, questions=questions, draw=draw)


def _group(
    union: int,
    period: StudyPeriod,
    group: int,
    *,
    letter: str,
    questions: int,
    draw: random.Random,
) -> Iterator[Block]:
    """One study group of a study period and its Questions."""
    src = union_source(union)
    period_iri = node(f"period/u{union}-t/{period.label}")
    sg = study_group(union, period, group, letter)
    label = f"Synthetic U{union}-{letter.upper()} SG{group + 1} ({period.label})"
    pairs = [
        *_unit("idm:StudyGroup", label, sector(union, letter)),
        ("skos:notation", plain(f"SG{group + 1}")),
        ("idm:studyPeriod", period_iri),
    ]
    lead = letter == "t" and group == 0
    if lead or draw.random() < 0.6:
        pairs.append(("idm:activityArea", "area:identity-management"))
    pairs += [("idm:activityArea", topic(draw.randrange(TOPICS))) for _ in range(2)]
    if lead:
        pairs += [
            ("idm:leadStudyGroupOn", "area:identity-management"),
            ("idm:leadElement", jca(union)),
            *(("idm:leadElement", question(union, period, 0, q)) for q in range(2)),
        ]
    yield src, sg, tuple(dict.fromkeys(pairs))  # two draws may pick the same topic
    for number in range(questions):
        q_label = f"Synthetic U{union}-{letter.upper()} Q{number + 1}/{group + 1}"
        yield (
            src,
            question(union, period, group, number, letter),
            (
                *_unit("idm:Question", f"{q_label} ({period.label})", sg),
                ("skos:notation", plain(f"Q{number + 1}/{group + 1}")),
                ("idm:studyPeriod", period_iri),
            ),
        )


def _unit(kind: str, label: str, parent: str) -> tuple[tuple[str, str], ...]:
    return (("a", kind), ("rdfs:label", text(label)), ("org:subOrganizationOf", parent))


def outside_bodies(plan: Plan) -> Iterator[Block]:
    """Topics, ISO-like and consortium bodies with their groups, all in one source."""
    yield (
        LANDSCAPE,
        node("topic/scheme"),
        (
            ("a", "skos:ConceptScheme"),
            ("rdfs:label", text("Synthetic topics")),
        ),
    )
    for number in range(TOPICS):
        label = text(f"Synthetic topic {word(number)}")
        yield (
            LANDSCAPE,
            topic(number),
            (
                ("a", "skos:Concept"),
                ("skos:inScheme", node("topic/scheme")),
                ("skos:prefLabel", label),
                ("rdfs:label", label),
            ),
        )
    for party in outside_parties(plan):
        yield LANDSCAPE, party.iri, _describe_party(party)


def outside_parties(plan: Plan) -> list[Party]:
    """Every outside body and group, bodies before their groups."""
    parties: list[Party] = []
    for copy in range(plan.consortia):
        parties += _iso_like(plan, copy)
        for slug, name, unit_kind in CONSORTIA:
            body = _party(f"org/{slug}{copy}", f"{name} {copy}")
            parties.append(body)
            for number in range(3 + plan.subcommittees):
                label = f"{body.label} {unit_kind} {word(number)}"
                parties.append(_party(f"group/{slug}{copy}/wg-{word(number)}", label, body))
    return parties


def _iso_like(plan: Plan, copy: int) -> list[Party]:
    sso = _party(f"org/sso{copy}", f"Synthetic Standards Organisation {copy}")
    sec = _party(f"org/sec{copy}", f"Synthetic Electrotechnical Commission {copy}")
    jtc = _party(
        f"group/sso{copy}-sec{copy}-jtc1", f"Synthetic SSO{copy}/SEC{copy} JTC 1", sso, sec
    )
    parties = [sso, sec, jtc]
    for sc in range(plan.subcommittees):
        sub = _party(f"{jtc.slug}/sc{sc + 1}", f"{jtc.label}/SC {sc + 1}", jtc)
        parties.append(sub)
        parties += [
            _party(f"{sub.slug}/wg{wg + 1}", f"{sub.label}/WG {wg + 1}", sub) for wg in range(5)
        ]
    return parties


def _party(path: str, label: str, *parents: Party) -> Party:
    return Party(node(path), path, label, tuple(parent.iri for parent in parents))


def _describe_party(party: Party) -> tuple[tuple[str, str], ...]:
    kind = "idm:Group" if party.parents else "org:FormalOrganization"
    pairs = [("a", kind), ("rdfs:label", text(party.label))]
    if party.parents:
        pairs.append(("skos:notation", plain(party.label.removeprefix("Synthetic "))))
    return (*pairs, *(("org:subOrganizationOf", parent) for parent in party.parents))
