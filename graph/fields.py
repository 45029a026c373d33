"""Node and edge attributes as flat, typed fields: the one mapping every tabular or graph-file
exporter uses (GraphML, GEXF, property-graph CSV), so a label means the same thing everywhere.

Lists are joined (``keywords`` with ``, ``, ``anchors``/``sources``/``aliases`` with `` | ``)
because GraphML and CSV cells hold one value; per-language labels become ``label_<lang>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from operator import itemgetter

import networkx as nx

from graph.build import preferred_in
from graph.model import EdgeKind, NodeKind

JOIN = " | "
NODE_FIELD_TYPES = {
    "slug": "string", "label": "string", "name": "string", "kind": "string", "lang": "string",
    "description": "string", "keywords": "string", "aliases": "string", "sources": "string",
    "in_links": "int", "out_links": "int",
}
EDGE_FIELD_TYPES = {"kind": "string", "weight": "int", "anchors": "string"}
RELATED_FIELD_TYPES = {"score": "double", "rank": "int"}
"""Fields of ``related`` edges (``build --related``), declared only when there are some."""
_LABELS = itemgetter("labels")


def edge_counts(G: nx.DiGraph) -> dict[str, int]:
    """The graph's edges by kind (``links_to``, ``has_keyword``), counted once per graph (kept in
    ``G.graph``) for the report and ``load.cypher``.

    graph.build makes the edges into a keyword node ``has_keyword`` and every other one
    ``links_to``, so the in-degrees of the keywords tell both without reading an edge: counting
    the kinds of a million edges, even in C, was ~0.2 s of every build, twice."""
    counts = G.graph.get("edge_counts")
    if counts is None:
        pred = G._pred
        keyword = sum(len(pred[n]) for n, data in G._node.items() if data["kind"] == NodeKind.KEYWORD)
        counts = G.graph["edge_counts"] = {EdgeKind.LINKS_TO: sum(map(len, G._succ.values())) - keyword,
                                           EdgeKind.HAS_KEYWORD: keyword}
    return counts


def languages(G: nx.DiGraph) -> list[str]:
    """Every language tag used by a label in the graph, sorted: found once per graph (kept in
    ``G.graph``) for the four files that declare a label field per language, each label dict's
    tags gathered in C (a walk of every node was 0.04 s at 50,000 files, four times a build)."""
    found = G.graph.get("label_languages")
    if found is None:
        found = G.graph["label_languages"] = sorted(filter(None, set(chain.from_iterable(
            map(_LABELS, G._node.values())))))
    return list(found)


def node_field_types(G: nx.DiGraph) -> dict[str, str]:
    """Field name -> GraphML ``attr.type``, in output order (per-language labels last)."""
    return {**NODE_FIELD_TYPES, **{f"label_{lang}": "string" for lang in languages(G)}}


def node_fields(G: nx.DiGraph, node: str) -> dict[str, object]:
    """The flat fields of one node; empty text is ''."""
    data = G._node[node]
    # Degrees, not edge scans: only links end at concepts, and an article's other out-edges
    # are one per keyword (this runs for every node in every graph-file exporter). Read from
    # the adjacency dicts, as a DiGraph's degree views read them, without a view per call.
    in_links = 0 if data["kind"] == "keyword" else len(G._pred[node])
    return flat_fields(data, G.graph.get("label_order", ()), in_links, len(G._succ[node]) - len(data["keywords"]))


def flat_fields(data: dict, order: Iterable[str], in_links: int, out_links: int) -> dict[str, object]:
    """The flat fields of a node with attributes ``data``, labels preferred in ``order``."""
    lang, label = preferred_in(order, data["labels"])
    _, description = preferred_in(order, data["descriptions"])
    fields: dict[str, object] = {
        "slug": data["slug"],
        "label": label,
        "name": label,  # Cytoscape and Neo4j Browser caption nodes by ``name``, Gephi by ``label``
        "kind": data["kind"],
        "lang": lang or "",
        "description": description,
        "keywords": ", ".join(data["keywords"]),
        "aliases": JOIN.join(data["aliases"]),
        "sources": JOIN.join(data["sources"]),
        "in_links": in_links,
        "out_links": out_links,
    }
    fields.update({f"label_{lang}": text for lang, text in data["labels"].items() if lang})
    return fields


def edge_fields(edge: dict) -> dict[str, object]:
    """The flat fields of one edge."""
    return dict(zip(EDGE_FIELD_TYPES, edge_values((edge,))[0]))


def edge_values(edges: Iterable[dict]) -> list[tuple[str, int, str]]:
    """(kind, weight, anchors) of each edge: its flat fields in ``EDGE_FIELD_TYPES`` order, without
    a dict per edge (the graph-file writers' hot loop: a corpus has a million edges)."""
    join = JOIN.join
    return [(edge["kind"], edge["weight"], join(edge["anchors"])) for edge in edges]


def edge_field_types(G: nx.DiGraph) -> dict[str, str]:
    """Edge field name -> GraphML ``attr.type``: ``score`` and ``rank`` only with related edges."""
    return {**EDGE_FIELD_TYPES, **(RELATED_FIELD_TYPES if G.graph.get("related") else {})}


def related_edges(G: nx.DiGraph) -> Iterator[tuple[str, str, dict[str, object]]]:
    """(source, target, fields) of each computed related pair, kept out of G's link edges."""
    for u, ranked in G.graph.get("related", {}).items():
        yield from related_pairs(u, ranked)


def related_pairs(u: str, ranked: Iterable[tuple[str, float]]) -> Iterator[tuple[str, str, dict[str, object]]]:
    """(u, target, fields) of each of ``u``'s ranked related terms."""
    for rank, (v, score) in enumerate(ranked, 1):
        yield u, v, {"kind": "related", "score": score, "rank": rank}
