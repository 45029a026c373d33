"""RDF 1.1 Turtle, streamed from ``graph.vocab.statements`` (no second in-memory graph).

Prefixed names are used only where the local part is plain ASCII letters, digits, ``_`` and
``-``: pyoxigraph would otherwise write escapes (``a:ends\\.``) that rdflib rejects (rdflib #933),
so anything else is written as a full ``<IRI>``. So is a local part longer than
``MAX_LOCAL_NAME``: Virtuoso 7.2 rejects local parts over 498 characters (``SP029 … abnormally
long 'local part'``, and its bulk loader drops such triples without a word) while it accepts full
IRIs of thousands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import TextIO

import networkx as nx

from graph.splice import Piece, file_context, node_run, render
from graph.vocab import PREFIXES, IRI, Literal, Statement, Terms, scheme_statements, subject_groups

MAX_LOCAL_NAME = 100
"""Longest local part written as a prefixed name (docs/formats.md): far below Virtuoso's 498."""
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,%d}$" % (MAX_LOCAL_NAME - 1))
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_RDF_TYPE = PREFIXES["rdf"] + "type"
_SUBJECT, _PREDICATE = itemgetter(0), itemgetter(1)


def literal(lit: Literal) -> str:
    """A Turtle/N-Triples string literal; text is already free of forbidden characters."""
    text = lit.text
    # Most text has nothing to escape: five searches in C are cheaper than translating it.
    if "\\" in text or '"' in text or "\n" in text or "\r" in text or "\t" in text:
        text = text.translate(_ESCAPES)
    quoted = f'"{text}"'
    if lit.datatype:
        return f"{quoted}^^<{lit.datatype}>"
    return f"{quoted}@{lit.lang}" if lit.lang else quoted


class _Names(dict):
    """IRI -> how Turtle writes it; each IRI is written many times: its name is decided once."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        super().__init__()
        # Longest namespace first, so the concept base never captures a vocabulary IRI.
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def __missing__(self, iri: str) -> str:
        name = self[iri] = self._name(iri)
        return name

    def _name(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"


def write(G: nx.DiGraph, out: TextIO, options) -> None:
    """Write the graph as Turtle to a text stream."""
    out.writelines(render(pieces(G, options)))


def pieces(G: nx.DiGraph, options) -> Iterator[Piece]:
    """The file as keyed pieces (``graph.splice``): prefixes and schemes, then one piece per node
    (a node's subjects never run into the next node's: each has its own IRIs)."""
    yield file_context("graph.ttl", options.base_iri)
    prefixes = {**PREFIXES, "c": options.base_iri}
    name = _Names(prefixes)
    yield "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in prefixes.items())
    t = Terms.of(G, options.base_iri)
    yield _subjects(name, scheme_statements(t))
    yield node_run(G, lambda node: _node((G, t, node, name)))


def _node(args) -> str:
    # What _subjects(name, subject_statements(...)) writes, a run of IRIs named in C (tests/test_vocab.py).
    G, t, node, name = args
    text = []
    for subject, groups in subject_groups(G, t, node):
        text.append(f"\n{name[subject]}")
        sep = " "
        for predicate, objects, iris in groups:
            pred = "a" if predicate == _RDF_TYPE else name[predicate]
            objs = ", ".join(map(name.__getitem__, objects) if iris else
                             [name[o] if isinstance(o, IRI) else literal(o) for o in objects])
            text.append(f"{sep}{pred} {objs}")
            sep = " ;\n    "
        text.append(" .\n")
    return "".join(text)


def _subjects(name: _Names, statements: Iterable[Statement]) -> str:
    text = []
    for subject, triples in groupby(statements, _SUBJECT):
        text.append(f"\n{name[subject]}")
        sep = " "
        for predicate, objects in groupby(triples, _PREDICATE):
            pred = "a" if predicate == _RDF_TYPE else name[predicate]
            objs = ", ".join([name[o] if isinstance(o, IRI) else literal(o) for _, _, o in objects])
            text.append(f"{sep}{pred} {objs}")
            sep = " ;\n    "
        text.append(" .\n")
    return "".join(text)
