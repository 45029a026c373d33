"""Would a new signal help ``related``? Score candidate signals beside the nine, with the best weights.

    python3 tests/benchmarks/related_candidates.py ../shared/corpora/hugo-docs-en/content/en --seeds 1 2

For each seed, links are hidden as ``related_eval.py`` hides them (``--graph-only`` as there)
and every signal, the nine of ``graph.related`` and the candidates below, is scored for every
query. Prints each signal alone per seed, then, with and without each candidate, the weights
that find most hidden links on one seed's queries (coordinate ascent over ``related_fit.GRID``,
started from the defaults and each signal alone, as the build's fit does), scored on the other
seed's: the best any weighting can do, so a candidate that does not raise it cannot help the fit.
It also prints the defaults with other weights of ``mentions`` (the build's fit kept it fixed until it
learned it from what hidden links would say as mentions).
``--every K`` asks one query in K (the dense corpus has thousands). Candidates, over the links
taken both ways:

- ``ra``: resource allocation, Σ 1/links(z) over concepts z linked with both (Adamic–Adar's
  1/log is a milder discount);
- ``walk3``: the chance a random walk from the query is at the candidate after 2 or 3 steps;
- ``spectral``: cosine of the 64-dimensional spectral embedding (top eigenvectors of
  D^-1/2 A D^-1/2, scaled by their eigenvalues);
- ``community``: 1 for members of the query's Louvain community (igraph, seeded).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import igraph
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from related_eval import TOP, rebuilt  # noqa: E402

from graph.related import DEFAULT_MODEL, SIGNALS, scaled, signal_scores  # noqa: E402
from graph.related_fit import GRID, ROUNDS  # noqa: E402
from graph.related_index import KEYWORD  # noqa: E402

CANDIDATES = ("ra", "walk3", "spectral", "community")
DIMENSIONS = 64
MENTIONS_WEIGHTS = (0.0, 1.0, 1.5)


def candidate_signals(H):
    """Name -> function(node id) -> {node id: raw score}, over H's links taken both ways."""
    n = len(H)
    pairs = [(i, H.id(v)) for i, u in enumerate(H) for v in H.links_out(u) if H.id(v) != i]
    rows, cols = zip(*pairs) if pairs else ((), ())
    A = sp.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=(n, n))
    U = ((A + A.T) > 0).astype(float).tocsr()
    degree = np.asarray(U.sum(1)).ravel()
    safe = np.where(degree > 0, degree, 1)
    walk = (sp.diags(1 / safe) @ U).T.tocsr()
    d = sp.diags(safe ** -0.5)
    values, vectors = eigsh(d @ U @ d, k=min(DIMENSIONS, n - 2), which="LA")
    X = vectors * np.abs(values)
    X /= np.where(np.linalg.norm(X, axis=1) > 0, np.linalg.norm(X, axis=1), 1)[:, None]
    random.seed(0)  # igraph draws from Python's random: a seeded Louvain
    ig = igraph.Graph(n=n, edges=sorted({(min(i, j), max(i, j)) for i, j in pairs}))
    community = np.array(ig.community_multilevel().membership)
    concept = np.array([H.nodes[k]["kind"] != KEYWORD for k in H])

    def ra(i):
        scores: dict[int, float] = {}
        for z in U[i].indices:
            for v in U[z].indices:
                scores[v] = scores.get(v, 0.0) + 1 / degree[z]
        return scores

    def walk3(i):
        p = np.zeros(n)
        p[i] = 1
        p2 = walk @ (walk @ p)
        return dense(p2 + walk @ p2)

    def dense(vector):
        return {j: float(vector[j]) for j in np.nonzero((vector > 0) & concept)[0]}

    return {"ra": ra, "walk3": walk3, "spectral": lambda i: dense(X @ X[i]),
            "community": lambda i: {j: 1.0 for j in np.nonzero((community == community[i]) & concept)[0]}}


def queries(corpus: Path, seed: int, graph_only: bool, every: int) -> list[tuple[dict, set]]:
    """Per query: signal -> scaled scores (the nine and the candidates), and its hidden targets."""
    H, hidden = rebuilt(corpus, seed, graph_only)
    extra = candidate_signals(H)
    asked = [u for u in sorted(hidden) if u in H][::every]
    out = []
    for u in asked:
        exclude = set(H.links_out(u)) | {u}
        scores = signal_scores(H, u, exclude)
        for name, signal in extra.items():
            scores[name] = scaled({H.key(j): s for j, s in signal(H.id(u)).items()}, exclude)
        out.append((scores, hidden[u]))
    return out


def best(scores: dict[str, float], n: int = 100) -> dict[str, float]:
    """The ``n`` best scores and their ties: only those can reach a combined top 10 (scores lie in 0..1)."""
    floor = sorted(scores.values(), reverse=True)[n - 1] if len(scores) >= n else 0.0
    return {v: s for v, s in scores.items() if s >= floor}


class Table:
    """Queries stacked as arrays: a weighting's hidden targets in the top 10 in a few operations."""

    def __init__(self, qs: list[tuple[dict, set]], names: list[str]) -> None:
        segment, position, hit, columns = [], [], [], {name: [] for name in names}
        for k, (scores, hidden) in enumerate(qs):
            # The candidates are each signal's best; their columns hold every signal's full score.
            candidates = sorted(set().union(*(best(scores[name]) for name in names)))
            segment += [k] * len(candidates)
            position += range(len(candidates))
            hit += [v in hidden for v in candidates]
            for name in names:
                columns[name] += [scores[name].get(v, 0.0) for v in candidates]
        self.hidden = sum(len(h) for _, h in qs)
        self.segment, self.position, self.hit = np.array(segment, int), np.array(position, int), np.array(hit, bool)
        self.columns = {name: np.array(c) for name, c in columns.items()}

    def recall(self, weights: dict[str, float]) -> float:
        total = np.zeros(len(self.segment))
        for name, w in weights.items():
            if w:
                total += w * self.columns[name]
        order = np.lexsort((self.position, -total, self.segment))
        segment = self.segment[order]
        rank = np.arange(len(order)) - np.searchsorted(segment, segment)
        return int((self.hit[order] & (rank < TOP)).sum()) / max(1, self.hidden)


def best_weights(table: Table, names: list[str]) -> dict[str, float]:
    """Coordinate ascent over GRID, from the best of the defaults and each signal alone."""
    starts = [{n: DEFAULT_MODEL.weights.get(n, 0.0) for n in names}] + [{n: float(n == m) for n in names} for m in names]
    best = max(starts, key=table.recall)
    found = table.recall(best)
    for _ in range(ROUNDS):
        improved = False
        for name in names:
            for w in GRID:
                trial = {**best, name: w}
                if (r := table.recall(trial)) > found:
                    best, found, improved = trial, r, True
        if not improved:
            break
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seeds", type=int, nargs=2, default=(1, 2), metavar=("A", "B"))
    parser.add_argument("--every", type=int, default=1, help="ask one query in K")
    parser.add_argument("--graph-only", action="store_true", help="hide links from the graph only (related_eval's)")
    args = parser.parse_args()
    names = [*SIGNALS, *CANDIDATES]
    a, b = (Table(queries(args.corpus, s, args.graph_only, args.every), names) for s in args.seeds)
    print(f"{args.corpus}, seeds {args.seeds[0]} / {args.seeds[1]}\n\n| signal alone | recall@10 |\n|---|---|")
    for name in names:
        print(f"| `{name}` | {a.recall({name: 1.0}):.3f} / {b.recall({name: 1.0}):.3f} |")
    print(f"| default weights | {a.recall(DEFAULT_MODEL.weights):.3f} / {b.recall(DEFAULT_MODEL.weights):.3f} |")
    for w in MENTIONS_WEIGHTS:  # the one weight the build's fit cannot learn
        weights = {**DEFAULT_MODEL.weights, "mentions": w}
        print(f"| default weights, `mentions` {w:g} | {a.recall(weights):.3f} / {b.recall(weights):.3f} |")
    print("\n| best weights of | fitted on A, scored on B | on B, scored on A |\n|---|---|---|")
    for extra in [[], *([c] for c in CANDIDATES), list(CANDIDATES)]:
        used = [*SIGNALS, *extra]
        print(f"| the nine{' + ' + ', '.join(extra) if extra else ''} | {b.recall(best_weights(a, used)):.3f} "
              f"| {a.recall(best_weights(b, used)):.3f} |")


if __name__ == "__main__":
    main()
