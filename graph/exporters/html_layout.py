"""The explorer's node positions: a seeded layout, and under a watch the last picture kept.

A one-shot build lays the graph out with igraph's Fruchterman-Reingold (grid variant, C code)
from a fixed seed: the same graph gives the same positions. Under a watch's memo the page keeps
the positions it showed: a node that is still there stays where it was, and a new one is placed
by a rule (near its placed neighbours, or in a free cell), until the nodes placed so since the
last full layout exceed ``RELAYOUT_SHARE`` of the graph; then it is laid out again
(docs/performance.md#the-explorer-in-a-rebuild). Only positions differ from a cold build's page.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from itertools import chain, count
from weakref import WeakKeyDictionary

# igraph (~0.1 s to load) comes with this module, which a build imports only when it writes the
# page (``Exporter.pieces``, in the build's own process): a watch loads it once, not in the
# forked writer of every rebuild.
import igraph
import networkx as nx
import numpy as np

LAYOUT_SEED = 20260601
LAYOUT_SIZE = 1000.0
"""Positions are scaled into a square of this side and rounded to 0.1: small, stable numbers."""
RELAYOUT_SHARE = 0.02
"""Under a watch, the graph is laid out again once the nodes placed by the rule since the last
full layout exceed this share of its nodes (and ``RELAYOUT_MIN``). Placed nodes crowd: on the
10,000-file corpus, with up to 2% of the nodes placed so the median distance to the nearest node
is that of a full layout (0.94-0.98 of it, relative to the mean distance between two nodes), with
5% 0.85, 10% 0.79, 20% 0.68; links are no longer than a full layout's (0.97-0.99 up to 2%)
(``tests/benchmarks/bench_explorer_picture.py``, docs/performance.md#the-explorer-in-a-rebuild)."""
RELAYOUT_MIN = 3
"""Nodes that may be placed by the rule in any graph, however small, before a full layout."""
OFFSET = 6.0
"""How far from the mean of its placed neighbours a new node goes, in the direction its slug's
digest gives: two new nodes of the same neighbours (two new targets of one article) do not stack."""

Positions = list[tuple[float, float]]


class Placed:
    """A graph's positions in node order, and what a watch keeps of them (``_KEPT``)."""

    __slots__ = ("n", "sources", "targets", "order", "positions", "cold", "placed")

    def __init__(self, n: int, sources: np.ndarray, targets: np.ndarray, order: Sequence[str],
                 positions: Positions, cold: bool, placed: int) -> None:
        self.n, self.sources, self.targets, self.order = n, sources, targets, order
        self.positions = positions
        self.cold = cold
        """The positions are the seeded layout of this graph: those of a cold build's page."""
        self.placed = placed
        """Nodes placed by the rule (not laid out) since the last full layout."""


_KEPT: WeakKeyDictionary = WeakKeyDictionary()
"""A watch's memo (``ExportOptions.memo``) -> the last ``Placed`` made under it. Held while the
memo lives; in a forked writer the entry is lost with the writer, and the one kept stays right
for what it says (positions of named nodes)."""


def layout(G: nx.DiGraph, order: Sequence[str], ids: dict[str, int]) -> Positions:
    """Node positions (x, y) in ``order``, in a LAYOUT_SIZE square: seeded Fruchterman-Reingold."""
    if not order:
        return []
    sources, targets = _edges(G, ids)
    return _laid_out(len(order), sources, targets)


def positions(G: nx.DiGraph, order: Sequence[str], ids: dict[str, int], memo: object) -> Placed:
    """The positions of a watch's page (``memo``: its ``ExportOptions.memo``): the last ones as
    they are when the node count and the edge list are equal (the seeded layout is a function of
    them alone) or, after a change, the last ones of the nodes still there and new nodes placed
    by the rule (``place``), unless too many were placed since the last full layout."""
    n = len(order)
    sources, targets = _edges(G, ids) if n else (np.zeros(0, np.intp), np.zeros(0, np.intp))
    last = _KEPT.get(memo)
    if last is not None and last.n == n and np.array_equal(last.sources, sources) \
            and np.array_equal(last.targets, targets) and (last.cold or last.order == order):
        found = Placed(n, sources, targets, order, last.positions, last.cold, last.placed)
    else:
        kept = dict(zip(last.order, last.positions)) if last is not None else {}
        new = sum(1 for node in order if node not in kept)
        if last is None or last.placed + new > max(RELAYOUT_MIN, RELAYOUT_SHARE * n):
            found = Placed(n, sources, targets, order, _laid_out(n, sources, targets), True, 0)
        else:
            found = Placed(n, sources, targets, order, place(G, order, kept), False, last.placed + new)
    _KEPT[memo] = found
    return found


def place(G: nx.DiGraph, order: Sequence[str], kept: dict[str, tuple[float, float]]) -> Positions:
    """Positions in ``order``: a node of ``kept`` where it was; a new one at the mean of its placed
    neighbours (either direction; new ones placed first count) moved by ``OFFSET`` in its slug's
    direction, turned on by the golden angle (and moved out by OFFSET every 16 turns) until no
    node has that position; one with no placed neighbour, after
    those, at the centre of a free cell of a grid of more cells than nodes, the first free one
    from a cell its slug's digest names. New nodes are taken in order: the same graph and kept
    positions give the same positions."""
    at = {node: kept[node] for node in order if node in kept}
    new = [node for node in order if node not in at]
    taken = set(at.values())
    succ, pred = G._succ, G._pred
    left = new
    while left:
        waiting = []
        for node in left:
            near = [at[v] for v in chain(succ[node], pred[node]) if v in at]
            if not near:
                waiting.append(node)
                continue
            x = sum(p[0] for p in near) / len(near)
            y = sum(p[1] for p in near) / len(near)
            turn = _turn(node)
            for step in count():
                angle, far = 2 * math.pi * turn + step * _GOLDEN, OFFSET * (1 + step // 16)
                spot = _clamp(x + far * math.cos(angle), y + far * math.sin(angle))
                if spot not in taken:
                    break
            at[node] = spot
            taken.add(spot)
        if len(waiting) == len(left):
            break  # none of them has a placed neighbour
        left = waiting
    if left:
        side = math.isqrt(2 * len(order)) + 1
        cell = LAYOUT_SIZE / side
        full = {(min(int(x / cell), side - 1), min(int(y / cell), side - 1)) for x, y in at.values()}
        for node in left:
            start = int(_turn(node) * side * side)
            for k in range(side * side):
                i, j = divmod((start + k) % (side * side), side)
                if (i, j) not in full:
                    break
            full.add((i, j))
            at[node] = spot = _clamp((i + 0.5) * cell, (j + 0.5) * cell)
            taken.add(spot)
    return [at[node] for node in order]


_GOLDEN = math.pi * (3 - math.sqrt(5))
"""The golden angle: successive turns from one start never come back to the same direction."""


def _turn(node: str) -> float:
    """A share of a full turn in [0, 1) from the digest of the node's slug (the same in every process)."""
    return int.from_bytes(hashlib.blake2b(node.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big") / 2**64


def _clamp(x: float, y: float) -> tuple[float, float]:
    # + 0.0: never -0.0, which is equal to 0.0 but written otherwise.
    return round(min(max(x, 0.0), LAYOUT_SIZE), 1) + 0.0, round(min(max(y, 0.0), LAYOUT_SIZE), 1) + 0.0


def _edges(G: nx.DiGraph, ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every edge as (source id, target id) in adjacency order, the ids looked up in C."""
    succ = G._succ
    sources = np.repeat(np.fromiter(map(ids.__getitem__, succ), np.intp, len(succ)),
                        np.fromiter(map(len, succ.values()), np.intp, len(succ)))
    targets = np.fromiter(map(ids.__getitem__, chain.from_iterable(succ.values())), np.intp, len(sources))
    return sources, targets


def _laid_out(n: int, sources: np.ndarray, targets: np.ndarray) -> Positions:
    """The seeded Fruchterman-Reingold layout of ``n`` nodes and these edges, scaled and rounded."""
    if n == 0:
        return []
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
    return [(round((x - x0) * scale, 1), round((y - y0) * scale, 1)) for x, y in zip(xs, ys)]
