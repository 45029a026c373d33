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
