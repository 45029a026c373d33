"""RDF 1.1 N-Triples, streamed from ``graph.vocab.statements``: one triple per line, full IRIs,
so it can be split, concatenated, diffed and bulk-loaded line by line."""

from __future__ import annotations

from typing import TextIO

import networkx as nx

from graph.exporters.ttl import literal
from graph.vocab import IRI, Literal, statements


def write(G: nx.DiGraph, out: TextIO, options) -> None:
    """Write the graph as N-Triples to a text stream."""
    out.writelines(ntriple(s, p, o) for s, p, o in statements(G, options.base_iri))


def ntriple(s: IRI, p: str, o: IRI | Literal) -> str:
    """One statement as an N-Triples line, newline included."""
    obj = f"<{o}>" if isinstance(o, IRI) else literal(o)
    return f"<{s}> <{p}> {obj} .\n"
