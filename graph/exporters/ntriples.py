"""RDF 1.1 N-Triples, streamed from ``graph.vocab.statements``: one triple per line, full IRIs,
so it can be split, concatenated, diffed and bulk-loaded line by line."""

from __future__ import annotations

from typing import TextIO

import networkx as nx

from graph.exporters.ttl import literal
from graph.vocab import IRI, statements


def write(G: nx.DiGraph, out: TextIO, options) -> None:
    """Write the graph as N-Triples to a text stream."""
    for s, p, o in statements(G, options.base_iri):
        obj = f"<{o}>" if isinstance(o, IRI) else literal(o)
        out.write(f"<{s}> <{p}> {obj} .\n")
