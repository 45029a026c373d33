"""Related terms: signals over the graph, combined with documented weights, with reasons.

Each signal is a function ``signal(G, u) -> {v: score}``, ``G`` first as in networkx's link
prediction. ``G`` is an ``IndexedGraph`` (``graph.related_index``): the index read back from
``related-index.json``, or ``IndexedGraph.from_graph`` of a build's networkx graph.
Candidates are concepts (articles and missing targets), never keywords. Each signal is computed
on node ids into numpy arrays (``SCORES``, what the build's fit asks of thousands of queries),
adding every score's parts in the order a loop over the graph would, so both give the same floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from graph.errors import GraphFolderError, UnknownTerm
from graph.related_index import KEYWORD, IndexedGraph, RelatedModel, distinct, index_view, name_key, name_keys

if TYPE_CHECKING:
    import networkx as nx

WEIGHTS: dict[str, float] = {
    "links": 0.05, "cocitation": 0.1, "coupling": 0.0, "neighbours": 0.0, "keywords": 0.2, "text": 0.5,
    "pagerank": 1.5, "section": 0.05, "mentions": 0.5, "code": 0.5,
}
"""Signal -> weight of its score (scaled to 0..1 per query) in the combined score, when the build
could not fit weights to the corpus (too few links). Chosen by ``tests/benchmarks/related_eval.py``
on two real corpora (docs/related.md). Zero-weight signals still run and are explained."""
WORK = 20_000
"""Most neighbour visits co-citation, coupling, neighbours and shared keywords make per query (hubs last)."""
SLUG_PLACES_FROM = 64
"""Rows longer than this are put in slug order by ``IndexedGraph.slug_places`` (made once per
index: ~5 ms at 10,000 nodes, 30 ms at 50,000) rather than by their slugs: same order."""
PAGERANK_ALPHA = 0.15
PAGERANK_EPSILON = 1e-4
DEFAULT_MODEL = RelatedModel(WEIGHTS, PAGERANK_ALPHA, 0.0, fitted=False, note="default weights")
HUB_AWARE_MODEL = RelatedModel({**WEIGHTS, "pagerank": 0.0, "neighbours": WEIGHTS["pagerank"]}, PAGERANK_ALPHA, 0.0,
                               fitted=False, note="hub-aware default weights")
"""The defaults with PageRank's weight on ``neighbours`` (Adamic–Adar over links both ways). On a
link-dense graph with popular hubs a walk spreads over the hubs and the query's whole group, where
shared neighbours, discounted by their links, still tell them apart. The build's fit falls back on
these instead of the defaults when its sample shows them surely better (``graph.related_fit``)."""


@dataclass(frozen=True, slots=True)
class Related:
    """One related concept of a query, with the evidence for it."""

    slug: str
    label: str
    lang: str | None
    """Language of ``label``: the query's when the concept has a label in it."""
    kind: str
    """``article`` or ``missing``."""
    score: float
    """Weighted sum of ``signals``."""
    signals: Mapping[str, float]
    """Signal -> score scaled to 0..1 for this query (1 = the strongest candidate of that signal)."""
    reasons: tuple[str, ...]
    """Plain-words evidence, one line per contributing signal."""


Scores = tuple[np.ndarray, np.ndarray]
"""A signal's answer on node ids: the candidates' ids and their scores, as arrays."""


def direct_links(G: IndexedGraph, u: str) -> dict[str, float]:
    """1 per direction of a link between ``u`` and each concept (2 when they link each other)."""
    return _keyed(G, _direct_links(G, G.id(u)))


def _direct_links(G: IndexedGraph, i: int) -> Scores:
    near = np.concatenate((G.row("links", i), G.row("links_in", i)))
    return _summed(G, near[near != i])


def co_citation(G: IndexedGraph, u: str) -> dict[str, float]:
    """Concepts linked from the same articles as ``u``; each shared source counts 1/log(its out-links)."""
    return _keyed(G, _co_citation(G, G.id(u)))


def _co_citation(G: IndexedGraph, i: int) -> Scores:
    sources, degrees = _within_work(G, G.row("links_in", i), G.degrees("links"))
    return _spread(G, i, *G.rows("links", sources), [1 / math.log(max(2, d)) for d in degrees])


def coupling(G: IndexedGraph, u: str) -> dict[str, float]:
    """Articles linking to the same targets as ``u``; each shared target counts 1/log(its in-links)."""
    return _keyed(G, _coupling(G, G.id(u)))


def _coupling(G: IndexedGraph, i: int) -> Scores:
    targets, degrees = _within_work(G, G.row("links", i), G.degrees("links_in"))
    return _spread(G, i, *G.rows("links_in", targets), [1 / math.log(max(2, d)) for d in degrees])


def common_neighbours(G: IndexedGraph, u: str) -> dict[str, float]:
    """Adamic–Adar over links taken both ways: each concept linked with both counts 1/log(its links)."""
    return _keyed(G, _common_neighbours(G, G.id(u)))


def _common_neighbours(G: IndexedGraph, i: int) -> Scores:
    near = distinct(np.concatenate((G.row("links", i), G.row("links_in", i))))
    middle, degrees = _within_work(G, near, G.degrees("links") + G.degrees("links_in"))
    (out, n_out), (back, n_back) = G.rows("links", middle), G.rows("links_in", middle)
    # A concept linked with a middle one both ways counts once for it: (middle, concept) pairs
    # made unique, in the order of the middle ones (the order their weights are added in).
    which = np.arange(len(middle))
    pairs = distinct(np.concatenate((np.repeat(which, n_out), np.repeat(which, n_back))) * len(G)
                      + np.concatenate((out, back)))
    which, v = np.divmod(pairs, len(G))
    keep = v != i
    return _summed(G, v[keep], np.array([1 / math.log(max(2, d)) for d in degrees])[which[keep]])


def shared_keywords(G: IndexedGraph, u: str) -> dict[str, float]:
    """Concepts sharing keywords with ``u``; each keyword counts 1/log(1 + articles that have it)."""
    return _keyed(G, _shared_keywords(G, G.id(u)))


def _shared_keywords(G: IndexedGraph, i: int) -> Scores:
    keywords, degrees = _within_work(G, G.row("keywords", i), G.degrees("members"))
    return _spread(G, i, *G.rows("members", keywords), [1 / math.log(1 + d) for d in degrees])


def _within_work(G: IndexedGraph, nodes: np.ndarray, degrees: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Node ids and their degrees from the lowest degree up (ties by slug), while the degrees add up to at most WORK.

    The dropped nodes are hubs, which weigh least (1/log(degree)) and cost most: a term linked
    from thousands of pages would otherwise walk millions of edges at 50,000 articles.
    """
    if len(nodes) > SLUG_PLACES_FROM:  # the same order, by each id's place in slug order
        nodes = nodes[np.lexsort((G.slug_places()[nodes], degrees[nodes]))]
        ranked = degrees[nodes].tolist()
    else:
        ranked = sorted(zip(degrees[nodes].tolist(), map(G.key, nodes.tolist()), nodes.tolist()))
        nodes, ranked = np.array([node for _, _, node in ranked], dtype=np.intp), [d for d, _, _ in ranked]
    within = max(int(np.searchsorted(np.cumsum(ranked), WORK, "right")), 1)
    return nodes[:within], ranked[:within]


def _spread(G: IndexedGraph, i: int, near: np.ndarray, lengths: np.ndarray, weights: list[float]) -> Scores:
    """Each row's weight given to every id in it but ``i``: the rows end to end and their lengths."""
    spread = np.repeat(np.array(weights, dtype=float), lengths)
    keep = near != i
    return _summed(G, near[keep], spread[keep])


def _summed(G: IndexedGraph, near: np.ndarray, weights: np.ndarray | None = None) -> Scores:
    """Each id in ``near`` with its ``weights`` (1 each without) added up in the order given,
    as a loop over a dictionary adds them (numpy's bincount adds them in order)."""
    counts = np.bincount(near, minlength=len(G))
    ids = np.flatnonzero(counts)
    if weights is None:
        return ids, counts[ids].astype(float)
    return ids, np.bincount(near, weights, minlength=len(G))[ids]


def _keyed(G: IndexedGraph, scores: Scores) -> dict[str, float]:
    ids, values = scores
    return dict(zip(map(G.key, ids.tolist()), values.tolist()))


def same_section(G: IndexedGraph, u: str) -> dict[str, float]:
    """Concepts in ``u``'s section: slugs under the same folder (``functions/strings/…``), and its index page."""
    section, slash, _ = u.rpartition("/")
    if not slash:
        return {}  # a flat slug space (a glossary) has no sections
    scores = {v: 1.0 for v in G.section(section) if v != u}
    if section in G and G.nodes[section]["kind"] != KEYWORD:
        scores[section] = 1.0
    return scores


def _same_section(G: IndexedGraph, i: int) -> Scores:
    ids = np.sort(G.ids(same_section(G, G.key(i))))
    return ids, np.ones(len(ids))


def mentions(G: IndexedGraph, u: str) -> dict[str, float]:
    """Concepts ``u``'s text names without linking them, and those whose text names ``u``: the confidence of each mention."""
    return _keyed(G, _mentions(G, G.id(u)))


def _mentions(G: IndexedGraph, i: int) -> Scores:
    near, confidences = G.mention_scores(i)
    keep = near != i
    return _summed(G, near[keep], confidences[keep])


def names_in_code(G: IndexedGraph, u: str) -> dict[str, float]:
    """Concepts ``u``'s text names in code, and those whose text names ``u`` in code (``graph.code_names``):
    1 / the concepts sharing each name."""
    return _keyed(G, _code(G, G.id(u)))


def _code(G: IndexedGraph, i: int) -> Scores:
    near, shares = G.mention_scores(i, "code")
    return _summed(G, near, shares)  # code_names never lists a concept as naming itself


def text_similarity(G: IndexedGraph, u: str) -> dict[str, float]:
    """TF-IDF similarity of title, description and body (``graph.textindex``) to ``u``'s."""
    return _keyed(G, G.similar_text(G.id(u)))


def personalized_pagerank(G: IndexedGraph, u: str, alpha: float = PAGERANK_ALPHA, hub: float = 0.0,
                          epsilon: float = PAGERANK_EPSILON) -> dict[str, float]:
    """PageRank restarting at ``u`` over links taken both ways (local push), divided by each candidate's links ** ``hub``."""
    rank = pagerank_walk(G, G.id(u), alpha, epsilon)
    if hub:
        degree = G.link_degrees()
        return {G.key(v): s / max(1, degree[v]) ** hub for v, s in rank.items()}
    return {G.key(v): s for v, s in rank.items()}


def pagerank_walk(G: IndexedGraph, start: int, alpha: float = PAGERANK_ALPHA,
                  epsilon: float = PAGERANK_EPSILON, left: list | None = None) -> dict[int, float]:
    """``personalized_pagerank`` on node ids, before any hub discount.

    ``left``, when given, gets the residual left at each node id appended (one list): a node
    never queued read only its degree, and the walk would be the same with any degree whose
    limit (``epsilon`` × degree) stays above that residual (``graph.related_fit._Asked``)."""
    # On node ids, in lists rather than dicts: this loop is most of a query's time, and of the fit's.
    degree = G.link_degrees()
    neighbours = G.link_lists()
    rank: dict[int, float] = {}
    residual = [0.0] * len(degree)
    residual[start] = 1.0
    queue = [start]
    while queue:
        v = queue.pop()
        near = neighbours[v]
        if near is None:
            near = neighbours[v] = G.link_ids(v)
        r = residual[v]
        if not near or r < epsilon * len(near):
            continue
        rank[v] = rank.get(v, 0.0) + alpha * r
        residual[v] = 0.0
        share = (1 - alpha) * r / len(near)
        for w in near:
            before = residual[w]
            after = residual[w] = before + share
            limit = epsilon * degree[w]  # a node is pushed once its residual reaches epsilon × its links
            if before < limit <= after:
                queue.append(w)
    rank.pop(start, None)
    if left is not None:
        left.append(residual)
    return rank


def hub_discount(G: IndexedGraph, ids: np.ndarray, scores: np.ndarray, hub: float) -> np.ndarray:
    """Each score divided by (the candidate's links, both ways) ** ``hub``, as ``personalized_pagerank`` divides them.

    A random walk ends near hubs whatever it started from; on dense corpora undiscounted
    PageRank answered every query with the same few most linked concepts.
    """
    degrees, inverse = np.unique(np.maximum(1, G.degrees("links")[ids] + G.degrees("links_in")[ids]),
                                 return_inverse=True)
    # Powers taken by Python, once per degree, as personalized_pagerank takes them: numpy's may
    # round differently.
    return scores / np.array([d ** hub for d in degrees.tolist()])[inverse.reshape(-1)]


SIGNALS: dict[str, Callable[..., dict[str, float]]] = {
    "links": direct_links, "cocitation": co_citation, "coupling": coupling, "neighbours": common_neighbours,
    "keywords": shared_keywords, "text": text_similarity, "pagerank": personalized_pagerank,
    "section": same_section, "mentions": mentions, "code": names_in_code,
}
SCORES: dict[str, Callable[[IndexedGraph, int], Scores]] = {
    "links": _direct_links, "cocitation": _co_citation, "coupling": _coupling, "neighbours": _common_neighbours,
    "keywords": _shared_keywords, "text": lambda G, i: G.similar_text(i), "section": _same_section,
    "mentions": _mentions, "code": _code,
}
"""The signals but PageRank on node ids (``pagerank_walk`` is its own): what the build's fit asks
of thousands of queries, scores as arrays rather than dictionaries of slugs."""


def find(G: IndexedGraph, term: str) -> tuple[str, str | None]:
    """(node, language of the matched label or None) for a slug, alias or title, or the last part of
    one nested slug; UnknownTerm otherwise."""
    if term in G and G.nodes[term]["kind"] != KEYWORD:
        return term, None
    key = name_key(term)
    node = G.names.get(key) or _by_last_segment(G, key)
    if node is None:
        raise UnknownTerm(term, suggest(G, term))
    lang = next((lang for lang, text in G.nodes[node]["labels"].items() if key in name_keys(text)), None)
    return node, lang


def _by_last_segment(G: IndexedGraph, key: str) -> str | None:
    """The one concept whose nested slug ends in ``key``: documentation sites name a page by its
    path (``functions/collections/Where``), and their readers by its last part (``where``)."""
    found = {node for node in G if "/" in node and G.nodes[node]["kind"] != KEYWORD
             and name_key(node.rsplit("/", 1)[1]) == key}
    return found.pop() if len(found) == 1 else None


def suggest(G: IndexedGraph, term: str, n: int = 5) -> tuple[tuple[str, str], ...]:
    """The ``n`` names closest to ``term`` (fuzzy, after normalisation), with their concepts."""
    from rapidfuzz import fuzz, process  # only an unknown term pays for the import

    known = G.names
    found: dict[str, str] = {}
    for name, _, _ in process.extract(name_key(term), list(known), scorer=fuzz.WRatio, limit=n * 3):
        found.setdefault(known[name], name)
        if len(found) == n:
            break
    return tuple((_display(G, node, name), node) for node, name in found.items())


def model_of(G: IndexedGraph) -> RelatedModel:
    """The model the build stored in the index (fitted to the corpus, or chosen defaults), else the defaults."""
    return G.model or DEFAULT_MODEL


def related(G: IndexedGraph, term: str, n: int = 10, weights: Mapping[str, float] | None = None,
            exclude: Collection[str] = (), explain: bool = True) -> list[Related]:
    """The ``n`` concepts most related to ``term`` (slug, alias or title), best first."""
    try:
        u, lang = find(G, term)
        return rank(G, u, n, weights, exclude, explain, lang)
    except IndexError as exc:
        # read_index checks lengths and order, not every id (graph.related_index._checked):
        # an id past the end of its array surfaces here, where a query first uses it.
        raise GraphFolderError(f"damaged linkgraph related index (IndexError: {exc}); "
                               "rebuild with linkgraph build") from None


def rank(G: IndexedGraph, u: str, n: int = 10, weights: Mapping[str, float] | None = None,
         exclude: Collection[str] = (), explain: bool = True, lang: str | None = None) -> list[Related]:
    """The ``n`` concepts most related to node ``u``, best first (ties by slug); ``weights``: the model's by default."""
    model = model_of(G)
    weights = model.weights if weights is None else weights
    i = G.id(u)
    # Without explanations only the weighted signals matter: build --related asks every concept.
    names = [name for name in SIGNALS if explain or weights.get(name)]
    excluded = G.ids([v for v in exclude if v in G])
    # On node ids in arrays, not dictionaries of slugs (``signal_scores``): the same floats,
    # added in the same order (each candidate's weighted scores, signal by signal in the order
    # of ``weights``), in a fraction of the time; the explorer ranks its hubs in every build.
    per_signal = {name: _scaled(_raw(G, name, i, model), excluded) for name in names}
    weighted = [(per_signal[name], weight) for name, weight in weights.items() if weight and name in per_signal]
    candidates = distinct(np.concatenate([ids for (ids, _), _ in weighted])) if weighted else np.zeros(0, np.intp)
    total = np.zeros(len(candidates))
    for (ids, scores), weight in weighted:  # a name no signal has counts for nothing
        total[np.searchsorted(candidates, ids)] += weight * scores
    best = _best(G, candidates, total, n)
    chosen = np.array([j for j, _ in best], dtype=np.intp)
    found = {name: _at(scores, chosen) for name, scores in per_signal.items()}
    near = _Near(G, u, i) if explain else None
    results = []
    for k, (j, score) in enumerate(best):
        v = G.key(j)
        signals = {name: round(found[name][k], 4) if name in found else 0.0 for name in SIGNALS}
        label_lang, label = _label(G, v, lang)
        results.append(Related(v, label, label_lang, G.nodes[v]["kind"], round(score, 4), signals,
                               near.reasons(v, j, signals) if near else ()))
    return results


def _raw(G: IndexedGraph, name: str, i: int, model: RelatedModel) -> Scores:
    """One signal's scores for node id ``i``, as ``SIGNALS[name]`` gives them but on ids."""
    if name != "pagerank":
        return SCORES[name](G, i)
    walk = pagerank_walk(G, i, model.alpha)
    ids, scores = np.fromiter(walk, np.intp, len(walk)), np.fromiter(walk.values(), float, len(walk))
    return ids, hub_discount(G, ids, scores, model.hub) if model.hub else scores


def _scaled(scores: Scores, excluded: np.ndarray) -> Scores:
    """``scaled`` on ids: the positive scores of the ids not ``excluded``, divided by the best of them."""
    ids, values = scores
    keep = values > 0
    if len(excluded):
        keep &= ~np.isin(ids, excluded)
    ids, values = ids[keep], values[keep]
    return ids, values / values.max() if len(values) else values


def _best(G: IndexedGraph, candidates: np.ndarray, total: np.ndarray, n: int) -> list[tuple[int, float]]:
    """The ``n`` candidate ids of highest total, ties by slug, with their totals."""
    if n <= 0 or not len(candidates):
        return []
    if n < len(total):
        # Only totals at least the n-th highest can be in the top n (ties at it included).
        floor = np.partition(total, len(total) - n)[len(total) - n]
        kept = np.flatnonzero(total >= floor)
        candidates, total = candidates[kept], total[kept]
    ranked = sorted(zip(total.tolist(), candidates.tolist()), key=lambda pair: (-pair[0], G.key(pair[1])))
    return [(j, score) for score, j in ranked[:n]]


def _at(scores: Scores, best: np.ndarray) -> list[float]:
    """A signal's scaled scores of the ``best`` ids, 0.0 for those it has none for, as Python floats."""
    ids, values = scores
    order = np.argsort(ids, kind="stable")
    ids, values = ids[order], values[order]
    at = np.minimum(np.searchsorted(ids, best), max(len(ids) - 1, 0))
    found = (ids[at] == best) if len(ids) else np.zeros(len(best), bool)
    return np.where(found, values[at] if len(ids) else 0.0, 0.0).tolist()


def signal_scores(G: IndexedGraph, u: str, exclude: Collection[str] = (), names: Collection[str] | None = None,
                  model: RelatedModel = DEFAULT_MODEL) -> dict[str, dict[str, float]]:
    """Signal -> candidate -> score scaled to 0..1 by the signal's best candidate for ``u`` (all signals, or ``names``)."""
    scores = {}
    for name, signal in SIGNALS.items():
        if names is not None and name not in names:
            continue
        raw = signal(G, u, model.alpha, model.hub) if signal is personalized_pagerank else signal(G, u)
        scores[name] = scaled(raw, exclude)
    return scores


def scaled(raw: Mapping[str, float], exclude: Collection[str] = ()) -> dict[str, float]:
    """Positive scores of the candidates not in ``exclude``, divided by the best of them."""
    kept = {v: s for v, s in raw.items() if s > 0 and v not in exclude}
    top = max(kept.values(), default=0.0)
    return {v: s / top for v, s in kept.items()}


def reasons(G: IndexedGraph, u: str, v: str, signals: Mapping[str, float]) -> tuple[str, ...]:
    """Why ``v`` is related to ``u``, in plain words, one line per signal that found it."""
    return _Near(G, u, G.id(u)).reasons(v, G.id(v), signals)


class _Near:
    """What the reasons for one query read of the query itself, read once for all its results:
    its rows of links, links in and keywords as id arrays, and its mentions and names in code when
    first asked."""

    def __init__(self, G: IndexedGraph, u: str, i: int) -> None:
        self.G, self.u, self.i = G, u, i
        self.out, self.back = distinct(G.row("links", i)), distinct(G.row("links_in", i))
        self.both = np.union1d(self.out, self.back)
        self.keywords = distinct(G.row("keywords", i))
        self._named_by_field: dict[str, tuple[list, list]] = {}

    def reasons(self, v: str, j: int, signals: Mapping[str, float]) -> tuple[str, ...]:
        """``reasons(G, u, v, signals)``, ``j`` the id of ``v``: the same lines, with sets of ids for sets of slugs."""
        G, u = self.G, self.u
        lines = []
        if signals.get("links"):
            out, back = j in self.out, j in self.back
            lines.append(f"{u} and {v} link to each other" if out and back else
                         f"{u} links to {v}" if out else f"{v} links to {u}")
        if signals.get("cocitation"):
            common, count = self._common(self.back, G.row("links_in", j), SHOWN)
            lines.append(f"linked from {_some(common, count)} together (co-cited {count}×)")
        if signals.get("coupling"):
            common, count = self._common(self.out, G.row("links", j), SHOWN)
            lines.append(f"both link to {_some(common, count)} ({count} shared link{'s' * (count > 1)})")
        if signals.get("neighbours"):
            common, count = self._common(self.both, np.concatenate((G.row("links", j), G.row("links_in", j))), SHOWN)
            lines.append(f"both linked with {_some(common, count)} ({count} in common)")
        if signals.get("keywords"):
            labels = [_label(G, k, None)[1] for k in self._common(self.keywords, G.row("keywords", j))[0]]
            lines.append(f"shared keyword{'s' * (len(labels) > 1)}: {', '.join(labels)}")
        if signals.get("text"):
            words = G.common_words(u, v)
            lines.append("similar text" + (f" (common words: {', '.join(words)})" if words else ""))
        if signals.get("pagerank"):
            lines.append("close in the link graph (personalized PageRank)")
        if signals.get("section"):
            lines.append(f"same section: {u.rpartition('/')[0]}")
        if signals.get("mentions"):
            said, said_by = self._named("mentions")
            lines += [f"mentions {v} on line {line}" for w, line, _ in said if w == v]
            lines += [f"{v} mentions {u} on line {line}" for w, line, _ in said_by if w == v]
        if signals.get("code"):
            named, named_by = self._named("code")
            lines += [f"names {v} in code on line {line}" for w, line, _ in named if w == v]
            lines += [f"{v} names {u} in code on line {line}" for w, line, _ in named_by if w == v]
        return tuple(lines)

    def _named(self, field: str) -> tuple[list, list]:
        """The query's mentions (or names in code) and those of it, read once for all its results."""
        if field not in self._named_by_field:
            self._named_by_field[field] = self.G.mentions(self.u, field), self.G.mentioned_by(self.u, field)
        return self._named_by_field[field]

    def _common(self, mine: np.ndarray, theirs: np.ndarray, first: int | None = None) -> tuple[list[str], int]:
        """The nodes in both rows (distinct ids of ``mine`` and ids of ``theirs``) sorted by slug,
        only the ``first`` of them when given, and how many there are."""
        ids = mine[np.isin(mine, theirs)]
        count = len(ids)
        if first is not None and count > SLUG_PLACES_FROM:  # a hub's: no slug for every id
            return list(map(self.G.key, ids[np.argsort(self.G.slug_places()[ids])[:first]].tolist())), count
        found = sorted(map(self.G.key, ids.tolist()))
        return (found if first is None else found[:first]), count


SHOWN = 3
"""Nodes named in a reason (the first by slug), the rest counted."""


def _some(items: list[str], count: int | None = None) -> str:
    """The first SHOWN ``items`` and how many more of ``count`` (all of them: ``len(items)``)."""
    count = len(items) if count is None else count
    return ", ".join(items[:SHOWN]) + (f" and {count - SHOWN} more" if count > SHOWN else "")


def _label(G: IndexedGraph, node: str, lang: str | None) -> tuple[str | None, str]:
    labels = G.nodes[node]["labels"]
    for choice in (lang, *G.label_order):
        if choice in labels:
            return choice, labels[choice]
    for choice, text in labels.items():
        return choice, text
    return None, G.nodes[node]["slug"]


def _display(G: IndexedGraph, node: str, name: str) -> str:
    # Suggest what the user can type back: the label whose normalised form matched, else the slug.
    for text in G.nodes[node]["labels"].values():
        if name in name_keys(text):
            return text
    return node


def related_table(G: nx.DiGraph, k: int) -> dict[str, tuple[tuple[str, float], ...]]:
    """Every concept of a build's graph -> its ``k`` most related concepts with scores (``build --related``).

    Asked of the graph's index view, so the answers are those of ``linkgraph related``.
    """
    view = index_view(G)
    return {u: tuple((r.slug, r.score) for r in rank(view, u, k, explain=False))
            for u in view if view.nodes[u]["kind"] != KEYWORD}
