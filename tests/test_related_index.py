"""graph.related_index under a memo (--watch): what is made from the last build equals what is
made afresh, when nodes come and go (a link to a new target, its removal)."""

from graph.mentions import ScanMemo
from tests.test_mentions import LINKED, Edits, article


def test_attached_mentions_when_nodes_come_and_go_equal_a_fresh_attach(monkeypatch):
    # A link to a target no file defines inserts a node (its anchor text a new name others may
    # mention); removing it takes the node away. Under a memo only the concepts whose mentions
    # were made again, or that name a node that came or went (or are one), are gathered again:
    # each step must give what attaching afresh gives, without gathering every concept again.
    import graph.related_index as related_index
    from graph.build import build_graph

    gathered = []
    said = related_index._said
    monkeypatch.setattr(related_index, "_said", lambda G, m, paths, *a: gathered.append(len(paths)) or said(G, m, paths, *a))
    files = {**LINKED, "English/stock.md": article("Stock", "Shares. A bond is not one; a bank sells them. Junk bonds too.")}
    edits, memo = Edits(files), ScanMemo()
    every = len(files)

    def same(step: str, without: str | None = None) -> int:
        resolution = edits.resolution()
        G, fresh = build_graph(resolution), build_graph(resolution)
        if without:  # a node some article names is no node of the graph (its mentions are left out)
            G.remove_node(without)
            fresh.remove_node(without)
        gathered.clear()
        related_index.attach_mentions(G, resolution, memo=memo)
        walked = sum(gathered)
        related_index.attach_mentions(fresh, resolution)
        assert G.graph["mentions"] == fresh.graph["mentions"], step
        assert G.graph["link_mentions"] == fresh.graph["link_mentions"], step
        return walked

    assert same("first") == every
    edits.files["English/page.md"] += "A [new one](/junk-bonds).\n"
    assert same("a link to a new target") < every
    edits.files["English/fund.md"] += "And [junk bonds](/junk-bonds).\n"
    assert same("an anchor text others name, to that target") < every
    edits.files["English/page.md"] = files["English/page.md"]
    edits.files["English/fund.md"] = files["English/fund.md"]
    assert same("the target gone again") < every
    assert same("a named node left out of the graph", without="bank") < every
    assert "bank" not in {t for said in memo.attached[1].values() for t in said}
    assert same("and back in it") < every
    assert "bank" in {t for said in memo.attached[1].values() for t in said}
    assert same("a concept that names others left out", without="stock") < every
    assert same("and back") < every


def test_a_shift_tells_entries_that_are_the_same_objects_by_old_id():
    # rows of the last index are carried by node (their old ids), a new node's never: not even
    # when its entry is the very object the last node's was
    from graph.related_index import _Shift

    x, y, z = {"x": 1}, {"y": 1}, {"z": 1}
    keys = ["a", "b", "c"]
    shift = _Shift(["b", "a"], keys, {k: i for i, k in enumerate(keys)})
    assert shift.same([x, y, z], [y, z]).tolist() == [False, True, False]
    assert shift.same([z, y, x], [y, z]).tolist() == [True, True, False]
    unmoved = _Shift(keys, keys, {k: i for i, k in enumerate(keys)})
    assert unmoved.same([x, y, z], [x, z, z]).tolist() == [True, False, True]


def test_names_made_from_the_last_when_few_nodes_come_and_go_are_what_a_fresh_index_makes(monkeypatch):
    # Names given by several nodes (a slug, an alias, a title: the first by kind, then node
    # order, finds its node): after nodes inserted, removed, retitled or given aliases, a few at a
    # time, the names part made from the last one equals a fresh one, and is made so most times.
    import random

    import networkx as nx

    import graph.related_index as related_index
    from graph.related_index import index_data
    from tests.test_related import _sharing, nx_graph

    again, made = [], related_index._names_again
    monkeypatch.setattr(related_index, "_names_again", lambda *a: again.append(r := made(*a)) or r)
    rng = random.Random(2)
    words = ["bank", "bond", "fund", "stock", "risk", "bank bond", "fund (risk)", "ب", "سهم"]
    nodes = {f"n{i:02d}": rng.choice(words) for i in range(30)}
    aliases: dict[str, tuple] = {}
    parts: dict = {}
    last = None
    for step in range(60):
        kind = rng.choice(["add", "remove", "title", "alias", "none"])
        name = rng.choice(sorted(nodes))
        if kind == "add":
            nodes[rng.choice(words).replace(" ", "-") + f"-{step}"] = rng.choice(words)
        elif kind == "remove" and len(nodes) > 5:
            del nodes[name]
            aliases.pop(name, None)
        elif kind == "title":
            nodes[name] = rng.choice(words)
        elif kind == "alias":
            aliases[name] = tuple(rng.sample(words, rng.randrange(0, 3)))
        G = nx_graph(links=[(a, b) for a, b in zip(sorted(nodes), sorted(nodes)[1:])],
                     labels={n: {"en": title} for n, title in nodes.items()},
                     missing=[n for n in nodes if n.endswith(("3", "7"))])
        for n, found in aliases.items():
            G.nodes[n]["aliases"] = found
        if step % 10 == 9:  # the same nodes in another order: which node a name finds may change
            H = nx.DiGraph(**G.graph)
            H.add_nodes_from(sorted(G.nodes(data=True), key=lambda item: item[1]["labels"]["en"] + item[0]))
            H.add_edges_from(G.edges(data=True))
            G = H
        G = last = _sharing(G, last)
        assert index_data(G, parts=parts) == index_data(G), (step, kind, name)
    assert sum(r is not None for r in again) > 20 and None in again


def test_field_texts_shared_by_the_fit_and_the_index_file_are_what_json_writes():
    # field_text encodes each value of a field once while the view keeps texts (the fit digests
    # the fields with their keys sorted, the index file writes them in order): each text is
    # json.dumps's, sorted or not, with a key left out; what holds a dict or a bool is encoded whole.
    import json

    from graph.related_fit import fit_inputs
    from graph.related_index import IndexedGraph, field_text, index_data

    edits = Edits({**LINKED, "English/stock.md": article("Stock", "Shares. A bond is not one; a bank sells them.")})
    from graph.build import build_graph
    from graph.related_index import attach_mentions, attach_text_index

    resolution = edits.resolution()
    G = build_graph(resolution)
    attach_text_index(G, resolution.articles)
    attach_mentions(G, resolution)
    data = {**index_data(G), "other": {"b": [1, 2.5, "x"], "a": {"z": 1, "y": [True]}, "c": "é"}, "flags": [True]}
    shared, plain = IndexedGraph(data), IndexedGraph(data)
    shared.texts = {}
    for sort_keys in (True, False, True):
        for name, value in data.items():
            for leave in (None, "lines", "b"):
                left = {k: v for k, v in value.items() if k != leave} if type(value) is dict else value
                want = json.dumps(left, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))
                assert field_text(shared, value, sort_keys, leave) == want, (name, sort_keys, leave)
                assert field_text(plain, value, sort_keys, leave) == want, (name, sort_keys, leave)
    assert shared.texts and plain.texts is None
    assert id(data["keys"]) in shared.texts and id(data["other"]["a"]) not in shared.texts
    kept: dict = {}
    assert fit_inputs(IndexedGraph(data), kept=kept) == fit_inputs(IndexedGraph(data))
