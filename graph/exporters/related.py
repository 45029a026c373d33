"""related-index.json: what ``linkgraph related`` answers from (``graph.related_index``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

import networkx as nx

from graph.exporters import ExportOptions
from graph.related_index import INDEX_FILE, field_text, index_view, write_index
from graph.splice import Piece, digest, file_context


def write(G: nx.DiGraph, out: TextIO, options: ExportOptions) -> None:
    """Write the related index of ``G`` (built with its index stage)."""
    write_index(G, out)


def pieces(G: nx.DiGraph, options: ExportOptions) -> Iterator[Piece]:
    """The same file as keyed pieces (``graph.splice``), one per field of the index: a rebuild
    copies the fields that did not change, and links the file whole when none did (a prose edit
    past the indexed lead)."""
    yield file_context(INDEX_FILE)
    memo = options.memo if options is not None else None
    last, fields = memo.fields if memo is not None else {}, {}
    view = index_view(G)
    for i, (name, value) in enumerate(view.data.items()):
        found = last.get(name)
        # Under --watch, a field whose value is the very object the last build encoded at the same
        # place keeps its key, and is encoded only if the previous file lacks it: the index stage
        # gives a part again only while its inputs compare equal, and never changes one it gave
        # (0.18 s of encoding and digesting at 50,000 files, most of it fields that did not change).
        if found is not None and found[0] is value and found[1] == i:
            yield found[2], _field, (i, name, value, view)
        else:
            text = _field((i, name, value, view))
            found = value, i, b"f" + digest(text.encode())
            yield found[2], str, text
        fields[name] = found
    if memo is not None:
        memo.fields = fields
    view.texts = None  # what the fit encoded, not held past this file
    yield "}\n"


def _field(args: tuple) -> str:
    # What json.dumps of the whole index writes for this field, so the bytes are the same.
    i, name, value, view = args
    return ("{" if i == 0 else ",") + json.dumps(name) + ":" + field_text(view, value)
