"""Spliced output files: a rebuild renders only the pieces whose inputs changed and copies the
others, byte for byte, from the previous build's file (docs/performance.md#rebuilds).

A writer that can be spliced yields its file's *context* (``file_context``: a digest of what
the whole file depends on: the format's code, the options, the label languages), then its
*pieces* in output order: plain strings (glue:
headers, separators, always rendered) and ``(key, render, arg)`` triples, one per node or per
node's edges, whose bytes are ``render(arg)``. A key names everything the piece's bytes depend
on: the node's attributes, its out-edges, its in-degree and its related terms (``node_keys``),
plus any position the piece writes (``n12``, ``e345``).

Each file written this way leaves a *chunk table* in the state folder (``OUT/.linkgraph/``):
its context and, per piece, the key, offset and length. The next build, when the folder's
manifest says the files are those the tables describe, looks each key up: found, the range is
copied from the old file (``os.copy_file_range``: the kernel copies, no bytes pass through
Python); not found, the piece is rendered. So a piece is reused only when its inputs are
equal, and the bytes are those of a cold build by construction. A table whose checksum fails
is a warning and its file is rendered whole; a table of another context is simply not used.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, Union

from graph.errors import OutputError
from graph.fields import edge_fields, related_pairs

Piece = Union[bytes, str, tuple]
"""The file's context (bytes, first), glue text, (key, render, arg): a keyed piece whose text is
``render(arg)``, or (key, render, arg, place, renumber) for a piece that writes positional ids:
``place`` digests them, and ``renumber(old bytes, arg)`` gives a copied piece its new ones."""
TABLE_SUFFIX = ".chunks"
_MAGIC = b"LGchunk1"
_HEADER = len(_MAGIC) + 16 + 8 + 16  # magic, context, payload length, BLAKE2b-128 of the payload
_KEY = 17  # a section letter and 16 bytes of BLAKE2b
_PLACE = 8  # BLAKE2b of the positional ids a piece writes (none: zeros)
_NOWHERE = bytes(_PLACE)
_COPY_RUN = 1 << 30
# Modules whose code decides what a piece of an output file is.
_WRITING_MODULES = ("splice.py", "fields.py", "vocab.py", "slugs.py", "build.py", "model.py", "text.py")


def render(pieces: Iterable[Piece]) -> Iterator[str]:
    """The text of every piece, in order: what a writer writes when nothing can be reused."""
    for piece in pieces:
        if type(piece) is str:
            yield piece
        elif type(piece) is tuple:
            yield piece[1](piece[2])


def digest(data: bytes) -> bytes:
    """16 bytes of BLAKE2b: keys are compared, never trusted for anything else."""
    return hashlib.blake2b(data, digest_size=16).digest()


def node_keys(G) -> dict[str, bytes]:
    """Node -> digest of everything a piece about it can show: its attributes, its out-edges
    (targets and attributes, in order), its in-degree and its related terms. Made once per graph
    (kept in ``G.graph``) before the writers fork, so they share it.

    ``marshal`` version 2 serialises equal values to equal bytes (no sharing references, no
    interning flags), in C: 50,000 nodes in a fraction of a second."""
    keys = G.graph.get("splice_keys")
    if keys is None:
        succ, pred, dumps = G._succ, G._pred, marshal.dumps
        related = G.graph.get("related", {})
        keys = G.graph["splice_keys"] = {
            node: digest(dumps((node, data, succ[node], len(pred[node]), related.get(node)), 2))
            for node, data in G._node.items()}
    return keys


_CODE: dict[str, bytes] = {}


def file_context(filename: str, module_file: str, *parts: object) -> bytes:
    """The context of one output file: its name, its writer's code and the modules it uses, and
    ``parts`` (options, label languages... anything every piece depends on), as a digest."""
    code = _CODE.get(module_file)
    if code is None:
        here = Path(__file__).parent
        h = hashlib.blake2b(Path(module_file).read_bytes(), digest_size=16)
        for name in _WRITING_MODULES:
            h.update((here / name).read_bytes())
        code = _CODE[module_file] = h.digest()
    return digest(code + repr((filename, parts)).encode())


class Table:
    """The chunk table of one file: its context and, per piece, key, place, offset and length."""

    def __init__(self, context: bytes, keys: bytes = b"", places: bytes = b"", offsets: array | None = None,
                 lengths: array | None = None) -> None:
        self.context = context
        self.keys = bytearray(keys)
        self.places = bytearray(places)
        self.offsets = offsets if offsets is not None else array("Q")
        self.lengths = lengths if lengths is not None else array("Q")

    def add(self, key: bytes, place: bytes, offset: int, length: int) -> None:
        self.keys += key
        self.places += place
        self.offsets.append(offset)
        self.lengths.append(length)

    def lookup(self) -> dict[bytes, tuple[int, int, bytes]]:
        """Key -> (offset, length, place)."""
        keys, places = bytes(self.keys), bytes(self.places)
        return {keys[i * _KEY:(i + 1) * _KEY]: (o, n, places[i * _PLACE:(i + 1) * _PLACE])
                for i, (o, n) in enumerate(zip(self.offsets, self.lengths))}

    def dump(self) -> bytes:
        payload = (len(self.offsets).to_bytes(8, "big") + bytes(self.keys) + bytes(self.places)
                   + self.offsets.tobytes() + self.lengths.tobytes())
        return _MAGIC + self.context + len(payload).to_bytes(8, "big") + digest(payload) + payload

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
        if length != 8 + n * (_KEY + _PLACE + 16):
            return None
        keys_end = 8 + n * _KEY
        places_end = keys_end + n * _PLACE
        offsets, lengths = array("Q"), array("Q")
        offsets.frombytes(payload[places_end:places_end + 8 * n])
        lengths.frombytes(payload[places_end + 8 * n:])
        return cls(context, payload[8:keys_end], payload[keys_end:places_end], offsets, lengths)


def table_path(state: Path, filename: str) -> Path:
    """Where the chunk table of ``filename`` lives in a state folder."""
    return state / (filename + TABLE_SUFFIX)


def read_table(state: Path, filename: str) -> tuple[Table | None, str | None]:
    """(the chunk table of ``filename`` in ``state``, or None; a warning when one is there but damaged)."""
    path = table_path(state, filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{path} cannot be read ({exc.strerror}): {filename} is written whole"
    table = Table.load(data)
    if table is None:
        return None, f"{path} is damaged or not linkgraph's: ignored, {filename} is written whole"
    return table, None


class Previous(NamedTuple):
    """What a file can be spliced from: the previous build's file and its chunk table."""

    path: Path
    table: Table


def write_spliced(path: Path, pieces: Iterable[Piece], state: Path,
                  previous: Previous | None = None, shown: Path | None = None) -> tuple[int, int, int]:
    """Write the pieces to ``path`` (a new file in the staging folder), copying each keyed piece
    found in ``previous`` from its file, and the chunk table into the ``state`` folder.
    Returns (pieces rendered, copied, copied and renumbered). OutputError names ``shown`` when
    writing fails."""
    pieces = iter(pieces)
    context = next(pieces)
    old = previous.table.lookup() if previous is not None and previous.table.context == context else {}
    table = Table(context)
    rendered = copied = renumbered = 0
    try:
        src = os.open(previous.path, os.O_RDONLY | os.O_CLOEXEC) if old else -1
        try:
            with open(path, "wb") as out:
                sink = _Sink(out, src)
                pos = 0
                for piece in pieces:
                    if type(piece) is str:
                        pos += sink.text(piece)
                        continue
                    key, fn, arg = piece[:3]
                    place = piece[3] if len(piece) > 3 else _NOWHERE
                    found = old.get(key)
                    if found is None:
                        n = sink.text(fn(arg))
                        rendered += 1
                    elif found[2] == place:
                        n = sink.copy(found[0], found[1])
                        copied += 1
                    else:  # the same piece, its ids moved
                        n = sink.data(piece[4](sink.read(found[0], found[1]), arg))
                        renumbered += 1
                    table.add(key, place, pos, n)
                    pos += n
                sink.flush()
        finally:
            if src >= 0:
                os.close(src)
        state.mkdir(exist_ok=True)
        with open(table_path(state, path.name), "wb") as f:
            f.write(table.dump())
    except OSError as exc:
        raise OutputError(f"cannot write {shown or path}: {exc.strerror or exc}") from None
    return rendered, copied, renumbered


class _Sink:
    """Rendered text buffered and encoded in batches; copied ranges merged while contiguous,
    then handed to the kernel."""

    def __init__(self, out, src: int) -> None:
        self.out = out
        self.src = src
        self.buffer: list[str] = []
        self.size = 0
        self.run: list[int] | None = None  # [offset, length] of the copy being gathered

    def text(self, text: str) -> int:
        return self.data(text.encode("utf-8"))

    def read(self, offset: int, length: int) -> bytes:
        """Bytes of the previous file."""
        data = os.pread(self.src, length, offset)
        while len(data) < length:
            more = os.pread(self.src, length - len(data), offset + len(data))
            if not more:
                raise OSError(f"the previous file ended {length - len(data)} bytes early")
            data += more
        return data

    def data(self, data: bytes) -> int:
        if self.run is not None:
            self._copy()
        self.buffer.append(data)
        self.size += len(data)
        if self.size > 1 << 20:
            self._write()
        return len(data)

    def copy(self, offset: int, length: int) -> int:
        if self.run is not None and self.run[0] + self.run[1] == offset:
            self.run[1] += length
            return length
        if self.run is not None:
            self._copy()
        self._write()
        self.run = [offset, length]
        return length

    def flush(self) -> None:
        if self.run is not None:
            self._copy()
        self._write()
        self.out.flush()

    def _write(self) -> None:
        if self.buffer:
            self.out.write(b"".join(self.buffer))
            self.buffer.clear()
            self.size = 0

    def _copy(self) -> None:
        offset, length = self.run
        self.run = None
        self.out.flush()
        dst = self.out.fileno()
        while length:
            try:
                n = os.copy_file_range(self.src, dst, min(length, _COPY_RUN), offset)
            except (AttributeError, OSError):
                n = 0  # no copy_file_range here (or not between these files): read and write
            if n <= 0:
                data = os.pread(self.src, min(length, 1 << 24), offset)
                if not data:
                    raise OSError(f"the previous file ended {length} bytes early")
                n = os.write(dst, data)
            offset += n
            length -= n
        self.out.seek(0, os.SEEK_END)  # the buffered file object must see the kernel's offset


def numbered_pieces(G, writer, between: str = "") -> Iterator[Piece]:
    """The pieces of a graph file whose elements carry positional ids (GraphML, GEXF): one per
    node, then ``between``, then one per node's edges and one per node's related pairs, numbered
    on from its edges as both formats do. A copied piece whose ids moved (a node inserted before
    it, an edge more before it) is renumbered, not rendered: its id lines are rewritten.

    ``writer`` renders: ``node(node, i)``, ``edge(e, u, v, fields)`` with node positions ``u``
    and ``v``; names the id lines: ``node_start(i)``, ``edge_start(e, u, v)``; and finds them
    in old bytes: ``node_pattern``, ``edge_pattern`` (multi-line regexes that no text can match)."""
    keys = node_keys(G)
    ids = {node: i for i, node in enumerate(G)}
    for node, i in ids.items():
        yield b"n" + keys[node], _node, (writer, node, i), _place((i,)), _renumber_node
    if between:
        yield between
    e = 0
    succ = G._succ
    for u in G:
        if succ[u]:
            numbers = [e, ids[u], *map(ids.__getitem__, succ[u])]
            yield b"e" + keys[u], _edges, (writer, numbers, succ[u].values()), _place(numbers), _renumber_edges
            e += len(numbers) - 2
    for u, ranked in G.graph.get("related", {}).items():
        if ranked:
            numbers = [e, ids[u], *(ids[v] for v, _ in ranked)]
            yield b"r" + keys[u], _related, (writer, numbers, u, ranked), _place(numbers), _renumber_edges
            e += len(numbers) - 2


def _place(numbers) -> bytes:
    return hashlib.blake2b(array("Q", numbers).tobytes(), digest_size=_PLACE).digest()


def _node(args) -> str:
    writer, node, i = args
    return writer.node(node, i)


def _edges(args) -> str:
    writer, (e, u, *targets), edges = args
    return "".join(writer.edge(e + j, u, v, edge_fields(data)) for j, (v, data) in enumerate(zip(targets, edges)))


def _related(args) -> str:
    writer, (e, u, *targets), source, ranked = args
    return "".join(writer.edge(e + j, u, v, fields)
                   for j, (v, (_, _, fields)) in enumerate(zip(targets, related_pairs(source, ranked))))


def _renumber_node(old: bytes, args) -> bytes:
    writer, _, i = args
    return writer.node_pattern.sub(writer.node_start(i).encode(), old, count=1)


def _renumber_edges(old: bytes, args) -> bytes:
    writer, (e, u, *targets) = args[0], args[1]
    starts = iter([writer.edge_start(e + j, u, v).encode() for j, v in enumerate(targets)])
    return writer.edge_pattern.sub(lambda _: next(starts), old)
