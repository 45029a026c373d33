"""One self-contained HTML file to explore the graph offline: layout, search, details, related terms.

The page needs no network: its CSS and JavaScript (``html_assets/``, hand-written, no library)
and the graph data are inlined. The layout is computed here (``html_layout``: igraph's
Fruchterman-Reingold, grid variant, C code, from a fixed seed), so the browser only draws and the
same input gives the same bytes; under a watch the page keeps its last picture, its positions
alone differing from a cold build's. The data is one JSON block streamed node by node and link
by link; ``<`` is escaped as ``\\u003c`` so no text can close the script element.
"""

from __future__ import annotations

import json
import marshal
from collections import Counter
from collections.abc import Callable, Iterator
from importlib.resources import files
from itertools import chain
from operator import itemgetter
from typing import TextIO
from weakref import WeakKeyDictionary

import igraph
import networkx as nx

from graph.build import preferred_in
from graph.code_digest import code_digest
# The layout's constants and function are the page's: named here too.
from graph.exporters.html_layout import LAYOUT_SEED, LAYOUT_SIZE, layout, positions  # noqa: F401
from graph.model import EdgeKind, NodeKind
from graph.normalize import RULES
from graph.related import rank
from graph.related_index import index_text, index_view
from graph.splice import Piece, digest, file_context, node_keys, render
from graph.workers import Sharing

ASSETS = files("graph.exporters") / "html_assets"
KINDS = NodeKind.ALL
RELATED_N = 8
"""Related terms shown per concept."""
RELATED_LIMIT = (5000, 300, 50)
"""(articles, k, k for more articles): related terms are precomputed for the k most linked
articles. Ranking one costs ~7 ms in investorswiki but 25-100 ms for a hub of the 30,000-article
benchmark corpus, so a glossary-sized corpus gets every article (or its 300 hubs) and a large
one its 50 hubs in seconds; the page tells the command that answers for the others."""
_RANKING_MODULES = ("graph.normalize", "graph.related", "graph.related_index", "graph.textindex")
"""The code that ranks related terms from the index, besides this module's (in the file's context)."""
_ROWS: WeakKeyDictionary = WeakKeyDictionary()
"""A watch's memo (``ExportOptions.memo``) -> what the last graph data rendered under it was
made of (``_Rows``): each node's row and each node's links are kept while their inputs are equal."""


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
    key = b"g" + digest(b"".join(map(keys.__getitem__, G)))
    memo = getattr(options, "memo", None)
    if memo is None:
        yield key, _graph_data, G
    else:
        # Under a watch the positions are decided here, before the key: those kept from the last
        # page (not a cold build's) are in the key, so a one-shot build never copies them.
        order = list(G)
        placed = positions(G, order, {node: i for i, node in enumerate(order)}, memo)
        if not placed.cold:
            key = b"g" + digest(key + marshal.dumps(placed.positions, 2))
        yield key, _graph_data, (G, memo, placed.positions)
    yield '],"related":{\n'
    articles, limit = hub_limit(G)
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


def _graph_data(arg: nx.DiGraph | tuple[nx.DiGraph, object, list]) -> str:
    """The nodes (with their positions) and the links, up to the related terms, of ``G``, laid
    out, or of ``(G, memo, positions)`` under a watch's memo (``ExportOptions.memo``), which
    keeps the rows it rendered (``_kept_graph_data``)."""
    if isinstance(arg, tuple):
        G, memo, at = arg
        return _kept_graph_data(G, memo, at)
    G = arg
    order = list(G)
    ids = {node: i for i, node in enumerate(order)}
    positions = layout(G, order, ids)
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


class _Rows:
    """What the graph data last rendered under a watch's memo was made of (``_ROWS``)."""

    __slots__ = ("label_order", "order", "rows", "links")

    def __init__(self, label_order: tuple, order: list, rows: dict, links: dict) -> None:
        self.label_order, self.order = label_order, order
        self.rows = rows
        """Node -> (its key, its position, its row's text up to its keywords, its keyword nodes)."""
        self.links = links
        """Node -> (its key, the highest id its links name, their text)."""


def _kept_graph_data(G: nx.DiGraph, memo: object, positions: list) -> str:
    """``_graph_data`` of ``G`` at ``positions``, each node's row and links taken from the last
    rendered under ``memo`` while they are made of the same: the node's key (``node_keys``:
    attributes, out-edges, in-degree), its position and the graph's label order for its row
    (its keywords' ids are written anew: every one moves when a node is added before them); for
    its links the key, with every id they name below the first place where the node order
    differs from the last one's. A link added to an article renders its row and its target's."""
    order = list(G)
    ids = {node: i for i, node in enumerate(order)}
    keys = node_keys(G)
    nodes, succ, pred = G._node, G._succ, G._pred
    label_order = G.graph.get("label_order", ())
    last = _ROWS.get(memo)
    rows0 = last.rows if last is not None and last.label_order == label_order else {}
    links0 = last.links if last is not None else {}
    same_below = _first_change(last.order, order) if last is not None else 0
    keywords = {node for node, data in nodes.items() if data["kind"] == NodeKind.KEYWORD}
    rows, links, parts = {}, {}, []
    for node, at in zip(order, positions):
        key = keys[node]
        row = rows0.get(node)
        if row is None or row[0] != key or row[1] != at:
            data = nodes[node]
            kind = data["kind"]
            head = _json([data["slug"], KINDS.index(kind), *at, 0 if kind == NodeKind.KEYWORD else len(pred[node]),
                          preferred_in(label_order, data["labels"])[0] or "",
                          [[lang or "", text] for lang, text in data["labels"].items()],
                          [[lang or "", text] for lang, text in data["descriptions"].items()],
                          list(data["aliases"])])
            row = (key, at, head[:-1] + ",[", tuple(k for k in succ[node] if k in keywords))
        rows[node] = row
        parts.append(row[2] + ",".join([str(ids[k]) for k in row[3]]) + "]]\n")
    texts = []
    for u, out in succ.items():
        key = keys[u]
        found = links0.get(u)
        if found is None or found[0] != key or found[1] >= same_below:
            iu = ids[u]
            named = [(ids[v], e["weight"]) for v, e in out.items() if e["kind"] == EdgeKind.LINKS_TO]
            found = (key, max(iu, max((i for i, _ in named), default=iu)),
                     ",".join(f"{iu},{i},{weight}" for i, weight in named))
        links[u] = found
        if found[2]:
            texts.append(found[2])
    _ROWS[memo] = _Rows(label_order, order, rows, links)
    return '{"nodes":[\n' + ",".join(parts) + '],"links":[' + ",".join(texts)


def _first_change(old: list, new: list) -> int:
    """The first place where two node orders differ (the length of the shorter when one starts the other)."""
    if old == new:
        return len(new)
    return next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))


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


def hub_limit(G: nx.DiGraph) -> tuple[int, int]:
    """The graph's articles, and how many of the most linked have their related terms on the page (RELATED_LIMIT)."""
    articles = sum(1 for _, kind in G.nodes(data="kind") if kind == NodeKind.ARTICLE)
    small, k, k_large = RELATED_LIMIT
    return articles, k if articles <= small else k_large


RANKED = "explorer_related"
"""In ``G.graph``: the hubs' related terms ranked ahead (``rank_hubs``), as ``(view, model, (limit, n),
rankings)``: used while the graph's index view and its model are those they were ranked from."""


def related_terms(G: nx.DiGraph, limit: int, n: int = RELATED_N, sharing: Sharing | None = None) -> dict[str, list]:
    """The ``n`` related terms, with reasons, of the ``limit`` most linked articles (``graph.related``);
    ``sharing``: forked processes that rank a share of them (the same rankings: each is one ``rank``)."""
    ahead = G.graph.get(RANKED)
    view = index_view(G)
    if ahead is not None and ahead[:3] == (view, view.model, (limit, n)):
        return ahead[3]
    articles = [u for u, kind in G.nodes(data="kind") if kind == NodeKind.ARTICLE]
    # only links end at articles, so in-degree is in-links (as in graph.fields)
    chosen = sorted(sorted(articles, key=lambda u: (-len(G._pred[u]), u))[:limit])
    if sharing is not None:
        return dict(zip(chosen, sharing.map(RANK_HUB, chosen)))
    # The index is what ``linkgraph related`` answers from, so the page shows the same results;
    # its arrays also rank hubs several times faster than the networkx graph.
    return {u: rank(view, u, n, explain=True) for u in chosen}


RANK_HUB = "html.rank_hub"
"""The name under which ``rank_hubs`` shares the ranking of one hub (``graph.workers.Sharing``)."""


def hub_ranker(G: nx.DiGraph, n: int = RELATED_N) -> Callable[[str], list]:
    """One hub's related terms, as ``related_terms`` ranks them, for ``Sharing`` (RANK_HUB)."""
    view = index_view(G)
    return lambda u: rank(view, u, n, explain=True)


def rank_hubs(G: nx.DiGraph, sharing: Sharing) -> None:
    """Rank the page's hubs now, in this process and ``sharing``'s, for its writer to find in ``G``
    (RANKED): a writer forked later, or one in this process, ranks nothing then."""
    limit = hub_limit(G)[1]
    view = index_view(G)
    G.graph[RANKED] = (view, view.model, (limit, RELATED_N), related_terms(G, limit, RELATED_N, sharing))
