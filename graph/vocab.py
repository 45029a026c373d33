"""The graph as RDF statements: one mapping from nodes to vocabulary (docs/formats.md, "Output vocabulary").

Standard vocabularies first (SKOS, schema.org, Dublin Core terms, DBpedia's wiki-link
property); project terms only where none fits, under ``LG``. Every RDF serializer (Turtle
now, N-Triples and JSON-LD later) writes what ``statements`` yields and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from graph.errors import UsageError
from graph.model import KEYWORD_PREFIX, EdgeKind, NodeKind
from graph.slugs import iri_path

if TYPE_CHECKING:
    import networkx as nx

# Namespaces as plain strings: the CLI reads them without loading rdflib.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SDO = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
DBO = "http://dbpedia.org/ontology/"
LG = "https://w3id.org/linkgraph/ns#"
"""Project namespace: ``lg:MissingConcept``, ``lg:Keyword``, ``lg:slug`` (concepts only), ``lg:alias``;
with ``build --related``, ``lg:related`` and ``lg:Relatedness`` (``lg:source``, ``lg:target``,
``lg:rank``, ``lg:score``)."""
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {
    "rdf": RDF, "skos": SKOS, "schema": SDO, "dct": DCTERMS, "dbo": DBO, "lg": LG,
}
DEFAULT_BASE_IRI = "https://example.org/linkgraph/"
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^#]*[/#]$|^[A-Za-z][A-Za-z0-9+.\-]*:$")


class IRI(str):
    """An absolute IRI (as opposed to a literal)."""


class Literal(NamedTuple):
    text: str
    lang: str | None = None
    datatype: str | None = None
    """Datatype IRI of a typed literal (``lg:score`` is an ``xsd:decimal``); None for text."""


Statement = tuple[IRI, str, "IRI | Literal"]


def check_base_iri(base: str) -> str:
    """The base IRI if usable as a prefix for concept IRIs, else UsageError saying why.

    RFC 3987 syntax is checked by pyoxigraph's IRI parser (oxiri, the one the strict readers of
    our output use); bidirectional formatting characters, which RFC 3987 (section 4.1) forbids
    but the parser lets through, are refused here.
    """
    if _BAD_IRI.search(base) or not _ABSOLUTE.match(base):
        raise UsageError(f"base IRI {base!r} must be an absolute IRI ending in '/' or '#', "
                         "without spaces, bidirectional controls or <>\"{}|^`\\")
    from pyoxigraph import NamedNode  # 3 ms to import; only commands that take a base IRI do

    try:
        NamedNode(base + "x")
    except ValueError as exc:
        raise UsageError(f"base IRI {base!r} is not a valid IRI (RFC 3987): {exc}") from None
    return base


class Terms:
    """IRIs of one graph's concepts, keywords and schemes under a base IRI."""

    def __init__(self, base: str) -> None:
        self.base = check_base_iri(base)
        self.scheme = IRI(base)
        self.keyword_scheme = IRI(base + "keywords:")
        self.named: dict[str, IRI] = {}
        """Node -> IRI of the nodes named so far: a node is named once per edge pointing at it."""

    def node(self, G: nx.DiGraph, node: str) -> IRI:
        """The one IRI of a node of G."""
        iri = self.named.get(node)
        if iri is None:
            iri = self.named[node] = self.iri(node, G.nodes[node]["kind"])
        return iri

    def iri(self, node: str, kind: str) -> IRI:
        """The one IRI of the node ``node`` of kind ``kind`` (keywords live under ``keyword:``,
        which no slug can spell)."""
        if kind == NodeKind.KEYWORD:
            return IRI(self.base + "keyword:" + iri_path(node.removeprefix(KEYWORD_PREFIX)))
        return IRI(self.base + iri_path(node))


# Term IRIs as plain strings, looked up once (rdflib namespace attributes cost a call each).
_TYPE = RDF + "type"
_CONCEPT, _CONCEPT_SCHEME = IRI(SKOS + "Concept"), IRI(SKOS + "ConceptScheme")
_TERM, _TERM_SET = IRI(SDO + "DefinedTerm"), IRI(SDO + "DefinedTermSet")
_MISSING, _KEYWORD = IRI(LG + "MissingConcept"), IRI(LG + "Keyword")
_IN_TERM_SET, _IN_SCHEME = SDO + "inDefinedTermSet", SKOS + "inScheme"
_PREF_LABEL, _DEFINITION = SKOS + "prefLabel", SKOS + "definition"
_SLUG, _ALIAS = LG + "slug", LG + "alias"
_SOURCE, _SUBJECT = DCTERMS + "source", DCTERMS + "subject"
_WIKI_LINK = DBO + "wikiPageWikiLink"


def statements(G: nx.DiGraph, base: str) -> Iterator[Statement]:
    """Every triple of the graph, grouped by subject, in a stable order."""
    t = Terms(base)
    yield from scheme_statements(t)
    for node in G:
        yield from subject_statements(G, t, node)


def subject_statements(G: nx.DiGraph, t: Terms, node: str) -> Iterator[Statement]:
    """The triples of one node of G and of its related terms (``statements`` is these for every
    node, after the schemes': a rebuild re-renders one node's at a time)."""
    s = t.node(G, node)
    iri, named = t.node, t.named  # a dict lookup per edge, a call only for a node not named yet
    edges = [(named.get(target) or iri(G, target), edge["kind"]) for target, edge in G._succ[node].items()]
    yield from node_statements(t, s, G._node[node], edges)
    yield from _related(G, t, node, s)


def scheme_statements(t: Terms) -> Iterator[Statement]:
    """The triples typing the two concept schemes."""
    yield t.scheme, _TYPE, _CONCEPT_SCHEME
    yield t.scheme, _TYPE, _TERM_SET
    yield t.keyword_scheme, _TYPE, _CONCEPT_SCHEME


def node_statements(t: Terms, s: IRI, data: dict, edges: Iterable[tuple[IRI, str]]) -> Iterator[Statement]:
    """The triples of one node: ``s`` is its IRI, ``data`` its attributes (graph.build) and
    ``edges`` the (target IRI, edge kind) of its out-edges."""
    kind = data["kind"]
    yield s, _TYPE, _CONCEPT
    if kind == NodeKind.ARTICLE:
        yield s, _TYPE, _TERM
        yield s, _IN_TERM_SET, t.scheme
    else:
        yield s, _TYPE, _MISSING if kind == NodeKind.MISSING else _KEYWORD
    yield s, _IN_SCHEME, t.keyword_scheme if kind == NodeKind.KEYWORD else t.scheme
    if kind != NodeKind.KEYWORD:  # a keyword may share its text with a concept's slug
        yield s, _SLUG, Literal(data["slug"])
    for lang, text in data["labels"].items():
        yield s, _PREF_LABEL, Literal(text, lang)
    for lang, text in data["descriptions"].items():
        yield s, _DEFINITION, Literal(text, lang)
    for alias in data["aliases"]:
        yield s, _ALIAS, Literal(alias)
    for path in data["sources"]:
        yield s, _SOURCE, Literal(path)
    for target, edge_kind in edges:
        if edge_kind == EdgeKind.HAS_KEYWORD:
            yield s, _SUBJECT, target
        elif edge_kind == EdgeKind.LINKS_TO:
            yield s, _WIKI_LINK, target


def _related(G: nx.DiGraph, t: Terms, node: str, s: IRI) -> Iterator[Statement]:
    # Computed relatedness (build --related), kept apart from the links authors wrote: a plain
    # lg:related triple per pair for SPARQL, and one lg:Relatedness node per pair carrying rank
    # and score, named under "related:", which no slug can spell (":" is percent-encoded).
    ranked = G.graph.get("related", {}).get(node, ())
    for target, _ in ranked:
        yield s, LG + "related", t.node(G, target)
    for rank, (target, score) in enumerate(ranked, 1):
        r = IRI(f"{t.base}related:{iri_path(node)}/{rank}")
        yield r, _TYPE, IRI(LG + "Relatedness")
        yield r, LG + "source", s
        yield r, LG + "target", t.node(G, target)
        yield r, LG + "rank", Literal(str(rank), datatype=XSD + "integer")
        yield r, LG + "score", Literal(f"{score:.4f}", datatype=XSD + "decimal")
