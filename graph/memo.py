"""What a rebuild keeps of the last build: in memory for ``--watch``, and of the index stage
also in the state folder (``OUT/.linkgraph/index-memo.bin``) for a rebuild from the command line.

On disk: each article's name matches and the names they were made from
(``graph.mentions.ScanMemo``), the per-article work of unlinked mentions, which a rebuild need
not redo for an article whose lead and reachable names did not change. Outputs are the same
with or without it (docs/performance.md#rebuilds). The format is ``marshal`` version 2 of plain
values over one table of strings (no object sharing, no sets), so equal memos give equal bytes,
behind a BLAKE2b checksum and a digest of the code whose results it holds. Reading it back took
about 1 CPU second at 50,000 files, where scanning and naming again take several; ``marshal`` is
not meant for data from others, hence the checksum, checked before anything is decoded.
"""

from __future__ import annotations

import hashlib
import marshal
import unicodedata
from collections import defaultdict
from itertools import count
from pathlib import Path

import pyromark

from graph.build import GraphMemo
from graph.mentions import Name, ScanMemo
from graph.related_index import RelatedModel
from graph.resolve import ResolveMemo

MEMO_STATE = "index-memo.bin"
"""In the state folder: the memo of the last build's index stage."""
_MAGIC = b"linkgraph index memo\n"
_FORMAT = 1
_CODE: list[str] = []


class Memo:
    """What a rebuild keeps from the last build, so that it recomputes only what changed: each
    article's name matches with the lexicon's names (kept on disk too), and in a long-lived
    process (``--watch``) also each file's article (``read_corpus``'s ``known``), each article's
    resolved links (``ResolveMemo``), each concept's out-links (``GraphMemo``), each text's term
    counts and the related model with the digest of what it was fitted to. Outputs are the same with or without it; it holds only what
    the last build used, so it does not grow over a long watch."""

    def __init__(self) -> None:
        self.files: dict = {}
        self.resolved = ResolveMemo()
        self.graph = GraphMemo()
        self.texts: dict = {}
        self.scans = ScanMemo()
        self.model: RelatedModel | None = None


def code() -> str:
    """A digest of what the memo's values depend on besides their keys: the code that made them
    (term counts, names, the prose scan), the Markdown parser and the Unicode tables."""
    if not _CODE:
        import graph.links
        import graph.mentions
        import graph.normalize
        import graph.textindex

        h = hashlib.blake2b(digest_size=16)
        for module in (graph.links, graph.mentions, graph.normalize, graph.textindex):
            h.update(Path(module.__file__).read_bytes())
        h.update(f"{_FORMAT} {pyromark.__version__} {unicodedata.unidata_version}".encode())
        _CODE.append(h.hexdigest())
    return _CODE[0]


def memo_bytes(memo: Memo) -> bytes:
    """The memo's name matches as bytes (the term counts and the model are not stored: the
    counts cost about what reading them back would, the state keeps the model apart). Equal
    memos, equal bytes."""
    scans = memo.scans
    # Every text once, numbered in the order of first use; the rest refer to it by number (C
    # lookups: a memo holds millions of texts). Names likewise.
    strings: dict[str, int] = defaultdict(count().__next__)
    text = strings.__getitem__
    table: dict[Name, int] = {}
    seen: dict[int, int] = {}  # by identity first: hashing a Name by value is slow, and most are met again
    rows: list[tuple] = []

    def ref(made: Name) -> int:
        i = seen.get(id(made))
        if i is None:
            i = table.setdefault(made, len(rows))
            if i == len(rows):  # a name not met before
                rows.append((text(made.target), list(map(text, made.words)), list(map(text, made.keys)),
                             text(made.origin), made.weight, made.capitals))
            seen[id(made)] = i
        return i

    names = [(text(target), text(written), text(origin), weight, capitals, None if made is None else ref(made))
             for (target, written, origin, weight, capitals), made in scans.names.items()]
    groups = [(text(key), [ref(n) for n in group]) for key, group in scans.groups.items()]
    entries = [(line, digest, starts,
                [(at, text(written), [(ref(n), text(tier)) for n, tier in matched]) for at, written, matched in matches])
               for (line, digest), (starts, matches) in scans.entries.items()]
    payload = marshal.dumps((code(), list(strings), rows, names, groups, entries), 2)
    return _MAGIC + hashlib.blake2b(payload, digest_size=16).digest() + payload


def memo_from_bytes(data: bytes) -> Memo | None:
    """The memo ``memo_bytes`` wrote; None when other code made it; ValueError when the bytes are
    not a whole memo (damaged, or not linkgraph's)."""
    start = len(_MAGIC) + 16
    if not data.startswith(_MAGIC) or hashlib.blake2b(data[start:], digest_size=16).digest() != data[len(_MAGIC):start]:
        raise ValueError("not a linkgraph index memo, or damaged")
    try:
        made_by, strings, rows, names, groups, entries = marshal.loads(data[start:])
        if made_by != code():
            return None
        s = strings
        table = [Name(s[t], tuple(s[i] for i in words), tuple(s[i] for i in keys), s[o], weight, capitals)
                 for t, words, keys, o, weight, capitals in rows]
        memo = Memo()
        scans = memo.scans
        scans.names = {(s[t], s[x], s[o], weight, capitals): None if i is None else table[i]
                       for t, x, o, weight, capitals, i in names}
        scans.groups = {s[key]: [table[i] for i in group] for key, group in groups}
        scans.entries = {(line, digest): (starts,
                                          tuple((at, s[x], tuple((table[i], s[tier]) for i, tier in matched))
                                                for at, x, matched in matches))
                         for line, digest, starts, matches in entries}
    except (TypeError, ValueError, KeyError, IndexError, EOFError) as exc:
        raise ValueError(f"not a whole linkgraph index memo ({type(exc).__name__})") from None
    return memo
