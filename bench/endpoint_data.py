"""Data and queries for the endpoint benchmark.

The synthetic graphs come from ``idmgraph.synth`` when it is installed; until then a small
deterministic generator here writes a landscape of the same shape (work items with dated
lifecycle events, Questions, Recommendations, liaison flows, one named graph per source).
The queries are representative gap-analysis queries until ``queries/`` holds the named ones.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

BASE = "https://w3id.org/idmgraph/"
IDM = BASE + "def/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DATE = "<http://purl.org/dc/terms/date>"
SOURCE = "<http://purl.org/dc/terms/source>"
NOTATION = "<http://www.w3.org/2004/02/skos/core#notation>"
XSD_DATE = "<http://www.w3.org/2001/XMLSchema#date>"
STATUSES = ("proposed", "started", "consented", "determined", "approved", "discontinued")

PREFIXES = f"""PREFIX idm: <{IDM}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# name -> query; each is analytic (aggregates, negation or a correlated "latest event")
QUERIES = {
    # The status of each work item on a date is the type of its latest event up to then.
    # Written with MAX in a sub-select: the FILTER NOT EXISTS form ("no later event") took
    # 90 s in Oxigraph 0.5 at 10^5 triples (5.5 s in rdflib), so named queries should avoid it.
    "status_on_date": PREFIXES
    + """SELECT ?type (COUNT(?item) AS ?items) WHERE {
  { SELECT ?item (MAX(?date) AS ?latest) WHERE {
      ?item a idm:WorkItem ; idm:lifecycleEvent ?event .
      ?event dcterms:date ?date .
      FILTER(?date <= "2023-09-08"^^<http://www.w3.org/2001/XMLSchema#date>)
    } GROUP BY ?item }
  ?item idm:lifecycleEvent ?event .
  ?event dcterms:date ?latest ; idm:eventType ?type .
} GROUP BY ?type ORDER BY DESC(?items)""",
    "items_per_question": PREFIXES
    + """SELECT ?question (COUNT(?item) AS ?items) WHERE {
  ?item a idm:WorkItem ; idm:question ?question .
} GROUP BY ?question ORDER BY DESC(?items) LIMIT 50""",
    "items_without_events": PREFIXES
    + """SELECT ?item ?label WHERE {
  ?item a idm:WorkItem ; rdfs:label ?label .
  FILTER NOT EXISTS { ?item idm:lifecycleEvent ?event }
} LIMIT 500""",
    "liaisons_per_counterpart": PREFIXES
    + """SELECT ?counterpart (COUNT(?flow) AS ?flows) WHERE {
  ?flow a idm:LiaisonFlow ; idm:counterpart ?counterpart .
} GROUP BY ?counterpart ORDER BY DESC(?flows) LIMIT 50""",
    "recommendations_not_developed": PREFIXES
    + """SELECT ?rec ?notation WHERE {
  ?rec a idm:Recommendation ; <http://www.w3.org/2004/02/skos/core#notation> ?notation .
  FILTER NOT EXISTS { ?item idm:develops ?rec }
} ORDER BY ?notation LIMIT 500""",
}

LOOKUP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"

_PARAM = re.compile(r"^#\+ param: *(\S+)\s*$")
_FIELD = re.compile(r"^#\+ +(type|default): *(.*?)\s*$")
_LITERAL = {
    "date": '"{}"^^<http://www.w3.org/2001/XMLSchema#date>',
    "integer": '"{}"^^<http://www.w3.org/2001/XMLSchema#integer>',
    "iri": "<{}>",
}


def named_queries(folder: Path) -> dict[str, str]:
    """The named queries of ``folder`` (``*.rq``), parameters bound to their defaults.

    A trailing VALUES clause binds each parameter, so the text sent is plain SPARQL that every
    server under test accepts.
    """
    found = {}
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        params: dict[str, dict[str, str]] = {}
        current = None
        for line in text.splitlines():
            if match := _PARAM.match(line):
                current = params.setdefault(match.group(1), {})
            elif (match := _FIELD.match(line)) and current is not None:
                current[match.group(1)] = match.group(2)
        bound = {name: spec for name, spec in params.items() if "default" in spec}
        if bound:
            names = " ".join(f"?{name}" for name in bound)
            values = " ".join(
                _LITERAL.get(spec.get("type", ""), '"{}"').format(spec["default"])
                for spec in bound.values()
            )
            text += f"\nVALUES ({names}) {{ ({values}) }}\n"
        found[path.stem] = text
    return found


def write_dataset(path: Path, *, scale: int, seed: int = 7) -> str:
    """Write about ``scale`` triples as N-Quads; the generator used is returned."""
    try:
        from idmgraph.synth import write_nquads
    except ImportError:
        _fallback(path, scale=scale, seed=seed)
        return "bench fallback generator"
    write_nquads(path, scale=scale, seed=seed)
    return "idmgraph.synth"


def subjects(path: Path, *, count: int, seed: int = 7) -> list[str]:
    """``count`` distinct subject IRIs of the file, chosen deterministically."""
    found: list[str] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("<"):
                iri = line[1 : line.index(">")]
                if iri not in seen:
                    seen.add(iri)
                    found.append(iri)
    random.Random(seed).shuffle(found)
    return found[:count]


def _fallback(path: Path, *, scale: int, seed: int) -> None:
    rng = random.Random(seed)

    def node(local: str) -> str:
        return f"<{BASE}id/synth/{local}>"

    questions = [node(f"question/q{n}") for n in range(1, 13)]
    counterparts = [node(f"org/body{n}") for n in range(40)]
    written = 0
    with path.open("w", encoding="utf-8") as out:

        def quad(s: str, p: str, o: str, g: str) -> None:
            nonlocal written
            out.write(f"{s} {p} {o} {g} .\n")
            written += 1

        n = 0
        while written < scale:
            n += 1
            graph = node(f"source/report-{n % 10}")
            rec, item = node(f"rec/X.{n}"), node(f"workitem/X.item{n}")
            quad(rec, RDF_TYPE, f"<{IDM}Recommendation>", graph)
            quad(rec, NOTATION, f'"X.{n}"', graph)
            quad(rec, LABEL, f'"X.{n} Synthetic recommendation"@en', graph)
            quad(item, RDF_TYPE, f"<{IDM}WorkItem>", graph)
            quad(item, LABEL, f'"X.item{n} Synthetic work item"@en', graph)
            quad(item, f"<{IDM}question>", rng.choice(questions), graph)
            if rng.random() < 0.6:
                quad(item, f"<{IDM}develops>", rec, graph)
            for step in range(rng.randint(0, 4)):
                event = node(f"workitem/X.item{n}/event{step}")
                day = f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                quad(item, f"<{IDM}lifecycleEvent>", event, graph)
                quad(event, RDF_TYPE, f"<{IDM}LifecycleEvent>", graph)
                quad(event, f"<{IDM}eventType>", node(f"status/{rng.choice(STATUSES)}"), graph)
                quad(event, DATE, f'"{day}"^^{XSD_DATE}', graph)
                quad(event, SOURCE, graph, graph)
            if rng.random() < 0.5:
                flow = node(f"liaison/flow{n}")
                quad(flow, RDF_TYPE, f"<{IDM}LiaisonFlow>", graph)
                quad(flow, f"<{IDM}counterpart>", rng.choice(counterparts), graph)
