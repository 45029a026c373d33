"""Each related signal on small hand-built graphs with known answers; the combination; lookup."""

import io
import math

import networkx as nx
import pytest

from graph.model import Article
from graph.related import (SIGNALS, UnknownTerm, co_citation, common_neighbours, coupling, direct_links, find,
                           personalized_pagerank, rank, related, same_section, shared_keywords, text_similarity)
from graph.errors import GraphFolderError
from graph import related_index
from graph.related_index import (INDEX_VERSION, IndexedGraph, attach_text_index, index_data, index_view, read_index,
                                 write_index)
from graph.pipeline import _Carried
from graph.textindex import term_counts
from tests.conftest import written_file


def graph(links=(), keywords=None, missing=(), labels=None, descriptions=None, articles=None):
    """The index of a DiGraph shaped like graph.build's (articles, missing targets, keywords), its
    text indexed when ``articles`` (with bodies) are given."""
    return IndexedGraph.from_graph(nx_graph(links, keywords, missing, labels, descriptions, articles))


def nx_graph(links=(), keywords=None, missing=(), labels=None, descriptions=None, articles=None):
    """A DiGraph shaped like graph.build's."""
    keywords = keywords or {}
    labels = labels or {}
    G = nx.DiGraph(label_order=("ar", "en"), default_lang=None)
    concepts = sorted({n for pair in links for n in pair} | {n for ms in keywords.values() for n in ms}
                      | set(labels))
    for n in concepts:
        G.add_node(n, kind="missing" if n in missing else "article", slug=n,
                   labels=labels.get(n, {"en": n.title()}), descriptions={}, sources=(), aliases=(), keywords=())
    for k, members in sorted(keywords.items()):
        G.add_node(f"/keyword:{k}", kind="keyword", slug=k, labels={None: k}, descriptions={}, sources=(),
                   aliases=(), keywords=())
        for m in members:
            G.add_edge(m, f"/keyword:{k}", kind="has_keyword", weight=1, anchors=())
    for u, v in links:
        G.add_edge(u, v, kind="links_to", weight=1, anchors=())
    for n, text in (descriptions or {}).items():
        G.nodes[n]["descriptions"] = text
    if articles is not None:
        attach_text_index(G, articles)
    return G


def test_direct_links_count_each_direction():
    G = graph([("a", "b"), ("c", "a"), ("a", "d"), ("d", "a"), ("b", "c")])
    assert direct_links(G, "a") == {"b": 1.0, "c": 1.0, "d": 2.0}


def test_co_citation_discounts_sources_with_many_links():
    G = graph([("s1", "a"), ("s1", "b"), ("s2", "a"), ("s2", "b"), ("s2", "c")])
    scores = co_citation(G, "a")
    assert scores == pytest.approx({"b": 1 / math.log(2) + 1 / math.log(3), "c": 1 / math.log(3)})


def test_coupling_discounts_popular_targets():
    G = graph([("a", "t1"), ("a", "t2"), ("b", "t1"), ("b", "t2"), ("c", "t1")])
    assert coupling(G, "a") == pytest.approx({"b": 1 / math.log(3) + 1 / math.log(2), "c": 1 / math.log(3)})


def test_rare_keywords_weigh_more_and_keywords_are_never_results():
    G = graph(keywords={"rare": ["a", "b"], "common": ["a", "c", "d", "e"]})
    scores = shared_keywords(G, "a")
    assert scores == pytest.approx({"b": 1 / math.log(3), "c": 1 / math.log(5), "d": 1 / math.log(5),
                                    "e": 1 / math.log(5)})
    assert [r.slug for r in rank(G, "a", 10, {"keywords": 1.0})][0] == "b"
    assert all(not r.slug.startswith("/keyword:") for r in rank(G, "a", 10))


def test_common_neighbours_count_links_either_way_and_discount_busy_ones():
    G = graph([("a", "z"), ("z", "b"), ("c", "a"), ("c", "b"), ("c", "d")])
    assert common_neighbours(G, "a") == pytest.approx({"b": 1 / math.log(2) + 1 / math.log(3), "d": 1 / math.log(3)})


def test_hub_discount_divides_pagerank_by_links():
    G = graph([("a", "b"), ("a", "hub"), *((f"x{i}", "hub") for i in range(8))])
    plain, discounted = personalized_pagerank(G, "a"), personalized_pagerank(G, "a", hub=1.0)
    assert plain["hub"] > plain["b"] and discounted["b"] > discounted["hub"]
    assert discounted["hub"] == pytest.approx(plain["hub"] / 9)


def test_pagerank_prefers_near_concepts_and_ignores_unreachable_ones():
    G = graph([("a", "b"), ("b", "c"), ("c", "d"), ("x", "y")])
    scores = personalized_pagerank(G, "a")
    assert scores["b"] > scores["c"] > scores["d"] > 0
    assert "x" not in scores and "a" not in scores


def test_same_section_is_the_folder_and_its_index_page():
    G = graph(labels={n: {"en": n} for n in ("functions", "functions/strings", "functions/strings/len",
                                              "functions/strings/trim", "functions/math/add", "about")})
    assert same_section(G, "functions/strings/len") == {"functions/strings": 1.0, "functions/strings/trim": 1.0}
    assert same_section(G, "about") == {}  # flat slugs (a glossary) have no sections
    assert "same section: functions/strings" in rank(G, "functions/strings/len", 1)[0].reasons


class _CountingList(list):
    """A list that counts how often it is walked through."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_same_section_looks_members_up_instead_of_scanning_every_node():
    slugs = [f"docs/s{i}/p{j}" for i in range(30) for j in range(5)] + [f"docs/s{i}" for i in range(30)]
    G = graph(labels={n: {"en": n} for n in slugs})
    G._keys = _CountingList(G._keys)  # every walk over the nodes goes through this list
    _CountingList.walks = 0
    answers = {u: same_section(G, u) for u in slugs}
    assert _CountingList.walks <= 1  # one pass builds the lookup; scanning per query made it O(N²)
    assert answers["docs/s3/p0"] == {"docs/s3": 1.0, **{f"docs/s3/p{j}": 1.0 for j in range(1, 5)}}
    assert set(answers["docs/s3"]) == {f"docs/s{i}" for i in range(30) if i != 3}


def test_index_parts_kept_across_builds_are_what_a_fresh_index_makes():
    """``index_data``'s parts (``--watch``) after each kind of change are what a call without them
    gives, and each is the last one itself while nothing it is made of changed."""
    links = [("a", "b"), ("b", "c"), ("c", "a")]
    base = {"links": links, "keywords": {"k": ["a"]}}
    steps = [base, base, {**base, "labels": {"b": {"en": "Bee"}}}, {**base, "links": links + [("a", "c")]},
             {**base, "links": links + [("a", "aa")]},  # a node that moves the ids of the nodes after it
             {**base, "keywords": {"k": ["a", "b"]}}, {**base, "missing": ("c",)}, {**base, "missing": ("c",)}]
    parts: dict = {}
    for i, step in enumerate(steps):
        G = nx_graph(**step)
        G.graph["mentions"] = {"a": {"c": (2, 0.5)}} if i == 7 else {"b": {"a": (1, 0.25)}}
        G.graph["link_mentions"] = {("a", "b"): 0.75} if i >= 2 else {}
        last = dict(parts)
        assert index_data(G, parts=parts) == index_data(G), f"step {i}"
        if i == 1:
            assert all(parts[name] is last[name] for name in parts)  # nothing changed: nothing made again
        if i == 7:
            assert parts["nodes"] is last["nodes"] and parts["mentions"] is not last["mentions"]


def _sharing(G: nx.DiGraph, last: nx.DiGraph | None) -> nx.DiGraph:
    """``G`` holding the last graph's attribute dicts and adjacency rows where they are equal, as
    ``graph.build.GraphMemo`` shares them: what ``index_data`` carries over is found by identity."""
    if last is not None:
        for n in G:
            if n in last:
                if G._node[n] == last._node[n]:
                    G._node[n] = last._node[n]
                for adj, old in ((G._succ, last._succ), (G._pred, last._pred)):
                    if list(adj[n].items()) == list(old[n].items()):
                        adj[n] = old[n]
    return G


def test_index_parts_carried_over_when_ids_move_are_what_a_fresh_index_makes(monkeypatch):
    """A part whose inputs changed is made from the last one, its rows moved to the ids their
    nodes have now; after nodes inserted, removed, renamed and reordered, it equals a fresh call."""
    carried = []
    monkeypatch.setattr(related_index._Shift, "carried", lambda self, *a, **k: carried.append(
        int(a[0].sum())) or _CARRIED(self, *a, **k))
    links = [("b", "d"), ("d", "f"), ("f", "b"), ("b", "f"), ("h", "b")]
    base = {"links": links, "keywords": {"k": ["b", "f"], "z": ["d"]},
            "labels": {"f": {"en": "Eff (F)", "ar": "ف"}, "h": {"en": "Aitch", None: "h"}}}
    steps = [base,
             {**base, "links": links + [("d", "c")], "missing": ("c",)},  # a new node moves the ids after it
             {**base, "links": links + [("d", "c"), ("a", "b")], "missing": ("c",)},  # and one before them all
             {**base, "links": links + [("a", "b")]},  # a node gone
             {**base, "links": [("b", "d"), ("d", "f"), ("f", "b"), ("a", "b")]},  # and one with its own links
             {**base, "links": [("b", "d"), ("d", "f"), ("f", "b"), ("a", "b")], "labels": {"f": {"ar": "ف"}}},
             {**base, "links": [("b", "d"), ("d", "f"), ("f", "b"), ("a", "b"), ("aa", "b")],
              "keywords": {"k": ["aa", "f"], "y": ["d"]}, "missing": ("aa",)},
             {**base, "labels": {"f": {"en": "Eff"}}}]  # the last title in Arabic gone
    said = [{"b": {"d": (1, 0.5), "f": (2, 0.25)}, "d": {"b": (1, 0.75)}},
            {"b": {"d": (1, 0.5), "f": (2, 0.25)}, "d": {"b": (1, 0.75), "c": (3, 0.5)}},
            {"b": {"d": (1, 0.5), "f": (2, 0.25)}, "d": {"b": (1, 0.75), "c": (3, 0.5)}, "a": {"d": (1, 1.0)}},
            {"b": {"d": (1, 0.5), "f": (2, 0.25)}, "d": {"b": (1, 0.75)}, "a": {"d": (1, 1.0)}},
            {"b": {"d": (1, 0.5), "f": (2, 0.5)}, "d": {"b": (1, 0.75)}, "a": {"d": (1, 1.0)}},
            {"b": {"d": (1, 0.5), "f": (2, 0.5)}, "d": {"b": (1, 0.75)}, "a": {"d": (1, 1.0)}},
            {"b": {"d": (1, 0.5), "aa": (2, 0.5)}, "d": {"b": (1, 0.75)}}, {}]
    anchors = [{("b", "d"): 0.5, ("h", "b"): 0.25, ("f", "b"): 0.75},
               {("b", "d"): 0.5, ("h", "b"): 0.25, ("f", "b"): 0.75, ("d", "c"): 1.0},
               {("b", "d"): 0.5, ("h", "b"): 0.25, ("f", "b"): 0.75, ("d", "c"): 1.0, ("a", "b"): 0.5},
               {("b", "d"): 0.5, ("h", "b"): 0.25, ("f", "b"): 0.75, ("a", "b"): 0.5, ("x", "b"): 1.0},
               {("b", "d"): 0.5, ("f", "b"): 0.75, ("a", "b"): 0.25},
               {("b", "d"): 0.5, ("f", "b"): 0.75, ("a", "b"): 0.25},
               {("b", "d"): 0.5, ("f", "b"): 0.75, ("aa", "b"): 0.25}, {}]
    parts: dict = {}
    last = None
    for i, (step, mentions, link_mentions) in enumerate(zip(steps, said, anchors)):
        G = last = _sharing(nx_graph(**step), last)
        G.graph["mentions"], G.graph["link_mentions"] = mentions, link_mentions
        G.graph["code"] = {slug: row for slug, row in mentions.items() if slug != "d"}  # the same rows for names in code
        carried.clear()
        assert index_data(G, parts=parts) == index_data(G), f"step {i}"
        if i:
            # the successor and predecessor rows, the mentions, the names in code: each made from the last, rows carried over
            assert len(carried) == 4 and min(carried) > 0, f"step {i}"



def test_nodes_with_equal_attributes_made_anew_are_carried_over_when_ids_move(monkeypatch):
    """A missing target's attribute dict is made anew by every build: where the ids move, the
    nodes part carries over each node whose attributes equal the last build's (the names it gives
    looked up again only for the others), and equals a fresh call, labels listed in either order."""
    looked_up = []
    contribution = related_index._contribution
    monkeypatch.setattr(related_index, "_contribution", lambda n, d, keys: looked_up.append(n) or contribution(n, d, keys))
    links = [("b", "d"), ("d", "m"), ("f", "m"), ("h", "b")]
    labels = {"f": {"ar": "ف", "en": "Eff"}, "m": {"en": "Em"}}
    steps = [({"links": links, "missing": ("m",), "labels": labels}, None),
             ({"links": links + [("d", "c")], "missing": ("m", "c"), "labels": labels}, {"c"}),  # ids move
             ({"links": links, "missing": ("m",), "labels": {**labels, "f": {"en": "Eff", "ar": "ف"}}}, set()),
             ({"links": links + [("a", "b")], "missing": ("m", "a"), "labels": {**labels, "m": {"en": "Emm"}}},
              {"a", "m"}),  # a label changed: looked up again
             ({"links": links + [("a", "b")], "missing": ("m",), "labels": labels}, {"a", "m"})]  # "a" now an article
    parts: dict = {}
    for i, (step, again) in enumerate(steps):
        G = nx_graph(**step)  # every attribute dict new
        looked_up.clear()
        kept = index_data(G, parts=parts)
        if again is not None:
            assert set(looked_up) == again, f"step {i}"
        assert kept == index_data(G), f"step {i}"


@pytest.mark.parametrize("seed", range(20))
def test_names_sorted_from_the_last_list_are_sorted_afresh(seed):
    import random

    rng = random.Random(seed)
    words = [f"{rng.choice('abكx')}{rng.randrange(50)}" for _ in range(200)]
    last = dict.fromkeys(rng.sample(words, 80), "n")
    found = {w: "m" for w in last if rng.random() < 0.9} | dict.fromkeys(rng.sample(words, rng.choice((0, 1, 3, 9))), "m")
    last_sorted = sorted(last)
    assert related_index._sorted_names(found, last, last_sorted) == sorted(found)
    assert last_sorted == sorted(last)  # the last list is not changed in place
    assert related_index._sorted_names(dict(last), last, last_sorted) is last_sorted


def test_with_the_same_nodes_mention_rows_and_a_view_are_made_from_the_last_and_equal_fresh_ones():
    """With the same nodes, a mention row that is the last one's own object is kept without
    comparing it, and a view made with ``last`` decodes only the fields that are new objects:
    each equals what a fresh call makes."""
    links = [("b", "d"), ("d", "f"), ("f", "b"), ("h", "b")]
    b, d = {"d": (1, 0.5), "f": (2, 0.25)}, {"b": (1, 0.75)}
    steps = [(links, {"b": b, "d": d}, {("b", "d"): 0.5}),
             (links, {"b": b, "d": {"b": (2, 0.75)}}, {("b", "d"): 0.5}),  # one row another object, other values
             (links, {"b": b, "d": {"b": (2, 0.75)}, "h": {"d": (1, 1.0)}}, {("b", "d"): 0.5}),  # a row more
             (links, {"b": dict(b), "d": {"b": (2, 0.75)}}, {("b", "d"): 0.25}),  # another object, equal; one gone
             (links + [("d", "h")], {"b": b}, {("b", "d"): 0.25, ("d", "h"): 1.0}),  # a link more
             (links + [("d", "h"), ("x", "b")], {"b": b}, {("b", "d"): 0.25}),  # a node more: other ids, texts
             (links + [("d", "h"), ("x", "b")], {"b": b}, {("b", "d"): 0.25}),  # rows copied (below)
             (links + [("d", "h"), ("x", "b"), ("h", "d")], {"b": b}, {("b", "d"): 0.25})]  # copied, and a link more
    parts: dict = {}
    last = view = None
    for i, (edges, said, anchors) in enumerate(steps):
        G = last = _sharing(nx_graph(edges), last)
        if i >= 6:  # rows equal but not the same objects, as the graph memo mends a copy of an in-row
            for adjacency in (G._succ, G._pred):
                for n in adjacency:
                    adjacency[n] = dict(adjacency[n])
        G.graph["mentions"], G.graph["link_mentions"] = said, anchors
        data = index_data(G, parts=parts)
        assert data == index_data(G), f"step {i}"
        view, before = IndexedGraph(data, view), view
        fresh = IndexedGraph(index_data(G))
        assert view._adjacency == fresh._adjacency and view._mentions == fresh._mentions, f"step {i}"
        assert view._link_mentions == fresh._link_mentions and view._text == fresh._text, f"step {i}"
        assert list(view.names.items()) == list(fresh.names.items()) and view._id == fresh._id, f"step {i}"
        if before is not None and i != 5:
            assert view._text is before._text and view._id is before._id, f"step {i}"  # the same objects: kept
            assert (view._adjacency["links"][1] is before._adjacency["links"][1]) == (i < 4 or i == 6), f"step {i}"

_CARRIED = related_index._Shift.carried


def test_node_texts_kept_across_builds_give_the_text_index_of_a_fresh_call(monkeypatch):
    """``attach_text_index``'s ``texts`` (``--watch``) makes again only the texts of nodes whose
    attributes or bodies are not the last build's, and the index equals one made without it."""
    made = []
    node_text = related_index.node_text
    monkeypatch.setattr(related_index, "node_text", lambda G, n, *a: made.append(n) or node_text(G, n, *a))
    links = [("b", "d"), ("d", "f")]
    bodies = {"b": "Bonds pay coupons.", "d": "Debt and bonds.", "f": "Funds hold debt."}
    dee = {"d": {"en": "Dee"}}
    steps = [(links, None, bodies), (links, None, bodies),
             (links, dee, bodies),  # a title
             (links, dee, {**bodies, "f": "Funds hold bonds."}),  # a body
             ([*links, ("c", "b")], dee, {**bodies, "f": "Funds hold bonds.", "c": "Coupons of debt."}),  # an article
             ([*links, ("c", "b")], dee, {**bodies, "f": "Funds hold bonds.", "c": "Coupons of debt."})]
    texts: dict = {}
    last = None
    for i, (edges, labels, own) in enumerate(steps):
        articles = [Article(f"{slug}.md", slug, "en", "", slug.title(), "", (), (), (), body=body)
                    for slug, body in sorted(own.items())]
        G = last = _sharing(nx_graph(edges, labels=labels), last)
        if i == 5:  # as many files as make each body's indexed part shorter
            monkeypatch.setattr(related_index, "body_chars", lambda files: 5)
        made.clear()
        attach_text_index(G, articles, texts=texts)
        assert made == {1: [], 2: ["d"], 3: ["f"], 4: ["c"]}.get(i, list(G)), f"step {i}"
        fresh = nx_graph(edges, labels=labels)
        attach_text_index(fresh, articles)
        assert G.graph["text_index"] == fresh.graph["text_index"], f"step {i}"
        assert list(texts) == list(G), f"step {i}"



def test_node_texts_under_a_memo_look_only_at_changed_nodes_and_give_the_text_index_of_a_fresh_call(monkeypatch):
    """With ``kept`` (--watch), while the nodes and the articles' paths are the last build's, only
    the nodes whose attribute dicts are not the same objects, or one of whose articles is not,
    are looked at; the index (and the text-counts memo) equal what a fresh call makes."""
    made = []
    node_text = related_index.node_text
    monkeypatch.setattr(related_index, "node_text", lambda G, n, *a: made.append(n) or node_text(G, n, *a))
    records: dict = {}

    def article(path: str, slug: str, body: str) -> Article:  # one record while unchanged, as a watch keeps them
        return records.setdefault((path, slug, body), Article(path, slug, "en", "", slug.title(), "", (), (), (),
                                                              body=body))

    links = [("b", "d"), ("d", "f"), ("f", "b")]
    files = {"b.md": ("b", "Bonds pay coupons."), "d.md": ("d", "Debt and bonds."), "f.md": ("f", "Funds hold debt."),
             "fr/d.md": ("d", "Dette et obligations.")}
    steps = [(links, None, files, ()), (links, None, files, []),
             (links, {"d": {"en": "Dee"}}, files, ["d"]),  # a title
             (links, {"d": {"en": "Dee"}}, {**files, "fr/d.md": ("d", "Dette.")}, ["d"]),  # one of two bodies
             (links, {"d": {"en": "Dee"}}, {**files, "f.md": ("b", "Funds hold debt.")}, ["b", "d", "f"]),  # a slug
             ([*links, ("c", "b")], None, {**files, "c.md": ("c", "Coupons.")}, ()),  # an article: all again
             # a missing target inserted before every node (each id moves) and gone again: the
             # texts are found by name, only the new node's made
             ([*links, ("c", "b"), ("d", "a")], {"a": {"en": "Anchor words"}}, {**files, "c.md": ("c", "Coupons.")},
              ["a"]),
             ([*links, ("c", "b")], None, {**files, "c.md": ("c", "Coupons.")}, []),
             ([*links, ("c", "b"), ("d", "e")], {"e": {"en": "Coupons"}}, {**files, "c.md": ("c", "Coupon.")},
              ["c", "e"])]  # and with a body changed
    texts: dict = {}
    kept: dict = {}
    counts: dict = {}
    last = None
    places = related_index._places
    walks = []  # the articles walked again (all: no memo; one slug changed, with one)
    monkeypatch.setattr(related_index, "_places", lambda articles: walks.append(1) or places(articles))
    for i, (edges, labels, own, expected) in enumerate(steps):
        articles = [article(path, slug, body) for path, (slug, body) in sorted(own.items())]
        G = last = _sharing(nx_graph(edges, labels=labels), last)
        made.clear()
        walks.clear()
        previous = counts.get("index")
        carried = _Carried(counts.get("texts", {}))  # as pipeline._index: only what this build uses is kept
        attach_text_index(G, articles, memo=carried, previous=previous, texts=texts, kept=kept)
        counts["index"], counts["texts"] = G.graph["text_index"], dict(carried)
        assert made == (list(G) if expected == () else expected), f"step {i}"
        assert bool(walks) == (expected == () or "b" in expected), f"step {i}"
        fresh = nx_graph(edges, labels=labels)
        attach_text_index(fresh, articles)
        assert G.graph["text_index"] == fresh.graph["text_index"], f"step {i}"
        assert G.graph["text_ids"] == fresh.graph["text_ids"] and G.graph["text_nodes"] == tuple(fresh), f"step {i}"
        assert list(texts) == list(G) and {n: t[3] for n, t in texts.items()} == {
            n: node_text(fresh, n, _bodies(articles), related_index.body_chars(len(articles))) for n in fresh}, f"step {i}"
        # Every text's counts, and only those: as looking each up would carry them.
        assert counts["texts"] == {t[3]: term_counts(t[3]) for t in texts.values() if t[3]}, f"step {i}"
        if i == 1:
            assert G.graph["text_index"] is previous  # nothing changed: the last index itself


def _bodies(articles) -> dict:
    bodies: dict = {}
    for a in articles:
        bodies.setdefault(a.slug, []).append(a.body)
    return bodies


def test_from_graph_works_without_a_text_index():
    G = nx_graph([("a", "b"), ("b", "c")], keywords={"k": ["a", "c"]})
    view = IndexedGraph.from_graph(G)
    assert text_similarity(view, "a") == {}
    assert [r.slug for r in rank(view, "a", 2)] == ["b", "c"]
    assert "shared keyword: k" in rank(view, "a", 2)[1].reasons
    assert index_view(G) is index_view(G)  # converted once per graph
    assert [r.slug for r in rank(index_view(G), "a", 2)] == ["b", "c"]
    buf = io.StringIO()
    write_index(G, buf)
    assert [r.slug for r in rank(read_index(buf.getvalue()), "a", 2)] == ["b", "c"]  # and its file reads back


def test_text_similarity_uses_title_description_and_body():
    wells = Article("wells.md", "wells", "en", "", "Wells", "", (), (), (), body="Drilling for النفط.")
    G = graph(labels={"gold": {"ar": "الذهب"}, "oil": {"ar": "النفط"}, "bullion": {"en": "Bullion"},
                      "bonds": {"en": "Bonds"}, "coupons": {"en": "Coupons"}, "wells": {"en": "Wells"}},
              descriptions={"bullion": {"ar": "سبائك ذهب"}},  # shares gold's title word, without its article
              articles=[wells])
    gold = text_similarity(G, "gold")
    assert set(gold) == {"bullion"} and 0 < gold["bullion"] <= 1
    assert text_similarity(G, "bullion")["gold"] == pytest.approx(gold["bullion"])  # a cosine is symmetric
    assert set(text_similarity(G, "oil")) == {"wells"}  # through the body alone
    assert text_similarity(G, "bonds") == {}


def test_missing_concepts_can_be_results_and_exclude_removes_candidates():
    G = graph([("s1", "a"), ("s1", "m"), ("s2", "a"), ("s2", "m"), ("s2", "b")], missing={"m"})
    ranked = rank(G, "a", 10, {"cocitation": 1.0})
    assert ranked[0].slug == "m" and ranked[0].kind == "missing"
    assert "m" not in [r.slug for r in rank(G, "a", 10, exclude={"m"})]


def test_combined_score_is_the_weighted_sum_and_ties_sort_by_slug():
    G = graph([("a", "b"), ("a", "c")])
    results = rank(G, "a", 10, {"links": 2.0, "pagerank": 0.0})
    assert [(r.slug, r.score) for r in results] == [("b", 2.0), ("c", 2.0)]
    assert results[0].signals["links"] == 1.0
    assert set(results[0].signals) == set(SIGNALS)


def test_reasons_in_plain_words():
    G = graph([("a", "sec"), ("b", "sec"), ("a", "series7"), ("b", "series7"), ("s", "a"), ("s", "b"),
               ("a", "b")], keywords={"Careers": ["a", "b"]})
    reasons = rank(G, "a", 1)[0].reasons
    assert reasons[:5] == ("a links to b", "linked from s together (co-cited 1×)",
                           "both link to sec, series7 (2 shared links)", "both linked with s, sec, series7 (3 in common)",
                           "shared keyword: Careers")


ARABIC = {"finra": {"ar": "هيئة تنظيم الصناعة المالية (FINRA)", "en": "Financial Industry Regulatory Authority"},
          "sec": {"ar": "لجنة الأوراق المالية", "en": "SEC"}}


@pytest.mark.parametrize("term, lang", [
    ("finra", None), ("FINRA", "ar"),  # the Arabic title ends in "(FINRA)"
    ("هيئة تنظيم الصناعة المالية", "ar"), ("هيئه تنظيم الصناعه الماليه", "ar"),
    ("هيئة تنظيم الصناعة المالية (FINRA)", "ar"), ("financial industry regulatory authority", "en"),
])
def test_find_by_slug_or_title_in_any_language(term, lang):
    G = graph([("finra", "sec")], labels=ARABIC)
    assert find(G, term) == ("finra", lang)


def test_find_by_the_last_part_of_one_nested_slug():
    G = graph([("functions/collections/Where", "methods/page/Date"), ("a/index", "b/index"), ("a/index", "date")])
    assert find(G, "where") == ("functions/collections/Where", None)
    assert find(G, "date") == ("date", None)  # a whole slug or name comes first
    with pytest.raises(UnknownTerm):
        find(G, "index")  # two slugs end in it: neither is meant more than the other


def test_results_are_labelled_in_the_query_language():
    G = graph([("finra", "sec")], labels=ARABIC)
    assert related(G, "Financial Industry Regulatory Authority")[0].label == "SEC"
    assert related(G, "هيئه تنظيم الصناعه الماليه")[0].label == "لجنة الأوراق المالية"


def test_unknown_term_names_the_closest_matches():
    G = graph([("finra", "sec")], labels=ARABIC)
    with pytest.raises(UnknownTerm) as exc:
        find(G, "هيئه تنظيم الصناعه")
    assert exc.value.suggestions[0][1] == "finra"
    with pytest.raises(UnknownTerm):
        find(graph(keywords={"Careers": ["a"]}), "/keyword:careers")  # keywords are not concepts


def test_the_index_answers_like_the_graph(glossary_build):
    G = glossary_build.graph
    buf = io.StringIO()
    write_index(G, buf)
    index = read_index(buf.getvalue())
    view = IndexedGraph.from_graph(G)
    for u in ("broker", "exchange", "regulator", "margin-account"):
        assert rank(index, u, 5) == rank(view, u, 5)
        assert rank(index, u, 5)[0].signals["text"] > 0  # the text index went through
    assert find(index, "Broker") == find(view, "Broker") == ("broker", "en")
    for n in G:
        assert index.nodes[n] == {k: G.nodes[n][k] for k in ("kind", "slug", "labels")}
        assert sorted(index.successors(n)) == sorted(G.successors(n))
        assert sorted(index.predecessors(n)) == sorted(G.predecessors(n))
    assert sorted(index.members("/keyword:careers")) == ["broker", "regulator"]
    assert sorted(index.keywords("regulator")) == ["/keyword:careers", "/keyword:regulation"]


def test_index_of_another_kind_is_refused():
    with pytest.raises(GraphFolderError, match="rebuild"):
        read_index('{"index_version": 0}')
    with pytest.raises(GraphFolderError, match="damaged"):
        read_index('{"index_version": %d, "keys": 5}' % INDEX_VERSION)


@pytest.fixture(scope="module")
def related_build(tmp_path_factory):
    from graph.pipeline import build
    from tests.conftest import GLOSSARY
    return build([GLOSSARY], tmp_path_factory.mktemp("related"), formats=["turtle", "graphml", "ntriples"],
                 base_iri="https://example.org/terms/", related=2)


def test_related_pairs_export_to_turtle_apart_from_links(related_build):
    import pyoxigraph
    import rdflib
    ttl = written_file(related_build, "graph.ttl")
    store = pyoxigraph.Store()
    store.load(path=str(ttl), format=pyoxigraph.RdfFormat.TURTLE)
    g = rdflib.Graph().parse(ttl, format="turtle")
    assert len(store) == len(g)
    table = related_build.graph.graph["related"]
    LG = rdflib.Namespace("https://w3id.org/linkgraph/ns#")
    c = rdflib.Namespace("https://example.org/terms/")
    related = set(g.subject_objects(LG.related))
    assert len(related) == sum(len(v) for v in table.values()) > 0
    (target, score), = table["regulator"][:1]
    assert (c.regulator, c[target]) in related
    rows = list(g.query("""SELECT ?rank ?score WHERE { ?r a lg:Relatedness ; lg:source ?s ; lg:target ?t ;
                                                     lg:rank ?rank ; lg:score ?score }""",
                        initNs={"lg": LG}, initBindings={"s": c.regulator, "t": c[target]}))
    assert [(int(rank), float(s)) for rank, s in rows] == [(1, pytest.approx(score, abs=1e-4))]
    nt = written_file(related_build, "graph.nt")
    assert len(rdflib.Graph().parse(nt, format="nt")) == len(g)


def test_related_pairs_export_as_graphml_edges(related_build):
    import igraph
    import xml.etree.ElementTree as ET
    import xmlschema
    from tests.conftest import GRAPHML_XSD
    path = str(written_file(related_build, "graph.graphml"))
    if GRAPHML_XSD.exists():
        xmlschema.XMLSchema(str(GRAPHML_XSD)).validate(path)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in ET.parse(path).getroot().findall("g:key", ns)}
    assert keys[("edge", "score")] == "double" and keys[("edge", "rank")] == "int"
    G = nx.read_graphml(path)
    I = igraph.Graph.Read_GraphML(path)
    table = related_build.graph.graph["related"]
    n_related = sum(len(v) for v in table.values())
    assert G.number_of_edges() == I.ecount() == related_build.graph.number_of_edges() + n_related
    assert I.es["kind"].count("related") == n_related
    slug = {n: d["slug"] for n, d in G.nodes(data=True)}
    edges = [(slug[u], slug[v], d) for u, v, d in G.edges(data=True) if d["kind"] == "related"]
    first = next((u, v, d) for u, v, d in edges if u == "regulator" and d["rank"] == 1)
    assert first[1] == table["regulator"][0][0] and first[2]["score"] == pytest.approx(table["regulator"][0][1])


def test_without_related_the_exports_have_no_related_keys(glossary_build):
    path = written_file(glossary_build, "graph.graphml")
    text = path.read_text(encoding="utf-8")
    assert 'attr.name="score"' not in text and "related" not in text



def _key_paths(value, path=()):
    """Every key path of a JSON value (first and last item of each list)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _key_paths(item, path + (key,))
    elif isinstance(value, list) and value:
        for i in sorted({0, len(value) - 1}):
            yield from _key_paths(value[i], path + (i,))


def test_the_index_file_in_pieces_is_the_file_written_whole(glossary_build):
    from graph.exporters.related import pieces
    from graph.splice import render

    buf = io.StringIO()
    write_index(glossary_build.graph, buf)
    assert "".join(render(pieces(glossary_build.graph, None))) == buf.getvalue()


def test_a_damaged_index_of_valid_json_fails_as_one_graph_folder_error(glossary_build):
    """Issue 10, point 6: every field of the index replaced by a wrong value, one at a time."""
    import copy
    import json

    buf = io.StringIO()
    write_index(glossary_build.graph, buf)
    good = json.loads(buf.getvalue())
    tried = 0
    for path in list(_key_paths(good))[1:]:
        for bad in (None, 7, "x", [], {}, [1, "a"], "I:AAAAAP8AAAA="):
            data = copy.deepcopy(good)
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = bad
            try:
                index = read_index(json.dumps(data))
            except GraphFolderError as exc:
                assert "\n" not in str(exc)
                continue
            tried += 1
            for term in ("broker", "Broker", "no such term"):  # what read_index let through works or fails as one line
                try:
                    related(index, term, 5)
                except UnknownTerm:
                    pass
                except GraphFolderError as exc:
                    assert "\n" not in str(exc) and "damaged" in str(exc)
    assert tried  # some replacements are harmless (a label text, a language order entry)


def test_rows_out_of_order_are_found_where_a_query_reads_them(glossary_build):
    import json
    from array import array
    from graph.textindex import pack, unpack

    buf = io.StringIO()
    write_index(glossary_build.graph, buf)
    data = json.loads(buf.getvalue())
    ptr = unpack(data["links"]["ptr"])
    i = next(i for i in range(1, len(ptr) - 1) if ptr[i] < ptr[i + 1])  # a row with links
    ptr[i], ptr[i + 1] = ptr[i + 1], ptr[i]  # now one row ends before it starts
    data["links"]["ptr"] = pack(array(ptr.typecode, ptr))
    index = read_index(json.dumps(data))  # the load checks lengths, not each row's order
    with pytest.raises(GraphFolderError, match="damaged"):
        for u in index:
            if index.nodes[u]["kind"] != "keyword":
                related(index, u, 3)


def built_alpha(tmp_path, alpha_body: str):
    """The index a build writes for alpha (with ``alpha_body``), "Bravo Index" and Carol."""
    from graph.pipeline import build
    from graph.related_index import load_index
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "alpha.md").write_text(f"---\ntitle: Alpha\n---\n{alpha_body}\n", encoding="utf-8")
    (corpus / "bravo.md").write_text("---\ntitle: Bravo Index\n---\nA benchmark.\n", encoding="utf-8")
    (corpus / "carol.md").write_text("---\ntitle: Carol\n---\nNothing to see.\n", encoding="utf-8")
    build([corpus], tmp_path / "out", formats=["related"])
    return load_index(tmp_path / "out")


def test_an_unlinked_mention_is_a_signal_with_its_line(tmp_path):
    index = built_alpha(tmp_path, "Intro line.\n\nAlpha is priced against the Bravo Index every day.")
    assert index.mentions("alpha") == [("bravo", 6, pytest.approx(index.mentions("alpha")[0][2]))]
    assert [v for v, _, _ in index.mentioned_by("bravo")] == ["alpha"]
    top = rank(index, "alpha", 1)[0]
    assert top.slug == "bravo" and "mentions bravo on line 6" in top.reasons
    assert "alpha mentions bravo on line 6" in rank(index, "bravo", 1)[0].reasons


def test_what_a_link_would_say_as_a_mention_is_kept_in_the_index(tmp_path):
    index = built_alpha(tmp_path, "Priced against the [Bravo Index](/bravo) and [this](/carol).")
    assert index.mentions("alpha") == []  # it links both
    # Its title as plain words would name bravo; "this" names carol only through this very link.
    assert index.link_mention("alpha", "bravo") > 0.4 and index.link_mention("alpha", "carol") == 0.0
    hidden = index.without_links({"alpha": {"bravo"}})  # as the fit hides it
    assert hidden.link_mention("alpha", "bravo") == index.link_mention("alpha", "bravo")


def test_a_name_in_code_is_a_signal_with_its_line_both_ways(tmp_path):
    index = built_alpha(tmp_path, "Intro line.\n\nCall `carol()` or [`bravo`](/bravo) here.")
    assert index.mentions("alpha", "code") == [("bravo", 6, 1.0), ("carol", 6, 1.0)]  # link text counts
    assert index.mentioned_by("carol", "code") == [("alpha", 6, 1.0)] and index.mentions("alpha") == []
    top = rank(index, "carol", 1)[0]
    assert top.slug == "alpha" and top.signals["code"] == 1.0
    assert "alpha names carol in code on line 6" in top.reasons
    assert "names carol in code on line 6" in rank(index, "alpha", 2)[1].reasons


def reference_rank(G, u, n=10, weights=None, exclude=(), explain=True, lang=None, round=round):
    """``rank`` as it was before it ranked on node ids (6 December 2026): dictionaries of slugs,
    kept here as the path the faster one must give the same results as, floats and reasons."""
    import heapq
    from graph.related import Related, _label, model_of, signal_scores
    model = model_of(G)
    weights = model.weights if weights is None else weights
    per_signal = signal_scores(G, u, exclude, None if explain else [name for name, w in weights.items() if w], model)
    total: dict[str, float] = {}
    for name, weight in weights.items():
        for v, s in per_signal.get(name, {}).items() if weight else ():
            total[v] = total.get(v, 0.0) + weight * s
    best = heapq.nsmallest(n, total, key=lambda v: (-total[v], v))
    results = []
    for v in best:
        signals = {name: round(per_signal[name].get(v, 0.0), 4) if name in per_signal else 0.0 for name in SIGNALS}
        label_lang, label = _label(G, v, lang)
        results.append(Related(v, label, label_lang, G.nodes[v]["kind"], round(total[v], 4), signals,
                               reference_reasons(G, u, v, signals) if explain else ()))
    return results


def reference_reasons(G, u, v, signals):
    """``graph.related.reasons`` as it was before it read sets of ids (6 December 2026)."""
    from graph.related import _label, _some
    lines = []
    if signals.get("links"):
        out, back = v in G.links_out(u), u in G.links_out(v)
        lines.append(f"{u} and {v} link to each other" if out and back else
                     f"{u} links to {v}" if out else f"{v} links to {u}")
    if signals.get("cocitation"):
        common = sorted(set(G.links_in(u)) & set(G.links_in(v)))
        lines.append(f"linked from {_some(common)} together (co-cited {len(common)}×)")
    if signals.get("coupling"):
        common = sorted(set(G.links_out(u)) & set(G.links_out(v)))
        lines.append(f"both link to {_some(common)} ({len(common)} shared link{'s' * (len(common) > 1)})")
    if signals.get("neighbours"):
        near = set(G.links_out(v)) | set(G.links_in(v))
        common = sorted((set(G.links_out(u)) | set(G.links_in(u))) & near)
        lines.append(f"both linked with {_some(common)} ({len(common)} in common)")
    if signals.get("keywords"):
        shared = sorted(set(G.keywords(u)) & set(G.keywords(v)))
        labels = [_label(G, k, None)[1] for k in shared]
        lines.append(f"shared keyword{'s' * (len(labels) > 1)}: {', '.join(labels)}")
    if signals.get("text"):
        words = G.common_words(u, v)
        lines.append("similar text" + (f" (common words: {', '.join(words)})" if words else ""))
    if signals.get("pagerank"):
        lines.append("close in the link graph (personalized PageRank)")
    if signals.get("section"):
        lines.append(f"same section: {u.rpartition('/')[0]}")
    if signals.get("mentions"):
        lines += [f"mentions {v} on line {line}" for w, line, _ in G.mentions(u) if w == v]
        lines += [f"{v} mentions {u} on line {line}" for w, line, _ in G.mentioned_by(u) if w == v]
    return tuple(lines)


RANK_ASKS = [  # (n, weights, exclude: how many of the query's links, explain, lang)
    (10, None, 0, True, None), (1, None, 0, True, "en"), (3, None, 2, True, None), (50, None, 0, False, None),
    (8, {"links": 1, "text": 0.5, "nothing": 3.0, "keywords": 0.0}, 0, True, "ar"),
    (5, {"pagerank": 2.0, "section": 1.0, "mentions": 1.0, "cocitation": 0.3}, 1, False, None),
    (0, None, 0, True, None), (10_000, {"neighbours": 1.0, "coupling": -0.5}, 3, False, None),
]


def assert_ranks_as_before(G, nodes, asks=RANK_ASKS, monkeypatch=None):
    """``rank`` and ``reference_rank`` give equal results; with ``monkeypatch``, also unrounded
    (scores and signals as computed, every bit: the order the floats are added in shows)."""
    if monkeypatch is not None:
        monkeypatch.setattr("graph.related.round", lambda x, n=None: x, raising=False)
    for u in nodes:
        for n, weights, excluded, explain, lang in asks:
            exclude = set(G.links_out(u)[:excluded]) | {"no-such-node"} if excluded else ()
            got = rank(G, u, n, weights, exclude, explain, lang)
            assert got == reference_rank(G, u, n, weights, exclude, explain, lang,
                                         round=round if monkeypatch is None else lambda x, n=None: x), \
                (u, n, weights, exclude)
            if explain:  # the public reasons, one pair at a time, say the same
                assert [related_index_reasons(G, u, r) for r in got] == [r.reasons for r in got]


def related_index_reasons(G, u, r):
    from graph.related import reasons
    return reasons(G, u, r.slug, r.signals)


@pytest.fixture(scope="module")
def generated_index(tmp_path_factory):
    """The folder of a built generated corpus's related index (240 files in 6 topics, with hubs)."""
    from graph.pipeline import build
    from tests.benchmarks.gen_corpus import generate
    folder = tmp_path_factory.mktemp("generated")
    generate(240, folder / "in", seed=5, topics=6, links=(8, 40), hub_share=0.5)
    build([folder / "in"], folder / "out", formats=["related"])
    return folder / "out"


@pytest.mark.parametrize("hub, work, places_from", [(0.0, None, None), (0.5, 400, 0), (0.0, 400, 10 ** 9)])
def test_rank_on_ids_gives_the_results_of_ranking_on_slugs_on_a_built_corpus(generated_index, monkeypatch, hub, work,
                                                                           places_from):
    """Concepts of a generated corpus (links, keywords, text, mentions; with a small WORK, hubs
    left out of their neighbours' signals), asked in several ways: the same floats, order,
    labels and reasons as the dictionary path, whether rows are put in slug order by their
    slugs or by the index's slug places (``places_from``: rows longer than that)."""
    if work:
        monkeypatch.setattr("graph.related.WORK", work)
    if places_from is not None:
        monkeypatch.setattr("graph.related.SLUG_PLACES_FROM", places_from)
    from graph.related_index import RelatedModel, load_index
    G = load_index(generated_index)
    if hub:
        G.model = RelatedModel({**G.model.weights, "pagerank": 0.7}, 0.2, hub, fitted=False, note="test")
    concepts = [u for u in G if G.nodes[u]["kind"] != "keyword"]
    hubs = sorted(concepts, key=lambda u: -G.degree("links_in", u))[:4]  # past WORK: hubs among their neighbours
    assert_ranks_as_before(G, hubs + concepts[::12])
    assert_ranks_as_before(G, hubs + concepts[5::12], monkeypatch=monkeypatch)


@pytest.mark.parametrize("places_from", [None, 0])
def test_rank_on_ids_gives_the_results_of_ranking_on_slugs_on_random_graphs(monkeypatch, places_from):
    """Random graphs with sections (nested slugs and their index pages), missing targets,
    keywords and equal scores everywhere (ties broken by slug), node ids out of slug order."""
    import random
    if places_from is not None:
        monkeypatch.setattr("graph.related.SLUG_PLACES_FROM", places_from)
    for seed in range(4):
        rnd = random.Random(seed)
        nodes = [f"s{rnd.randrange(3)}/{'n' * rnd.randrange(1, 3)}{i}" for i in range(25)] + ["s0", "s1", "x", "y"]
        links = {(rnd.choice(nodes), rnd.choice(nodes + ["gone", "gone/deeper"])) for _ in range(rnd.randrange(0, 90))}
        links = sorted((a, b) for a, b in links if a != b and a not in ("gone", "gone/deeper"))
        keywords = {f"k{k}": sorted(rnd.sample(nodes, rnd.randrange(1, 8))) for k in range(rnd.randrange(0, 5))}
        H = nx_graph(links, keywords, missing=("gone", "gone/deeper"))
        order = list(H)
        rnd.shuffle(order)  # node ids no longer follow slugs: ties must still break by slug
        G = IndexedGraph.from_graph(_reordered(H, order))
        assert_ranks_as_before(G, [u for u in G if G.nodes[u]["kind"] != "keyword"][seed % 2::2])


def _reordered(H, order):
    """``H`` with its nodes (and their edges) in ``order``."""
    G = nx.DiGraph(**H.graph)
    G.add_nodes_from((n, H.nodes[n]) for n in order)
    G.add_edges_from((u, v, d) for u in order for v, d in H._succ[u].items())
    return G


@pytest.mark.parametrize("places_from", [0, 10 ** 9])
def test_neighbours_within_work_are_those_of_a_sort_by_degree_then_slug(monkeypatch, places_from):
    """``_within_work`` (shared by the signals, the fit and ``rank``) keeps the lowest degrees
    first, ties by slug, up to WORK: by slugs or by the index's slug places, as a sort of
    (degree, slug, id) tuples did before 6 December 2026; many ties cut through by WORK."""
    import random
    import numpy as np
    from graph import related
    monkeypatch.setattr(related, "SLUG_PLACES_FROM", places_from)
    rnd = random.Random(7)
    names = [f"n{rnd.randrange(10 ** 6)}-{i}" for i in range(60)]
    G = IndexedGraph.from_graph(_reordered(nx_graph(list(zip(names, names[1:]))), names))  # ids not in slug order
    for work in (1, 5, 17, 40, 90, 10 ** 6):
        monkeypatch.setattr(related, "WORK", work)
        for _ in range(20):
            nodes = np.array(rnd.sample(range(len(G)), rnd.randrange(0, len(G))), dtype=np.intp)
            degrees = np.array([rnd.choice((1, 2, 2, 3, 7)) for _ in range(len(G))])
            ranked = sorted(zip(degrees[nodes].tolist(), map(G.key, nodes.tolist()), nodes.tolist()))
            within = int(np.searchsorted(np.cumsum([d for d, _, _ in ranked]), work, "right"))
            kept = ranked[:max(within, 1)]
            got_nodes, got_degrees = related._within_work(G, nodes, degrees)
            assert (got_nodes.tolist(), got_degrees) == ([n for _, _, n in kept], [d for d, _, _ in kept])


def test_mentioned_by_scans_in_numpy_what_a_scan_with_array_index_found(generated_index):
    """``IndexedGraph.mentioned_by`` against the scan it replaced (6 December 2026), every node."""
    from bisect import bisect_right
    from graph.related_index import load_index
    G = load_index(generated_index)
    ptr, ids, lines, confidences = G._mentions
    assert len(ids) > 100
    for node in G:
        target, found, k = G.id(node), [], -1
        while True:
            try:
                k = ids.index(target, k + 1)
            except ValueError:
                break
            found.append((G.key(bisect_right(ptr, k) - 1), lines[k], confidences[k] / 65535))
        assert G.mentioned_by(node) == found
