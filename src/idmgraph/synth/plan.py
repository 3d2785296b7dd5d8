"""How big each part of a synthetic landscape is for a scale, and its calendar.

Everything random is drawn from :func:`rng`, seeded by the landscape's seed and a key naming
the part, so each part is reproducible on its own and the output is byte-identical per seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

REPORTS_PER_PERIOD = 6  # a lead study group reports after each meeting, ~every 8 months
LAST_YEAR = 2024  # the last synthetic study period ends in this year
# Rough triples per work item (item, events, text, edition, work-plan rows), measured at
# 10^5-10^6 triples; only used to size the landscape, never to cut it.
TRIPLES_PER_ITEM = 28.0
TRIPLES_PER_GROUP_REPORT = 90.0  # liaison flows, meeting and study-group rows per report


def rng(seed: int, key: str) -> random.Random:
    """A generator for one part of the landscape, independent of every other part."""
    # reproducibility, not secrecy, is wanted here
    return random.Random(f"idmgraph-synth/{seed}/{key}")  # noqa: S311


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Sizes of the landscape: grown together so its shape stays like the real data."""

    scale: int
    seed: int
    unions: int  # ITU-like bodies, each with sectors, study periods, groups and Questions
    periods: int  # study periods per union
    groups: int  # study groups of the standardisation sector per study period
    questions: int  # Questions per study group
    items: int  # work items per Question and study period
    counterparts: int  # liaison counterparts per study group and reporting period
    consortia: int  # copies of each consortium template (web, internet, ...)
    subcommittees: int  # subcommittees of each ISO-like joint technical committee

    @classmethod
    def for_scale(cls, scale: int, *, seed: int = 0) -> Plan:
        """The plan whose landscape holds about ``scale`` triples."""
        if scale < 1_000:
            raise ValueError(f"scale {scale}: the smallest landscape has about 10^3 triples")
        step = _step(scale)
        unions = (1, 1, 2, 3, 4)[step]
        periods = (2, 2, 3, 4, 5)[step]
        questions = (3, 4, 6, 8, 10)[step]
        items = (4, 6, 8, 10, 12)[step]
        counterparts = (3, 4, 6, 8, 10)[step]
        per_group = questions * items * TRIPLES_PER_ITEM
        per_group += REPORTS_PER_PERIOD * TRIPLES_PER_GROUP_REPORT
        groups = max(2, round(scale / (unions * periods * per_group)))
        return cls(
            scale=scale,
            seed=seed,
            unions=unions,
            periods=periods,
            groups=groups,
            questions=questions,
            items=items,
            counterparts=counterparts,
            consortia=1 + scale // 2_000_000,
            subcommittees=3 + step,
        )


def _step(scale: int) -> int:
    for step, limit in enumerate((3_000, 30_000, 300_000, 3_000_000)):
        if scale < limit:
            return step
    return 4


@dataclass(frozen=True, kw_only=True)
class StudyPeriod:
    """One study period of a union, with the reporting periods of its lead study group."""

    index: int
    label: str  # "2017-2020"
    start: dt.date
    end: dt.date
    reports: tuple[tuple[dt.date, dt.date], ...]  # (reporting period start, status date)


def calendar(plan: Plan, union: int) -> tuple[StudyPeriod, ...]:
    """The study periods of one union, reporting periods back to back across them."""
    draw = rng(plan.seed, f"calendar/{union}")
    first = LAST_YEAR - 4 * plan.periods + 1
    periods = []
    previous: dt.date | None = None
    for index in range(plan.periods):
        year = first + 4 * index
        start = dt.date(year, 3, 1) + dt.timedelta(days=draw.randrange(20))
        end = dt.date(year + 4, 2, 28)
        length = (end - start).days
        reports = []
        for k in range(REPORTS_PER_PERIOD):
            # the last meeting falls just before the period ends: reports cover it all
            status = start + dt.timedelta(days=(k + 1) * length // REPORTS_PER_PERIOD)
            status -= dt.timedelta(days=draw.randrange(25))
            reports.append((previous or start, status))
            previous = status
        periods.append(
            StudyPeriod(
                index=index,
                label=f"{year}-{year + 3}",
                start=start,
                end=end,
                reports=tuple(reports),
            )
        )
    return tuple(periods)


SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vi", "zo", "pe", "su", "da", "fi", "go", "he")


def word(number: int) -> str:
    """A pronounceable made-up word, different for every number (for provisional names)."""
    letters = SYLLABLES[number % len(SYLLABLES)]
    number //= len(SYLLABLES)
    while number:
        letters += SYLLABLES[number % len(SYLLABLES)]
        number //= len(SYLLABLES)
    return letters


def report_source(union: int, status: dt.date) -> str:
    """Folder of the progress report a union's lead study group issued on a status date."""
    return f"synth-u{union}-report-{status.isoformat()}"


def work_plan(union: int, status: dt.date) -> str:
    """Path of the work plan a progress report gives (relative to the synthetic namespace)."""
    return f"workplan/u{union}-t-idm/{status.isoformat()}"


def meeting_day(period: StudyPeriod, k: int, group: int) -> dt.date:
    """Last day of a study group's meeting in reporting period ``k``, where decisions are dated.

    Each group meets a few days before the lead group's meeting ends (the status date).
    """
    return period.reports[k][1] - dt.timedelta(days=group % 9)
