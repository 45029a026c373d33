"""Fit the related combination to a corpus's own links: hide some, keep what finds them again.

Every link an author wrote says "these two belong together". At build time, seeded batches of
concepts each have a share of their links hidden; for each, every signal is scored on the graph
without them, and coordinate ascent chooses the weights and PageRank's hub discount that put
most hidden targets in the top 10. Batches are drawn until a budget of work is spent or every
concept that can be asked is in, so a small corpus is fitted on all of it and a large one at a
bounded cost. Two-fold cross-validation measures the choice on queries it was not chosen with
(the recall reported by the build and by ``related --explain``), and the defaults stay unless it
beats them there by more than the sample's noise, counted per concept: the usual defaults, or
the hub-aware ones when the whole sample shows them surely better. Too few linked concepts to
learn from: the usual defaults.

The model is a function of the index data only (``fit_inputs``): a rebuild whose index data is
unchanged may pass the stored model back (``fit_related(G, previous=...)``) instead of refitting,
with the same bytes as a cold build.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Collection, Mapping
from contextlib import ExitStack
from dataclasses import replace
from itertools import repeat
from operator import is_

import numpy as np

from graph.model import NodeKind
from graph.related import (DEFAULT_MODEL, HUB_AWARE_MODEL, PAGERANK_EPSILON, SCORES, SIGNALS, Scores, hub_discount,
                           pagerank_walk)
from graph.related_index import IndexedGraph, RelatedModel, distinct, field_text
from graph.workers import Sharing, share_jobs

SEED = 0
HIDE = 0.2
"""Share of a sampled concept's link targets hidden (at least one)."""
MIN_LINKS = 3
"""Concepts with fewer distinct link targets are not sampled: hiding one would leave too little."""
BATCH = 50
"""Concepts whose links are hidden together, on one copy of the graph."""
PASSES = 4
"""Most times each concept is asked, each time with other links hidden, while the budget lasts."""
Z = 2.0
"""The fitted weights replace the defaults, and the hub-aware defaults the usual ones, only when
their mean gain in held-out links found per concept exceeds Z standard errors (the conventional
two; not tuned)."""
WORK_PER_ARTICLE = 1_000
MIN_WORK, MAX_WORK = 1_000_000, 2_500_000
"""The fit's budget: WORK_PER_ARTICLE per article, within these bounds. Work is candidates scored
by the signals, plus for PageRank the links of every node it reached. Batches are drawn until it
is spent (a batch once begun is finished), so the cost follows the build's, bounded by work, not
by concepts: a concept of the 1,300-article glossary costs about 4,000, one of the dense
4,000-file corpus about 10,000, one of the 50,000-file benchmark corpus about 55,000 (its first
batch of 50 is all it gets)."""
MIN_QUERIES = 40
"""Fewer sampled concepts than this: too few to fit, the defaults are used."""
HUBS = (0.0, 0.5, 1.0)
GRID = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
ROUNDS = 3
CANDIDATES = 30
"""Candidates kept per signal and query: only a signal's best can reach a combined top 10."""
TOP = 10
FIT_VERSION = 6
"""Changes whenever the fit would choose differently from the same inputs (its code or constants)."""
_INPUTS = ("keys", "kinds", "links", "links_in", "keywords", "members", "text", "mentions", "code", "link_mentions")
"""The index fields the fit reads (of mentions and names in code, not their lines): not labels nor names."""


_KEPT = ("keys", "text")
"""The fields whose text a memo keeps (``fit_inputs``' ``kept``): lists of strings, slow to write
out, that a link edit leaves alone (a few MB at 50,000 files)."""


def fit_inputs(G: IndexedGraph, seed: int = SEED, kept: dict | None = None) -> str:
    """A digest of all the fitted model depends on: the index fields the signals read, the seed, the fit's settings.

    Two graphs with the same digest get the same model, so a rebuild may reuse a stored one.
    ``kept``, held by the caller across builds (``--watch``), keeps the text of the ``_KEPT``
    fields digested, written again only when the field is not the same object (the index data
    is never changed once made: ``index_data`` gives an unchanged part again).
    """
    h = hashlib.blake2b(digest_size=16)
    settings = [FIT_VERSION, seed, HIDE, MIN_LINKS, BATCH, PASSES, Z, WORK_PER_ARTICLE, MIN_WORK, MAX_WORK,
                MIN_QUERIES, HUBS, GRID, ROUNDS, CANDIDATES, TOP, DEFAULT_MODEL.to_json(), HUB_AWARE_MODEL.to_json()]
    h.update(json.dumps(settings, sort_keys=True).encode())
    if kept is not None and getattr(G, "texts", False) is None:
        G.texts = {}  # the values' texts kept for the index file, which encodes them too (``field_text``)
    for name in _INPUTS:
        data = G.data[name]
        last = kept.get(name) if kept is not None else None
        if last is not None and last[0] is data:
            h.update(last[1])
            continue
        given = data
        # Where a mention is does not change its score: a prose edit above it keeps the model.
        text = field_text(G, data, sort_keys=True, leave="lines" if name in ("mentions", "code") else None).encode()
        if kept is not None and name in _KEPT:
            kept[name] = (given, text)
        h.update(text)
    return h.hexdigest()


def fit_related(G: IndexedGraph, seed: int = SEED, previous: RelatedModel | None = None,
                kept: dict | None = None, jobs: int = 1) -> RelatedModel:
    """Fit the model to ``G``'s own links, store it in ``G`` (and so in the index file), and return it.

    ``previous``, a model an earlier build stored, is kept without refitting when it was fitted
    to the same inputs (``fit_inputs``, with ``kept``): what a cold build would fit, at the cost of a digest.
    ``jobs``: processes that may score the fit's queries (``fit_model``).
    """
    inputs = fit_inputs(G, seed, kept)
    model = (previous if previous is not None and previous.inputs == inputs
             else fit_model(G, seed, inputs, kept, jobs))
    G.with_model(model)
    return model


def fit_model(G: IndexedGraph, seed: int = SEED, inputs: str | None = None, kept: dict | None = None,
              jobs: int = 1) -> RelatedModel:
    """The model fitted to ``G``'s links (deterministic for a seed), or the defaults when they are too few.

    ``kept``, held by the caller across builds (``--watch``): the last fit's queries, each given
    again while nothing it read changed (``_Asked``), and the last search's queries (as a digest)
    and the model it chose, given again when this build's queries are the same. The search is a
    function of the queries alone, and a link edit often changes none of the sampled ones (at
    50,000 files, one batch of 50 queries among 45,000 sources).

    ``jobs`` > 1: the queries a batch asks are scored by this process and as many forked ones as
    ``share_jobs`` allows, and taken back in order: each is one ``_Query.of`` on the same graph, so
    the model is the one process's (docs/performance.md#the-related-work-on-both-cores)."""
    inputs = fit_inputs(G, seed) if inputs is None else inputs
    sources = _sources(G)
    if len(sources) < MIN_QUERIES:
        return _defaults(f"default weights: {len(sources)} concepts link to {MIN_LINKS} or more others, "
                         f"too few to learn from (needs {MIN_QUERIES})", inputs)
    rng = random.Random(seed)
    sources = _shuffled(sources, rng, kept)
    folds: tuple[list[_Query], list[_Query]] = ([], [])
    asked: tuple[list[int], list[int]] = ([], [])  # the concept of each query, by its place in ``sources``
    place: dict[str, int] = {}  # made when a later pass needs it: a large corpus's budget is spent in the first
    scorer = None  # made when a query is scored: under a memo most are given again
    sharing = None  # processes forked to score queries with this one, when ``jobs`` allows and enough are asked
    share = share_jobs(jobs) if jobs > 1 else 1
    memo = _Asked(G, kept) if kept is not None else None
    work = 0
    articles = G.data["kinds"].count(NodeKind.ARTICLE[0])
    budget = min(MAX_WORK, max(MIN_WORK, WORK_PER_ARTICLE * articles))
    with ExitStack() as stack:  # the workers of ``sharing`` end with the queries
        for round_ in range(PASSES):
            if work >= budget:
                # Nothing more is drawn, so the generator is not needed again: shuffling every
                # source for a pass that takes none of them was a tenth of the fit at 50,000 files.
                break
            # Later passes hide other links of the same concepts: more examples from a small corpus.
            order = sources if round_ == 0 else rng.sample(sources, len(sources))
            for start in range(0, len(order), BATCH):
                if work >= budget:
                    break
                batch = order[start:start + BATCH]
                hidden = {}
                for u in batch:
                    targets = sorted(set(G.links_out(u)) - {u})
                    hidden[u] = set(rng.sample(targets, max(1, round(HIDE * len(targets)))))
                said = _said(G, hidden)
                if round_ and not place:
                    place = dict(zip(sources, range(len(sources))))
                drawn = memo.batch(hidden) if memo is not None else None
                given = [memo.given(drawn, round_, u, hidden[u], said.get(u, {})) if memo is not None else None
                         for u in batch]
                asking = [(round_, start, hidden, u, said.get(u, {}), memo is not None)
                          for u, query in zip(batch, given) if query is None]
                if asking and scorer is None:
                    scorer = _Scorer(G)
                if sharing is None and share > 1 and len(asking) >= MIN_SHARED:
                    # Forked once the scorer holds the slug order, which the workers then share.
                    sharing = stack.enter_context(Sharing(share, {_SCORE: scorer, _ASCEND: _ascend}))
                made = iter(sharing.map(_SCORE, asking) if sharing is not None else map(scorer, asking))
                for k, (u, query) in enumerate(zip(batch, given)):
                    at = start + k if round_ == 0 else place[u]  # its place in ``sources``; the fold is its parity
                    if query is None:
                        query, reads = next(made)
                        if memo is not None:
                            memo.made(drawn, round_, u, hidden[u], said.get(u, {}), query, reads)
                    folds[at % 2].append(query)
                    asked[at % 2].append(at)
                    work += query.work
        if memo is not None:
            memo.keep()
        queries = folds[0] + folds[1]
        last = kept.get("search") if kept is not None else None
        if last is not None and last[3] == asked and len(last[2]) == len(queries) and all(map(is_, last[2], queries)):
            return replace(last[1], inputs=inputs)  # the same queries, given again by the memo: no digest needed
        key = _queries_digest(folds, asked)
        if last is not None and last[0] == key:
            kept["search"] = (key, last[1], queries, asked)
            return replace(last[1], inputs=inputs)
        if sharing is None and share > 1 and len(queries) >= MIN_SHARED:
            sharing = stack.enter_context(Sharing(share, {_SCORE: scorer, _ASCEND: _ascend}))
        model = _search(folds, asked, work, inputs, sharing)
    if kept is not None:
        kept["search"] = (key, model, queries, asked)
    return model


def _shuffled(sources: list[str], rng: random.Random, kept: dict | None) -> list[str]:
    """``rng.shuffle(sources)``, done under a memo by the last build's permutation when ``rng`` is in
    the state it was then and the sources as many: a shuffle's swaps depend on nothing else. The
    generator is left in the state the shuffle leaves it in."""
    key = (rng.getstate(), len(sources))
    if kept is None or kept.get("shuffle", (None,))[0] != key:
        order = list(range(len(sources)))
        rng.shuffle(order)
        if kept is None:
            return [sources[i] for i in order]
        kept["shuffle"] = (key, order, rng.getstate())
    _, order, state = kept["shuffle"]
    rng.setstate(state)
    return [sources[i] for i in order]


def _queries_digest(folds: tuple[list[_Query], list[_Query]], asked: tuple[list[int], list[int]]) -> bytes:
    """A digest of everything ``_search`` reads: each query's columns, hidden rows and counts, in order."""
    h = hashlib.blake2b(digest_size=16)
    for fold, concepts in zip(folds, asked):
        h.update(repr((len(fold), concepts)).encode())
        for q in fold:
            h.update(q.digest())
    return h.digest()


def _search(folds: tuple[list[_Query], list[_Query]], asked: tuple[list[int], list[int]], work: int,
            inputs: str, sharing: Sharing | None = None) -> RelatedModel:
    """Choose the model from the sampled queries: two-fold cross-validation against the defaults.
    ``sharing``: a forked process ascends on one half while this one ascends on the other (the
    ascent on the whole, needed only when the fit beats the defaults, follows in this process:
    done ahead in the worker, it was wasted work wherever the defaults stay, as on the Hugo docs)."""
    queries = folds[0] + folds[1]
    n_hidden = sum(q.n_hidden for q in queries)
    halves = (_Batch(folds[0]), _Batch(folds[1]))
    everything = _Batch.joined(*halves)  # queries = folds[0] + folds[1]
    by_halves = sharing.map(_ASCEND, halves) if sharing is not None else list(map(_ascend, halves))
    defaults = _Choice.of(DEFAULT_MODEL)
    by_defaults = [half.found(defaults) for half in halves]
    # Two-fold cross-validation, the folds split by concept: each half is scored by what the
    # other half chose, so the recall reported (and the choice between fitting and the
    # defaults) is on concepts the fit never saw.
    gain = np.concatenate([halves[1].found(by_halves[0]) - by_defaults[1],
                           halves[0].found(by_halves[1]) - by_defaults[0]])
    default_found = int(by_defaults[0].sum() + by_defaults[1].sum())
    recall, default_recall = (default_found + int(gain.sum())) / n_hidden, default_found / n_hidden
    stats = {"queries": len(queries), "hidden": n_hidden, "work": work}
    if not _surely_positive(gain, np.array(asked[1] + asked[0])):
        said = (f"fitted ones found {recall:.3f} of held-out links against {default_recall:.3f} for the defaults, "
                f"on {len(queries)} queries, not enough better to trust")
        # The fallback: the hub-aware defaults where the whole sample shows them surely better
        # than the usual ones (one choice between two fixed sets: no held-out half is needed).
        usual, hub_aware = (everything.found(_Choice.of(model)) for model in (DEFAULT_MODEL, HUB_AWARE_MODEL))
        if _surely_positive(hub_aware - usual, np.array(asked[0] + asked[1])):
            share, usual_share = hub_aware.sum() / n_hidden, usual.sum() / n_hidden
            return _defaults(f"hub-aware default weights (PageRank's weight on neighbours: they found {share:.3f} of "
                             f"the sample's hidden links against {usual_share:.3f} for the defaults); {said}", inputs,
                             base=HUB_AWARE_MODEL, recall=round(share, 4), default_recall=round(usual_share, 4),
                             stats=stats)
        return _defaults(f"default weights: {said}", inputs, recall=round(default_recall, 4),
                         default_recall=round(default_recall, 4), stats=stats)
    choice = _ascend(everything)
    weights = {name: w for name, w in zip(SIGNALS, choice.weights)}
    used = ", ".join(f"{name} {w:g}" for name, w in weights.items() if w)
    return RelatedModel(
        weights, DEFAULT_MODEL.alpha, choice.hub, fitted=True,
        note=(f"weights fitted to this corpus's links ({used}; PageRank hub discount {choice.hub:g}): held-out "
              f"recall@10 {recall:.3f} against {default_recall:.3f} with the defaults, on {len(queries)} queries"),
        recall=round(recall, 4), default_recall=round(default_recall, 4), stats=stats, inputs=inputs)


def _surely_positive(gain: np.ndarray, concepts: np.ndarray) -> bool:
    """Whether the mean gain per concept exceeds Z standard errors.

    Summed per concept first: a concept asked in several passes is one piece of evidence, not
    several (its queries share its links and its text), so counting queries would overstate
    how sure a small corpus's sample is.
    """
    per = np.bincount(np.unique(concepts, return_inverse=True)[1], weights=gain)
    if len(per) < 2:
        return False
    return bool(per.mean() > Z * float(per.std(ddof=1)) / len(per) ** 0.5)


def _said(G: IndexedGraph, hidden: Mapping[str, set[str]]) -> dict[str, dict[str, float]]:
    """Query -> candidate -> what the hidden links between them would add to ``mentions``.

    A hidden link is one its author never wrote: its anchor text is plain words, which mentions
    may read as a name of its target (``IndexedGraph.link_mention``, with the counts its article
    would leave had it not linked it). Without this the fit could not measure mentions: an
    article's mentions never include what it links to.
    """
    said: dict[str, dict[str, float]] = {}
    for u, targets in hidden.items():
        for v in sorted(targets):
            if c := G.link_mention(u, v):
                for a, b in ((u, v), (v, u)):  # mentions counts a pair either way
                    said.setdefault(a, {})[b] = said.get(a, {}).get(b, 0.0) + c
    return said


def _sources(G: IndexedGraph) -> list[str]:
    """The articles that link to MIN_LINKS or more distinct concepts, in node order: those a fit may ask."""
    rows = np.flatnonzero(G.degrees("links") >= MIN_LINKS)  # fewer links cannot be enough distinct ones
    near, lengths = G.rows("links", rows)
    targets = np.bincount(distinct(np.repeat(rows, lengths) * len(G) + near) // len(G), minlength=len(G))
    article = np.frombuffer(G.data["kinds"].encode("ascii"), np.uint8) == ord(NodeKind.ARTICLE[0])
    return list(map(G.data["keys"].__getitem__, np.flatnonzero((targets >= MIN_LINKS) & article).tolist()))


def _slug_order(G: IndexedGraph) -> np.ndarray:
    """Each node id's place in slug order: candidates are ranked by slug where scores tie, as in ``graph.related.rank``."""
    places = np.empty(len(G), np.intp)
    places[sorted(range(len(G)), key=G.data["keys"].__getitem__)] = np.arange(len(G))
    return places


def _defaults(note: str, inputs: str, base: RelatedModel = DEFAULT_MODEL, **measured) -> RelatedModel:
    return RelatedModel(base.weights, base.alpha, base.hub, fitted=False, note=note, inputs=inputs, **measured)


class _Choice:
    """One point of the search: a weight per signal (in SIGNALS order) and PageRank's hub discount."""

    __slots__ = ("weights", "hub")

    def __init__(self, weights: tuple[float, ...], hub: float) -> None:
        self.weights, self.hub = weights, hub

    @classmethod
    def of(cls, model: RelatedModel) -> _Choice:
        return cls(tuple(model.weights.get(name, 0.0) for name in SIGNALS), model.hub)

    def key(self) -> tuple:
        return self.weights, self.hub


class _Query:
    """One sampled concept: a matrix of its candidates' scaled scores and which ones were hidden."""

    __slots__ = ("columns", "hidden", "n_hidden", "work", "_digest")

    def __init__(self, columns: Mapping[object, np.ndarray], hidden: np.ndarray, n_hidden: int, work: int) -> None:
        self.columns, self.hidden, self.n_hidden, self.work = columns, hidden, n_hidden, work
        self._digest: bytes | None = None

    def digest(self) -> bytes:
        """A digest of all of the query ``_search`` reads: its columns, hidden rows and counts (made
        once: a memo gives the query again, and its arrays are never changed)."""
        if self._digest is None:
            h = hashlib.blake2b(digest_size=16)
            h.update(repr((tuple(self.columns), self.n_hidden, self.work, self.hidden.shape)).encode())
            h.update(self.hidden.tobytes())
            for column in self.columns.values():
                h.update(column.tobytes())
            self._digest = h.digest()
        return self._digest

    @classmethod
    def of(cls, H: IndexedGraph, u: str, hidden: set[str], said: Mapping[str, float], slugs: np.ndarray,
           reads: dict | None = None) -> _Query:
        """``slugs``: each node id's place in slug order (``_slug_order``). ``reads``, when given, is
        filled with what the query read (``_Asked.made``): the ids of the nodes whose rows it read,
        and digests of the signals that read more than rows."""
        # Each signal as arrays of node ids and scores: picking and scaling candidates one
        # dictionary lookup at a time was most of the fit's time on large graphs.
        i = H.id(u)
        arrays: dict[object, Scores] = {name: SCORES[name](H, i) for name in SIGNALS if name != "pagerank"}
        if reads is not None:
            reads.update((name, _digest(*arrays[name])) for name in _READ_WHOLE)
        if said:
            ids, scores = arrays["mentions"]
            total, present = np.zeros(len(H)), np.zeros(len(H), bool)
            total[ids], present[ids] = scores, True
            ids = H.ids(said)
            total[ids] += np.fromiter(said.values(), float, len(said))  # added after the mentions' own, as they were
            present[ids] = True
            ids = np.flatnonzero(present)
            arrays["mentions"] = ids, total[ids]
        left: list[list[float]] = []
        rank = pagerank_walk(H, i, DEFAULT_MODEL.alpha, left=left if reads is not None else None)
        ids, scores = np.fromiter(rank, np.intp, len(rank)), np.fromiter(rank.values(), float, len(rank))
        if reads is not None:
            reads["rows"], reads["degrees"], reads["left"] = _rows_read(H, i, ids, left[0])
        for hub in HUBS:
            arrays[("pagerank", hub)] = ids, hub_discount(H, ids, scores, hub) if hub else scores
        excluded = np.zeros(len(H), bool)
        excluded[H.row("links", i)] = True
        # Only each signal's CANDIDATES best (and their ties) can reach a combined top 10: the
        # rest is never sorted nor scaled.
        chosen, best = [], {}
        for key, (ids, scores) in arrays.items():
            kept = (scores > 0) & ~excluded[ids]
            values = scores[kept]
            if len(values):
                best[key] = values.max()
                floor = np.partition(values, max(0, len(values) - CANDIDATES))[max(0, len(values) - CANDIDATES)]
                chosen.append(ids[kept & (scores >= floor)])
        candidates = distinct(np.concatenate(chosen)) if chosen else np.zeros(0, np.intp)
        order = candidates[np.argsort(slugs[candidates])]  # ties then break by slug, as in graph.related.rank
        at = np.full(len(H), -1)
        at[order] = np.arange(len(order))
        columns = {}
        for key, (ids, scores) in arrays.items():
            columns[key] = column = np.zeros(len(order))
            if key in best:
                where = at[ids]
                there = where >= 0
                column[where[there]] = np.maximum(scores[there], 0.0) / best[key]
        keep = _undominated(np.stack(list(columns.values()), axis=1))
        # Work: candidates scored, and for PageRank the links of each node it reached (a push
        # walks them), so the budget follows time on sparse and dense graphs alike.
        work = sum(len(ids) for key, (ids, _) in arrays.items() if key[0] != "pagerank")
        reached = arrays[("pagerank", 0.0)][0]
        work += int(H.degrees("links")[reached].sum() + H.degrees("links_in")[reached].sum())
        return cls({key: column[keep] for key, column in columns.items()},
                   np.isin(order[keep], H.ids(hidden)), len(hidden), work)


_SCORE = "related_fit.score"
"""The name under which a fit shares the scoring of its queries (``graph.workers.Sharing``)."""
MIN_SHARED = 8
"""Fewer queries than this to score in a batch: not worth forking for (under a memo, most are given again)."""


class _Scorer:
    """Scores one query of a batch (``_Query.of``), on the graph without the batch's hidden links,
    made once per batch in each process that scores its queries; with what it read (``reads``)
    when asked, for the memo."""

    def __init__(self, G: IndexedGraph) -> None:
        self.G, self.slugs = G, _slug_order(G)
        self._batch, self._H = None, None

    def __call__(self, asked: tuple) -> tuple[_Query, dict | None]:
        round_, start, hidden, u, said, reading = asked
        if self._batch != (round_, start):
            self._batch, self._H = (round_, start), self.G.without_links(hidden)
        reads = {} if reading else None
        return _Query.of(self._H, u, hidden[u], said, self.slugs, reads), reads


_READ_WHOLE = ("text", "mentions", "section", "code")
"""The signals that read more than rows of nodes (the text index, every concept's mentions or
names in code, the nodes of a folder): a memo compares their answers, not what they read."""
_ADJACENCIES = ("links", "links_in", "keywords", "members")


def _rows_read(H: IndexedGraph, i: int, pushed: np.ndarray, left: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a query of node id ``i`` reads on ``H`` in the signals not in ``_READ_WHOLE``: the ids
    of the nodes whose rows (of ``_ADJACENCIES``) it reads, then of those it reads only the
    degree of (links both ways), with the residual PageRank's push ``left`` at each.

    Rows: of itself, of the nodes it links with (co-citation, coupling and common neighbours read
    their rows and degrees, no further), of its keywords (shared keywords reads their members),
    and of each node the push ``pushed`` (every node taken from its queue but the start). Degrees
    only: the other nodes those link with, never queued: each time the walk added to such a
    node's residual it compared it with its limit (``epsilon`` × its degree) and found it below,
    so the walk is the same while the limit stays above the residual left there."""
    nodes = np.concatenate(([i], pushed)).astype(np.intp)
    rows = distinct(np.concatenate((nodes, H.row("links", i), H.row("links_in", i), H.row("keywords", i))))
    near = distinct(np.concatenate((H.rows("links", nodes)[0], H.rows("links_in", nodes)[0])))
    near = near[~np.isin(near, rows, assume_unique=True)]
    return rows, near, np.array([left[w] for w in near.tolist()], dtype=float)


def _degrees_without(G: IndexedGraph, degrees: np.ndarray, pairs: Collection[tuple[str, str]]) -> np.ndarray:
    """``G.without_links(hidden).link_degrees()`` as an array, from ``G``'s ``degrees`` (links both
    ways) and the hidden links as (source, target) ``pairs``: each is a link of ``G``, one fewer
    for both its ends."""
    ends = [v for pair in pairs for v in pair]
    return degrees - np.bincount(G.ids(ends), minlength=len(G))


def _digest(ids: np.ndarray, scores: np.ndarray, inv: np.ndarray | None = None) -> bytes | None:
    """A digest of a signal's answer, by node id (``inv``: each id's in another numbering, where
    the answer is None if it names a node that numbering has not)."""
    ids = ids.astype(np.int64)
    if inv is not None:
        ids = inv[ids]
        if (ids < 0).any():
            return None
    order = np.argsort(ids, kind="stable")
    return hashlib.blake2b(ids[order].tobytes() + scores[order].astype(float).tobytes(), digest_size=16).digest()


def _changed_rows(old: IndexedGraph, new: IndexedGraph, remap: np.ndarray | None) -> np.ndarray:
    """Per node id of ``old``: gone from ``new``, or a row of it (``_ADJACENCIES``) holds other
    nodes there, or the same in another order. ``remap``: each old id's id in ``new`` (-1: gone);
    None when both have the same nodes in the same order."""
    n = len(old)
    dirty = np.zeros(n, bool) if remap is None else remap < 0
    rows = np.arange(n) if remap is None else np.flatnonzero(remap >= 0)
    now = rows if remap is None else remap[rows]
    follows = np.concatenate(([False], (np.diff(rows) == 1) & (np.diff(now) == 1)))
    for name in _ADJACENCIES:
        if remap is None and old.data[name] == new.data[name]:  # the same text: the same rows
            continue
        # The arrays whole (no public accessor gives them): rows of the same length that follow
        # each other in both are compared a run at a time, as slices, not entry by entry in
        # index arrays of a million links (0.08 s at 50,000 files).
        (old_ptr, old_ids), (new_ptr, new_ids) = old._numpy(name), new._numpy(name)
        same = np.diff(old_ptr)[rows] == np.diff(new_ptr)[now]
        dirty[rows[~same]] = True
        run = follows & same & np.concatenate(([False], same[:-1]))  # continues the run of the row before
        firsts = np.flatnonzero(same & ~run).tolist()
        lasts = np.flatnonzero(same & ~np.append(run[1:], False)).tolist()
        for first, last in zip(firsts, lasts):
            lo, hi = old_ptr[rows[first]], old_ptr[rows[last] + 1]
            before = old_ids[lo:hi] if remap is None else remap[old_ids[lo:hi]]
            differ = np.flatnonzero(before != new_ids[new_ptr[now[first]]:new_ptr[now[last] + 1]])
            if len(differ):
                dirty[np.searchsorted(old_ptr, lo + differ, "right") - 1] = True
    return dirty


class _Asked:
    """What a memo (``fit_model``'s ``kept``) keeps of the last fit's queries, to give a query
    again when nothing it read changed: exactly the arrays scoring it would make.

    A query reads the graph without its batch's hidden links (``H``): the rows of the nodes of
    ``_rows_read``, and the answers of ``_READ_WHOLE``. Its ``_Query`` has no node ids (its rows
    are candidates in slug order), so it stays right when a node inserted moves the ids. Kept per
    (pass, concept): the query, its hidden targets, what they would say as mentions (``_said``),
    its batch's hidden links, the ids of the nodes it read, digests of the answers of
    ``_READ_WHOLE``. A query of the same pass and concept is given again when its hidden targets
    and their mentions are the same, and none of the nodes it read is gone, has another row (of
    the graph; or of ``H``: an end of a hidden link of one batch and not the other), or whose
    answers differ. Anything else is scored again: the hidden sample itself is always drawn
    afresh (a link edit of one concept moves what the generator gives every later one)."""

    def __init__(self, G: IndexedGraph, kept: dict) -> None:
        self.G, self.kept, self.now = G, kept, {}
        self.last = kept.get("queries")
        self.given_count, self.degrees = 0, None
        if self.last is None:
            return
        old = self.old = self.last["view"]
        keys, old_keys = G.data["keys"], old.data["keys"]
        same = keys is old_keys or keys == old_keys
        self.remap = self.inv = None
        if not same:
            ids = dict(zip(keys, range(len(keys))))
            self.remap = np.fromiter(map(ids.get, old_keys, repeat(-1)), np.int64, len(old_keys))
            self.inv = np.full(len(keys), -1, np.int64)
            kept_ids = np.flatnonzero(self.remap >= 0)
            self.inv[self.remap[kept_ids]] = kept_ids
        self.dirty = _changed_rows(old, G, self.remap)
        # Answers asked again, and compared, unless what they read is the same (and so are the nodes).
        self.again = {"text": not same or G.data["text"] != old.data["text"],
                      "mentions": not same or G.data["mentions"] != old.data["mentions"],
                      "code": not same or G.data["code"] != old.data["code"],
                      "section": not same or G.data["kinds"] != old.data["kinds"]}

    def batch(self, hidden: Mapping[str, set[str]]) -> dict:
        """What ``given`` and ``made`` need of a batch: its hidden links, and per hidden links of
        a last batch, which old node ids read otherwise now."""
        return {"pairs": frozenset((s, t) for s, targets in hidden.items() for t in targets), "dirty": {}}

    def given(self, batch: dict, round_: int, u: str, hidden: set[str], said: Mapping[str, float]) -> _Query | None:
        """The last fit's query of ``u`` in pass ``round_``, when it is the one scoring it now would make; else None."""
        last = self.last["records"].get((round_, u)) if self.last is not None else None
        if last is None or last["hidden"] != hidden or last["said"] != said:
            return None
        pairs = last["pairs"]
        dirty = batch["dirty"].get(id(pairs))
        if dirty is None:
            dirty = self.dirty
            if pairs != batch["pairs"]:
                ends = {v for pair in pairs ^ batch["pairs"] for v in pair if v in self.old}
                dirty = dirty.copy()
                dirty[self.old.ids(ends)] = True
            batch["dirty"][id(pairs)] = dirty
        if dirty[last["rows"]].any():
            return None
        touched = dirty[last["degrees"]]
        if touched.any() and not self._below(batch, last["degrees"][touched], last["left"][touched]):
            return None
        digests = dict(last["digests"])
        i = self.G.id(u)
        for name in _READ_WHOLE:
            if self.again[name]:
                answer = SCORES[name](self.G, i)
                if _digest(*answer, self.inv) != digests[name]:
                    return None
                digests[name] = _digest(*answer)
        moved = {} if self.remap is None else {name: self.remap[last[name]] for name in ("rows", "degrees")}
        self.now[round_, u] = {**last, "pairs": batch["pairs"], **moved, "digests": digests}
        self.given_count += 1
        return last["query"]

    def _below(self, batch: dict, nodes: np.ndarray, left: np.ndarray) -> bool:
        """Whether the residual ``left`` at each of ``nodes`` (old ids) a walk read the degree of
        stays below its limit with its degree now on the graph without this batch's hidden links."""
        now = nodes if self.remap is None else self.remap[nodes]
        if (now < 0).any():
            return False
        if self.degrees is None:
            self.degrees = self.G.degrees("links") + self.G.degrees("links_in")
        if "degrees" not in batch:
            batch["degrees"] = _degrees_without(self.G, self.degrees, batch["pairs"])
        # As the walk computes each limit: a float times an int, here in numpy (the same product).
        return bool((PAGERANK_EPSILON * batch["degrees"][now] > left).all())

    def made(self, batch: dict, round_: int, u: str, hidden: set[str], said: Mapping[str, float], query: _Query,
             reads: dict) -> None:
        """Keep a query just scored, with what it read (``_Query.of``'s ``reads``)."""
        self.now[round_, u] = {"query": query, "hidden": frozenset(hidden), "said": said, "pairs": batch["pairs"],
                               "rows": reads["rows"], "degrees": reads["degrees"], "left": reads["left"],
                               "digests": {name: reads[name] for name in _READ_WHOLE}}

    def keep(self) -> None:
        """This fit's queries, for the next: those of the last that were not asked again are dropped."""
        self.kept["queries"] = {"view": self.G, "records": self.now, "given": self.given_count}


def _undominated(rows: np.ndarray) -> np.ndarray:
    """Which rows (candidates in slug order, a column per signal) may reach a top 10 under some choice.

    A row equal to TOP earlier ones never does: whatever the weights, those score the same
    and win the tie by slug. Dropping it changes no other row's rank within the top 10 (each
    row it beats, its TOP equals beat too), so the fit chooses as it did with every row; it
    only has fewer to sort: ties of a signal (a whole section at 1) made most of them.
    """
    order = np.lexsort((np.arange(len(rows)), *rows.T))  # equal rows together, in slug order
    rows = rows[order]
    starts = np.flatnonzero(np.concatenate(([True], (rows[1:] != rows[:-1]).any(axis=1))))
    earlier = np.arange(len(rows)) - np.repeat(starts, np.diff(np.append(starts, len(rows))))
    keep = np.zeros(len(rows), bool)
    keep[order[earlier < TOP]] = True
    return keep


class _Batch:
    """Queries stacked end to end, so a choice is scored with a few array operations."""

    def __init__(self, queries: list[_Query]) -> None:
        sizes = [len(q.hidden) for q in queries]
        self.n = len(queries)
        self.segment = np.repeat(np.arange(len(queries)), sizes)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(int) if queries else np.zeros(0, int)
        self.position = np.arange(len(self.segment)) - np.repeat(starts, sizes)  # slug order within a query
        self.hidden = np.concatenate([q.hidden for q in queries]) if queries else np.zeros(0, bool)
        keys = queries[0].columns if queries else {}
        self.columns = {key: np.concatenate([q.columns[key] for q in queries]) for key in keys}
        # Rows among each query's TOP best of some signal: whatever the weights, the TOP-th
        # best of them bounds the TOP-th best of the query from below (``found``).
        lead = np.zeros(len(self.segment), bool)
        for column in self.columns.values():
            order = np.lexsort((self.position, -column, self.segment))
            segment = self.segment[order]
            lead[order[np.arange(len(order)) - np.searchsorted(segment, segment) < TOP]] = True
        self.lead = np.flatnonzero(lead)
        self.lead_segment = self.segment[self.lead]

    @classmethod
    def joined(cls, first: _Batch, second: _Batch) -> _Batch:
        """``_Batch(queries of first + queries of second)``, from the two: what each row leads is
        a matter of its own query only, so nothing is sorted again."""
        if not first.n or not second.n:
            return second if not first.n else first
        batch = cls.__new__(cls)
        rows = len(first.segment)
        batch.n = first.n + second.n
        batch.segment = np.concatenate((first.segment, second.segment + first.n))
        batch.position = np.concatenate((first.position, second.position))
        batch.hidden = np.concatenate((first.hidden, second.hidden))
        batch.columns = {key: np.concatenate((column, second.columns[key])) for key, column in first.columns.items()}
        batch.lead = np.concatenate((first.lead, second.lead + rows))
        batch.lead_segment = batch.segment[batch.lead]
        return batch

    def found(self, choice: _Choice) -> np.ndarray:
        """Hidden targets that reach a top 10, per query."""
        total = np.zeros(len(self.segment))
        # Signal by signal in a fixed order, never a matrix product: the same sums on every machine.
        for name, w in zip(SIGNALS, choice.weights):
            if w:
                total += w * self.columns[("pagerank", choice.hub) if name == "pagerank" else name]
        # Only rows scoring at least the TOP-th best lead row of their query can be in its top
        # TOP: ranking just those gives the same top TOP as ranking every row.
        lead = total[self.lead]
        order = np.lexsort((-lead, self.lead_segment))
        segment = self.lead_segment[order]
        floor = np.full(self.n, -np.inf)
        tenth = np.flatnonzero(np.arange(len(order)) - np.searchsorted(segment, segment) == TOP - 1)
        floor[segment[tenth]] = lead[order[tenth]]
        rows = np.flatnonzero(total >= floor[self.segment])
        order = rows[np.lexsort((self.position[rows], -total[rows], self.segment[rows]))]
        segment = self.segment[order]
        rank = np.arange(len(order)) - np.searchsorted(segment, segment)
        return np.bincount(segment[self.hidden[order] & (rank < TOP)], minlength=self.n)


_ASCEND = "related_fit.ascend"
"""The name under which a fit shares its search's ascents on the halves (``graph.workers.Sharing``)."""


def _ascend(queries: _Batch) -> _Choice:
    """Coordinate ascent over GRID per weight, then HUBS; the first best wins ties."""
    # Started from the best of the defaults and each signal alone: on a corpus where one signal
    # wins outright, ascending from the defaults stopped short of it.
    defaults = _Choice.of(DEFAULT_MODEL)
    starts = [defaults] + [_Choice(tuple(float(j == i) for j in range(len(SIGNALS))), DEFAULT_MODEL.hub)
                           for i in range(len(SIGNALS))]
    scored = [(int(queries.found(start).sum()), -i) for i, start in enumerate(starts)]
    best_found, i = max(scored)
    best = starts[-i]
    seen = {start.key() for start in starts}

    def moves():
        for i in range(len(SIGNALS)):
            for w in GRID:
                yield _Choice(best.weights[:i] + (w,) + best.weights[i + 1:], best.hub)
        for h in HUBS:
            yield _Choice(best.weights, h)

    for _ in range(ROUNDS):
        improved = False
        for trial in moves():  # each move starts from the best so far
            if trial.key() in seen:
                continue
            seen.add(trial.key())
            found = int(queries.found(trial).sum())
            if found > best_found:
                best, best_found, improved = trial, found, True
        if not improved:
            break
    return best
