"""Content negotiation over the format registry: Accept with q-values, or a ``format=`` token.

>>> from idmgraph.base.formats import Kind
>>> choose(accept="text/csv;q=0.5, application/sparql-results+xml", kind=Kind.RESULTS).name
'xml'
>>> choose(accept="*/*", kind=Kind.GRAPH).name
'turtle'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from idmgraph.base import formats
from idmgraph.base.errors import NotAcceptable

MAX_RANGES = 64  # entries of an Accept header that are read
_QUOTED = 200  # characters of a header or token quoted back in a 406


@dataclass(frozen=True, kw_only=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float
    position: int  # place in the header: among equal q-values the client's order decides

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 0 (not at all) to 3 (exactly)."""
        kind, _, subtype = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != kind:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == subtype else 0


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed entries are skipped, as RFC 9110 allows.

    Only the first :data:`MAX_RANGES` entries are read, so choosing costs the same for any
    header: no client lists more alternatives than that in good faith.
    """
    ranges = []
    for position, item in enumerate(header.split(",", MAX_RANGES)[:MAX_RANGES]):
        media, *params = (part.strip() for part in item.split(";"))
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        ranges.append(MediaRange(type=kind, subtype=subtype, q=_quality(params), position=position))
    return ranges


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def choose(
    *,
    accept: str | None,
    kind: formats.Kind,
    tokens: Sequence[str] = (),
    fallback: bool = False,
) -> formats.Format:
    """The format to answer in: a fitting ``format=`` token wins, then the Accept header.

    Clients send ``format=`` values meant for other servers (SPARQLWrapper sends
    ``format=xml`` with ``Accept: application/rdf+xml`` for CONSTRUCT), so tokens that name no
    format of ``kind`` defer to an Accept header that names one. Raises NotAcceptable when
    nothing of ``kind`` is acceptable, unless ``fallback`` asks for the kind's default.
    """
    candidates = formats.of_kind(kind)
    for token in tokens:
        fmt = _by_token(token)
        if fmt is not None and fmt.kind is kind:
            return fmt
    ranges = parse_accept(accept or "*/*")
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for index, fmt in enumerate(candidates):
        score = _score(fmt, ranges)
        if score is None:
            continue
        q, specificity, position = score
        key = (q, specificity, -position, -index)
        if q > 0 and (best is None or key > best):
            best, chosen = key, fmt
    # a format= token asked for something specific: a bare */* does not overrule it
    if chosen is not None and best is not None and not (tokens and best[1] == 1):
        return chosen
    if fallback:
        return candidates[0]
    offered = ", ".join(fmt.media_type for fmt in candidates)
    asked = f"format={','.join(tokens)}" if tokens else f"Accept: {accept}"
    if len(asked) > _QUOTED:
        asked = asked[:_QUOTED] + "…"
    raise NotAcceptable(f"{asked} names nothing this answer can be served in; offered: {offered}")


def _score(fmt: formats.Format, ranges: list[MediaRange]) -> tuple[float, int, int] | None:
    """q of the most specific range matching any media type of ``fmt`` (RFC 9110 §12.5.1)."""
    best: tuple[int, float, int] | None = None
    for media_type in fmt.media_types:
        for media_range in ranges:
            specificity = media_range.matches(media_type)
            if specificity and (best is None or specificity > best[0]):
                best = (specificity, media_range.q, media_range.position)
    if best is None:
        return None
    return best[1], best[0], best[2]


def _by_token(token: str) -> formats.Format | None:
    try:
        return formats.lookup(token.strip().lower())
    except KeyError:
        return None


def prefers_html(accept: str | None) -> bool:
    """Whether the client ranks ``text/html`` above JSON data, by q-value.

    Browsers do; scripts rarely send text/html. JSON means ``application/json`` or
    ``application/problem+json``.

    >>> prefers_html("text/html,application/xhtml+xml,*/*;q=0.8"), prefers_html("*/*")
    (True, False)
    """
    html, data = _page_and_data(accept)
    return html > data


def prefers_json(accept: str | None) -> bool:
    """Whether the client ranks JSON data above ``text/html`` (``*/*`` prefers neither).

    >>> prefers_json("application/json"), prefers_json("application/json, text/html")
    (True, False)
    """
    html, data = _page_and_data(accept)
    return data > html


def _page_and_data(accept: str | None) -> tuple[float, float]:
    html = data = 0.0
    for media_range in parse_accept(accept or ""):
        if media_range.type == "text" and media_range.subtype == "html":
            html = max(html, media_range.q)
        if media_range.subtype in ("json", "problem+json"):
            data = max(data, media_range.q)
    return html, data
