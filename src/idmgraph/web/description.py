"""The SPARQL 1.1 Service Description answered by a GET of ``/sparql`` without a query."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pyoxigraph
from starlette.requests import Request
from starlette.responses import Response

from idmgraph.base import formats
from idmgraph.base.settings import Settings
from idmgraph.base.urls import page
from idmgraph.pipeline.queries import Catalogue, catalogue_triples
from idmgraph.store.interface import Store
from idmgraph.web.headers import ENDPOINT_PATH, VOID_PATH, answer_headers, not_modified
from idmgraph.web.negotiation import choose

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def public_base(request: Request, settings: Settings) -> str:
    """The server's public URL without a trailing slash: the setting, else the request's.

    Behind a proxy the request's own URL is internal, so X-Forwarded-Proto, -Host and -Prefix
    are honoured when present.
    """
    if settings.public_url:
        return settings.public_url.rstrip("/")
    headers = request.headers
    scheme = headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    host = headers.get("x-forwarded-host", request.url.netloc).split(",")[0].strip()
    prefix = headers.get("x-forwarded-prefix", request.scope.get("root_path", ""))
    return f"{scheme}://{host}{prefix.rstrip('/')}"


def response(
    request: Request, *, settings: Settings, store: Store, tokens: tuple[str, ...]
) -> Response:
    """The service description, in the negotiated RDF format (Turtle when none fits)."""
    fmt = choose(
        accept=request.headers.get("accept"), kind=formats.Kind.GRAPH, tokens=tokens, fallback=True
    )
    base = public_base(request, settings)
    catalogue: Catalogue | None = getattr(request.app.state, "catalogue", None)
    body = service_description(
        endpoint=base + ENDPOINT_PATH,
        void=base + VOID_PATH,
        store=store,
        federated=bool(settings.service_allowlist),
        fmt=fmt,
        queries=catalogue_triples(catalogue, queries_url=base + page("queries"))
        if catalogue
        else [],
    )
    digest = hashlib.sha256(body).hexdigest()[:20]
    headers = answer_headers(f'"{store.version}-sd-{digest}"')
    if not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=fmt.content_type)


def service_description(
    *,
    endpoint: str,
    void: str,
    store: Store,
    federated: bool,
    fmt: formats.Format,
    queries: Sequence[pyoxigraph.Triple] = (),
) -> bytes:
    """Serialise the description of the endpoint at ``endpoint``, with its named ``queries``."""
    node = pyoxigraph.NamedNode
    # fixed blank node labels keep the body, and so its ETag, the same from one request to the next
    service, dataset = node(endpoint), pyoxigraph.BlankNode("dataset")
    default = pyoxigraph.BlankNode("default")
    triples = [
        _t(service, node(RDF_TYPE), node(SD + "Service")),
        _t(service, node(SD + "endpoint"), service),
        _t(service, node(SD + "supportedLanguage"), node(SD + "SPARQL11Query")),
        _t(service, node(SD + "feature"), node(SD + "UnionDefaultGraph")),
        _t(service, node(SD + "defaultDataset"), dataset),
        _t(service, node(SEE_ALSO), node(void)),
        _t(dataset, node(RDF_TYPE), node(SD + "Dataset")),
        _t(dataset, node(SD + "defaultGraph"), default),
        _t(dataset, node(SEE_ALSO), node(void)),
        _t(default, node(RDF_TYPE), node(SD + "Graph")),
        _t(
            default,
            node(VOID_TRIPLES),
            pyoxigraph.Literal(str(store.triple_count()), datatype=node(XSD_INTEGER)),
        ),
    ]
    if federated:
        triples.append(_t(service, node(SD + "feature"), node(SD + "BasicFederatedQuery")))
    for fmt_ in (*formats.of_kind(formats.Kind.RESULTS), *formats.of_kind(formats.Kind.GRAPH)):
        if fmt_.w3c_iri is not None:
            triples.append(_t(service, node(SD + "resultFormat"), node(fmt_.w3c_iri)))
    for index, graph in enumerate(store.graphs()):
        named = pyoxigraph.BlankNode(f"graph{index}")
        triples.append(_t(dataset, node(SD + "namedGraph"), named))
        triples.append(_t(named, node(RDF_TYPE), node(SD + "NamedGraph")))
        triples.append(_t(named, node(SD + "name"), node(graph)))
    listed = {triple.subject for triple in queries if isinstance(triple.subject, node)}
    triples.extend(_t(service, node(SEE_ALSO), query) for query in sorted(listed, key=str))
    triples.extend(queries)
    rdf_format = fmt.oxigraph
    assert isinstance(rdf_format, pyoxigraph.RdfFormat)
    return pyoxigraph.serialize(sorted(triples, key=str), format=rdf_format) or b""


def _t(
    subject: pyoxigraph.NamedNode | pyoxigraph.BlankNode,
    predicate: pyoxigraph.NamedNode,
    obj: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal,
) -> pyoxigraph.Triple:
    return pyoxigraph.Triple(subject, predicate, obj)
