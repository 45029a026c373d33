"""Fit the related combination to a corpus's own links: hide some, keep what finds them again.

Every link an author wrote says "these two belong together". At build time a seeded sample of
concepts each has a share of its links hidden; for each, every signal is scored on the graph
without them, and coordinate ascent chooses the weights, PageRank's restart probability and
its hub discount that put most hidden targets in the top 10 of half of the concepts. The other
half, never used to choose, measures the result (the recall reported by the build and by
``related --explain``). Too few linked concepts to learn from: the documented defaults.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np

from graph.model import NodeKind
from graph.related import DEFAULT_MODEL, SIGNALS, hub_discount, personalized_pagerank, scaled, signal_scores
from graph.related_index import IndexedGraph, RelatedModel

SEED = 0
HIDE = 0.2
"""Share of a sampled concept's link targets hidden (at least one)."""
MIN_LINKS = 3
"""Concepts with fewer distinct link targets are not sampled: hiding one would leave too little."""
QUERIES = 120
"""Most concepts sampled (each half fits, the other measures): the fit's cost is bounded by
this, not by the corpus; a query is tens of milliseconds on a 50,000-article graph."""
MIN_QUERIES = 40
"""Fewer sampled concepts than this: too few to fit, the defaults are used."""
ALPHAS = (0.15, 0.5)
HUBS = (0.0, 0.5, 1.0)
GRID = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
ROUNDS = 3
CANDIDATES = 30
"""Candidates kept per signal and query: only a signal's best can reach a combined top 10."""
TOP = 10
FIXED = ("mentions",)
"""Signals the sample cannot measure, kept at their default weight: the links the fit hides are
still links in the corpus, and an article's mentions never include what it links to."""


def fit_related(G: IndexedGraph, seed: int = SEED) -> RelatedModel:
    """Fit the model to ``G``'s own links, store it in ``G`` (and so in the index file), and return it."""
    model = fit_model(G, seed)
    G.with_model(model)
    return model


def fit_model(G: IndexedGraph, seed: int = SEED) -> RelatedModel:
    """The model fitted to ``G``'s links (deterministic for a seed), or the defaults when they are too few."""
    sources = [u for u in G if G.nodes[u]["kind"] == NodeKind.ARTICLE and len(set(G.links_out(u))) >= MIN_LINKS]
    if len(sources) < MIN_QUERIES:
        return _defaults(f"default weights: {len(sources)} concepts link to {MIN_LINKS} or more others, "
                         f"too few to learn from (needs {MIN_QUERIES})")
    rng = random.Random(seed)
    chosen = rng.sample(sources, min(QUERIES, len(sources)))
    hidden = {}
    for u in chosen:
        targets = sorted(set(G.links_out(u)) - {u})
        hidden[u] = set(rng.sample(targets, max(1, round(HIDE * len(targets)))))
    H = G.without_links(hidden)
    queries = [_Query.of(H, u, hidden[u]) for u in chosen]
    n_hidden = sum(len(h) for h in hidden.values())
    halves = _Batch(queries[0::2]), _Batch(queries[1::2])
    everything = _Batch(queries)
    # Two-fold cross-validation: each half is scored by what the other half chose, so the recall
    # reported (and the choice between fitting and the defaults) is on links the fit never saw.
    found = halves[1].found(_ascend(halves[0])) + halves[0].found(_ascend(halves[1]))
    recall, default_recall = found / n_hidden, everything.found(_Choice.of(DEFAULT_MODEL)) / n_hidden
    stats = {"queries": len(queries), "hidden": n_hidden}
    if recall <= default_recall:
        return _defaults(f"default weights: fitted ones found {recall:.3f} of held-out links against "
                         f"{default_recall:.3f} for the defaults, on {len(queries)} concepts",
                         recall=round(default_recall, 4), default_recall=round(default_recall, 4), stats=stats)
    choice = _ascend(everything)
    weights = {name: w for name, w in zip(SIGNALS, choice.weights)}
    used = ", ".join(f"{name} {w:g}" for name, w in weights.items() if w)
    return RelatedModel(
        weights, choice.alpha, choice.hub, fitted=True,
        note=(f"weights fitted to this corpus's links ({used}; PageRank restart {choice.alpha:g}, hub discount "
              f"{choice.hub:g}): held-out recall@10 {recall:.3f} against {default_recall:.3f} with the defaults, "
              f"on {len(queries)} concepts"),
        recall=round(recall, 4), default_recall=round(default_recall, 4), stats=stats)


def _defaults(note: str, **measured) -> RelatedModel:
    return RelatedModel(DEFAULT_MODEL.weights, DEFAULT_MODEL.alpha, DEFAULT_MODEL.hub, fitted=False, note=note,
                        **measured)


class _Choice:
    """One point of the search: a weight per signal (in SIGNALS order) and PageRank's two parameters."""

    __slots__ = ("weights", "alpha", "hub")

    def __init__(self, weights: tuple[float, ...], alpha: float, hub: float) -> None:
        self.weights, self.alpha, self.hub = weights, alpha, hub

    @classmethod
    def of(cls, model: RelatedModel) -> _Choice:
        return cls(tuple(model.weights.get(name, 0.0) for name in SIGNALS), model.alpha, model.hub)

    def key(self) -> tuple:
        return self.weights, self.alpha, self.hub


class _Query:
    """One sampled concept: a matrix of its candidates' scaled scores and which ones were hidden."""

    __slots__ = ("columns", "hidden", "n_hidden")

    def __init__(self, columns: Mapping[object, np.ndarray], hidden: np.ndarray, n_hidden: int) -> None:
        self.columns, self.hidden, self.n_hidden = columns, hidden, n_hidden

    @classmethod
    def of(cls, H: IndexedGraph, u: str, hidden: set[str]) -> _Query:
        exclude = set(H.links_out(u))
        others = [name for name in SIGNALS if name != "pagerank" and name not in FIXED]
        per_signal: dict[object, dict[str, float]] = signal_scores(H, u, exclude, others)
        for alpha in ALPHAS:
            raw = personalized_pagerank(H, u, alpha)
            for hub in HUBS:
                per_signal[("pagerank", alpha, hub)] = scaled(hub_discount(H, raw, hub) if hub else raw, exclude)
        candidates: set[str] = set()
        for scores in per_signal.values():
            candidates.update(sorted(scores, key=lambda v: (-scores[v], v))[:CANDIDATES])
        order = sorted(candidates)  # ties then break by slug, as in graph.related.rank
        columns = {key: np.array([scores.get(v, 0.0) for v in order]) for key, scores in per_signal.items()}
        return cls(columns, np.array([v in hidden for v in order], dtype=bool), len(hidden))


class _Batch:
    """Queries stacked end to end, so a choice is scored with a few array operations."""

    def __init__(self, queries: list[_Query]) -> None:
        sizes = [len(q.hidden) for q in queries]
        self.segment = np.repeat(np.arange(len(queries)), sizes)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(int) if queries else np.zeros(0, int)
        self.position = np.arange(len(self.segment)) - np.repeat(starts, sizes)  # slug order within a query
        self.hidden = np.concatenate([q.hidden for q in queries]) if queries else np.zeros(0, bool)
        keys = queries[0].columns if queries else {}
        self.columns = {key: np.concatenate([q.columns[key] for q in queries]) for key in keys}

    def found(self, choice: _Choice) -> int:
        """Hidden targets that reach a top 10, over all queries."""
        total = np.zeros(len(self.segment))
        # Signal by signal in a fixed order, never a matrix product: the same sums on every machine.
        for name, w in zip(SIGNALS, choice.weights):
            if w and name not in FIXED:
                total += w * self.columns[("pagerank", choice.alpha, choice.hub) if name == "pagerank" else name]
        order = np.lexsort((self.position, -total, self.segment))
        segment = self.segment[order]
        rank = np.arange(len(order)) - np.searchsorted(segment, segment)
        return int((self.hidden[order] & (rank < TOP)).sum())


def _ascend(queries: _Batch) -> _Choice:
    """Coordinate ascent over GRID per weight, ALPHAS and HUBS; the first best wins ties."""
    # Started from the best of the defaults and each signal alone: on a corpus where one signal
    # wins outright, ascending from the defaults stopped short of it.
    defaults = _Choice.of(DEFAULT_MODEL)
    free = [i for i, name in enumerate(SIGNALS) if name not in FIXED]
    starts = [defaults] + [
        _Choice(tuple(1.0 if j == i else 0.0 if j in free else w for j, w in enumerate(defaults.weights)),
                DEFAULT_MODEL.alpha, DEFAULT_MODEL.hub)
        for i in free]
    scored = [(queries.found(start), -i) for i, start in enumerate(starts)]
    best_found, i = max(scored)
    best = starts[-i]
    seen = {start.key() for start in starts}

    def moves():
        for i in free:
            for w in GRID:
                yield _Choice(best.weights[:i] + (w,) + best.weights[i + 1:], best.alpha, best.hub)
        for a in ALPHAS:
            for h in HUBS:
                yield _Choice(best.weights, a, h)

    for _ in range(ROUNDS):
        improved = False
        for trial in moves():  # each move starts from the best so far
            if trial.key() in seen:
                continue
            seen.add(trial.key())
            found = queries.found(trial)
            if found > best_found:
                best, best_found, improved = trial, found, True
        if not improved:
            break
    return best
