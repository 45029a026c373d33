"""One self-contained HTML file to explore the graph offline: layout, search, details, related terms.

The page needs no network: its CSS and JavaScript (``html_assets/``, hand-written, no library)
and the graph data are inlined. The layout is computed here, with igraph's Fruchterman-Reingold
(grid variant, C code) from a fixed seed, so the browser only draws and the same input gives the
same bytes. The data is one JSON block streamed node by node and link by link; ``<`` is escaped
as ``\\u003c`` so no text can close the script element.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from importlib.resources import files
from itertools import chain
from operator import itemgetter
from typing import TextIO
from weakref import WeakKeyDictionary

# igraph (~0.1 s to load) comes with this module, which a build imports only when it writes the
# page (``Exporter.pieces``, in the build's own process): a watch loads it once, not in the
# forked writer of every rebuild.
import igraph
import networkx as nx
import numpy as np

from graph.build import preferred_in
from graph.code_digest import code_digest
from graph.model import EdgeKind, NodeKind
from graph.normalize import RULES
from graph.related import rank
from graph.related_index import index_text, index_view
from graph.splice import Piece, digest, file_context, node_keys, render

ASSETS = files("graph.exporters") / "html_assets"
KINDS = NodeKind.ALL
LAYOUT_SEED = 20260601
LAYOUT_SIZE = 1000.0
"""Positions are scaled into a square of this side and rounded to 0.1: small, stable numbers."""
RELATED_N = 8
"""Related terms shown per concept."""
RELATED_LIMIT = (5000, 300, 50)
"""(articles, k, k for more articles): related terms are precomputed for the k most linked
articles. Ranking one costs ~7 ms in investorswiki but 25-100 ms for a hub of the 30,000-article
benchmark corpus, so a glossary-sized corpus gets every article (or its 300 hubs) and a large
one its 50 hubs in seconds; the page tells the command that answers for the others."""
_RANKING_MODULES = ("graph.normalize", "graph.related", "graph.related_index", "graph.textindex")
"""The code that ranks related terms from the index, besides this module's (in the file's context)."""
_LAYOUTS: WeakKeyDictionary = WeakKeyDictionary()
"""A watch's memo (``ExportOptions.memo``) -> its last layout: (node count, edge sources, edge
targets, positions). The positions are a function of the node count and the edge list alone (the
seed, the parameters and igraph's version are this process's), so a rebuild that changed neither
(a title, a description, a second link to the same target: the graph data's key still changes)
takes them as they are: 0.3-0.4 s at 10,000 nodes. Held while the memo lives; in a forked writer
the entry is lost with the writer, and the one kept stays right for what it says."""


def write(G: nx.DiGraph, out: TextIO, options: object = None) -> None:
    """Write the explorer page of the graph to a text stream."""
    for text in render(pieces(G, options)):
        out.write(text)


def pieces(G: nx.DiGraph, options: object = None) -> Iterator[Piece]:
    """The page as keyed pieces (``graph.splice``): its graph data (nodes, layout, links), keyed
    by every node's key in order, and the related terms of its hubs, keyed by the related index
    they are ranked from. A rebuild that changed neither (a prose edit past the indexed start of
    a body) lays out and ranks nothing: the page is the previous one."""
    # The layout is igraph's: another version may place the nodes elsewhere.
    yield file_context("graph.html", G.graph.get("label_order", ()), igraph.__version__)
    head, rest = (ASSETS / "explorer.html").read_text(encoding="utf-8").split("<!--DATA-->")
    yield (head.replace("/*CSS*/", (ASSETS / "explorer.css").read_text(encoding="utf-8"))
           + '<script id="lg-data" type="application/json">')
    keys = node_keys(G)
    yield b"g" + digest(b"".join(map(keys.__getitem__, G))), _graph_data, (G, getattr(options, "memo", None))
    yield '],"related":{\n'
    articles = sum(1 for _, kind in G.nodes(data="kind") if kind == NodeKind.ARTICLE)
    small, k, k_large = RELATED_LIMIT
    limit = k if articles <= small else k_large
    # The index holds all that ranking reads (``linkgraph related`` answers from it alone).
    yield b"r" + digest(code_digest(*_RANKING_MODULES) + index_text(G).encode()), _related_data, (G, limit)
    edges = Counter(map(itemgetter("kind"), chain.from_iterable(map(dict.values, G._succ.values()))))
    meta = {
        "version": 1, "rules": RULES, "kinds": KINDS,
        "counts": {"nodes": len(G), "links": edges[EdgeKind.LINKS_TO], "keyword_edges": edges[EdgeKind.HAS_KEYWORD]},
        "related_info": {"n": RELATED_N, "limit": limit, "computed": min(limit, articles)},
    }
    yield "}," + _json(meta)[1:] + "</script>\n<script>\n" + "".join(
        (ASSETS / name).read_text(encoding="utf-8") for name in ("normalize.js", "explorer.js")) + rest


def _graph_data(arg: nx.DiGraph | tuple[nx.DiGraph, object]) -> str:
    """The nodes (with their positions) and the links, up to the related terms, of ``G`` or of
    ``(G, memo)`` (``ExportOptions.memo``: a watch's, whose last layout is kept in ``_LAYOUTS``)."""
    G, memo = arg if isinstance(arg, tuple) else (arg, None)
    order = list(G)
    ids = {node: i for i, node in enumerate(order)}
    positions = layout(G, order, ids, memo)
    parts = ['{"nodes":[\n']
    nodes, succ, pred = G._node, G._succ, G._pred
    label_order = G.graph.get("label_order", ())
    keywords = {node for node, data in nodes.items() if data["kind"] == NodeKind.KEYWORD}
    for i, node in enumerate(order):
        # What graph.fields.node_fields gives of the node (slug, in-links, language), read directly.
        data = nodes[node]
        kind = data["kind"]
        row = [data["slug"], KINDS.index(kind), *positions[i], 0 if kind == NodeKind.KEYWORD else len(pred[node]),
               preferred_in(label_order, data["labels"])[0] or "",
               [[lang or "", text] for lang, text in data["labels"].items()],
               [[lang or "", text] for lang, text in data["descriptions"].items()],
               list(data["aliases"]), [ids[k] for k in succ[node] if k in keywords]]
        parts.append(("," if i else "") + _json(row) + "\n")
    parts.append('],"links":[')
    # The adjacency read as G.edges reads it, without its view: a view cached in G refers to G,
    # and that cycle leaves the graph to the cyclic collector once no one holds it.
    parts.append(",".join(f"{ids[u]},{ids[v]},{e['weight']}" for u, out in succ.items() for v, e in out.items()
                          if e["kind"] == EdgeKind.LINKS_TO))
    return "".join(parts)


def _related_data(args: tuple[nx.DiGraph, int]) -> str:
    """The related terms of the ``limit`` most linked articles, one row per article."""
    G, limit = args
    ids = {node: i for i, node in enumerate(G)}
    related = related_terms(G, limit, RELATED_N)
    return "".join(("," if i else "") + f'"{ids[node]}":' + _json([[ids[r.slug], r.score, list(r.reasons)]
                                                                    for r in results]) + "\n"
                   for i, (node, results) in enumerate(related.items()))


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""``json.dumps`` with these options, without making an encoder per call (one per node)."""


def _json(value: object) -> str:
    return _ENCODE(value).replace("<", "\\u003c")


def layout(G: nx.DiGraph, order: Sequence[str], ids: dict[str, int],
           memo: object = None) -> list[tuple[float, float]]:
    """Node positions (x, y) in ``order``, in a LAYOUT_SIZE square: seeded Fruchterman-Reingold;
    with ``memo`` (a watch's ``ExportOptions.memo``), the last layout made under it when the node
    count and the edge list are equal (``_LAYOUTS``)."""
    n = len(order)
    if n == 0:
        return []
    # Every edge as (source id, target id) in adjacency order, the ids looked up in C.
    succ = G._succ
    sources = np.repeat(np.fromiter(map(ids.__getitem__, succ), np.intp, len(succ)),
                        np.fromiter(map(len, succ.values()), np.intp, len(succ)))
    targets = np.fromiter(map(ids.__getitem__, chain.from_iterable(succ.values())), np.intp, len(sources))
    last = _LAYOUTS.get(memo) if memo is not None else None
    if last is not None and last[0] == n and np.array_equal(last[1], sources) and np.array_equal(last[2], targets):
        return last[3]
    g = igraph.Graph(n=n, edges=list(zip(sources.tolist(), targets.tolist())), directed=False)
    g.simplify()
    # igraph draws its start positions from one global generator: seed it for the layout, then
    # hand back the default. (Passing start positions instead made the grid variant 6x slower.)
    igraph.set_random_number_generator(random.Random(LAYOUT_SEED))
    try:
        coords = g.layout_fruchterman_reingold(niter=500 if n <= 5000 else 150, grid=n > 1000).coords
    finally:
        igraph.set_random_number_generator(random)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    x0, y0 = min(xs), min(ys)
    scale = LAYOUT_SIZE / max(max(xs) - x0, max(ys) - y0, 1e-9)
    positions = [(round((x - x0) * scale, 1), round((y - y0) * scale, 1)) for x, y in zip(xs, ys)]
    if memo is not None:
        _LAYOUTS[memo] = (n, sources, targets, positions)
    return positions


def related_terms(G: nx.DiGraph, limit: int, n: int = RELATED_N) -> dict[str, list]:
    """The ``n`` related terms, with reasons, of the ``limit`` most linked articles (``graph.related``)."""
    articles = [u for u, kind in G.nodes(data="kind") if kind == NodeKind.ARTICLE]
    # only links end at articles, so in-degree is in-links (as in graph.fields)
    chosen = sorted(articles, key=lambda u: (-len(G._pred[u]), u))[:limit]
    # The index is what ``linkgraph related`` answers from, so the page shows the same results;
    # its arrays also rank hubs several times faster than the networkx graph.
    view = index_view(G)
    return {u: rank(view, u, n, explain=True) for u in sorted(chosen)}
