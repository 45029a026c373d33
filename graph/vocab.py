"""The graph as RDF statements: one mapping from nodes to vocabulary (docs/formats.md, "Output vocabulary").

Standard vocabularies first (SKOS, schema.org, Dublin Core terms, DBpedia's wiki-link
property); project terms only where none fits, under ``LG``. Every RDF serializer (Turtle
now, N-Triples and JSON-LD later) writes what ``statements`` yields and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
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
        self.runs: dict[str, list[tuple[str, list[IRI]]]] = {}
        """Node -> its out-edges' (predicate, target IRIs) runs (``subject_groups``), made once
        for every RDF writer of the graph (a list of references per node: ~12 MB at a million edges)."""
        self.misses = 0
        """Edge lists named so far with a target not named yet (``targets``)."""

    def node(self, G: nx.DiGraph, node: str) -> IRI:
        """The one IRI of a node of G."""
        iri = self.named.get(node)
        if iri is None:
            iri = self.named[node] = self.iri(node, G.nodes[node]["kind"])
        return iri

    def nodes(self, G: nx.DiGraph) -> dict[str, IRI]:
        """Node -> IRI of every node of G (``named``, completed): looked up in C, a map per edge list."""
        named = self.named
        if len(named) < len(G._node):
            iri = self.iri
            for node, data in G._node.items():
                if node not in named:
                    named[node] = iri(node, data["kind"])
        return named

    def targets(self, G: nx.DiGraph, out: dict[str, dict]) -> list[IRI]:
        """The IRIs of the targets of the out-edges ``out``. Every node is named at once (``nodes``)
        only once edge lists keep meeting targets not named yet, as a cold build's do: a rebuild
        renders a few nodes' pieces, and naming all 48,000 nodes for them was 0.13 s at 50,000 files."""
        named = self.named
        try:
            return list(map(named.__getitem__, out))
        except KeyError:
            self.misses += 1
        if self.misses > _NAME_ALL_AFTER:
            return list(map(self.nodes(G).__getitem__, out))
        return [named[v] if v in named else self.node(G, v) for v in out]

    @classmethod
    def of(cls, G: nx.DiGraph, base: str) -> Terms:
        """The Terms of ``base`` for G, made once per graph and base (kept in ``G.graph``): the RDF
        writers name every node once between them."""
        kept = G.graph.setdefault("rdf_terms", {})
        terms = kept.get(base)
        if terms is None:
            terms = kept[base] = cls(base)
        return terms

    def iri(self, node: str, kind: str) -> IRI:
        """The one IRI of the node ``node`` of kind ``kind`` (keywords live under ``keyword:``,
        which no slug can spell)."""
        if kind == NodeKind.KEYWORD:
            return IRI(self.base + "keyword:" + iri_path(node.removeprefix(KEYWORD_PREFIX)))
        return IRI(self.base + iri_path(node))


_NAME_ALL_AFTER = 64
"""Edge lists with a target not named yet after which ``Terms.targets`` names every node at once."""

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


Group = tuple[str, list, bool]
"""(predicate, its objects in order, True when every object is an IRI) in ``subject_groups``."""
_EDGE_PREDICATES = {EdgeKind.HAS_KEYWORD: _SUBJECT, EdgeKind.LINKS_TO: _WIKI_LINK}
"""The predicate of each edge kind, as ``node_statements`` writes it (other kinds: no triple)."""
_KIND = itemgetter("kind")


def subject_groups(G: nx.DiGraph, t: Terms, node: str) -> list[tuple[IRI, list[Group]]]:
    """``subject_statements`` grouped: (subject, [(predicate, objects, all IRIs)]) in the same
    order, consecutive statements of one subject and predicate in one group. The out-edges'
    objects are gathered in C (a map over the node's edges), not made a statement each: the RDF
    writers render a run of links with one join (tests/test_vocab.py compares both)."""
    s = t.node(G, node)
    groups = node_groups(t, G._node[node])
    found = [(s, groups)]
    runs = t.runs.get(node)
    if runs is None:
        runs = t.runs[node] = _runs(t, G, G._succ[node])
    # No run has a predicate of node_groups': each is a group of its own.
    groups += [(predicate, objects, True) for predicate, objects in runs]
    if not G.graph.get("related", _NONE).get(node):
        return found
    for subject, triples in groupby(_related(G, t, node, s), _SUBJECT_OF):
        if subject != found[-1][0]:
            found.append((subject, []))
        into = found[-1][1]
        for predicate, group in groupby(triples, _PREDICATE):
            objects = [o for _, _, o in group]
            every = all(type(o) is IRI for o in objects)
            if into and into[-1][0] == predicate:
                into[-1] = (predicate, into[-1][1] + objects, into[-1][2] and every)
            else:
                into.append((predicate, objects, every))
    return found


def _runs(t: Terms, G: nx.DiGraph, out: dict[str, dict]) -> list[tuple[str, list[IRI]]]:
    """(predicate, target IRIs) of each run of out-edges ``out`` with one predicate, in order."""
    if not out:
        return []
    iris = t.targets(G, out)
    predicates = list(map(_EDGE_PREDICATES.get, map(_KIND, out.values())))
    first, n = predicates[0], len(predicates)
    if first is not None:
        # One run, or two (graph.build's links, then its keywords): told apart in C.
        k = predicates.count(first)
        if k == n:
            return [(first, iris)]
        if predicates[k] is not None and predicates.count(predicates[k]) == n - k and predicates[:k].count(first) == k:
            return [(first, iris[:k]), (predicates[k], iris[k:])]
    return [(p, [iri for _, iri in run]) for p, run in groupby(
        [pair for pair in zip(predicates, iris) if pair[0] is not None], _SUBJECT_OF)]


_SUBJECT_OF, _PREDICATE = itemgetter(0), itemgetter(1)
_NONE: dict = {}


def scheme_statements(t: Terms) -> Iterator[Statement]:
    """The triples typing the two concept schemes."""
    yield t.scheme, _TYPE, _CONCEPT_SCHEME
    yield t.scheme, _TYPE, _TERM_SET
    yield t.keyword_scheme, _TYPE, _CONCEPT_SCHEME


def node_statements(t: Terms, s: IRI, data: dict, edges: Iterable[tuple[IRI, str]]) -> Iterator[Statement]:
    """The triples of one node: ``s`` is its IRI, ``data`` its attributes (graph.build) and
    ``edges`` the (target IRI, edge kind) of its out-edges."""
    for predicate, objects, _ in node_groups(t, data):
        for o in objects:
            yield s, predicate, o
    for target, edge_kind in edges:
        if edge_kind == EdgeKind.HAS_KEYWORD:
            yield s, _SUBJECT, target
        elif edge_kind == EdgeKind.LINKS_TO:
            yield s, _WIKI_LINK, target


def node_groups(t: Terms, data: dict) -> list[Group]:
    """The triples of one node but its edges' (``node_statements``), by predicate: (predicate,
    objects, all IRIs); no two groups have the same predicate."""
    kind = data["kind"]
    if kind == NodeKind.ARTICLE:
        groups = [(_TYPE, [_CONCEPT, _TERM], True), (_IN_TERM_SET, [t.scheme], True)]
    else:
        groups = [(_TYPE, [_CONCEPT, _MISSING if kind == NodeKind.MISSING else _KEYWORD], True)]
    groups.append((_IN_SCHEME, [t.keyword_scheme if kind == NodeKind.KEYWORD else t.scheme], True))
    if kind != NodeKind.KEYWORD:  # a keyword may share its text with a concept's slug
        groups.append((_SLUG, [Literal(data["slug"])], False))
    for predicate, texts in ((_PREF_LABEL, data["labels"]), (_DEFINITION, data["descriptions"])):
        if texts:
            groups.append((predicate, [Literal(text, lang) for lang, text in texts.items()], False))
    for predicate, texts in ((_ALIAS, data["aliases"]), (_SOURCE, data["sources"])):
        if texts:
            groups.append((predicate, [Literal(text) for text in texts], False))
    return groups


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
