"""The report's running text: each paragraph is matched against the sentences SG17 writes.

A paragraph no pattern accepts stops the import (all or nothing), so a change in the report's
wording is noticed instead of silently dropping facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from idmgraph.base.errors import SourceError
from idmgraph.importer.model import DateRange, JcaMeeting, Name, Paragraph, Workshop
from idmgraph.importer.phrases import parse_date, parse_names, parse_range


@dataclass(kw_only=True)
class Narrative:
    """What the running text says, filled paragraph by paragraph."""

    where: str
    study_group: str | None = None
    status_date: date | None = None
    lead_elements: list[Name] = field(default_factory=list)
    active_groups: list[Name] = field(default_factory=list)
    web_pages: list[tuple[str, str]] = field(default_factory=list)
    previous_meeting: DateRange | None = None
    results_sent_to: Name | None = None
    meeting: DateRange | None = None
    workshops: list[Workshop] = field(default_factory=list)
    roadmap_title: str | None = None
    roadmap_td: str | None = None
    jca_parent: str | None = None
    jca_purpose: str | None = None
    jca_partners: list[Name] = field(default_factory=list)
    resolutions: list[str] = field(default_factory=list)
    jca_meetings: list[JcaMeeting] = field(default_factory=list)
    jca_meeting_count: tuple[int, int] | None = None  # (line, how many the text announces)
    received_from: list[Name] = field(default_factory=list)
    sent_to: list[Name] = field(default_factory=list)

    def read(self, paragraph: Paragraph) -> None:
        """Take one paragraph; raise SourceError when no known sentence fits it."""
        for pattern, handler in _HANDLERS:
            match = pattern.match(paragraph.text)
            if match:
                handler(self, match, paragraph.line)
                return
        raise SourceError(
            self.where, f"cannot understand this paragraph: {paragraph.text!r}", line=paragraph.line
        )

    def finish(self) -> None:
        """Check what can only be checked once every paragraph is read."""
        if self.jca_meeting_count is not None:
            line, count = self.jca_meeting_count
            if count != len(self.jca_meetings):
                raise SourceError(
                    self.where,
                    f"the text announces {count} JCA-IdM meeting(s) but describes "
                    f"{len(self.jca_meetings)}",
                    line=line,
                )


Handler = Callable[[Narrative, re.Match[str], int], None]
_COUNTS = {"once": 1, "twice": 2, "three times": 3, "four times": 4}
_JCA_MEETING = re.compile(
    r"At the (?P<dates>[^,]+?) meeting, reports were shared from (?P<names>.+?)\."
    r"(?: Reports? (?:is|are) in (?P<td>TD\d+)\.)?(?:\s+|$)"
)


def _intro(n: Narrative, m: re.Match[str], line: int) -> None:
    n.study_group = m["sg"]
    lead = m["lead"]
    # "Questions 10, 11/17, and JCA-IdM": the Questions share the study group after the last.
    questions = re.match(r"^Questions? ([\d, ]+?)/(\d+)(?:,)?(?: and)? (.*)$", lead)
    if questions:
        numbers, sg, rest = questions.groups()
        for number in re.split(r",\s*", numbers.strip(", ")):
            n.lead_elements.append(Name(line=line, written=f"Question {number}/{sg}"))
        lead = rest
    n.lead_elements.extend(parse_names(lead, line))
    n.active_groups.extend(parse_names(m["others"], line))
    if m["more"]:
        n.active_groups.extend(parse_names(m["more"], line))


def _web_pages(n: Narrative, m: re.Match[str], line: int) -> None:
    for page in re.finditer(
        r"the (?P<label>[\w\- ]+? web page) at:?\s+(?P<url>https?://\S+?)\.?(?=\s|$)", m[0]
    ):
        label = page["label"]
        n.web_pages.append((label[0].upper() + label[1:], page["url"]))


def _achievements(n: Narrative, m: re.Match[str], line: int) -> None:
    n.previous_meeting = parse_range(m["dates"], line, where=n.where)
    n.results_sent_to = Name(line=line, written=m["to"])
    n.status_date = parse_date(m["status"], line, where=n.where)


def _workshop(n: Narrative, m: re.Match[str], line: int) -> None:
    n.workshops.append(
        Workshop(
            line=line,
            title=m["title"],
            dates=parse_range(m["dates"], line, where=n.where),
            description=m["description"],
            td=m["td"],
            day_before_meeting=bool(m["prior"]),
        )
    )


def _roadmap(n: Narrative, m: re.Match[str], line: int) -> None:
    n.roadmap_title = m["title"]


def _roadmap_update(n: Narrative, m: re.Match[str], line: int) -> None:
    n.meeting = parse_range(m["dates"], line, where=n.where)
    n.roadmap_td = m["td"]


def _jca_purpose(n: Narrative, m: re.Match[str], line: int) -> None:
    n.jca_parent = m["parent"]
    purpose = m["purpose"]
    n.jca_purpose = purpose[0].upper() + purpose[1:].replace(", and to ensure", ": to ensure", 1)
    partners = re.search(r"in particular with (?P<names>.+?), and to act", purpose)
    if partners:
        n.jca_partners.extend(parse_names(partners["names"], line))
    n.resolutions.extend(
        found[0]
        for found in re.finditer(
            r"\b[A-Z]+-\d+ Resolution \d+(?: on identity management)?", purpose
        )
    )


def _jca_meetings(n: Narrative, m: re.Match[str], line: int) -> None:
    if m["count"]:
        n.jca_meeting_count = (line, _COUNTS[m["count"]])
    rest = m["rest"]
    position = 0
    while position < len(rest):
        found = _JCA_MEETING.match(rest, position)
        if not found:
            raise SourceError(
                n.where,
                f"cannot understand the JCA-IdM meeting text {rest[position:]!r}",
                line=line,
            )
        n.jca_meetings.append(
            JcaMeeting(
                line=line,
                dates=parse_range(found["dates"], line, where=n.where),
                reporters=parse_names(found["names"], line),
                td=found["td"],
            )
        )
        position = found.end()


def _received(n: Narrative, m: re.Match[str], line: int) -> None:
    n.received_from.extend(parse_names(m["names"], line))


def _sent(n: Narrative, m: re.Match[str], line: int) -> None:
    n.sent_to.extend(parse_names(m["names"], line))


def _ignore(n: Narrative, m: re.Match[str], line: int) -> None:
    """Headings and sentences that carry no fact of their own."""


_HANDLERS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (re.compile(r"^\d+\t\S.*$"), _ignore),  # numbered section heading
    # the same headings in the .docx, where Word numbers them itself
    (
        re.compile(
            r"^(?:Achievements|Ongoing work|Workshops|ICT Security Standards Roadmap|"
            r"Collaboration and outreach)$"
        ),
        _ignore,
    ),
    (
        re.compile(
            r"^ITU-T Study Group (?P<sg>\d+) continues to be very active in fulfilling its lead "
            r"role in identity management \(IdM\)\. In particular, elements within SG\d+ "
            r"responsibility \(i\.e\., (?P<lead>[^)]*)\) .*? Other ITU-T study groups "
            r"\((?P<others>[^)]*)\)(?: and (?P<more>[^.]+?))? also have IdM related activities\.$"
        ),
        _intro,
    ),
    (re.compile(r"^For additional information, please see .*$"), _web_pages),
    (
        re.compile(
            r"^Since the (?P<dates>.+?) SG\d+ meeting results sent to (?P<to>[^,]+), ITU-T SGs "
            r"achieved the results listed in Annex 1 .*\(status:? (?P<status>[^,)]+)"
            r"(?:, with updates as necessary)?\)\.$"
        ),
        _achievements,
    ),
    (
        re.compile(
            r"^Recommendations and other texts concerning IdM that are currently under "
            r"development in ITU-T SGs are listed in Annex 2\.$"
        ),
        _ignore,
    ),
    (
        re.compile(
            r"^ITU-T SG\d+ organi[sz]ed\s+an? (?P<title>workshop on .+?) which took\s+place on "
            r"(?P<dates>.+?)(?P<prior>, the day prior to the SG\d+ meeting)?\. "
            r"(?P<description>.+?)(?: The workshop results are published as (?P<td>TD\d+)\.)?$"
        ),
        _workshop,
    ),
    (
        re.compile(r"^SG ?\d+ actively maintains the IdM roadmap \(i\.e\., (?P<title>.+)\)\.$"),
        _roadmap,
    ),
    (
        re.compile(
            r"^At the (?P<dates>.+?) SG\d+ meeting, updates were agreed as in (?P<td>TD\d+)\.$"
        ),
        _roadmap_update,
    ),
    (
        re.compile(
            r"^SG(?P<parent>\d+) is the parent group of JCA-IdM\. The purpose of the JCA-IdM is "
            r"(?P<purpose>.+\.)$"
        ),
        _jca_purpose,
    ),
    (
        re.compile(
            r"^(?:JCA-IdM met (?P<count>once|twice|three times|four times) during this "
            r"reporting period\.\s*)?(?P<rest>At the .+ meeting, reports were shared from .+)$"
        ),
        _jca_meetings,
    ),
    (
        re.compile(
            r"^In this reporting period, SG\d+ received and treated liaison statements on "
            r"identity management matters coming from (?P<names>.+)\.$"
        ),
        _received,
    ),
    (
        re.compile(
            r"^In this reporting period, SG\d+ sent liaison statements to:? (?P<names>.+)\.$"
        ),
        _sent,
    ),
)
