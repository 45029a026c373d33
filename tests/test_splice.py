"""graph.splice directly: runs of pieces matched with the previous table in bulk (``_Matcher``,
under --watch) give the bytes, the chunk table and the counts of the same pieces taken one by one,
and both the bytes of a cold write."""

import random

import pytest

import graph.splice as splice
from graph.splice import Previous, Run, render, table_path, write_spliced
from tests.conftest import write_files

CONTEXT = b"c" * 16


def _piece(rng, key=None, place=None):
    key = key or b"n" + rng.randbytes(16)
    return key, place if place is not None else splice._NOWHERE, rng.choice(["", "x", "line\n" * rng.randrange(1, 4)])


def _file(groups):
    """Pieces of a file: each group a run (a list of (key, place, text)), glue between them."""
    pieces = [CONTEXT, "head\n"]
    for g, group in enumerate(groups):
        keys, places, texts = [k for k, _, _ in group], [p for _, p, _ in group], [t for _, _, t in group]
        numbered = any(p != splice._NOWHERE for p in places)
        # A renumbered piece's bytes are its text with its place, as rendered: the same bytes.
        text = (lambda i, texts=texts, places=places: f"{texts[i]}@{places[i].hex()}\n") if numbered else texts.__getitem__
        pieces.append(Run(keys, text, places if numbered else None,
                          (lambda old, i, rows, text=text: text(i).encode()) if numbered else None))
        if g % 2:
            pieces.append(f"glue {g}\n")
    return pieces + ["end\n"]


def _edited(rng, groups, edits):
    groups = [list(g) for g in groups]
    for _ in range(edits):
        group = rng.choice([g for g in groups if g] or groups)
        kind = rng.choice(["text", "insert", "delete", "move", "place", "join"])
        i = rng.randrange(len(group)) if group else 0
        numbered = any(p != splice._NOWHERE for _, p, _ in group)
        if kind == "text" and group:
            group[i] = _piece(rng, place=group[i][1])
        elif kind == "insert" or not group:
            group.insert(i, _piece(rng, place=rng.randbytes(8) if numbered else None))
        elif kind == "delete":
            del group[i]
        elif kind == "move":
            group.insert(rng.randrange(len(group)), group.pop(i))
        elif kind == "place" and numbered:
            group[i] = (group[i][0], rng.randbytes(8), group[i][2])
        elif kind == "join" and len(groups) > 1:  # two runs that had glue between them become one
            j = groups.index(group)
            if j + 1 < len(groups) and not any(p != splice._NOWHERE for _, p, _ in groups[j + 1]) and not numbered:
                group.extend(groups.pop(j + 1))
    return groups


def _write(tmp_path, name, pieces, previous=None, trusted=False):
    folder = tmp_path / name
    folder.mkdir()
    done = write_spliced(folder / "f", pieces, folder / "state", previous, trusted=trusted)
    return done, (folder / "f").read_bytes(), table_path(folder / "state", "f").read_bytes()


@pytest.mark.parametrize("finds", [0, splice._FINDS])
@pytest.mark.parametrize("seed", range(40))
def test_runs_matched_in_bulk_equal_the_pieces_one_by_one_and_a_cold_write(tmp_path, monkeypatch, seed, finds):
    monkeypatch.setattr(splice, "_FINDS", finds)  # keys looked up in a dict of every row, or found in the bytes
    rng = random.Random(seed)
    groups = [[_piece(rng, place=rng.randbytes(8) if g == 0 else None) for _ in range(rng.randrange(0, 60))]
              for g in range(rng.randrange(1, 5))]
    _write(tmp_path, "old", _file(groups))
    old = tmp_path / "old"
    previous = Previous(old / "f", splice.read_table(old / "state", "f")[0])
    new = _edited(rng, groups, rng.choice([0, 1, 2, 5, 30]))
    bulk = _write(tmp_path, "bulk", _file(new), previous, trusted=True)
    monkeypatch.setattr(splice, "_Matcher", lambda *args: None)  # every run piece by piece
    single = _write(tmp_path, "single", _file(new), previous, trusted=True)
    cold = _write(tmp_path, "cold", _file(new))
    assert bulk[1] == single[1] == cold[1] == "".join(render(_file(new))).encode()
    assert bulk[2] == single[2] == cold[2]
    assert bulk[0] == single[0]


def test_one_changed_piece_in_a_long_run_is_two_copies_and_one_piece(tmp_path):
    rng = random.Random(7)
    groups = [[_piece(rng) for _ in range(1000)]]
    _write(tmp_path, "old", _file(groups))
    table = splice.read_table(tmp_path / "old" / "state", "f")[0]
    index = splice._KeyIndex(table.keys)
    groups[0][500] = _piece(rng)
    matcher = splice._Matcher(table, index, (tmp_path / "old" / "f").stat().st_size)
    parts = list(matcher.split(_file(groups)[2]))
    assert parts[0] == splice._Copy(0, 500) and parts[1][2] == 500 and parts[2] == splice._Copy(501, 1000)
    assert len(parts) == 3 and index.rows is None  # no dict of every key was made


@pytest.mark.parametrize("finds", [0, splice._FINDS])
def test_a_key_is_found_at_its_row_as_a_dict_of_every_row_finds_it(monkeypatch, finds):
    monkeypatch.setattr(splice, "_FINDS", finds)
    one, two = b"n" + bytes([1]) * 16, b"n" + bytes([2]) * 16
    index = splice._KeyIndex(bytearray(one + two + one + two))
    assert index.get(one) == 2 and index.get(two) == 3  # the last row holding it
    assert index.get(bytes([1]) * 8 + b"n" + bytes([2]) * 8) is None  # across two keys: no row
    assert index.get(b"n" + bytes([3]) * 16) is None and index.get(one[:5]) is None


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
        assert splice.positions(G) == kept, kind


def test_positions_kept_for_a_node_that_lost_or_gained_all_its_out_edges(tmp_path):
    import networkx as nx

    memo = splice.WriteMemo()

    def graph(edges):
        G = nx.DiGraph()
        G.add_nodes_from((n, {"kind": "article"}) for n in "abcd")
        G.add_edges_from(edges, kind="links_to")
        splice.node_keys(G, memo)
        return G, splice.positions(G, memo)

    for edges in ([("a", "b"), ("b", "c"), ("c", "a")], [("b", "c"), ("c", "a")], [("a", "d"), ("c", "a")]):
        G, kept = graph(edges)
        G.graph.pop("splice_positions")
        assert splice.positions(G) == kept, edges


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
        kept = splice.positions(G, memo)
        G.graph.pop("splice_positions")
        assert splice.positions(G) == kept, (step, op)


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
    shift, shifted = splice._Moves.shift, []

    def watched(self, *args):
        done = shift(self, *args) if on else None
        shifted.append((done is not None, self.pattern.pattern if self.pattern else None))
        return done

    monkeypatch.setattr(splice._Moves, "shift", watched)
    monkeypatch.setattr(splice, "_PATCH", patch)
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
    rows = lambda order: splice._KeyIndex(bytearray(b"".join(b"n" + keys[node] for node in order)))
    shared = {}
    first = splice._LastPositions(keys, ids, shared=shared)(rows("abcd"))
    assert first.moved == set() and shared["was"][1] is first.was
    same = splice._LastPositions(keys, ids, shared=shared)(rows("abcd"))
    assert same.was is first.was
    other = splice._LastPositions(keys, ids, shared=shared)(rows("bacd"))
    assert other.was == {"a": 1, "b": 0, "c": 2, "d": 3} and other.moved == {"a", "b"}
    assert other.was == splice._LastPositions(keys, ids)(rows("bacd")).was
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
    there, found = splice._Moves._there, []

    def watched(self, old, at, upto, expected, near):
        done = there(self, old, at, upto, expected, near)
        found.append(expected and done is not None)
        return done

    monkeypatch.setattr(splice._Moves, "_there", watched)
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
        assert splice._crc_patched(crcs, ends, offsets, changes).tolist() == want, lengths
