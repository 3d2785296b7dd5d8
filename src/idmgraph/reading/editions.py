"""A text's editions as a timeline, and its common texts at other bodies, for its page.

The named query ``text-timeline`` reads both; this module turns its answer into records the
resource page shows: for each edition (of the text, or of a corrigendum or amendment of it)
its date, identifier as printed, status (the stage or maturity label; "Approved" when the
catalogue gives none) and source; for each common text its notation and body.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from idmgraph.base import formats
from idmgraph.base.settings import Settings
from idmgraph.pipeline.queries import Catalogue
from idmgraph.reading.describe import INTERNAL_MAX_BYTES, INTERNAL_MAX_ROWS, whole
from idmgraph.reading.report import table
from idmgraph.store.interface import Store
from idmgraph.store.request import QueryRequest

TIMELINE_QUERY = "text-timeline"
APPROVED = "Approved"  # an edition with no stage: ITU-T publishes only approved texts


@dataclass(frozen=True, kw_only=True)
class EditionEntry:
    """One edition on a text's timeline."""

    iri: str
    date: str  # empty when the catalogue gives none (a draft)
    identifier: str  # as printed
    status: str
    source: str
    of: str  # the text it is an edition of: the text itself or a corrigendum or amendment
    of_name: str


@dataclass(frozen=True, kw_only=True)
class CommonText:
    """A text published in common with this one by another body."""

    iri: str
    name: str
    body: str


@dataclass(frozen=True, kw_only=True)
class EditionHistory:
    """What a text's page shows of its editions and common texts."""

    editions: tuple[EditionEntry, ...]
    common: tuple[CommonText, ...]

    def __bool__(self) -> bool:
        return bool(self.editions or self.common)


async def edition_history(
    store: Store, catalogue: Catalogue, iri: str, *, settings: Settings
) -> EditionHistory:
    """The editions of ``iri`` (oldest first, undated drafts last) and its common texts."""
    if TIMELINE_QUERY not in {query.name for query in catalogue}:
        return EditionHistory(editions=(), common=())
    query = catalogue.get(TIMELINE_QUERY)
    request = QueryRequest.of(
        query.sparql,
        shape=query.shape,
        format=formats.by_name("json"),
        substitutions=query.bindings({"text": iri}),
        timeout=settings.query_timeout,
        max_rows=INTERNAL_MAX_ROWS,
        max_bytes=INTERNAL_MAX_BYTES,
    )
    answer = whole(await store.query(request), what=f"the editions of {iri}")
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    editions: dict[str, EditionEntry] = {}
    common: dict[str, CommonText] = {}
    for row in table(parsed).records():
        if row["kind"] == "common":
            known = common.get(row["item"])
            if known is None or (row["body"] and not known.body):
                common[row["item"]] = CommonText(
                    iri=row["item"], name=row["name"], body=row["body"]
                )
        elif row["item"] not in editions:
            editions[row["item"]] = EditionEntry(
                iri=row["item"],
                date=row["date"],
                identifier=row["name"],
                status=row["status"] or APPROVED,
                source=row["source"],
                of=row["of"],
                of_name=row["ofName"],
            )
    order = sorted(editions.values(), key=lambda e: (e.date == "", e.date, e.identifier))
    return EditionHistory(
        editions=tuple(order),
        common=tuple(sorted(common.values(), key=lambda c: c.name)),
    )
