"""Fitting the related combination to a corpus's own links: on graphs where the answer is known."""

import dataclasses
import io
import os
import random

import numpy as np
import pytest

from graph import related_fit, workers

from graph.related import DEFAULT_MODEL, HUB_AWARE_MODEL, SIGNALS, rank
from graph.related_fit import MIN_QUERIES, fit_inputs, fit_model, fit_related
from graph.related_index import IndexedGraph, RelatedModel, read_index, write_index
from graph.textindex import build_text_index
from tests.test_related import nx_graph
from tests.test_workers import _children


def communities(n_groups=8, size=15, within=4, hubs=6, per_hub=6, seed=3):
    """Groups whose members link within their group, plus links from everywhere to hubs.

    Keywords are shared at random, so only the links tell the groups apart; the hubs are what
    an undiscounted walk drifts to.
    """
    rng = random.Random(seed)
    links, keywords = [], {f"k{i}": [] for i in range(4)}
    for g in range(n_groups):
        members = [f"g{g}-{i}" for i in range(size)]
        for u in members:
            links += [(u, v) for v in rng.sample([m for m in members if m != u], within)]
            links += [(u, f"hub{h}") for h in rng.sample(range(hubs), per_hub)]
            keywords[f"k{rng.randrange(4)}"].append(u)
    return nx_graph(links, keywords)


def hub_topics(groups=5, size=40, within=18, hubs=30, per_hub=12, seed=3):
    """Groups whose members link half their group at random, and popular hubs (Zipf) from everywhere.

    Shaped like a link-dense wiki: each member links a dozen of 30 hubs, the first hubs nearly
    every member; within a group nothing tells one unlinked member from another but shared neighbours.
    """
    rng = random.Random(seed)
    links, popularity = [], [1 / (i + 1) for i in range(hubs)]
    for g in range(groups):
        members = [f"g{g}-{i}" for i in range(size)]
        for u in members:
            links += [(u, v) for v in rng.sample([m for m in members if m != u], within)]
            chosen: set[int] = set()
            while len(chosen) < per_hub:
                chosen.add(rng.choices(range(hubs), popularity)[0])
            links += [(u, f"hub{h}") for h in sorted(chosen)]
    return nx_graph(links)


def test_the_fit_learns_from_the_links_and_is_reported():
    G = IndexedGraph.from_graph(communities())
    model = fit_model(G)
    assert model.fitted and model.stats["queries"] >= MIN_QUERIES
    assert model.recall > model.default_recall  # measured on links the fit did not choose with
    assert model.weights["keywords"] < max(model.weights.values())  # random keywords do not help
    assert "held-out recall@10" in model.note and f"{model.recall:.3f}" in model.note
    assert fit_model(G) == model  # seeded: the same graph gives the same model
    assert model.inputs == fit_inputs(G) and model.stats["work"] > 0


def test_the_defaults_stay_unless_the_fit_is_surely_better(one_pass):
    # Hubs few and weak, groups tight: the defaults already find most hidden links, and what the
    # fit finds more on its held-out half is within the noise of the sample.
    G = IndexedGraph.from_graph(communities(within=3, hubs=10, per_hub=5))
    model = fit_model(G)
    assert not model.fitted and model.weights == DEFAULT_MODEL.weights
    assert "not enough better to trust" in model.note and model.recall == model.default_recall


def test_a_hub_dominated_graph_falls_back_on_the_hub_aware_defaults(one_pass, monkeypatch):
    # A fit that learns nothing (it returns the defaults) is never surely better: what remains is
    # the fallback, which used to be the defaults whatever the graph. Here PageRank's walk is
    # spread over hubs and half a group; shared neighbours find more of the sample's hidden links
    # by far (0.31 against 0.24), so the hub-aware defaults are the fallback, and the note says so.
    G = IndexedGraph.from_graph(hub_topics())
    monkeypatch.setattr(related_fit, "_ascend", lambda queries: related_fit._Choice.of(DEFAULT_MODEL))
    model = fit_model(G)
    assert not model.fitted and model.weights == HUB_AWARE_MODEL.weights and model.hub == HUB_AWARE_MODEL.hub
    assert model.note.startswith("hub-aware default weights") and "not enough better to trust" in model.note
    assert model.recall > model.default_recall + 0.05  # the share of hidden links each set of defaults found



def test_the_noise_margin_counts_concepts_not_queries():
    # Ten concepts asked four times each (a small corpus in several passes): the gains of one
    # concept's queries go together, so they are one piece of evidence. Counted as forty
    # independent queries the same gains would pass the margin.
    per_concept = [1, 0, 0, 1, -1, 1, 0, 1, 0, 0]
    gain = np.repeat(np.array(per_concept, dtype=float), 4)
    assert not related_fit._surely_positive(gain, np.repeat(np.arange(10), 4))
    assert related_fit._surely_positive(gain, np.arange(40))


def test_a_rebuild_with_the_same_inputs_may_keep_the_stored_model(one_pass):
    G = IndexedGraph.from_graph(communities())
    model = fit_related(G)
    again = IndexedGraph.from_graph(communities())
    assert fit_inputs(again) == model.inputs
    planted = RelatedModel(DEFAULT_MODEL.weights, 0.15, 0.0, fitted=False, note="kept", inputs=model.inputs)
    assert fit_related(again, previous=planted) is planted  # same inputs: not fitted again
    assert again.model is planted
    changed = IndexedGraph.from_graph(communities(seed=4))
    assert fit_inputs(changed) != model.inputs
    assert fit_related(changed, previous=planted) != planted  # other links: fitted again
    assert fit_inputs(G, seed=1) != fit_inputs(G)  # the seed is an input too


@pytest.fixture
def one_pass(monkeypatch):
    """Each concept asked once: enough where the test is not about how well the fit does."""
    monkeypatch.setattr(related_fit, "PASSES", 1)


def test_the_fitted_model_is_stored_in_the_index_and_used_by_queries(one_pass):
    G = communities()
    view = IndexedGraph.from_graph(G)
    model = fit_related(view)
    G.graph["index_view"] = view  # as the build does: the index file is written from this view
    buf = io.StringIO()
    write_index(G, buf)
    index = read_index(buf.getvalue())
    assert index.model == model
    assert rank(index, "g0-0", 5) == rank(view, "g0-0", 5)
    assert IndexedGraph.from_graph(G).model is None  # a fresh view has no model until a build fits one


def test_too_few_links_fall_back_to_the_defaults_and_say_so():
    G = IndexedGraph.from_graph(nx_graph([("a", "b"), ("a", "c"), ("a", "d"), ("b", "c")]))
    model = fit_model(G)
    assert not model.fitted and model.weights == DEFAULT_MODEL.weights
    assert "too few to learn from" in model.note


def test_the_weight_of_mentions_is_fitted_from_what_hidden_links_would_say(one_pass):
    # An article's mentions never include what it links to: only what a hidden link's words
    # would say as a mention (IndexedGraph.link_mention) lets the fit measure them. Here half
    # the links within groups would be mentions (hubs never), and groups are big enough that
    # the links alone leave most hidden links unfound.
    shape = {"size": 40, "within": 5, "hubs": 10, "per_hub": 4}
    G = communities(**shape)
    rng = random.Random(1)
    G.graph["link_mentions"] = {(u, v): 0.8 for u, v in sorted(G.edges) if v.startswith("g") and rng.random() < 0.5}
    view = IndexedGraph.from_graph(G)
    u, v = next(iter(G.graph["link_mentions"]))
    assert view.link_mention(u, v) == pytest.approx(0.8, abs=1e-4) and view.link_mention(u, "hub0") == 0.0
    told, blind = fit_model(view), fit_model(IndexedGraph.from_graph(communities(**shape)))
    assert told.fitted and told.weights["mentions"] == max(told.weights.values())
    assert told.recall > blind.recall
    assert told.inputs != blind.inputs  # what links would say is an input of the fit


def test_the_weight_of_names_in_code_is_fitted_when_link_anchors_are_code(one_pass):
    # Names in code include what an article links to (its anchor written as code): hiding a
    # link leaves its name in code, so the fit measures the signal on the links it hides.
    shape = {"size": 40, "within": 5, "hubs": 10, "per_hub": 4}
    G = communities(**shape)
    rng = random.Random(1)
    named: dict = {}
    for u, v in sorted(G.edges):
        if v.startswith("g") and rng.random() < 0.5:
            named.setdefault(u, {})[v] = (3, 1.0)
    G.graph["code"] = named
    told, blind = fit_model(IndexedGraph.from_graph(G)), fit_model(IndexedGraph.from_graph(communities(**shape)))
    assert told.fitted and told.weights["code"] == max(told.weights.values())
    assert told.recall > blind.recall and told.inputs != blind.inputs


def test_scoring_a_choice_counts_the_hidden_targets_a_full_ranking_puts_in_the_top_10():
    # _Batch.found ranks only the rows that can reach a top 10, of queries whose rows equal to
    # 10 earlier ones were dropped (_undominated): it must count what ranking every row of every
    # query by score, ties by slug order, counts. Scores from a few values, so that ties and
    # equal rows abound, as a whole section tied at 1 makes them.
    rng = np.random.default_rng(5)
    keys = [*(name for name in SIGNALS if name != "pagerank"), *(("pagerank", hub) for hub in related_fit.HUBS)]
    full, pruned = [], []
    for size in (0, 3, 12, 60, 300):
        columns = {key: rng.choice([0.0, 0.25, 0.5, 1.0], size, p=[0.94, 0.02, 0.02, 0.02]) for key in keys}
        hidden = rng.random(size) < 0.2
        if size == 12:  # one row 12 times: the first 10 in slug order are the top 10 whatever the weights
            columns = {key: np.repeat(column[:1], size) for key, column in columns.items()}
            hidden = np.isin(np.arange(size), [0, 9])
        full.append(related_fit._Query(columns, hidden, int(hidden.sum()), 0))
        keep = related_fit._undominated(np.stack(list(columns.values()), axis=1))
        pruned.append(related_fit._Query({k: c[keep] for k, c in columns.items()}, hidden[keep], int(hidden.sum()), 0))
    assert sum(len(q.hidden) for q in pruned) < 0.7 * sum(len(q.hidden) for q in full)

    def found(query, choice):
        total = [0.0] * len(query.hidden)
        for name, w in zip(SIGNALS, choice.weights):
            column = query.columns[("pagerank", choice.hub) if name == "pagerank" else name]
            total = [t + w * c for t, c in zip(total, column)] if w else total
        top = sorted(range(len(total)), key=lambda i: (-total[i], i))[:10]
        return sum(bool(query.hidden[i]) for i in top)

    choices = [related_fit._Choice.of(DEFAULT_MODEL), related_fit._Choice.of(HUB_AWARE_MODEL)]
    choices += [related_fit._Choice(tuple(rng.choice(related_fit.GRID, len(SIGNALS))), float(rng.choice(related_fit.HUBS)))
                for _ in range(30)]
    for choice in choices:
        expected = [found(q, choice) for q in full]
        assert related_fit._Batch(full).found(choice).tolist() == expected
        assert related_fit._Batch(pruned).found(choice).tolist() == expected


def test_a_spent_budget_draws_no_further_pass(monkeypatch):
    # Once the budget is spent no batch is drawn, so later passes must not shuffle the sources
    # (the generator is never read again): the model is the one a single pass fits.
    G = IndexedGraph.from_graph(communities())
    monkeypatch.setattr(related_fit, "MIN_WORK", 1)
    monkeypatch.setattr(related_fit, "WORK_PER_ARTICLE", 1)
    drawn = []
    sample = random.Random.sample
    monkeypatch.setattr(random.Random, "sample", lambda self, population, k: drawn.append(k) or sample(self, population, k))
    model = fit_model(G)
    assert model.stats["queries"] == related_fit.BATCH  # one batch spent the budget
    assert all(k < len(G) // 2 for k in drawn)  # links hidden; never a pass's shuffle of every source
    monkeypatch.setattr(related_fit, "PASSES", 1)
    assert dataclasses.replace(fit_model(G), inputs=model.inputs) == model  # PASSES is digested in the inputs


def test_two_batches_joined_are_the_batch_of_their_queries():
    # fit_model scores the whole sample as its two halves joined (_Batch.joined), not sorted
    # again: every array, and so every choice's count, must be the batch of all the queries.
    rng = np.random.default_rng(7)
    keys = [*(name for name in SIGNALS if name != "pagerank"), *(("pagerank", hub) for hub in related_fit.HUBS)]

    def query(size):
        columns = {key: rng.choice([0.0, 0.25, 0.5, 1.0], size, p=[0.7, 0.1, 0.1, 0.1]) for key in keys}
        hidden = rng.random(size) < 0.3
        return related_fit._Query(columns, hidden, int(hidden.sum()), 0)

    first, second = [query(size) for size in (0, 30, 5, 14)], [query(size) for size in (12, 0, 40)]
    for a, b in ((first, second), (second, first), ([], second), (first, [])):
        joined, whole = related_fit._Batch.joined(related_fit._Batch(a), related_fit._Batch(b)), related_fit._Batch(a + b)
        for name in ("segment", "position", "hidden", "lead", "lead_segment"):
            assert np.array_equal(getattr(joined, name), getattr(whole, name)), name
        assert joined.n == whole.n and joined.columns.keys() == whole.columns.keys()
        assert all(np.array_equal(joined.columns[k], whole.columns[k]) for k in keys)
        for choice in (related_fit._Choice.of(DEFAULT_MODEL), related_fit._Choice.of(HUB_AWARE_MODEL)):
            assert np.array_equal(joined.found(choice), whole.found(choice))


def test_the_inputs_digest_with_kept_field_texts_is_the_digest_without():
    # Under a memo the text of the largest fields digested is kept while the field is the same
    # object (an unchanged index part): the digest must be what digesting afresh gives, when
    # those fields are kept, when only other fields changed, and when they changed too.
    kept: dict = {}
    G = IndexedGraph.from_graph(communities())
    assert fit_inputs(G, kept=kept) == fit_inputs(G) and kept["keys"][0] is G.data["keys"]
    relinked = IndexedGraph({**G.data, "links": IndexedGraph.from_graph(communities(seed=4)).data["links"]})
    assert relinked.data["keys"] is G.data["keys"]  # kept: only the links differ
    assert fit_inputs(relinked, kept=kept) == fit_inputs(relinked) != fit_inputs(G)
    other = IndexedGraph.from_graph(communities(n_groups=6))  # other nodes: other keys and text
    assert fit_inputs(other, kept=kept) == fit_inputs(other) != fit_inputs(G)
    assert fit_inputs(G, kept=kept) == fit_inputs(G)


def test_a_memo_gives_the_last_search_again_while_the_sampled_queries_are_the_same(one_pass, monkeypatch):
    # Under --watch the search (cross-validation, coordinate ascent) is a function of the sampled
    # queries alone: kept while they are the same, done again, as a cold fit would, when not.
    G = IndexedGraph.from_graph(communities())
    kept: dict = {}
    first = fit_model(G, kept=kept)
    assert first == fit_model(G)
    searched = []
    search = related_fit._search
    monkeypatch.setattr(related_fit, "_search", lambda *args: searched.append(args) or search(*args))
    assert fit_model(G, inputs="another digest", kept=kept) == dataclasses.replace(first, inputs="another digest")
    assert not searched
    relinked = IndexedGraph.from_graph(communities(seed=4))
    assert fit_model(relinked, kept=kept) == fit_model(relinked) != first
    assert len(searched) == 2  # the memo's and the cold fit's


@pytest.mark.parametrize("n", [0, 1, 7, 1000])
def test_a_memo_s_shuffle_is_random_s_own_and_leaves_the_generator_as_it_would(n):
    sources = [f"s{i}" for i in range(n)]
    kept: dict = {}
    for seed, more in ((0, 0), (0, 0), (1, 0), (0, 1), (0, 0)):  # kept, kept again, another seed, another length
        given = sources + [f"x{i}" for i in range(more)]
        expected, rng = list(given), random.Random(seed)
        rng.shuffle(expected)
        memo_rng = random.Random(seed)
        assert related_fit._shuffled(given, memo_rng, kept) == expected
        assert memo_rng.getstate() == rng.getstate()
        assert related_fit._shuffled(given, random.Random(seed), None) == expected


class _Corpus:
    """A graph shaped like a build's, edited at random: links added, removed and put in another
    order (new nodes among them, inserted in slug order so that the ids after them move, and nodes
    gone), keywords, texts, mentions and what links would say as mentions. Groups are folders
    (sections; group 0 has an index page) and link only within themselves, so that PageRank
    reaches one group and an edit leaves the queries of the others."""

    def __init__(self, seed: int, groups: int = 5, size: int = 10) -> None:
        self.rng = rng = random.Random(seed)
        self.members = [[f"g{g}/{i:02d}" for i in range(size)] for g in range(groups)]
        self.members[0].append("g0")
        self.links = [(u, v) for group in self.members for u in group for v in rng.sample(group, 5) if u != v]
        self.keywords = {f"k{k}": set(rng.sample(sum(self.members, []), 10)) for k in range(5)}
        self.words = [f"w{i}" for i in range(40)]
        self.texts = {u: " ".join(rng.sample(self.words, 6)) for group in self.members for u in group}
        self.mentions: dict[str, dict[str, tuple[int, float]]] = {}
        self.said: dict[tuple[str, str], float] = {}
        self.inserted, self.reordered = 0, False

    def graph(self):
        G = nx_graph(self.links, {k: sorted(m) for k, m in self.keywords.items()})  # each row in the order of links
        G.graph["text_index"] = build_text_index([self.texts.get(n, "") for n in G])
        G.graph["mentions"] = {u: dict(m) for u, m in self.mentions.items() if u in G and all(v in G for v in m)}
        G.graph["link_mentions"] = {pair: c for pair, c in self.said.items() if pair in self.links}
        return G

    def edit(self, step: int) -> None:
        rng, group = self.rng, self.rng.choice(self.members)
        u, v = rng.sample(group, 2)
        out = [link for link in self.links if link[0] == u]
        kind = rng.choice(["link", "unlink", "order", "new", "elsewhere", "keyword", "text", "mention", "said"])
        if kind == "link" and (u, v) not in self.links:
            self.links.append((u, v))
        elif kind == "unlink" and out:  # a new node's last link gone: the node is gone
            self.links.remove(rng.choice(out))
        elif kind == "order" and len(out) > 1:  # the same links, listed in another order
            self.reordered = True
            self.links = [link for link in self.links if link[0] != u] + rng.sample(out, len(out))
        elif kind == "new":  # sorts among the group's: every id after it moves
            self.links.append((u, f"{u}-new{step}"))
            self.inserted += 1
        elif kind == "elsewhere":  # in the group's section, linked from another group only
            self.links.append((rng.choice(rng.choice(self.members)), f"{u}-new{step}"))
            self.inserted += 1
        elif kind == "keyword":
            self.keywords[rng.choice(sorted(self.keywords))] ^= {u}
        elif kind == "text":
            self.texts[u] = " ".join(rng.sample(self.words, 6))
        elif kind == "mention":
            self.mentions.setdefault(u, {})[v] = (rng.randrange(1, 9), rng.choice([0.5, 0.75]))
        elif out:
            self.said[rng.choice(out)] = rng.choice([0.5, 0.8])


def _scored(monkeypatch) -> list:
    """The sampled queries of each fit from now on (``_queries_digest``'s arguments), one list per fit."""
    fits: list = []
    digest = related_fit._queries_digest
    monkeypatch.setattr(related_fit, "_queries_digest", lambda folds, asked: fits.append((folds, asked))
                        or digest(folds, asked))
    return fits


def _same_queries(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        p.columns.keys() == q.columns.keys() and all(np.array_equal(p.columns[k], q.columns[k]) for k in p.columns)
        and np.array_equal(p.hidden, q.hidden) and (p.n_hidden, p.work) == (q.n_hidden, q.work) for p, q in zip(a, b))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_memo_gives_each_query_again_only_while_it_is_the_one_scoring_it_would_make(seed, monkeypatch):
    # Under --watch each sampled query whose reads did not change is given again (_Asked): after
    # every random edit, the memo's fit must have every query (columns, hidden rows, counts) and
    # the model of a fit without a memo, through new nodes that renumber the ids and nodes gone,
    # on views made as the build makes them (unchanged index parts given again) and afresh.
    monkeypatch.setattr(related_fit, "PASSES", 2)
    monkeypatch.setattr(related_fit, "BATCH", 16)  # several batches, each with its own hidden links
    corpus, kept, parts, last = _Corpus(seed), {}, {}, None
    fits = _scored(monkeypatch)
    given = made = 0
    for step in range(30):
        if step:
            corpus.reordered = False
            corpus.edit(step)
        G = corpus.graph()
        if corpus.reordered:  # a build's rows are sorted: index parts compare them as sets, so start again
            parts, last = {}, None
        view = IndexedGraph.from_graph(G, parts=parts, last=last) if step % 3 else IndexedGraph.from_graph(G)
        last = view
        model = fit_model(view, kept=kept)
        assert model == fit_model(IndexedGraph.from_graph(corpus.graph())), step
        (memo_folds, memo_asked), (folds, asked) = fits[-2:]
        assert memo_asked == asked
        assert all(_same_queries(a, b) for a, b in zip(memo_folds, folds)), step
        given += kept["queries"]["given"]
        made += sum(map(len, folds)) - kept["queries"]["given"]
    assert corpus.inserted >= 3
    assert given > made > 0  # both ways were taken, often


@pytest.mark.parametrize("seed", [3, 4])
def test_the_rows_changed_are_those_a_row_by_row_comparison_finds(seed):
    # _changed_rows compares runs of rows as slices of the whole arrays: it must find exactly the
    # nodes gone or with a row (links, links in, keywords, members) that holds other nodes or the
    # same in another order, compared by name, through ids that new nodes move.
    corpus = _Corpus(seed)
    old = IndexedGraph.from_graph(corpus.graph())
    changed = 0
    for step in range(1, 40):
        corpus.edit(step)
        new = IndexedGraph.from_graph(corpus.graph())
        keys, old_keys = new.data["keys"], old.data["keys"]
        remap = None if keys == old_keys else np.array([keys.index(k) if k in new else -1 for k in old_keys])
        found = related_fit._changed_rows(old, new, remap)
        rows = {name: getattr(IndexedGraph, {"links": "links_out"}.get(name, name)) for name in related_fit._ADJACENCIES}
        expected = [k not in new or any(row(old, k) != row(new, k) for row in rows.values()) for k in old_keys]
        assert found.tolist() == expected, step
        changed += sum(expected)
        old = new
    assert 0 < changed < 40 * 5  # a few nodes per edit, not every one


def test_a_memo_gives_a_walk_again_while_the_degrees_it_read_keep_their_limits_above_its_residuals(monkeypatch):
    # One concept of group 0 links a hub of 200 far nodes, each linked from k nodes further off.
    # Its walk reaches the far nodes without queueing them (a small share each, below its limit:
    # epsilon x the node's degree) while k is large: their degrees are all it reads of them. As k
    # falls the walk is given again until the limits of the far nodes fall to their residuals,
    # where it queues them and must be walked again (k = 3).
    monkeypatch.setattr(related_fit, "PASSES", 2)
    monkeypatch.setattr(related_fit, "BATCH", 16)
    corpus, kept = _Corpus(1), {}
    far = [f"far/{j:03d}" for j in range(200)]
    links = corpus.links + [(corpus.members[0][0], "hub")] + [(f, "hub") for f in far]
    fits = _scored(monkeypatch)
    given = []
    for k in (12, 8, 5, 3, 2):
        corpus.links = links + [(f"{f}/{m:02d}", f) for f in far for m in range(k)]
        view = IndexedGraph.from_graph(corpus.graph())
        assert fit_model(view, kept=kept) == fit_model(IndexedGraph.from_graph(corpus.graph())), k
        (memo_folds, memo_asked), (folds, asked) = fits[-2:]
        assert memo_asked == asked and all(_same_queries(a, b) for a, b in zip(memo_folds, folds)), k
        given.append(kept["queries"]["given"])
    everything = sum(map(len, folds))
    assert given[0] == 0 and given[1] == given[2] == everything  # nothing but the far nodes' degrees changed
    assert given[3] < everything  # the walk that now queues the far nodes is walked again


def test_degrees_without_hidden_links_are_those_of_the_graph_without_them():
    # _Asked compares a walk's residuals with the limits of the degrees on the graph without the
    # batch's hidden links, found from the whole graph's degrees and the hidden links.
    G = IndexedGraph.from_graph(_Corpus(5).graph())
    rng = random.Random(5)
    degrees = G.degrees("links") + G.degrees("links_in")
    for _ in range(20):
        hidden = {u: set(rng.sample(G.links_out(u), rng.randint(1, len(G.links_out(u)))))
                  for u in rng.sample([u for u in G if G.links_out(u)], 8)}
        pairs = {(u, v) for u, targets in hidden.items() for v in targets}
        found = related_fit._degrees_without(G, degrees, pairs)
        assert found.tolist() == G.without_links(hidden).link_degrees()


def _shared(monkeypatch) -> list:
    """Share every batch's queries with a forked process (``Sharing``) at any size and memory;
    returns, per map, its name and whether a worker took part."""
    monkeypatch.setattr(related_fit, "MIN_SHARED", 2)
    monkeypatch.setattr(workers, "SHARE_MEMORY_BUDGET", 1 << 50)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # as on an idle machine
    forked: list = []
    shared = workers.Sharing.map
    monkeypatch.setattr(workers.Sharing, "map", lambda self, name, items: forked.append((name, self.forked))
                        or shared(self, name, items))
    return forked


@pytest.mark.parametrize("seed", [5, 6])
def test_queries_scored_by_forked_processes_are_the_one_process_s(seed, monkeypatch):
    # jobs > 1: each batch's queries are shared with a forked process and taken back in order,
    # and the search's ascents too. Every fit, cold or under a memo through random edits, must ask
    # the same queries (columns, hidden rows, counts), keep the same in its memo and choose the
    # model of one process.
    monkeypatch.setattr(related_fit, "PASSES", 2)
    monkeypatch.setattr(related_fit, "BATCH", 16)
    forked = _shared(monkeypatch)
    fits = _scored(monkeypatch)
    corpus, kept, before = _Corpus(seed), {}, _children()
    for step in range(12):
        if step:
            corpus.edit(step)
        alone = fit_model(IndexedGraph.from_graph(corpus.graph()))
        assert fit_model(IndexedGraph.from_graph(corpus.graph()), jobs=2) == alone, step
        assert fit_model(IndexedGraph.from_graph(corpus.graph()), kept=kept, jobs=2) == alone, step
        (one, one_asked), (two, two_asked), (memo, memo_asked) = fits[-3:]
        assert one_asked == two_asked == memo_asked
        assert all(_same_queries(a, b) and _same_queries(a, c) for a, b, c in zip(one, two, memo)), step
    assert {name for name, pool in forked if pool} == {related_fit._SCORE, related_fit._ASCEND}
    assert _children() == before  # every worker ended with its fit


def test_a_fit_shared_with_a_forked_process_chooses_the_one_process_s_weights(monkeypatch):
    # Where the fit beats the defaults: the halves' ascents, shared, decide it and the recall reported.
    forked = _shared(monkeypatch)
    G = IndexedGraph.from_graph(communities())
    model = fit_model(G)
    assert model.fitted
    assert fit_model(G, jobs=2) == model
    assert {name for name, pool in forked if pool} == {related_fit._SCORE, related_fit._ASCEND}
