"""related-index.json: what ``linkgraph related`` answers from (``graph.related_index``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

import networkx as nx

from graph.exporters import ExportOptions
from graph.related_index import INDEX_FILE, index_view, write_index
from graph.splice import Piece, digest, file_context


def write(G: nx.DiGraph, out: TextIO, options: ExportOptions) -> None:
    """Write the related index of ``G`` (built with its index stage)."""
    write_index(G, out)


def pieces(G: nx.DiGraph, options: ExportOptions) -> Iterator[Piece]:
    """The same file as keyed pieces (``graph.splice``), one per field of the index: a rebuild
    copies the fields that did not change, and links the file whole when none did (a prose edit
    past the indexed lead)."""
    yield file_context(INDEX_FILE)
    for i, (name, value) in enumerate(index_view(G).data.items()):
        # What json.dumps of the whole index writes for this field, so the bytes are the same.
        text = ("{" if i == 0 else ",") + json.dumps(name) + ":" + json.dumps(
            value, ensure_ascii=False, separators=(",", ":"))
        yield b"f" + digest(text.encode()), str, text
    yield "}\n"
