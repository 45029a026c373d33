"""Positional ids in a spliced file: GraphML and GEXF number their elements (``n12``, ``e12-3``),
so a piece copied from the previous file may need other ids than it holds. Each such piece
carries a *place*, a digest of the ids it writes; a piece found with another place has its id
lines rewritten, not rendered: one by one (``renumber``), or a stretch of edge pieces at once
(``Run.shift``), patched in place where no number changes its count of digits
(docs/performance.md#the-write-side)."""

from __future__ import annotations

import hashlib
import re
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import accumulate, chain, compress, count, repeat
from operator import is_, methodcaller, ne

from graph.fields import edge_fields, related_pairs
from graph.splice import PLACE, KeyIndex, Moved, Piece, Run, WriteMemo, edge_order, node_keys, node_order

_PATCH = True
"""Stretches renumbered in place are copied and patched (``Moved.patches``), not written."""


class IdLines:
    """The start of an element's first line, which carries its positional ids, in GraphML and
    GEXF alike (``<node id="n12"``, ``<edge id="e1-0" source="n1" target="n12"``) at ``indent``.
    No text of the element can start a line so: '<' is always escaped, and attribute values
    hold no raw line end.

    An edge's id is its source's position and its own among the source's edges (``e1-0``, the
    first edge of ``n1``), not its position in the file: a link added to one article then moves
    no other article's edge ids (with file-wide numbers it moved every edge after it, and a
    rebuild rewrote the id lines of nearly the whole file)."""

    indent = ""

    def __init_subclass__(cls) -> None:
        cls.node_pattern = re.compile(rb"^" + cls.indent.encode() + rb'<node id="n\d+"', re.M)
    # Not anchored at a line start, unlike node_pattern: '<' never appears unescaped but in a
    # tag, and a search for the literal start of the tag skips the text between id lines fast.
    edge_pattern = re.compile(rb'<edge id="e\d+-\d+" source="n\d+" target="n\d+"')

    def node_start(self, i: int) -> str:
        return f'{self.indent}<node id="n{i}"'

    def edge_start(self, e: int, u: int, v: int) -> str:
        return self.edge_starts(e, u, (v,))[0]

    def edge_starts(self, e: int, u: int, targets: Iterable[int]) -> list[str]:
        """The id lines' starts of edges from node ``u`` to each of ``targets``, the ``e``-th of
        ``u``'s edges first."""
        return _edge_starts(e, u, targets, self.indent)

    def edge_run(self, e: int, u: int, targets: list[int], edges: Iterable[dict]) -> str:
        """The elements of one node's out-edges (their attribute dicts), the ``e``-th of its edges
        first, from node position ``u`` to the positions ``targets``. A writer may render them
        faster; the bytes must be these (tests/test_graphml.py, tests/test_gexf.py)."""
        return "".join(self.edge(e + j, u, v, edge_fields(data)) for j, (v, data) in enumerate(zip(targets, edges)))


def numbered_pieces(G, writer: IdLines, between: str = "", kept: dict | None = None) -> Iterator[Piece]:
    """The pieces of a graph file whose elements carry positional ids (GraphML, GEXF): one per
    node, then ``between``, then one per node's edges and one per node's related pairs, numbered
    on from its edges (``IdLines``). A copied piece whose ids moved (a node inserted before it
    or before one of its edges' targets) is renumbered, not rendered: its id lines are rewritten.

    ``writer`` (an ``IdLines``) renders ``node(node, i)`` and ``edge(e, u, v, fields)`` with node
    positions ``u`` and ``v``, each element starting with its id line. ``kept`` (``--watch``: the
    file's entry of ``WriteMemo.lines``) keeps where the id lines a rebuild patched are in the
    file it wrote, for the next rebuild from that file (``_Moves.shift``)."""
    keys = node_keys(G)
    ids, places, edge_places = positions(G)
    nodes, node_pieces = node_order(G)  # node i is at position i
    # Shared by GraphML and GEXF: their tables list the same keys in the same rows, nearly always.
    last = _LastPositions(keys, ids, nodes, node_pieces, G.graph.setdefault("splice_last", {}))
    yield Run(node_pieces, lambda i: writer.node(nodes[i], i), places,
              lambda old, i, rows: _renumber_node(old, (writer, nodes[i], i), rows))
    if between:
        yield between
    succ = G._succ
    sources, edge_pieces = edge_order(G)

    def edges(i: int) -> tuple:
        # The positions its ids show are looked up only when it is rendered or renumbered.
        return writer, ids, sources[i], succ[sources[i]], last

    def shift(old: memoryview, i: int, stop: int, lengths: list[int], rows, same, start: int, crcs) -> Moved | None:
        moves = last(rows).moves(sources, G._pred)
        table = getattr(rows, "table", None)
        lines = kept["lines"] if kept and table is not None and kept["table"] == table else None
        done = moves.shift(old, i, stop, lengths, same, lambda k, piece: _renumber_out(piece, edges(k), rows),
                           crcs, start, lines)
        return done._replace(keep=keep) if done is not None and done.found is not None and kept is not None else done

    def keep(table: bytes, offsets, numbers) -> None:
        kept.clear()
        kept.update(table=table, lines=(offsets, numbers))


    yield Run(edge_pieces, lambda i: _edges(edges(i)), list(map(edge_places.__getitem__, sources)),
              lambda old, i, rows: _renumber_out(old, edges(i), rows), shift)
    for u, ranked in G.graph.get("related", {}).items():
        if ranked:
            numbers = [len(succ[u]), ids[u], *(ids[v] for v, _ in ranked)]
            yield b"r" + keys[u], _related, (writer, numbers, u, ranked), _place(numbers), _renumber_edges


def positions(G, memo: WriteMemo | None = None) -> tuple[dict[str, int], list[bytes], dict[str, bytes]]:
    """(node -> its position, the place of each position's node piece, node -> the place of its
    out-edges' piece) for ``numbered_pieces``: made once per graph (kept in ``G.graph``) for
    GraphML and GEXF alike. ``memo`` (``--watch``) keeps a node's edge place while every node has
    the position it had in the last graph and the node its key (so its targets are the same)."""
    found = G.graph.get("splice_positions")
    if found is None:
        keys, ids = node_keys(G), dict(zip(G, count()))
        last_ids, last_keys, places, last_edges = (memo.positions if memo is not None and memo.positions
                                                   else ({}, {}, [], {}))
        places = places[:len(ids)] + [_place((i,)) for i in range(len(places), len(ids))]
        succ = G._succ
        if ids == last_ids:
            # Every node where it was: only a node whose key changed can have other out-edges
            # (its key digests them), found in C (a step per node was 0.06 s at 50,000 files).
            edges = dict(last_edges)
            rows = memo.targets[3] if memo is not None and memo.targets is not None else None
            for u, _ in keys.items() - last_keys.items():
                if succ[u]:
                    edges[u] = _place([0, ids[u], *map(ids.__getitem__, succ[u])])
                else:
                    edges.pop(u, None)
                if rows is not None and u in rows:
                    memo.targets[2][rows[u]] = None  # not held: it is made again when nodes move
        elif memo is not None:
            edges = _edge_places(succ, ids, memo)
        else:
            edges = {u: _place([0, ids[u], *map(ids.__getitem__, out)]) for u, out in succ.items() if out}
        found = G.graph["splice_positions"] = ids, places, edges
        if memo is not None:
            memo.positions = ids, keys, places, edges
    return found


def _place(numbers) -> bytes:
    return hashlib.blake2b(array("Q", numbers).tobytes(), digest_size=PLACE).digest()


def _edge_places(succ: dict, ids: dict[str, int], memo: WriteMemo) -> dict[str, bytes]:
    """Node -> the place of its out-edges' piece (``_place([0, its position, its targets'...])``,
    the same bytes digested), for a graph whose nodes moved, under a memo. The targets' positions
    of an out-edge dict that is the one the memo saw are its positions then, moved in numpy
    (looking up each of a million targets in a dict cost most of the 0.13 s this took at 50,000
    files); only the other dicts' are looked up. The memo keeps them for the next graph."""
    import numpy as np  # as the matcher

    sources = list(filter(succ.__getitem__, succ))  # a dict is true when not empty
    rows = list(map(succ.__getitem__, sources))
    lengths = np.fromiter(map(len, rows), np.int64, len(rows))
    ptr = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(lengths, out=ptr[1:])
    look = ids.__getitem__
    targets = None
    if memo.targets is not None:
        nodes0, _, rows0, row_of, ptr0, targets0 = memo.targets
        at = list(map(row_of.get, sources, repeat(-1)))
        same = np.fromiter(map(is_, rows, map([*rows0, None].__getitem__, at)), bool, len(rows))
        kept, fresh = np.flatnonzero(same), np.flatnonzero(~same)
        remap = np.fromiter(map(ids.get, nodes0, repeat(-1)), np.int64, len(nodes0))
        moved = remap[targets0[_spans(ptr0, np.array(at, np.int64)[kept])]]
        if not (moved < 0).any():  # the same dict links the same nodes: none can be gone
            targets = np.empty(int(ptr[-1]), np.int64)
            targets[_spans(ptr, kept)] = moved
            targets[_spans(ptr, fresh)] = np.fromiter(chain.from_iterable(
                map(map, repeat(look), map(rows.__getitem__, fresh.tolist()))), np.int64, int(lengths[fresh].sum()))
    if targets is None:
        targets = np.fromiter(chain.from_iterable(map(map, repeat(look), rows)), np.int64, int(ptr[-1]))
    memo.targets = (list(ids), sources, rows, dict(zip(sources, count())), ptr, targets)
    # Each source's numbers end to end, as _place lays them out: 0, its position, its targets'.
    heads = ptr[:-1] + 2 * np.arange(len(rows), dtype=np.int64)
    numbers = np.zeros(int(ptr[-1]) + 2 * len(rows), np.uint64)
    numbers[heads + 1] = np.fromiter(map(look, sources), np.int64, len(sources))
    numbers[np.repeat(heads + 2 - ptr[:-1], lengths) + np.arange(int(ptr[-1]), dtype=np.int64)] = targets
    data = memoryview(numbers).cast("B")  # as array("Q") holds them: 8 bytes each, native byte order
    bounds = [*(heads * 8).tolist(), len(data)]
    return dict(zip(sources, map(methodcaller("digest"), map(
        partial(hashlib.blake2b, digest_size=PLACE), map(data.__getitem__, map(slice, bounds[:-1], bounds[1:]))))))


def _spans(ptr, rows):
    """Where the entries of ``rows`` of compressed sparse rows (``ptr``) lie, end to end, in order."""
    import numpy as np

    starts = ptr[rows]
    lengths = ptr[rows + 1] - starts
    ends = np.cumsum(lengths)
    return np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64) + np.repeat(starts - ends + lengths, lengths)


def _node(args) -> str:
    writer, node, i = args
    return writer.node(node, i)


def _edges(args) -> str:
    writer, ids, u, out, _ = args
    return writer.edge_run(0, ids[u], [*map(ids.__getitem__, out)], out.values())


def _related(args) -> str:
    writer, (e, u, *targets), source, ranked = args
    return "".join(writer.edge(e + j, u, v, fields)
                   for j, (v, (_, _, fields)) in enumerate(zip(targets, related_pairs(source, ranked))))


class _LastPositions:
    """Which nodes moved since the previous file, as its chunk table tells: a node's old position
    is the row of its node piece, found by its key (a numbered file's node pieces come first, one
    per position, and a table is used only by the code that wrote it: its context digests that
    code). A node whose key is not there (new, or changed) counts as moved, from nowhere (None).
    Made once per file, at its first renumbered piece; ``shared`` (one per graph) keeps them for
    the next file whose table lists the same keys in the same rows (GraphML's and GEXF's do), with
    their ``_Moves``."""

    def __init__(self, keys: dict[str, bytes], ids: dict[str, int], nodes: list[str] | None = None,
                 node_pieces: list[bytes] | None = None, shared: dict | None = None) -> None:
        self.keys, self.ids = keys, ids
        self.nodes = nodes if nodes is not None else list(ids)
        """The nodes in position order, and the keys of their pieces (``node_order``)."""
        self.node_pieces = node_pieces if node_pieces is not None else [b"n" + keys[node] for node in self.nodes]
        self.rows: dict | None = None
        self.was: dict[str, int | None] = {}
        self.moved: set[str] = set()
        self._moves: _Moves | None = None
        self.shared = {} if shared is None else shared

    def __call__(self, rows: dict[bytes, int]) -> _LastPositions:
        """These positions for the previous table's ``rows`` (key -> row)."""
        if rows is not self.rows:
            listed = bytes(rows.keys) if type(rows) is KeyIndex else None
            found = self.shared.get("was")
            if listed is not None and found is not None and found[0] == listed:
                self.was, self.moved = found[1], found[2]
            else:
                # Looked up in C, in a dict of every row (a step per node was 0.1 s a file at 50,000 files).
                get = rows.every().get if type(rows) is KeyIndex else rows.get
                was = list(map(get, self.node_pieces))
                self.was = dict(zip(self.nodes, was))
                self.moved = set(compress(self.nodes, map(ne, was, count())))  # node i is at position i
                if listed is not None:
                    self.shared["was"] = listed, self.was, self.moved
            self.rows = rows
        return self

    def moves(self, sources: list[str], pred: dict) -> _Moves:
        """``_Moves`` for these positions (made once per file, at its first stretch renumbered,
        or taken from the last file's for the same positions)."""
        if self._moves is None or self._moves.was is not self.was:
            found = self.shared.get("moves")
            if found is None or found.was is not self.was:
                found = self.shared["moves"] = _Moves(self.was, self.moved, self.ids, sources, pred)
            self._moves = found
        return self._moves


class _Moves:
    """How a stretch of edge pieces copied in order gets its new ids at once (``Run.shift``), from
    which nodes moved (``_LastPositions``). A piece whose source kept its position has only its
    targets' numbers moved: they are rewritten by one regular expression over the whole stretch,
    in C, each found as ``target="n`` and the old number of a node that moved (a node's old
    position is its own: no other node had it). The expression does not look for the start of
    the id line (that made it three times slower): text can hold the same characters (GraphML
    leaves quotes in text as they are), so a stretch is renumbered so only when it finds exactly
    as many as its pieces have edges to moved nodes; else its pieces are taken one by one. The
    pieces of a source that moved, or that links a node whose old position is unknown (new, or
    its key changed), are renumbered one by one as before. A number with another count of
    digits lengthens each piece holding it by as many bytes as the piece has edges to that node
    (one edge per pair)."""

    def __init__(self, was: dict[str, int | None], moved: set[str], ids: dict[str, int], sources: list[str],
                 pred: dict) -> None:
        import numpy as np

        self.was = was
        row = dict(zip(sources, count()))  # a source -> its piece in the run of edge pieces
        known = {v: was[v] for v in moved if was[v] is not None}
        alone = set(moved)  # a source that moved: every id line of its piece changes
        for v in moved - known.keys():
            alone.update(pred[v])
        self.alone = np.array(sorted(row[u] for u in alone if u in row), dtype=np.int64)
        """The pieces renumbered one by one, by their place in the run."""
        self.grow = np.zeros(len(sources), dtype=np.int64)
        for v, before in known.items():
            more = len(str(ids[v])) - len(str(before))
            if more:
                self.grow[list(map(row.__getitem__, pred[v]))] += more
        if len(known) > _ALTERNATIVES:  # every target looked up
            known = {v: i for v, i in was.items() if i is not None}
            self.pattern = re.compile(rb'(target="n\d+")')
        else:
            numbers = b"|".join(f"{before}".encode() for before in known.values())
            self.pattern = re.compile(rb'(target="n(?:' + numbers + rb')")') if known else None
        self.lines = np.bincount(np.fromiter(chain.from_iterable(map(row.__getitem__, pred[v]) for v in known),
                                             dtype=np.int64), minlength=len(sources))
        """Per piece, its id lines the pattern finds: its edges to the nodes looked up."""
        # What the pattern finds (split keeps only what it captures) -> its new bytes.
        self.numbers = {f'target="n{before}"'.encode(): f'target="n{ids[v]}"'.encode() for v, before in known.items()}
        self.same_width = all(len(f"{before}") == len(f"{ids[v]}") for v, before in known.items())
        """No number changes its count of digits: the new bytes are the old ones patched in place."""
        self.texts = {before: f'target="n{before}"'.encode() for before in known.values()}
        """The old number of each node looked up -> what the pattern finds of it."""
        self.now = {f'target="n{before}"'.encode(): ids[v] for v, before in known.items()}
        """What the pattern finds -> the position it shows now."""
        self.befores = np.array(sorted(known.values()), dtype=np.int64)

    def shift(self, old: memoryview, i: int, stop: int, lengths: list[int], same,
              alone: Callable[[int, memoryview], bytes], crcs, start: int = 0,
              lines: tuple | None = None) -> Moved | None:
        """The edge pieces ``i`` to ``stop`` (``old``: their bytes, of ``lengths``) with their new
        ids (``Moved``): as patches of the old bytes when every number kept its count of digits
        (and ``_PATCH``), else as new bytes; ``alone(k, old bytes)`` renumbers piece ``k`` by
        itself; ``crcs``, the CRC-32 of each piece's old bytes, as the table says; ``lines``, where
        the last rebuild patched id lines in the previous file, which ``old`` is from ``start`` on
        (``Moved.found``). None when the id lines found are not those expected."""
        ends = [*accumulate(lengths)]
        singles = self.alone[self.alone.searchsorted(i):self.alone.searchsorted(stop)].tolist()
        if self.same_width and _PATCH:
            done = self._patches(old, i, stop, lengths, ends, singles, same, alone, crcs, start, lines)
            if done is not _LONGER:
                return done
        new_lengths = (self.grow[i:stop] + lengths).tolist() if self.grow[i:stop].any() else lengths
        parts, at, since = [], 0, i
        for k in chain(singles, (stop,)):
            upto = ends[k - i - 1] if k > i else 0
            if upto > at:
                moved = self._moved(old[at:upto], int(self.lines[since:k].sum()))
                if moved is None:
                    return None
                parts += moved
            if k == stop:
                break
            at, since = ends[k - i], k + 1
            # A piece whose place is the same has the same bytes (its numbers need no lookup).
            parts.append(bytes(old[upto:at]) if same[k - i] else alone(k, old[upto:at]))
            if len(parts[-1]) != new_lengths[k - i]:
                new_lengths = [*new_lengths]
                new_lengths[k - i] = len(parts[-1])
        data = b"".join(parts)
        return Moved(data, new_lengths) if len(data) == sum(new_lengths) else None

    def _moved(self, old: memoryview, lines: int) -> list[bytes] | None:
        """``old`` with its ``lines`` id lines to moved nodes renumbered, as text and the id lines'
        new ends in turn, or None if it has not as many."""
        if self.pattern is None:
            return [bytes(old)] if not lines else None
        parts = self.pattern.split(old)
        if len(parts) != 2 * lines + 1:
            return None
        parts[1::2] = map(self.numbers.__getitem__, parts[1::2])
        return parts

    def _patches(self, old: memoryview, i: int, stop: int, lengths: list[int], ends: list[int], singles: list[int],
                 same, alone: Callable[[int, memoryview], bytes], crcs, start: int,
                 lines: tuple | None) -> Moved | None | object:
        """``shift`` when no number changes its count of digits: the id lines found (where they
        are, in C: splitting the old bytes around them and joining the parts again copied every
        byte twice, into fresh memory) and the pieces renumbered alone, as patches of the old
        bytes; each piece's CRC-32 made from its old one (``crcs``) and the bytes patched
        (``_crc_patched``), not read again: a stretch's bytes copied and checksummed piece by piece
        held the interpreter lock (pieces of a few kilobytes). ``_LONGER`` when a piece renumbered
        alone changed its length.

        The id lines are first looked for where the last rebuild patched some (``lines``: a link
        to a new target and its removal, or a target retyped, move the same nodes back and forth),
        the bytes there compared; the text is searched only where those are not as many as expected."""
        import numpy as np

        found_at: list[int] = []  # the id lines found, where they start in ``old``
        found: list[bytes] = []  # and their old bytes (``self.numbers``)
        piece_at: list[int] = []  # the pieces renumbered alone
        pieces: list[bytes] = []
        at, since = 0, i
        size = ends[-1] if ends else 0
        near = self._near(lines, start, start + size) if lines is not None else None
        for k in chain(singles, (stop,)):
            upto = ends[k - i - 1] if k > i else 0
            if upto > at:
                expected = int(self.lines[since:k].sum())
                if self.pattern is None:
                    if expected:
                        return None
                else:
                    there = self._there(old, at, upto, expected, near)
                    if there is None:
                        matches = list(self.pattern.finditer(old, at, upto))
                        if len(matches) != expected:
                            return None
                        there = list(map(_start, matches)), list(map(_group, matches))
                    found_at += there[0]
                    found += there[1]
            if k == stop:
                break
            at, since = ends[k - i], k + 1
            if not same[k - i]:  # a piece whose place is the same has the same bytes
                piece = alone(k, old[upto:at])
                if len(piece) != at - upto:
                    return _LONGER
                piece_at.append(upto)
                pieces.append(piece)
        news = [*map(self.numbers.__getitem__, found), *pieces]
        sizes = np.fromiter(map(len, news), dtype=np.int64, count=len(news))
        # Each replaced byte's offset: its part's start, and its place within the part.
        offsets = np.repeat(np.asarray(found_at + piece_at, dtype=np.int64) - (np.cumsum(sizes) - sizes), sizes) \
            + np.arange(int(sizes.sum()), dtype=np.int64)
        data = np.frombuffer(b"".join(news), dtype=np.uint8)
        crcs = _crc_patched(np.frombuffer(crcs, dtype=np.uint32), np.asarray(ends, dtype=np.int64), offsets,
                           np.frombuffer(old, dtype=np.uint8, count=size)[offsets] ^ data).tolist()
        lined = (np.asarray(found_at, dtype=np.int64),
                 np.fromiter(map(self.now.__getitem__, found), dtype=np.int64, count=len(found)))
        return Moved(None, lengths, (offsets, data), crcs, lined)

    def _near(self, lines: tuple, start: int, stop: int) -> tuple:
        """Of ``lines`` (offsets in the previous file, numbers), those from ``start`` to ``stop``
        that show the old number of a node looked up, their offsets from ``start``."""
        import numpy as np

        offsets, numbers = lines
        lo, hi = int(offsets.searchsorted(start)), int(offsets.searchsorted(stop))
        offsets, numbers = offsets[lo:hi], numbers[lo:hi]
        which = np.isin(numbers, self.befores)
        return offsets[which] - start, numbers[which]

    def _there(self, old: memoryview, at: int, upto: int, expected: int, near: tuple | None) -> tuple | None:
        """The id lines from ``at`` to ``upto`` of ``old`` where the last rebuild found some
        (``near``), if there are ``expected`` of them and each is there: (offsets, old bytes)."""
        if not expected:
            return [], []  # no edge to a node looked up: no id line changes (there is none to search)
        if near is None:
            return None
        import numpy as np

        offsets, numbers = near
        lo, hi = int(offsets.searchsorted(at)), int(offsets.searchsorted(upto))
        if hi - lo != expected:
            return None
        offsets = offsets[lo:hi]
        if len(offsets) > 1 and not (offsets[1:] > offsets[:-1]).all():
            return None
        texts = list(map(self.texts.__getitem__, numbers[lo:hi].tolist()))
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        if int(offsets[-1]) + int(sizes[-1]) > upto:
            return None
        where = np.repeat(offsets - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()), dtype=np.int64)
        if not (np.frombuffer(old, dtype=np.uint8)[where] == np.frombuffer(b"".join(texts), dtype=np.uint8)).all():
            return None
        return offsets.tolist(), texts


def _crc_patched(crcs, ends, offsets, changes):
    """The CRC-32 of pieces end to end (``ends``: where each ends) whose CRC-32 was ``crcs`` before
    the byte at each of ``offsets`` was XORed with ``changes`` (numpy arrays): a CRC is linear, so
    each piece's is its old one XOR the CRC (no initial value, no final XOR) of its changes alone,
    which is each changed byte's table entry carried through as many zero bytes as follow it in
    its piece (``_zeros``: 2 ** i zero bytes at once)."""
    import numpy as np

    changed = np.flatnonzero(changes)
    piece = np.searchsorted(ends, offsets[changed], side="right")
    follow = ends[piece] - 1 - offsets[changed]
    zeros = _zeros()
    value = zeros[0][changes[changed]]
    for i in range(1, len(zeros)):
        if not (follow >> (i - 1)).any():
            break
        take = (follow >> (i - 1)) & 1 == 1
        tables = zeros[i]
        moved = tables[0][value & 0xFF] ^ tables[1][(value >> 8) & 0xFF] ^ tables[2][(value >> 16) & 0xFF] \
            ^ tables[3][value >> 24]
        value = np.where(take, moved, value)
    out = np.array(crcs, dtype=np.uint32)
    np.bitwise_xor.at(out, piece, value)
    return out


_ZERO_TABLES: list = []


def _zeros() -> list:
    """The CRC-32 table of a byte (no initial value, no final XOR: ``[0]``), then for each i, four
    tables of 256 that carry a register through 2 ** i zero bytes, a byte of it at a time (made once)."""
    if not _ZERO_TABLES:
        import numpy as np

        table = np.array([zlib.crc32(bytes([b])) ^ zlib.crc32(b"\0") for b in range(256)], dtype=np.uint32)
        one = lambda v: table[v & 0xFF] ^ (v >> np.uint32(8))  # noqa: E731  one zero byte
        basis = np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None]
        tables = one(basis)  # 4 x 256: one zero byte after each byte of the register
        _ZERO_TABLES.append(table)
        for _ in range(48):
            _ZERO_TABLES.append(tables)
            tables = tables[0][tables & 0xFF] ^ tables[1][(tables >> 8) & 0xFF] ^ tables[2][(tables >> 16) & 0xFF] \
                ^ tables[3][tables >> 24]
    return _ZERO_TABLES


_LONGER = object()
"""``_Moves._patches``: a piece renumbered alone changed its length (the stretch is written)."""
_start, _group = re.Match.start, re.Match.group


_ALTERNATIVES = 64
"""Moved nodes a stretch's targets are matched with by name (more: every target is looked up)."""


def _renumber_node(old: bytes, args, rows: dict) -> bytes:
    writer, _, i = args
    return writer.node_pattern.sub(writer.node_start(i).encode(), old, count=1)


def _renumber_out(old: bytes, args, rows: dict) -> bytes:
    writer, ids, u, out, last = args
    moved = last(rows).moved
    if u not in moved:
        # Its source kept its position, so only the id lines of its edges to moved targets
        # change (a node inserted late moves few nodes, yet nearly every piece has an edge to
        # one): those are rewritten, the rest of the piece is copied as it is. Picking them by
        # the few moved nodes, not by every edge's old and new positions, spares two lookups in
        # dicts of every node per edge (a cache miss each: ~0.3 s a file at a million edges).
        patched = _patched(bytes(old), ids[u], [(j, v) for j, v in enumerate(out) if v in moved], last.was, ids)
        if patched is not None:
            return patched
    return _renumbered(writer, old, 0, ids[u], [*map(ids.__getitem__, out)])


def _patched(old: bytes, u: int, changed: list[tuple[int, str]], was: dict[str, int | None],
             ids: dict[str, int]) -> bytes | None:
    """The elements ``old`` of edges from node position ``u``, with the id line of each edge
    ``j`` to ``v`` in ``changed`` rewritten from ``v``'s position ``was`` to its position ``ids``.
    None when that cannot be done: a target's old position is unknown, or a line is not there or
    none changed (the old bytes are not what the table says: renumbered whole instead)."""
    if not changed:
        return None
    head, middle = f'<edge id="e{u}-', f'" source="n{u}" target="n'
    view, parts, at = memoryview(old), [], 0
    for j, v in changed:
        before = was[v]
        if before is None:
            return None
        # Found from where the last one ended: id lines come in edge order, and '<' is always
        # escaped in text, so the line of edge j is the only match.
        line = f'{head}{j}{middle}{before}"'.encode()
        k = old.find(line, at)
        if k < 0:
            return None
        parts += (view[at:k], f'{head}{j}{middle}{ids[v]}"'.encode())
        at = k + len(line)
    parts.append(view[at:])
    return b"".join(parts)


def _renumber_edges(old: bytes, args, rows: dict) -> bytes:
    writer, (e, u, *targets) = args[0], args[1]
    return _renumbered(writer, old, e, u, targets)


def _renumbered(writer: IdLines, old: bytes, e: int, u: int, targets: list[int]) -> bytes:
    """The elements ``old`` of edges from node position ``u`` with their id lines rewritten, the
    ``e``-th of its edges first, to the positions ``targets``."""
    # Split around the id lines and zipped with the new ones: a substitution calling back into
    # Python for each edge took twice as long (node insertions renumber most of a large file).
    rest = writer.edge_pattern.split(old)
    # The id lines without their indent, which ends the text before each, encoded as one string:
    # a node inserted early renumbers most of a large file, a million id lines.
    starts = "\0".join(_edge_starts(e, u, targets)).encode().split(b"\0")
    return rest[0] + b"".join(chain.from_iterable(zip(starts, rest[1:])))


def _edge_starts(e: int, u: int, targets: Iterable[int], indent: str = "") -> list[str]:
    head, middle = f'{indent}<edge id="e{u}-', f'" source="n{u}" target="n'
    return [f'{head}{j}{middle}{v}"' for j, v in zip(count(e), targets)]
