"""Our outgoing links to other catalogues, as a VoID linkset and as a CSV mapping.

A link is a statement from one of our data resources to an outside identifier with a linking
property (identity, page, home page, handle). Each carries the evidence URL of the statement:
the reified statement's ``dcterms:source``, else the resource's own ``dcterms:source``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox

from idmgraph.base.namespaces import IDM_NS
from idmgraph.base.settings import Settings
from idmgraph.pipeline.void import VOID, dataset_iri
from idmgraph.reading.describe import DCTERMS, RDF, RDF_TYPE, RDFS, local_name, select
from idmgraph.store.interface import Store

OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Properties whose values are identifiers or pages of the same thing in other catalogues.
LINK_PREDICATES: tuple[str, ...] = (
    OWL_SAME_AS,
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    FOAF + "page",
    FOAF + "homepage",
    RDFS + "seeAlso",
    IDM_NS + "handle",
)
CSV_COLUMNS = ("our_uri", "label", "property", "outside_identifier", "evidence")


@dataclass(frozen=True, kw_only=True)
class Link:
    """One outgoing link."""

    subject: str
    label: str
    predicate: str
    target: str  # an outside IRI, or the literal identifier (handles)
    evidence: str  # empty when the statement comes from a report rather than outside facts

    @property
    def target_space(self) -> str:
        """Where the target lives: ``scheme://host/`` of an IRI, else the property's name."""
        parts = urlsplit(self.target)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
        return local_name(self.predicate)


async def outgoing_links(store: Store, *, settings: Settings) -> list[Link]:
    """Every outgoing link of our data resources, sorted."""
    predicates = " ".join(str(ox.NamedNode(p)) for p in LINK_PREDICATES)
    base = settings.data_base
    rows = await select(
        store,
        f"""SELECT DISTINCT ?s ?label ?p ?o ?evidence WHERE {{
          ?s ?p ?o . VALUES ?p {{ {predicates} }}
          FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}"))
          FILTER(isLiteral(?o) || !STRSTARTS(STR(?o), "{settings.base_iri}"))
          OPTIONAL {{ ?s <{RDFS}label> ?label }}
          OPTIONAL {{ ?st <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o ;
                         <{DCTERMS}source> ?stated }}
          OPTIONAL {{ ?s <{DCTERMS}source> ?own . FILTER(isIRI(?own)) }}
          BIND(COALESCE(?stated, ?own) AS ?evidence)
        }}""",
        settings=settings,
    )
    links = {
        Link(
            subject=row["s"].value,
            label=row["label"].value if "label" in row else local_name(row["s"].value),
            predicate=row["p"].value,
            target=row["o"].value,
            evidence=row["evidence"].value if "evidence" in row else "",
        )
        for row in rows
    }
    # every field: a link stated with two evidence URLs is two rows, which a set hands out in
    # an order of this process's own (string hashes), and replicas must write the same bytes
    return sorted(
        links,
        key=lambda link: (link.subject, link.predicate, link.target, link.evidence, link.label),
    )


def links_csv(links: list[Link]) -> bytes:
    """The mapping for catalogue owners: one row per link, with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for link in links:
        writer.writerow((link.subject, link.label, link.predicate, link.target, link.evidence))
    return buffer.getvalue().encode("utf-8")


def linkset_triples(links: list[Link], *, settings: Settings) -> list[ox.Triple]:
    """A VoID linkset per (linking property, target space), subsets of our dataset."""
    dataset = ox.NamedNode(dataset_iri(settings))
    counts = Counter(
        (link.predicate, urlsplit(link.target_space).netloc)
        for link in links
        if link.target_space.endswith("/")
    )
    spaces: dict[str, set[str]] = {}
    for link in links:
        if link.target_space.endswith("/"):
            spaces.setdefault(urlsplit(link.target_space).netloc, set()).add(link.target_space)
    out: list[ox.Triple] = []

    def add(
        subject: ox.NamedNode | ox.BlankNode,
        predicate: str,
        obj: ox.NamedNode | ox.BlankNode | ox.Literal,
    ) -> None:
        out.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    targets: set[str] = set()
    for (predicate, host), count in sorted(counts.items()):
        linkset = ox.NamedNode(f"{dataset.value}#links-{local_name(predicate)}-{host}")
        target = ox.BlankNode(f"target-{host.replace('.', '-')}")
        add(dataset, VOID + "subset", linkset)
        add(linkset, RDF_TYPE, ox.NamedNode(VOID + "Linkset"))
        add(linkset, VOID + "linkPredicate", ox.NamedNode(predicate))
        add(linkset, VOID + "subjectsTarget", dataset)
        add(linkset, VOID + "objectsTarget", target)
        add(
            linkset,
            VOID + "triples",
            ox.Literal(
                str(count), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            ),
        )
        if host not in targets:
            targets.add(host)
            add(target, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
            for space in sorted(spaces[host]):
                add(target, VOID + "uriSpace", ox.Literal(space))
    return out
