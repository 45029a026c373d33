"""graph.numbered directly: the positions a memo keeps equal those made afresh, and a watch's
stretches of edge pieces renumbered at once (patched in place, their CRC-32 made from the old
ones) give the bytes of the same pieces renumbered one by one and of a cold build."""

import random

import pytest

import graph.numbered as numbered
import graph.splice as splice
from tests.conftest import write_files


def test_the_positions_kept_by_a_memo_are_those_made_afresh(tmp_path, monkeypatch):
    # positions(G, memo) carries the last graph's edge places over where every node kept its
    # position and key; each watch build's must equal positions made without the memo.
    import graph.cache as cache_module
    from graph.memo import Memo
    from graph.pipeline import build
    from tests.test_memo import EDITS, _corpus, _edit

    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    rng = random.Random(3)
    root = tmp_path / "in"
    slugs = _corpus(rng, root)
    memo = Memo()
    for kind in ["none", *EDITS]:
        if kind != "none":
            _edit(rng, root, slugs, kind)
        G = build([root], tmp_path / "out", memo=memo, formats=["graphml"]).graph
        kept = G.graph.pop("splice_positions")
        assert numbered.positions(G) == kept, kind


def test_positions_kept_for_a_node_that_lost_or_gained_all_its_out_edges(tmp_path):
    import networkx as nx

    memo = splice.WriteMemo()

    def graph(edges):
        G = nx.DiGraph()
        G.add_nodes_from((n, {"kind": "article"}) for n in "abcd")
        G.add_edges_from(edges, kind="links_to")
        splice.node_keys(G, memo)
        return G, numbered.positions(G, memo)

    for edges in ([("a", "b"), ("b", "c"), ("c", "a")], [("b", "c"), ("c", "a")], [("a", "d"), ("c", "a")]):
        G, kept = graph(edges)
        G.graph.pop("splice_positions")
        assert numbered.positions(G) == kept, edges


def test_edge_places_of_moved_nodes_under_a_memo_equal_those_made_afresh():
    # Where nodes moved, positions(G, memo) takes the target positions of an out-edge dict the memo
    # saw (the same object: graph.build keeps unchanged rows) from then, moved (``_edge_places``);
    # through insertions, removals, new rows and steps where no node moves, each graph's positions
    # equal those made without the memo.
    import networkx as nx

    rng = random.Random(7)
    memo = splice.WriteMemo()
    attrs = {}
    succ = {f"n{i:03d}": {} for i in range(0, 80, 2)}

    def relinked(u: str) -> None:
        succ[u] = {v: {"kind": "links_to"} for v in sorted(rng.sample(sorted(succ), rng.randrange(4)))}

    for u in succ:
        relinked(u)
    for step in range(60):
        op = rng.choice(["insert", "remove", "relink", "copy", "none", "none"])
        if op == "insert":
            new = f"n{rng.randrange(80):03d}x"
            succ[new] = {}
            relinked(rng.choice(sorted(succ)))
            succ[rng.choice(sorted(succ))] = {**rng.choice(list(succ.values())), new: {"kind": "links_to"}}
        elif op == "remove" and len(succ) > 5:
            gone = rng.choice(sorted(succ))
            del succ[gone]
            for u, row in list(succ.items()):
                if gone in row:
                    succ[u] = {v: d for v, d in row.items() if v != gone}
        elif op == "relink":
            relinked(rng.choice(sorted(succ)))
        elif op == "copy":  # an equal row, another dict
            u = rng.choice(sorted(succ))
            succ[u] = dict(succ[u])
        G = nx.DiGraph()
        for n in sorted(succ):
            G._node[n] = attrs.setdefault(n, {"kind": "article"})
            G._succ[n], G._pred[n] = succ[n], {}
        for u, row in G._succ.items():
            for v, data in row.items():
                G._pred[v][u] = data
        splice.node_keys(G, memo)
        kept = numbered.positions(G, memo)
        G.graph.pop("splice_positions")
        assert numbered.positions(G) == kept, (step, op)


# A watch's rebuilds after a node is inserted or removed: stretches of edge pieces renumbered at
# once (``Run.shift``) against the same pieces one by one and a cold build.
MOVES = [  # (what one article's link goes to, or None: the link removed), in order
    ("zzz", "late: only the keywords move, matched by name"),
    (None, "removed: the keywords move back"),
    ("t-030a", "in the middle: past 64 nodes move, every target looked up; 99 -> 100 is longer"),
    (None, "removed again: every target looked up, 100 -> 99 is shorter"),
    ("a", "first: every source moves, each piece alone though every target is looked up; 9 -> 10 is longer"),
    (None, "removed: every target looked up, each piece alone; 10 -> 9 is shorter"),
    ("zzz", "late again, with text written like the id lines of moved keywords (GraphML keeps its quotes)"),
]


def _watch_corpus(root, rng):
    slugs = [f"t-{i:03d}" for i in range(150)]
    files = {}
    for slug in slugs:
        keywords = "".join(f"keywords: [k{rng.randrange(12)}, k{rng.randrange(12)}]\n" for _ in range(rng.random() < 0.7))
        links = " ".join(f"[{rng.choice(['x', 'y z'])}](/{target})" for target in rng.sample(slugs, 4))
        files[f"{slug}.md"] = f"---\ntitle: {slug}\n{keywords}---\n{links}\n".encode()
    write_files(root, files)


@pytest.mark.parametrize("patch", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_ids_moved_in_stretches_at_once_equal_them_piece_by_piece_and_a_cold_build(tmp_path, monkeypatch, seed, patch):
    # patch: a stretch whose numbers keep their count of digits is copied and patched in place, or written
    import graph.cache as cache_module
    from graph.memo import Memo
    from graph.pipeline import build
    from tests.conftest import snapshot

    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    rng = random.Random(seed)
    root = tmp_path / "in"
    _watch_corpus(root, rng)
    victim = root / "t-017.md"
    original = victim.read_bytes()
    shift, shifted = numbered._Moves.shift, []

    def watched(self, *args):
        done = shift(self, *args) if on else None
        shifted.append((done is not None, self.pattern.pattern if self.pattern else None))
        return done

    monkeypatch.setattr(numbered._Moves, "shift", watched)
    monkeypatch.setattr(numbered, "_PATCH", patch)
    patched, patch_file = [], splice._patch
    monkeypatch.setattr(splice, "_patch", lambda path, stretches: patched.append(len(stretches)) or patch_file(path, stretches))
    formats = ["graphml", "gexf"]
    memos = {True: Memo(), False: Memo()}
    for step, (target, why) in enumerate([(None, "cold"), *MOVES]):
        text = original if target is None else original + f"\n[new](/{target})\n".encode()
        if step == len(MOVES):
            # The anchor text of an article whose piece is copied: an id line's end to each keyword
            forged = " ".join(f'target="n{i}"' for i in range(140, 175))
            write_files(root, {"t-003.md": (root / "t-003.md").read_bytes() + f"\n[{forged}](/t-004)\n".encode()})
            for on in memos:
                build([root], tmp_path / f"out-{on}", memo=memos[on], formats=formats)
        victim.write_bytes(text)
        results = {}
        del patched[:]
        for on in memos:
            del shifted[:]
            results[on] = build([root], tmp_path / f"out-{on}", memo=memos[on], formats=formats, touched={victim})
            if on and step:
                done = {d for d, _ in shifted}
                assert done == ({True, False} if "text written" in why else {True}), why
                assert any(rb"\d" in pattern for _, pattern in shifted) == ("every target" in why), why
        build([root], tmp_path / f"cold-{step}", formats=formats)
        cold = snapshot(tmp_path / f"cold-{step}")
        assert snapshot(tmp_path / "out-True") == snapshot(tmp_path / "out-False") == cold, why
        assert results[True].spliced == results[False].spliced, why
        if step:  # patched where no number moved to another count of digits
            assert any(patched) == (patch and "longer" not in why and "shorter" not in why), why


def test_old_positions_are_shared_only_by_tables_that_list_the_same_keys():
    # GraphML's and GEXF's tables list the same keys in the same rows: the second file takes the
    # first one's old positions (and moves); a table listing other keys finds its own.
    keys = {node: bytes([k]) * 16 for k, node in enumerate("abcd", 1)}
    ids = {node: i for i, node in enumerate("abcd")}
    rows = lambda order: splice.KeyIndex(bytearray(b"".join(b"n" + keys[node] for node in order)))
    shared = {}
    first = numbered._LastPositions(keys, ids, shared=shared)(rows("abcd"))
    assert first.moved == set() and shared["was"][1] is first.was
    same = numbered._LastPositions(keys, ids, shared=shared)(rows("abcd"))
    assert same.was is first.was
    other = numbered._LastPositions(keys, ids, shared=shared)(rows("bacd"))
    assert other.was == {"a": 1, "b": 0, "c": 2, "d": 3} and other.moved == {"a", "b"}
    assert other.was == numbered._LastPositions(keys, ids)(rows("bacd")).was
    pred = {node: {} for node in "abcd"}
    assert same.moves([], pred) is first.moves([], pred) and other.moves([], pred).was is other.was


@pytest.mark.parametrize("damage", [None, "offsets", "numbers", "dropped", "table"])
def test_id_lines_are_found_where_the_last_rebuild_patched_them_and_checked_there(tmp_path, monkeypatch, damage):
    # A new target and its removal move the same nodes back and forth: the removal finds the id
    # lines where the insertion patched them (WriteMemo.lines), without searching the text. What
    # is kept is used only for the table it describes, and only where as many lines as expected
    # are there: kept offsets or numbers that are wrong, a line missing, or another table's, are
    # searched instead.
    import numpy as np

    import graph.cache as cache_module
    from graph.memo import Memo
    from graph.pipeline import build
    from tests.conftest import snapshot

    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    root = tmp_path / "in"
    _watch_corpus(root, random.Random(5))
    victim = root / "t-017.md"
    original = victim.read_bytes()
    there, found = numbered._Moves._there, []

    def watched(self, old, at, upto, expected, near):
        done = there(self, old, at, upto, expected, near)
        found.append(expected and done is not None)
        return done

    monkeypatch.setattr(numbered._Moves, "_there", watched)
    memo, formats = Memo(), ["graphml", "gexf"]
    build([root], tmp_path / "out", memo=memo, formats=formats)
    for step, text in enumerate([original + b"\n[new](/zzz)\n", original, original + b"\n[new](/zzz)\n"]):
        if step == 2 and damage:
            for kept in memo.write.lines.values():
                offsets, numbers = kept["lines"]
                if damage == "offsets":
                    kept["lines"] = offsets + 1, numbers
                elif damage == "dropped":  # one line fewer than there are
                    kept["lines"] = offsets[1:], numbers[1:]
                elif damage == "numbers":
                    kept["lines"] = offsets, np.where(numbers == numbers.max(), numbers.min(), numbers)
                else:
                    kept["table"] = bytes(16)
        victim.write_bytes(text)
        del found[:]
        build([root], tmp_path / "out", memo=memo, formats=formats, touched={victim})
        build([root], tmp_path / f"cold-{step}", formats=formats)
        assert snapshot(tmp_path / "out") == snapshot(tmp_path / f"cold-{step}"), (step, damage)
        assert set(memo.write.lines) == set(["graph.graphml", "graph.gexf"])
        searched = [f is False for f in found]  # a stretch's id lines not found where kept
        if step == 2 and damage:
            assert any(searched), damage
            assert damage == "numbers" or any(found) == (damage == "dropped"), damage  # the others found
        else:  # found where kept: each stretch's id lines, after the first insertion
            assert any(found) == (step > 0) and not any(searched) == (step > 0), (step, damage)


def test_crcs_of_pieces_patched_are_made_from_their_old_ones():
    # _crc_patched gives each piece the CRC-32 of its bytes once patched, from its old CRC and the
    # bytes changed, as zlib gives it reading them all: pieces of one byte to 100 kB, changes at
    # their first and last bytes, none, bytes patched to what they were.
    import zlib

    import numpy as np

    rng = random.Random(13)
    for _ in range(60):
        lengths = [rng.choice([1, 2, 7, 300, 4096, 100_000]) for _ in range(rng.randrange(1, 6))]
        old = bytes(rng.randrange(256) for _ in range(sum(lengths))) if sum(lengths) < 5000 else \
            rng.randbytes(sum(lengths))
        new = bytearray(old)
        ends = np.cumsum(lengths)
        picks = {rng.randrange(len(old)) for _ in range(rng.randrange(12))} | {0, len(old) - 1} if rng.random() < 0.8 \
            else set()
        offsets = np.array(sorted(picks), dtype=np.int64)
        for at in picks:
            new[at] = rng.choice([old[at], rng.randrange(256)])
        changes = np.frombuffer(old, np.uint8)[offsets] ^ np.frombuffer(bytes(new), np.uint8)[offsets]
        bounds = [0, *ends.tolist()]
        crcs = np.array([zlib.crc32(old[a:b]) for a, b in zip(bounds, bounds[1:])], dtype=np.uint32)
        want = [zlib.crc32(bytes(new[a:b])) for a, b in zip(bounds, bounds[1:])]
        assert numbered._crc_patched(crcs, ends, offsets, changes).tolist() == want, lengths
