"""RDF 1.1 N-Triples, streamed from ``graph.vocab.statements``: one triple per line, full IRIs,
so it can be split, concatenated, diffed and bulk-loaded line by line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

import networkx as nx

from graph.exporters.ttl import literal
from graph.splice import Piece, file_context, node_run, render
from graph.vocab import IRI, Group, Literal, Statement, Terms, scheme_statements, subject_groups


def write(G: nx.DiGraph, out: TextIO, options) -> None:
    """Write the graph as N-Triples to a text stream."""
    out.writelines(render(pieces(G, options)))


def pieces(G: nx.DiGraph, options) -> Iterator[Piece]:
    """The file as keyed pieces (``graph.splice``): the scheme triples, then one piece per node."""
    yield file_context("graph.nt", options.base_iri)
    t = Terms.of(G, options.base_iri)
    yield ntriples(scheme_statements(t))
    yield node_run(G, lambda node: _node((G, t, node)))


def _node(args) -> str:
    # What ntriples(subject_statements(...)) writes, a run of IRIs in one join (tests/test_vocab.py).
    parts = []
    for s, groups in subject_groups(*args):
        for p, objects, iris in groups:
            head = f"<{s}> <{p}> "
            if iris:
                between = f"> .\n{head}<"
                parts.append(f"{head}<{between.join(objects)}> .\n")
            else:
                parts.extend([f"{head}<{o}> .\n" if isinstance(o, IRI) else f"{head}{literal(o)} .\n"
                              for o in objects])
    return "".join(parts)


def ntriple(s: IRI, p: str, o: IRI | Literal) -> str:
    """One statement as an N-Triples line, newline included."""
    return ntriples(((s, p, o),))


def ntriples(statements: Iterable[Statement]) -> str:
    """Statements as N-Triples lines (a file has millions: no call per statement)."""
    return "".join([f"<{s}> <{p}> <{o}> .\n" if isinstance(o, IRI) else f"<{s}> <{p}> {literal(o)} .\n"
                    for s, p, o in statements])
