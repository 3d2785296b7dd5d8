"""SVG diagrams of the gap report, drawn on the server: no script, no outside asset.

* :func:`liaison_diagram`: the reporting group at the centre, its counterparts around it,
  grouped (contiguous, coloured, with an arc) by the organisation they belong to; an arrow
  shows the direction of each flow and two-way flows are drawn thicker with two heads.
* :func:`pipelines`: one stacked bar per study group of its work items by latest status.
* :func:`approvals_timeline`: approvals per year, one row per body or study group.

Every text is escaped; every chart carries a ``<title>`` and ``aria-label`` for screen readers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape

PALETTE = ("#0b5cab", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41",
           "#ad1457", "#455a64", "#827717")  # fmt: skip
MAX_COUNTERPARTS = 60  # beyond this the diagram is unreadable; the rest are counted
WIDTH, RADIUS, LEGEND = 940, 230, 70
HEIGHT = 2 * RADIUS + 120 + LEGEND  # labels need about 60 px beyond the circle
STAGES = (
    ("", "In work plan, no decision"),
    ("new-work-item", "New work item"),
    ("consented", "Consented (AAP)"),
    ("determined", "Determined (TAP)"),
    ("agreed", "Agreed"),
    ("approved", "Approved"),
    ("discontinued", "Discontinued"),
)


def _organisation(raw: str) -> str:
    """One name for a counterpart's top-level organisations (ISO/IEC units have two)."""
    return " / ".join(sorted(part.strip() for part in raw.split(" / ") if part.strip())) or "?"


def liaison_diagram(flows: Iterable[Mapping[str, str]]) -> Markup:
    """The liaison flows of the busiest reporting group as an SVG document."""
    rows = list(flows)
    if not rows:
        return _svg(200, 40, "Liaison flows", '<text x="10" y="25">No liaison flows.</text>')
    party = Counter(row["partyName"] for row in rows).most_common(1)[0][0]
    mine = [row for row in rows if row["partyName"] == party]
    mine.sort(key=lambda r: -(int(r["sent"] or 0) + int(r["received"] or 0)))
    shown, hidden = mine[:MAX_COUNTERPARTS], len(mine) - MAX_COUNTERPARTS
    groups: dict[str, list[Mapping[str, str]]] = {}
    for row in sorted(shown, key=lambda r: r["counterpartLabel"]):
        groups.setdefault(_organisation(row["organisations"]), []).append(row)
    order = sorted(groups, key=lambda name: (-len(groups[name]), name))
    slots = len(shown) + len(order)  # one empty slot between organisations
    cx, cy = WIDTH / 2, RADIUS + 60
    parts = [_defs(), f'<circle cx="{cx}" cy="{cy}" r="34" fill="#1c2430"/>',
             f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" fill="#fff" '
             f'font-weight="700">{escape(party)}</text>']  # fmt: skip
    slot = 0
    for index, name in enumerate(order):
        colour = PALETTE[index % len(PALETTE)]
        first = slot
        for row in groups[name]:
            parts.append(_spoke(row, (slot + 0.5) / slots, cx, cy, colour))
            slot += 1
        parts.append(_arc((first + 0.5) / slots, (slot - 0.5) / slots, cx, cy, colour))
        slot += 1
    parts.append(_legend(order, hidden))
    title = f"Liaison flows of {party}: counterparts by organisation, direction marked"
    return _svg(WIDTH, HEIGHT, title, "\n".join(parts))


def _defs() -> str:
    return (
        "<defs>"
        '<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>'
    )


def _point(turn: float, radius: float, cx: float, cy: float) -> tuple[float, float]:
    angle = 2 * math.pi * turn - math.pi / 2  # start at the top, go clockwise
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def _spoke(row: Mapping[str, str], turn: float, cx: float, cy: float, colour: str) -> str:
    sent, received = int(row["sent"] or 0) > 0, int(row["received"] or 0) > 0
    x1, y1 = _point(turn, 38, cx, cy)
    x2, y2 = _point(turn, RADIUS - 8, cx, cy)
    nx, ny = _point(turn, RADIUS, cx, cy)
    lx, ly = _point(turn, RADIUS + 12, cx, cy)
    both = sent and received
    heads = (' marker-end="url(#head)"' if sent else "") + (
        ' marker-start="url(#head)"' if received else ""
    )
    flow = "two-way" if both else ("sent only" if sent else "received only")
    dash = "" if both else ' stroke-dasharray="5 3"'
    anchor = "start" if lx >= cx else "end"
    if abs(lx - cx) < 40:  # near the top or bottom: centre the label above or below the node
        anchor, ly = "middle", ly + (10 if ly > cy else -8)
    label = escape(row["counterpartLabel"])
    return (
        f"<g><title>{label}: {flow}</title>"
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{3 if both else 1.5}"{dash}{heads}/>'
        f'<circle cx="{nx:.1f}" cy="{ny:.1f}" r="6" fill="{colour}"/>'
        f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" font-size="12">{label}</text>'
        "</g>"
    )


def _arc(start: float, end: float, cx: float, cy: float, colour: str) -> str:
    radius = RADIUS - 22
    x1, y1 = _point(start - 0.01, radius, cx, cy)
    x2, y2 = _point(end + 0.01, radius, cx, cy)
    large = 1 if end - start + 0.02 > 0.5 else 0
    return (
        f'<path d="M{x1:.1f},{y1:.1f} A{radius},{radius} 0 {large} 1 {x2:.1f},{y2:.1f}" '
        f'fill="none" stroke="{colour}" stroke-width="4" stroke-opacity="0.35"/>'
    )


def _legend(order: list[str], hidden: int) -> str:
    y = HEIGHT - LEGEND + 12
    items = [
        f'<text x="10" y="{y}" font-size="12">Solid, two heads: two-way. Dashed: one way, '
        "the arrow points to the receiver. Colour: organisation.</text>"
    ]
    x = 10.0
    for index, name in enumerate(order):
        colour = PALETTE[index % len(PALETTE)]
        items.append(
            f'<rect x="{x:.0f}" y="{y + 12}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 21}" font-size="12">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    if hidden > 0:
        items.append(f'<text x="10" y="{y + 40}" font-size="12">and {hidden} more '
                     "counterparts not drawn</text>")  # fmt: skip
    return "".join(items)


def pipelines(statuses: Iterable[Mapping[str, str]]) -> dict[str, Markup]:
    """One SVG bar chart per study group: its work items by latest status, in process order."""
    counts: dict[str, Counter[str]] = {}
    for row in statuses:
        counts.setdefault(row["groupName"], Counter())[row["status"]] += 1
    top = max((sum(counter.values()) for counter in counts.values()), default=1)
    ordered = sorted(counts, key=lambda name: (len(name), name))  # SG2 before SG11
    return {group: _pipeline(group, counts[group], top) for group in ordered}


def _pipeline(group: str, counts: Counter[str], top: int) -> Markup:
    """One stacked bar: the group's work items by latest status, segments in process order
    scaled to the busiest group; only the statuses that occur are named in the legend."""
    width, bar_width, height = 420, 400, 16
    total = sum(counts.values())
    title = f"{group}: {total} work item(s) by latest status"
    parts = [f'<text x="6" y="16" font-weight="700" font-size="13">{escape(title)}</text>']
    x, legend_y = 6.0, 62
    for index, (status, label) in enumerate(STAGES):
        n = counts.get(status, 0)
        if not n:
            continue
        colour = _stage_colour(index)
        length = bar_width * n / top if top else 0
        parts.append(
            f'<rect x="{x:.1f}" y="26" width="{length:.1f}" height="{height}" fill="{colour}">'
            f"<title>{escape(label)}: {n}</title></rect>"
        )
        x += length
        parts.append(
            f'<rect x="6" y="{legend_y - 10}" width="10" height="10" fill="{colour}"/>'
            f'<text x="20" y="{legend_y}" font-size="12">{escape(label)}: {n}</text>'
        )
        legend_y += 16
    return _svg(width, legend_y, title, "".join(parts))


def _stage_colour(index: int) -> str:
    status = STAGES[index][0]
    return "#9e9e9e" if status in ("", "discontinued") else PALETTE[index % len(PALETTE)]


def approvals_timeline(series: Mapping[str, Iterable[str]]) -> Markup:
    """Approvals per year: one row per series (a body, or an ITU-T study group), one bar per
    year scaled to the busiest year of any row; ``series`` maps a name to approval dates."""
    years: dict[str, Counter[int]] = {
        name: Counter(int(date[:4]) for date in dates if date[:4].isdigit())
        for name, dates in series.items()
    }
    years = {name: counted for name, counted in years.items() if counted}
    title = "Approvals per year"
    if not years:
        return _svg(240, 40, title, '<text x="10" y="25">No dated approvals.</text>')
    first = min(min(counted) for counted in years.values())
    last = max(max(counted) for counted in years.values())
    top = max(max(counted.values()) for counted in years.values())
    label_width, step, row = 170, 16, 44
    width = label_width + step * (last - first + 1) + 10
    parts = []
    for index, (name, counted) in enumerate(years.items()):
        base = 20 + row * (index + 1)
        total = sum(counted.values())
        parts.append(
            f'<text x="{label_width - 8}" y="{base - 4}" text-anchor="end" font-size="12">'
            f"{escape(name)} ({total})</text>"
            f'<line x1="{label_width}" y1="{base}" x2="{width - 10}" y2="{base}" '
            'stroke="#d9dee5"/>'
        )
        for year, n in sorted(counted.items()):
            height = (row - 8) * n / top
            x = label_width + step * (year - first)
            parts.append(
                f'<rect x="{x + 2}" y="{base - height:.1f}" width="{step - 4}" '
                f'height="{height:.1f}" fill="{PALETTE[index % len(PALETTE)]}">'
                f"<title>{escape(name)} {year}: {n}</title></rect>"
            )
    axis = 20 + row * len(years) + 16
    for year in range(first - first % 5 + 5 if first % 5 else first, last + 1, 5):
        middle = label_width + step * (year - first) + step / 2
        parts.append(
            f'<text x="{middle:.1f}" y="{axis}" text-anchor="middle" font-size="11">{year}</text>'
        )
    return _svg(width, axis + 8, title, "".join(parts))


def _svg(width: int, height: int, title: str, body: str) -> Markup:
    safe = escape(title)
    # Safe: every text that reaches ``body`` went through escape() in this module.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{safe}" '
        f'font-family="system-ui, sans-serif"><title>{safe}</title>{body}</svg>'
    )
