"""Spliced output files: a rebuild renders only the pieces whose inputs changed and copies the
others, byte for byte, from the previous build's file (docs/performance.md#rebuilds).

A writer that can be spliced yields its file's *context* first (``file_context``: a digest of
what the whole file depends on: the writers' code, the options, the label languages), then its
*pieces* in output order: glue text (headers, always rendered) and keyed pieces, one per node
or per node's edges, whose text is ``render(arg)``. A key digests everything the piece's bytes
depend on: the node's attributes, its out-edges, its in-degree and its related terms
(``node_keys``). A piece that writes positional ids (GraphML's and GEXF's ``n12``, ``e12-3``)
also carries a digest of them, its *place*, and a way to rewrite them (``graph.numbered``).

Each file written this way leaves a *chunk table* in the state folder (``OUT/.linkgraph/``):
its context and, per piece, key, place, offset, length and CRC-32 of its bytes. The next build,
when the folder's manifest lists the file with its size, looks each key up: found, the bytes
at that range must have the recorded CRC (the file may have been edited since, even to the
same size); then, in the same place, the range is copied (``os.copy_file_range``: the kernel
copies), elsewhere it has its ids rewritten; not found or not matching, the piece is rendered.
So a piece is reused only when its inputs are equal, and the bytes are those of a cold build
by construction (under ``--watch``, a previous file and table whose stamps are still those this
process gave them hold what it wrote, and their CRCs are not checked again: ``WriteMemo``; there
a ``Run`` of pieces, one per node say, is matched with the table's rows in bulk). A
table whose checksum fails is a warning and its file is rendered whole; a table of another
context is simply not used. The state holds no times or paths: the same
input gives the same tables.
"""

from __future__ import annotations

import fcntl
import hashlib
import marshal
import mmap
import os
import pkgutil
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import accumulate, count, repeat
from pathlib import Path
from typing import NamedTuple, Union

from graph.code_digest import code_digest
from graph.errors import OutputError
from graph.output import read_state_file


class Run(NamedTuple):
    """Consecutive keyed pieces given at once (one per node of a graph, say): the ``i``-th has the
    key ``keys[i]`` and the text ``render(i)``, and, in a file with positional ids, the place
    ``places[i]`` and new ids by ``renumber(old bytes, i, rows)``. Under ``--watch`` a rebuild
    compares the keys and places with the previous table's in C and copies what matches without
    a step per piece (``_Matcher``), and renumbers a stretch of pieces in place at once where the
    run can (``shift``); otherwise it is the same as its pieces one by one."""

    keys: list[bytes]
    render: Callable[[int], str]
    places: list[bytes] | None = None
    renumber: Callable[[bytes, int, object], bytes] | None = None
    shift: Callable[[memoryview, int, int, list[int], object, object, int, object], Moved | None] | None = None
    """``shift(old bytes, i, stop, their lengths, rows, same, start, their CRC-32s)``: the pieces
    ``i`` to ``stop``, copied in place and in order from ``start`` in the previous file, with their
    ids moved, at once (``same[k]``: piece ``i + k`` keeps its place), as ``Moved``; or None to
    take them one by one."""

    def pieces(self) -> Iterator[tuple]:
        """The run as single pieces, (key, render, i, place, renumber) each."""
        return zip(self.keys, repeat(self.render), range(len(self.keys)),
                   self.places if self.places is not None else repeat(_NOWHERE), repeat(self.renumber))


Piece = Union[bytes, str, tuple, Run]
"""The file's context (bytes, first), glue text, (key, render, arg): a keyed piece whose text is
``render(arg)``, or (key, render, arg, place, renumber) for a piece that writes positional ids:
``place`` digests them, and ``renumber(old bytes, arg, rows)`` gives a copied piece its new ones
(``rows``: the previous table's row of each key, looked up with ``get``); or a ``Run`` of keyed pieces."""
TABLE_SUFFIX = ".chunks"
_MAGIC = b"LGchunk2"
_HEADER = len(_MAGIC) + 16 + 8 + 16  # magic, context, payload length, BLAKE2b-128 of the payload
_KEY = 17  # a section letter and 16 bytes of BLAKE2b
PLACE = 8  # BLAKE2b of the positional ids a piece writes (none: zeros)
_ROW = _KEY + PLACE + 8 + 8 + 4  # key, place, offset, length, CRC-32
_NOWHERE = bytes(PLACE)
_COPY_RUN = 1 << 30
_RELEASE = 32 << 20  # bytes of the previous file's map kept behind the piece being read
# Modules whose code turns node and edge attributes into a piece's bytes (with every exporter's);
# what makes the attributes is not here: keys hold the attributes themselves. The constants they
# render with count too: slugs.py encodes with text.INVISIBLE, vocab.py and the CSV writer name
# nodes and edges with model.py's kinds and KEYWORD_PREFIX.
# Every exporter is found in its folder, so that one added later counts without being listed.
_WRITING_MODULES = ("graph.splice", "graph.numbered", "graph.fields", "graph.vocab", "graph.slugs", "graph.build",
                    "graph.text", "graph.model", "graph.exporters",
                    *(f"graph.exporters.{m.name}"
                      for m in pkgutil.iter_modules([str(Path(__file__).with_name("exporters"))])))


def render(pieces: Iterable[Piece]) -> Iterator[str]:
    """The text of every piece, in order: what a writer writes when nothing can be reused."""
    for piece in pieces:
        if type(piece) is str:
            yield piece
        elif type(piece) is tuple:
            yield piece[1](piece[2])
        elif type(piece) is Run:
            yield from map(piece.render, range(len(piece.keys)))


def digest(data: bytes) -> bytes:
    """16 bytes of BLAKE2b: keys are compared, never trusted for anything else."""
    return hashlib.blake2b(data, digest_size=16).digest()


def node_keys(G, memo: WriteMemo | None = None) -> dict[str, bytes]:
    """Node -> digest of everything a piece about it can show: its attributes, its out-edges
    (targets and attributes, in order), its in-degree and its related terms. Made once per graph
    (kept in ``G.graph``) before the writers fork, so they share it; ``memo`` (``--watch``) keeps
    the key of each node whose inputs equal the last graph's.

    ``marshal`` version 2 serialises equal values to equal bytes (no sharing references, no
    interning flags), in C: 50,000 nodes in a fraction of a second."""
    keys = G.graph.get("splice_keys")
    if keys is None:
        succ, pred, dumps = G._succ, G._pred, marshal.dumps
        related = G.graph.get("related", {})
        if memo is not None and not related:
            keys = _kept_keys(G, memo)
        else:
            keys = {node: digest(dumps((node, data, succ[node], len(pred[node]), related.get(node)), 2))
                    for node, data in G._node.items()}
            if memo is not None:
                memo.graph = None  # related terms are in the keys: none of these is kept
        G.graph["splice_keys"] = keys
    return keys


def node_run(G, render: Callable[[str], str]) -> Run:
    """One keyed piece per node of ``G``, in order, its text ``render(node)`` (``node_keys``, with
    the section letter ``n``): the nodes and their keys are listed once per graph for every file."""
    nodes, keys = node_order(G)
    return Run(keys, lambda i: render(nodes[i]))


def edge_run(G, render: Callable[[str], str]) -> Run:
    """One keyed piece per node of ``G`` with out-edges, in order, its text ``render(node)``
    (``node_keys``, with the section letter ``e``), listed once per graph for every file."""
    sources, keys = edge_order(G)
    return Run(keys, lambda i: render(sources[i]))


def edge_order(G) -> tuple[list[str], list[bytes]]:
    """The nodes of ``G`` with out-edges in order and the keys of their edge pieces, made once per graph."""
    found = G.graph.get("splice_edge_order")
    if found is None:
        keys = node_keys(G)
        sources = list(filter(G._succ.__getitem__, G))  # a dict is true when not empty
        found = G.graph["splice_edge_order"] = sources, list(map(b"e".__add__, map(keys.__getitem__, sources)))
    return found


def node_order(G) -> tuple[list[str], list[bytes]]:
    """The nodes of ``G`` in order and the keys of their pieces, made once per graph."""
    found = G.graph.get("splice_node_order")
    if found is None:
        nodes, keys = list(G), node_keys(G)
        found = G.graph["splice_node_order"] = nodes, list(map(b"n".__add__, map(keys.__getitem__, nodes)))
    return found


def _kept_keys(G, memo: WriteMemo) -> dict[str, bytes]:
    """``node_keys`` of a graph without related terms, each node's taken from the last graph's
    (``memo.graph``) when its attributes, out-edges and in-degree are the same values: comparing
    them is a few times cheaper than serialising them (what a one-file rebuild spent ~1 s on at
    50,000 files)."""
    succ, pred, dumps = G._succ, G._pred, marshal.dumps
    nodes0, succ0, degrees0, keys0 = memo.graph or ({}, {}, {}, {})
    keys, degrees = {}, {}
    for node, data in G._node.items():
        out = succ[node]
        degree = degrees[node] = len(pred[node])
        if degree == degrees0.get(node) and _same(data, nodes0[node]) and _same_edges(out, succ0[node]):
            keys[node] = keys0[node]
        else:
            keys[node] = digest(dumps((node, data, out, degree, None), 2))
    # The last graph's attribute and adjacency dicts, held until the next build: no copy is made.
    memo.graph = (G._node, succ, degrees, keys)
    return keys


def _same(new: dict, old: dict) -> bool:
    """Node attributes ``new`` marshal to the bytes ``old`` did. graph.build makes them of str,
    None, tuples of str and dicts of str, where equal values serialise alike once each dict lists
    its keys in the same order: compared for the attributes and the dicts among them (labels,
    descriptions). The same dict is the same: graph.build keeps a concept's under --watch."""
    if new is old:
        return True
    if new != old or [*new] != [*old]:
        return False
    return all(type(v) is not dict or v is w or [*v] == [*w] for v, w in zip(new.values(), old.values()))


def _same_edges(new: dict, old: dict) -> bool:
    """Out-edges ``new`` marshal to the bytes ``old`` did: the same targets in the same order, with
    equal attributes (str, int, a tuple of str). The order within an edge's attribute dict is not
    compared: graph.build makes every one in the same order, and a Python walk of a million of
    them would cost most of what keeping the keys saves. The same dict is the same: graph.build
    keeps an unchanged row under --watch."""
    return new is old or new == old and [*new] == [*old]


class WriteMemo:
    """What the write stage keeps for the next build of a long-lived process (``--watch``): the
    last graph's node keys with what they digest, the link audit's keys with what they digest,
    the places of the numbered pieces, and the stamps of the files it wrote. Each entry is used
    only when its inputs equal this build's, so the bytes are the same with or without it; each
    build replaces the whole of it.
    It holds the last graph's attribute and adjacency dicts to compare with the next one's, so a
    graph built with it must not be changed in place afterwards (no stage does: they read it)."""

    def __init__(self) -> None:
        self.graph: tuple[dict, dict, dict, dict] | None = None
        """(node -> attributes, node -> out-edges, node -> in-degree, node -> key) of the last graph."""
        self.links: dict[str, tuple] = {}
        """Article path -> (its links, their classes, their targets, its key) in the last link audit."""
        self.positions: tuple[dict, dict, list, dict] | None = None
        """(node -> position, node -> key, position -> node place, node -> edge place) of the last graph."""
        self.targets: tuple | None = None
        """(the nodes in order, the nodes with out-edges, their out-edge dicts, node -> its row
        there, and the positions of their targets in that order as compressed sparse rows:
        pointers, positions) of the last graph whose nodes moved (``_edge_places``); an out-edge
        dict changed since is None (not held)."""
        self.files: dict[str, tuple] = {}
        """File name -> (its stamp, its chunk table's stamp) as the last published build wrote them."""
        self.fields: dict[str, tuple] = {}
        """Field name of the related index -> (its value, its place, its key) as the last build
        wrote it (``graph.exporters.related``)."""
        self.lines: dict[str, dict] = {}
        """File name -> where the id lines the last rebuild patched are in it, and its table's
        digest (``numbered_pieces``)."""


def file_context(filename: str, *parts: object) -> bytes:
    """The context of one output file: its name, the code of the writers and of the modules
    they use (an upgrade never reuses a piece), and ``parts`` (options, label languages...
    anything every piece depends on), as a digest."""
    return digest(code_digest(*_WRITING_MODULES) + repr((filename, parts)).encode())


class Table:
    """The chunk table of one file: its context and, per piece, key, place, offset, length and CRC-32."""

    def __init__(self, context: bytes) -> None:
        self.context = context
        self.digest: bytes | None = None
        """The BLAKE2b of its payload, as its file holds it (once loaded or dumped)."""
        self.keys = bytearray()
        self.places = bytearray()
        self.offsets = array("Q")
        self.lengths = array("Q")
        self.crcs = array("I")

    def rows(self) -> tuple[list[bytes], list[bytes]]:
        """Each row's key and place (made in C: a Python loop over the rows was a tenth of a rebuild's writing)."""
        return _split(bytes(self.keys), _KEY), _split(bytes(self.places), PLACE)

    def extend(self, other: Table, first: int, stop: int, shift: int) -> None:
        """Append the rows ``first`` to ``stop`` of ``other``, their offsets moved by ``shift``."""
        self.keys += other.keys[first * _KEY:stop * _KEY]
        self.places += other.places[first * PLACE:stop * PLACE]
        offsets = other.offsets[first:stop]
        self.offsets.extend(array("Q", [offset + shift for offset in offsets]) if shift else offsets)
        self.lengths.extend(other.lengths[first:stop])
        self.crcs.extend(other.crcs[first:stop])

    def dump(self) -> bytes:
        payload = (len(self.offsets).to_bytes(8, "big") + bytes(self.keys) + bytes(self.places)
                   + b"".join(_little(column) for column in (self.offsets, self.lengths, self.crcs)))
        self.digest = digest(payload)
        return _MAGIC + self.context + len(payload).to_bytes(8, "big") + self.digest + payload

    @classmethod
    def load(cls, data: bytes) -> Table | None:
        """The table in ``data``, or None unless its header, length and checksum match."""
        if len(data) < _HEADER or not data.startswith(_MAGIC):
            return None
        context = data[len(_MAGIC):len(_MAGIC) + 16]
        length = int.from_bytes(data[len(_MAGIC) + 16:len(_MAGIC) + 24], "big")
        payload = data[_HEADER:]
        if len(payload) != length or digest(payload) != data[len(_MAGIC) + 24:_HEADER] or length < 8:
            return None
        n = int.from_bytes(payload[:8], "big")
        if length != 8 + n * _ROW:
            return None
        table = cls(context)
        table.digest = data[len(_MAGIC) + 24:_HEADER]
        at = 8
        table.keys = bytearray(payload[at:at + n * _KEY])
        at += n * _KEY
        table.places = bytearray(payload[at:at + n * PLACE])
        at += n * PLACE
        for column in (table.offsets, table.lengths, table.crcs):
            column.frombytes(payload[at:at + n * column.itemsize])
            at += n * column.itemsize
            if sys.byteorder == "big":
                column.byteswap()
        return table


def _split(data: bytes, width: int) -> list[bytes]:
    return list(map(data.__getitem__, map(slice, range(0, len(data), width), range(width, len(data) + width, width))))


def _little(column: array) -> bytes:
    # Little-endian whatever the machine: exports/.linkgraph/ is committed.
    if sys.byteorder == "big":
        column = array(column.typecode, column)
        column.byteswap()
    return column.tobytes()


def table_path(state: Path, filename: str) -> Path:
    """Where the chunk table of ``filename`` lives in a state folder."""
    return state / (filename + TABLE_SUFFIX)


def read_table(state: Path, filename: str) -> tuple[Table | None, str | None]:
    """(the chunk table of ``filename`` in ``state``, or None; a warning when one is there but damaged)."""
    path = table_path(state, filename)
    try:
        data = read_state_file(path)
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or "too large"
        return None, f"{path} cannot be read ({why}): {filename} is written whole"
    table = Table.load(data)
    if table is None:
        return None, f"{path} is damaged or not linkgraph's: ignored, {filename} is written whole"
    return table, None


class Previous(NamedTuple):
    """What a file can be spliced from: the previous build's file and its chunk table."""

    path: Path
    table: Table


def write_spliced(path: Path, pieces: Iterable[Piece], state: Path, previous: Previous | None = None,
                  shown: Path | None = None, trusted: bool = False,
                  free: Callable[[Path], None] = lambda path: None) -> Spliced:
    """Write the pieces to ``path`` (a new file in the staging folder), copying each keyed piece
    found in ``previous`` from its file, and the chunk table into the ``state`` folder.
    ``trusted``: the previous file is known to hold what its table says (this process wrote both,
    and neither changed since), so the pieces copied from it are not checksummed. ``free(p)`` is
    called right before the first byte goes to a file ``p``: this file (not when it is the
    previous one reused whole) and its table (``OutputFolder.free``).
    OutputError names ``shown`` when writing fails."""
    pieces = iter(pieces)
    context = next(pieces)
    last = previous.table if previous is not None and previous.table.context == context else Table(context)
    rows = len(last.offsets)
    old = KeyIndex(last.keys, last.digest)  # key -> row
    matching = trusted and rows > 0  # runs matched in bulk (``_Matcher``): few single pieces, few rows read
    row_keys, row_places = _RowBytes(last.keys, _KEY), _RowBytes(last.places, PLACE)
    if not matching:
        row_keys, row_places = last.rows()
        row_keys.append(None)  # no key is None: a run of rows never reads past the last
    offsets, lengths, crcs = last.offsets, last.lengths, last.crcs
    table = Table(context)
    # The rows are added through bound methods: this loop runs once per piece of every file.
    add_key, add_place = table.keys.extend, table.places.extend
    add_offset, add_length, add_crc = table.offsets.append, table.lengths.append, table.crcs.append
    rendered = copied = renumbered = stale = 0
    crc32 = zlib.crc32
    # Pieces copied in place come mostly in runs of consecutive rows of the previous file: a run
    # is followed piece by piece (a key and a place compared), then copied and added to the
    # table at once. ``first``: its first row (-1: no run); ``following``: the row that extends
    # it; ``end``: where it ends in the previous file; ``at``: where it starts in the new one.
    first, following, end, at = -1, 0, 0, 0
    patched: list[tuple[int, tuple]] = []  # where a stretch copied starts, and its patches (``Moved``)
    lined: list[tuple] = []  # the id lines patched, where they are in the new file (``Moved.found``)
    keep = None
    try:
        with _mapped(previous.path if rows else None) as (before, src, release), open(path, "wb") as out:
            sink = _Sink(out, before, src, lambda: free(path))
            size = len(before)

            def take(first: int, stop: int, end: int, at: int) -> int:
                start = offsets[first]
                sink.copy(start, end - start)
                table.extend(last, first, stop, at - start)
                return stop - first

            pos = 0
            # Runs of pieces are matched with the previous table in bulk when its file needs no
            # checksums (``_Matcher``), else taken piece by piece.
            for piece in _flat(pieces, _Matcher(last, old, size, before) if matching else None):
                if type(piece) is _Shifted:  # rows found in place by the matcher, their ids moved
                    if first >= 0:
                        copied += take(first, following, end, at)
                        first = -1
                    start = offsets[piece.first]
                    release(start)
                    moved = piece.moved
                    bounds = [*accumulate(moved.lengths, initial=0)]  # of each piece in the stretch
                    if moved.patches is not None:
                        # The same length: the kernel copies the old bytes (writing new pages from
                        # here took up to 3 times as long), patched in the file once copied.
                        sink.copy(start, bounds[-1])
                        patched.append((pos, moved.patches))
                        table.crcs.extend(moved.crcs)
                        if moved.keep is not None:
                            lined.append((moved.found[0] + pos, moved.found[1]))
                            keep = moved.keep
                    else:
                        sink.data(moved.data)
                        table.crcs.extend(map(crc32, map(memoryview(moved.data).__getitem__,
                                                         map(slice, bounds[:-1], bounds[1:]))))
                    add_key(last.keys[piece.first * _KEY:piece.stop * _KEY])
                    add_place(piece.places)
                    table.offsets.extend(map(pos.__add__, bounds[:-1]))
                    table.lengths.extend(moved.lengths)
                    pos += bounds[-1]
                    renumbered += piece.renumbered
                    copied += piece.stop - piece.first - piece.renumbered
                    continue
                if type(piece) is _Copy:  # rows of the previous table found in place by the matcher
                    if first >= 0:
                        copied += take(first, following, end, at)
                    first, following = piece
                    end, at = offsets[following - 1] + lengths[following - 1], pos
                    pos += end - offsets[first]
                    continue
                if type(piece) is str:
                    if first >= 0:
                        copied += take(first, following, end, at)
                        first = -1
                    data = piece.encode()
                    if data and before[pos:pos + len(data)] == data:
                        sink.copy(pos, len(data))  # so that an unchanged file is one run, reused whole
                    else:
                        sink.data(data)
                    pos += len(data)
                    continue
                key = piece[0]
                place = piece[3] if len(piece) > 3 else _NOWHERE
                if first >= 0 and key == row_keys[following] and place == row_places[following] \
                        and offsets[following] == end:
                    n = lengths[following]
                    if trusted and end + n <= size:
                        following, end, pos = following + 1, end + n, pos + n
                        continue
                    release(end)
                    if end + n <= size and crc32(before[end:end + n]) == crcs[following]:
                        following, end, pos = following + 1, end + n, pos + n
                        continue
                if first >= 0:
                    copied += take(first, following, end, at)
                    first = -1
                found = old.get(key)
                if found is not None:
                    offset, n, crc = offsets[found], lengths[found], crcs[found]
                    release(offset)
                    if offset + n > size or not trusted and crc32(before[offset:offset + n]) != crc:
                        found = None  # the file changed since its table was written
                        stale += 1
                if found is None:
                    data = sink.data(piece[1](piece[2]).encode())
                    n, crc = len(data), crc32(data)
                    rendered += 1
                elif row_places[found] == place:
                    first, following, end, at = found, found + 1, offset + n, pos
                    pos += n
                    continue
                else:  # the same piece, its ids moved
                    data = sink.data(piece[4](before[offset:offset + n], piece[2], old))
                    n, crc = len(data), crc32(data)
                    renumbered += 1
                add_key(key)
                add_place(place)
                add_offset(pos)
                add_length(n)
                add_crc(crc)
                pos += n
            if first >= 0:
                copied += take(first, following, end, at)
            if patched or not (sink.whole() and _reuse(previous.path, path, src, out)):
                sink.flush()
                _patch(path, patched)
        state.mkdir(exist_ok=True)
        free(table_path(state, path.name))
        with open(table_path(state, path.name), "wb") as f:
            f.write(table.dump())
        if keep is not None:
            import numpy as np  # as the matcher that made them

            keep(table.digest, np.concatenate([o for o, _ in lined]), np.concatenate([n for _, n in lined]))
    except OSError as exc:
        raise OutputError(f"cannot write {shown or path}: {exc.strerror or exc}") from None
    return Spliced(rendered, copied, renumbered, stale)


_FINDS = 64
"""Keys ``KeyIndex`` looks up in the table's bytes before it makes a dict of every row."""
_TRIES = 16
"""Comparisons ``_Matcher`` makes for one run before it hands the rest over piece by piece."""
_SHIFT_BYTES = 8 << 20
"""Bytes of pieces ``Run.shift`` renumbers at once: their old and new bytes are held meanwhile."""


class KeyIndex:
    """The row of a key in the previous table (the last holding it, as a dict of every row's key
    says; None if none). A rebuild looks up only where a run of rows breaks, a few keys a file
    under ``--watch``: those are found in the table's bytes (``rfind``, in C), and a dict of every
    key (a tenth of a second for the eight graph files at 50,000 files) is made only past ``_FINDS``."""

    def __init__(self, keys: bytes | bytearray, table: bytes | None = None) -> None:
        self.keys = keys
        self.table = table
        """The digest of the table the keys are of (``Table.digest``)."""
        self.rows: dict[bytes, int] | None = None
        self.asked = 0

    def every(self) -> dict[bytes, int]:
        """Key -> row, of every row (made now if not yet)."""
        if self.rows is None:
            self.rows = dict(zip(_split(bytes(self.keys), _KEY), count()))
        return self.rows

    def get(self, key: bytes, default: None = None) -> int | None:
        if self.rows is not None:
            return self.rows.get(key)
        self.asked += 1
        if self.asked > _FINDS:
            self.rows = dict(zip(_split(bytes(self.keys), _KEY), count()))
            return self.rows.get(key)
        if len(key) != _KEY:
            return None
        keys = self.keys
        at = keys.rfind(key)
        while at > 0 and at % _KEY:  # a match across two keys: look further back
            at = keys.rfind(key, 0, at + _KEY - 1)
        return at // _KEY if at >= 0 else None


class _RowBytes:
    """A column of a table (keys, places) read row by row from its bytes, for the few rows a rebuild
    under ``--watch`` reads one at a time (a list of every row, ``Table.rows``, is made for the
    many a checksummed rebuild reads). Past the last row: None, as that list's last item."""

    def __init__(self, column: bytearray, width: int) -> None:
        self.column, self.width = column, width

    def __getitem__(self, row: int) -> bytes | None:
        width = self.width
        return bytes(self.column[row * width:row * width + width]) or None


class _Copy(NamedTuple):
    """Rows ``first`` to ``stop`` of the previous table, in place: copied as they are."""

    first: int
    stop: int


class Moved(NamedTuple):
    """Pieces copied in place with their ids moved (``Run.shift``): either their new bytes, or
    the patches that make them of the old bytes (the same length) with each piece's CRC-32."""

    data: bytes | None
    lengths: list[int]
    """Each piece's length."""
    patches: tuple | None = None
    """(offsets, bytes): numpy arrays, ``bytes[k]`` goes at ``offsets[k]`` of the old bytes (None: ``data`` is given)."""
    crcs: list[int] | None = None
    """Each piece's CRC-32, with ``patches``."""
    found: tuple | None = None
    """(offsets, numbers): where the id lines patched are in the old bytes and the positions they
    show now, numpy arrays, for ``keep``."""
    keep: Callable[[bytes, object, object], None] | None = None
    """Called once the file is written, with the digest of its table and where its patched id
    lines are in it (``found`` of every stretch, offsets in the file) and their numbers."""


class _Shifted(NamedTuple):
    """Rows ``first`` to ``stop`` of the previous table, in place, their ids moved (``Run.shift``):
    their new bytes or patches (``Moved``), their places, and how many of them have a new place."""

    first: int
    stop: int
    moved: Moved
    places: bytes
    renumbered: int


def _flat(pieces: Iterator[Piece], matcher: _Matcher | None) -> Iterator:
    """The pieces with each run split by ``matcher`` into copies and single pieces, or (without
    one) into single pieces."""
    for piece in pieces:
        if type(piece) is Run:
            yield from (matcher.split(piece) if matcher is not None else piece.pieces())
        else:
            yield piece


class _Matcher:
    """Splits a run of pieces into stretches that are rows of the previous table in the same
    order, with the same places, each row right after the one before in the previous file
    (``_Copy``: copied in one range), and single pieces for the rest (rendered, renumbered, or
    found elsewhere, piece by piece). The keys and places are compared in numpy, a whole run at a
    time from where its first key is found, so a run of 48,000 nodes with one changed costs two
    comparisons, not a step per piece. Only for a previous file that holds what its table says
    (no checksums to take: ``trusted``), so a row whose key and place match is the piece itself."""

    def __init__(self, last: Table, index: KeyIndex, size: int, before: memoryview | None = None) -> None:
        import numpy as np  # loaded by the index stage anyway; not for a plain rebuild's checksums

        self.np, self.index, self.before, self.last = np, index, before, last
        n = self.rows = len(last.offsets)
        self.keys = np.frombuffer(last.keys, np.uint8).reshape(n, _KEY)
        self.places = np.frombuffer(last.places, np.uint8).reshape(n, PLACE)
        starts = np.frombuffer(last.offsets, np.uint64)
        ends = starts + np.frombuffer(last.lengths, np.uint64)
        self.fits = ends <= size
        self.follows = np.zeros(n, bool)
        """Row r starts where row r - 1 ends in the previous file."""
        self.follows[1:] = starts[1:] == ends[:-1]
        self.next = 0
        """The row after the last copied: where the next run most likely starts."""
        self.starts = starts

    def split(self, run: Run) -> Iterator[_Copy | _Shifted | tuple]:
        np, n, keys, places = self.np, len(run.keys), run.keys, run.places
        if not n:
            return
        new_keys = np.frombuffer(b"".join(keys), np.uint8).reshape(n, _KEY)
        new_places = np.frombuffer(b"".join(places), np.uint8).reshape(n, PLACE) if places is not None else None
        # A run that can renumber pieces in place at once takes a stretch of rows in order whose
        # places moved as it takes one whose places did not (``_stretch``).
        shifts = run.shift is not None and places is not None and self.before is not None

        def single(i: int) -> tuple:
            return keys[i], run.render, i, places[i] if places is not None else _NOWHERE, run.renumber

        i = tries = 0
        while i < n:
            if tries == _TRIES:
                yield from map(single, range(i, n))  # many changes: the per-piece loop takes them
                return
            r = self.next
            if not (r < self.rows and self.keys[r].tobytes() == keys[i]):
                r = self.index.get(keys[i])
            if r is None:
                yield single(i)
                i += 1
                continue
            tries += 1
            m = min(n - i, self.rows - r)
            keyed = (new_keys[i:i + m] == self.keys[r:r + m]).all(1) & self.fits[r:r + m]
            same = keyed & ((new_places[i:i + m] == self.places[r:r + m]).all(1) if new_places is not None
                            else ~self.places[r:r + m].any(1))
            inside = keyed if shifts else same
            # A stretch ends before a piece that differs and before a row not right after the one before.
            cuts = np.flatnonzero(~inside | np.concatenate(([False], ~self.follows[r + 1:r + m]))).tolist()
            a = 0
            for c in cuts:
                if c > a:
                    yield from self._stretch(run, i + a, r + a, r + c, same[a:c], single)
                    self.next = r + c
                a = c
                if inside[c]:
                    continue  # a row not right after the one before: the next stretch starts here
                yield single(i + c)
                a = c + 1
                if a < m and not inside[a]:
                    break  # two in a row differ: the pieces moved (one inserted, one removed)
            else:
                if a < m:
                    yield from self._stretch(run, i + a, r + a, r + m, same[a:m], single)
                    self.next = r + m
                i += m
                continue
            i += a

    def _stretch(self, run: Run, i: int, first: int, stop: int, same, single) -> Iterator[_Copy | _Shifted | tuple]:
        """Pieces ``i``... in place at rows ``first`` to ``stop``, in order: copied where every
        place is the same; else renumbered by ``run.shift`` a few megabytes at a time (bounded
        memory), or, where it cannot, one by one."""
        if same.all():
            yield _Copy(first, stop)
            return
        starts, n, a = self.starts[first:stop], len(same), 0
        while a < n:
            b = min(max(int(starts.searchsorted(starts[a] + _SHIFT_BYTES)), a + 1), n)
            part = same[a:b]
            if part.all():
                yield _Copy(first + a, first + b)
            else:
                lengths = self.last.lengths[first + a:first + b].tolist()
                start = int(starts[a])
                done = run.shift(self.before[start:start + sum(lengths)], i + a, i + b, lengths, self.index, part,
                                 start, self.last.crcs[first + a:first + b])
                if done is None:
                    yield from map(single, range(i + a, i + b))
                else:
                    yield _Shifted(first + a, first + b, done, b"".join(run.places[i + a:i + b]), int((~part).sum()))
            a = b


class Spliced(NamedTuple):
    """How a file was written: its pieces rendered, copied, and copied with ids rewritten; and
    how many pieces its previous file no longer held as its table said (rendered instead)."""

    rendered: int
    copied: int
    renumbered: int
    stale: int = 0


@contextmanager
def _mapped(path: Path | None) -> Iterator[tuple[memoryview, int, Callable[[int], None]]]:
    """The previous file mapped read-only, its descriptor, and ``release(offset)``, which lets
    the map drop its pages well before ``offset`` (empty, -1 and a no-op for None)."""
    if path is None:
        yield memoryview(b""), -1, _keep
        return
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield memoryview(b""), f.fileno(), _keep
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                yield view, f.fileno(), _Release(mapped)
            finally:
                view.release()


def _keep(offset: int) -> None:
    pass


def _patch(path: Path, patched: list[tuple[int, tuple]]) -> None:
    """Apply the patches of each stretch copied into the file at ``path`` (open to be written, not
    read: opened again to be mapped), one stretch's pages mapped at a time, each stretch's bytes
    put in place at once by numpy (a slice assigned per patch was 0.1 s a file at 50,000 files)."""
    if not patched:
        return
    import numpy as np  # as the matcher that made the patches

    with open(path, "r+b") as f:
        for start, (offsets, data) in patched:
            if not len(offsets):
                continue
            lo, hi = int(offsets.min()), int(offsets.max()) + 1
            base = (start + lo) - (start + lo) % mmap.ALLOCATIONGRANULARITY
            with mmap.mmap(f.fileno(), start + hi - base, offset=base) as mapped:
                view = np.frombuffer(mapped, np.uint8)
                view[offsets + (start - base)] = data
                del view  # the map cannot close while an array shows it


class _Release:
    """Drops the pages of a map behind the pieces read so far. Mapped pages count in a process's
    memory (PSS) while mapped, and the CRC check reads every copied byte: without this, splicing
    a 280 MB file held 280 MB more. Pieces come in file order, nearly always; one read again
    after its pages were dropped is only read from the page cache again."""

    def __init__(self, mapped: mmap.mmap) -> None:
        self.mapped = mapped
        self.done = 0

    def __call__(self, offset: int) -> None:
        if offset - self.done > _RELEASE:
            upto = offset - offset % mmap.PAGESIZE
            self.mapped.madvise(mmap.MADV_DONTNEED, self.done, upto - self.done)
            self.done = upto


class _Sink:
    """Rendered bytes written in batches; copied ranges merged while contiguous, then handed to
    the kernel (or written from the map where it cannot copy between these files)."""

    def __init__(self, out, before: memoryview, src: int, first: Callable[[], None]) -> None:
        self.out = out
        self.before = before
        self.src = src
        self.first: Callable[[], None] | None = first
        """Called before the first byte is written or copied (then None)."""
        self.buffer: list[bytes] = []
        self.size = 0
        self.run: list[int] | None = None  # [offset, length] of the copy being gathered

    def data(self, data: bytes) -> bytes:
        if self.run is not None:
            self._copy()
        self.buffer.append(data)
        self.size += len(data)
        if self.size > 1 << 20:
            self._write()
        return data

    def copy(self, offset: int, length: int) -> None:
        if self.run is not None and self.run[0] + self.run[1] == offset:
            self.run[1] += length
            return
        if self.run is not None:
            self._copy()
        self._write()
        self.run = [offset, length]

    def whole(self) -> bool:
        """True when the new file is the previous one, byte for byte, and nothing is written yet."""
        return self.run == [0, len(self.before)] and self.run[1] > 0 and not self.buffer and self.out.tell() == 0

    def flush(self) -> None:
        if self.run is not None:
            self._copy()
        self._write()
        self.out.flush()

    def _write(self) -> None:
        if self.buffer:
            self._start()
            self.out.write(b"".join(self.buffer))
            self.buffer.clear()
            self.size = 0

    def _start(self) -> None:
        if self.first is not None:
            self.first()
            self.first = None

    def _copy(self) -> None:
        offset, length = self.run
        self.run = None
        self._start()
        self.out.flush()
        src, dst = self.src, self.out.fileno()
        while length:
            try:
                n = os.copy_file_range(src, dst, min(length, _COPY_RUN), offset)
            except (AttributeError, OSError):
                n = 0
            if n <= 0:
                n = os.write(dst, self.before[offset:offset + min(length, _COPY_RUN)])
            offset += n
            length -= n
        self.out.seek(0, os.SEEK_END)  # the buffered file object must see the kernel's offset


_FICLONE = 0x40049409  # Linux ioctl: share the source's extents, copy on write


def _reuse(old: Path, new: Path, src: int, out) -> bool:
    """Make ``new`` (open as ``out``, empty) the previous file ``old`` whole without copying its
    bytes: a clone where the file system has them (copy on write: nothing is shared with the
    previous folder afterwards), else a hard link (docs/performance.md#whole-files-are-linked).
    False when neither can be made: the caller copies."""
    try:
        fcntl.ioctl(out.fileno(), _FICLONE, src)
        return True
    except (OSError, ValueError):
        pass
    link = new.with_name(f".{new.name}.link")
    try:
        os.link(old, link)
        # ``out`` now writes to an unnamed inode, closed unwritten. Unlinked, then renamed over
        # nothing: renamed over a file, ext4 first writes back the renamed file's dirty pages
        # (auto_da_alloc), ~50 ms for each file the build before wrote (0.4 s a rebuild).
        os.unlink(new)
    except OSError:
        link.unlink(missing_ok=True)
        return False
    os.rename(link, new)  # in the private staging folder: a failure here fails the build
    return True
