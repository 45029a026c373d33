"""related-index.json: what ``linkgraph related`` answers from (``graph.related_index``)."""

from __future__ import annotations

from typing import TextIO

import networkx as nx

from graph.exporters import ExportOptions
from graph.related_index import write_index


def write(G: nx.DiGraph, out: TextIO, options: ExportOptions) -> None:
    """Write the related index of ``G`` (built with its index stage)."""
    write_index(G, out)
