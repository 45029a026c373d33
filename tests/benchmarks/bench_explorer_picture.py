"""How the explorer's picture under --watch degrades as nodes are placed by the rule, not laid out.

    python3 tests/benchmarks/bench_explorer_picture.py /tmp/corpus-10000/Texts

Builds the corpus once in this process, lays its graph out, then for each share of nodes takes
that many at random (articles and missing targets) out, lays the rest out and places them back
with ``html_layout.place``, as a watch does when they are added one edit after another. Prints,
relative to the mean distance between two nodes (the layouts are scaled into one square, so
only ratios compare), the mean link length and the median distance to the nearest node, each
as a share of the full layout's, and the CPU seconds of the placing. Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from graph.exporters import html_layout
from graph.pipeline import build


def measures(G, order: list[str], positions: list) -> tuple[float, float]:
    """(mean link length, median distance to the nearest node), both over the mean distance between two nodes."""
    at = dict(zip(order, positions))
    ends = np.array([(at[u], at[v]) for u, out in G._succ.items() for v in out])
    links = np.sqrt(((ends[:, 0] - ends[:, 1]) ** 2).sum(1)).mean()
    points = np.array(positions)
    pick = np.random.default_rng(0).integers(0, len(points), (2, 200_000))
    pairs = np.sqrt(((points[pick[0]] - points[pick[1]]) ** 2).sum(1)).mean()
    nearest = cKDTree(points).query(points, k=2)[0][:, 1]
    return links / pairs, float(np.median(nearest)) / pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder of Markdown articles")
    parser.add_argument("--seeds", type=int, default=2, help="random draws per share (default 2)")
    args = parser.parse_args()
    G = build([args.corpus], Path(tempfile.mkdtemp(prefix="bench-picture-")), formats=["turtle"], jobs=2).graph
    order = list(G)
    full = measures(G, order, html_layout.layout(G, order, {node: i for i, node in enumerate(order)}))
    print(f"{args.corpus}: {len(G):,} nodes; full layout: links {full[0]:.3f}, nearest {full[1]:.4f} of the mean distance")
    movable = [node for node in order if G.nodes[node]["kind"] != "keyword"]
    for share in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2):
        found = []
        for seed in range(args.seeds):
            gone = set(random.Random(seed).sample(movable, int(share * len(G))))
            H = G.subgraph([node for node in order if node not in gone]).copy()
            kept = list(H)
            laid = html_layout.layout(H, kept, {node: i for i, node in enumerate(kept)})
            cpu = time.process_time()
            placed = html_layout.place(G, order, dict(zip(kept, laid)))
            cpu = time.process_time() - cpu
            links, nearest = measures(G, order, placed)
            found.append((links / full[0], nearest / full[1], cpu))
        links, nearest, cpu = np.mean(found, axis=0)
        print(f"  {share:.1%} placed ({int(share * len(G)):,} nodes): links x{links:.2f}, nearest x{nearest:.2f}, "
              f"placing {cpu:.3f} CPU s")


if __name__ == "__main__":
    main()
