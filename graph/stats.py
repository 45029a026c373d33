"""Figures about a built graph: counts by kind and language, the most linked and most central
concepts, orphans, the most wanted missing targets and the connected components.

Read from the exported ``graph.graphml`` (networkx's own reader), so ``stats`` describes exactly
what was shipped. Links mean ``links_to`` edges between concepts; keyword edges are left out of
rankings and components, where a shared keyword would join unrelated concepts.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx

from graph.errors import GraphFolderError
from graph.model import EdgeKind, NodeKind

GRAPH_FILE = "graph.graphml"
UNTAGGED = "untagged"


@dataclass(frozen=True, slots=True)
class Ranked:
    """One concept in a ranking."""

    slug: str
    label: str
    value: float


@dataclass(frozen=True, slots=True)
class Stats:
    nodes: dict[str, int]
    """Nodes by kind."""
    edges: dict[str, int]
    """Edges by kind."""
    languages: dict[str, dict[str, int]]
    """Per node kind: nodes with a label in each language (``untagged``: no language-tagged label)."""
    top_in_links: tuple[Ranked, ...]
    """Concepts linked from the most distinct concepts."""
    top_pagerank: tuple[Ranked, ...]
    """Concepts by PageRank over the weighted link graph."""
    most_wanted: tuple[Ranked, ...]
    """Missing targets by link occurrences."""
    orphans: tuple[str, ...]
    """Articles that link nowhere and that nothing links to."""
    components: int
    """Weakly connected components of the link graph (concepts only)."""
    component_sizes: tuple[int, ...]
    """Sizes of the largest components, largest first."""


def load_graph(graph_dir: str | os.PathLike[str]) -> nx.DiGraph:
    """The graph exported to ``graph_dir``, read back from its GraphML file."""
    path = Path(graph_dir) / GRAPH_FILE
    if not path.is_file():
        raise GraphFolderError(f"no {GRAPH_FILE} in {graph_dir}: build the graph first (linkgraph build -o {graph_dir})")
    try:
        return _checked(nx.read_graphml(str(path)))
    except (OSError, ValueError, KeyError, TypeError, nx.NetworkXError, ElementTree.ParseError) as exc:
        reason = " ".join(str(exc).split())
        raise GraphFolderError(f"cannot read {path} ({type(exc).__name__}: {reason}); rebuild it with "
                               f"linkgraph build -o {graph_dir}") from None


def _checked(G: nx.Graph) -> nx.DiGraph:
    """``G`` if it has the shape a build writes (ValueError naming what is wrong otherwise), so a
    damaged but well-formed file fails here as one line rather than as a traceback later."""
    if not G.is_directed():
        raise ValueError("not a directed graph")
    for node, data in G.nodes(data=True):
        if data.get("kind") not in NodeKind.ALL or not isinstance(data.get("slug"), str):
            raise ValueError(f"node {node!r:.60} has no valid kind or slug")
        if any(key.startswith("label") and not isinstance(value, str) for key, value in data.items()):
            raise ValueError(f"node {node!r:.60} has a label that is not text")
    for u, v, data in G.edges(data=True):
        weight = data.get("weight", 1)
        if not isinstance(data.get("kind"), str) or isinstance(weight, bool) or not isinstance(weight, (int, float)) \
                or not weight >= 0:
            raise ValueError(f"edge {u!r:.60} -> {v!r:.60} has no valid kind or weight")
    return G


def graph_stats(G: nx.DiGraph, top: int = 10) -> Stats:
    """The figures of a graph read by ``load_graph``; rankings keep the ``top`` first."""
    kinds = {kind: 0 for kind in NodeKind.ALL}
    languages: dict[str, dict[str, int]] = {}
    for _, data in G.nodes(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
        counts = languages.setdefault(data["kind"], {})
        langs = [key.removeprefix("label_") for key in data if key.startswith("label_")] or [UNTAGGED]
        for lang in langs:
            counts[lang] = counts.get(lang, 0) + 1
    edge_kinds: dict[str, int] = {}
    for _, _, kind in G.edges(data="kind"):
        edge_kinds[kind] = edge_kinds.get(kind, 0) + 1

    links = nx.DiGraph()
    links.add_nodes_from(n for n, kind in G.nodes(data="kind") if kind != NodeKind.KEYWORD)
    links.add_edges_from((u, v, {"weight": w}) for u, v, d in G.edges(data=True) if d["kind"] == EdgeKind.LINKS_TO
                         for w in [d.get("weight", 1)])

    def ranked(scores: dict[str, float]) -> tuple[Ranked, ...]:
        order = sorted(scores, key=lambda n: (-scores[n], G.nodes[n]["slug"]))[:top]
        return tuple(Ranked(G.nodes[n]["slug"], G.nodes[n].get("label", ""), scores[n]) for n in order)

    in_links = {n: links.in_degree(n) for n in links if links.in_degree(n)}
    pagerank = nx.pagerank(links, weight="weight") if links.number_of_edges() else {}
    wanted = {n: links.in_degree(n, weight="weight") for n in links if G.nodes[n]["kind"] == NodeKind.MISSING}
    components = sorted((len(c) for c in nx.weakly_connected_components(links)), reverse=True)
    return Stats(
        nodes=kinds,
        edges={kind: edge_kinds[kind] for kind in sorted(edge_kinds)},
        languages={kind: dict(sorted(c.items())) for kind, c in languages.items()},
        top_in_links=ranked(in_links),
        top_pagerank=ranked({n: round(s, 6) for n, s in pagerank.items()}),
        most_wanted=ranked(wanted),
        orphans=tuple(sorted(G.nodes[n]["slug"] for n in links
                             if G.nodes[n]["kind"] == NodeKind.ARTICLE and links.degree(n) == 0)),
        components=len(components),
        component_sizes=tuple(components[:top]),
    )


def format_stats(stats: Stats, fmt: str = "text") -> str:
    """The figures as text for a person, or as JSON."""
    if fmt == "json":
        return json.dumps(asdict(stats), ensure_ascii=False, indent=1)
    lines = [  # "none" where a graph without links or nodes has nothing to list, rather than a bare colon
        "nodes: " + ", ".join(f"{n} {kind}" for kind, n in stats.nodes.items()),
        "edges: " + (", ".join(f"{n} {kind}" for kind, n in stats.edges.items()) or "none"),
        "labels by language: " + ("; ".join(
            f"{kind} " + ", ".join(f"{lang} {n}" for lang, n in c.items()) for kind, c in stats.languages.items())
            or "none"),
        f"components (links only): {stats.components}"
        + ("; largest: " + ", ".join(str(n) for n in stats.component_sizes) if stats.component_sizes else ""),
        f"orphans (articles with no links in or out): {len(stats.orphans)}"
        + (": " + ", ".join(stats.orphans[:20]) + (" …" if len(stats.orphans) > 20 else "") if stats.orphans else ""),
    ]
    for title, ranking, fmt_value in (
        ("top concepts by in-links (distinct linking concepts)", stats.top_in_links, "{:.0f}"),
        ("top concepts by PageRank", stats.top_pagerank, "{:.6f}"),
        ("most wanted missing targets (link occurrences)", stats.most_wanted, "{:.0f}"),
    ):
        lines.append(f"{title}:" + ("" if ranking else " none"))
        lines.extend(f"  {fmt_value.format(r.value):>8}  {r.slug}  {r.label}" for r in ranking)
    return "\n".join(lines)
