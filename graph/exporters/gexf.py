"""GEXF 1.3 for Gephi, Gephi Lite and sigma.js (graphology), streamed from ``graph.fields``.

Node ``label`` and edge ``weight`` are GEXF's own XML attributes (Gephi's Label and Weight
columns), so they are not repeated as attvalues; every other field is a declared attribute
whose id is its name. No ``lastmodifieddate``: the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph.fields import JOIN, edge_field_types, node_field_types, node_fields
from graph.numbered import IdLines, numbered_pieces
from graph.splice import Piece, file_context, render

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
    "  <meta>\n    <creator>linkgraph</creator>\n  </meta>\n"
    '  <graph defaultedgetype="directed" mode="static">\n'
)
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"}
_TYPES = {"string": "string", "int": "integer", "double": "double", "boolean": "boolean"}
_NATIVE_NODE, _NATIVE_EDGE = {"label"}, {"weight"}


def write(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write the graph as GEXF 1.3 to a text stream."""
    out.writelines(render(pieces(G, options)))


def pieces(G: nx.DiGraph, options=None) -> Iterator[Piece]:
    """The file as keyed pieces (``graph.splice``): the attribute declarations, then a piece per
    node, per node's edges and per node's related pairs; their ids are positions, renumbered
    when copied."""
    node_types = {k: t for k, t in node_field_types(G).items() if k not in _NATIVE_NODE}
    edge_types = {k: t for k, t in edge_field_types(G).items() if k not in _NATIVE_EDGE}
    yield file_context("graph.gexf", node_types, edge_types, G.graph.get("label_order", ()))
    head = [_HEADER]
    for cls, types in (("node", node_types), ("edge", edge_types)):
        head.append(f'    <attributes class="{cls}" mode="static">\n')
        for name, kind in types.items():
            head.append(f"      <attribute id={quoteattr(name)} title={quoteattr(name)} type=\"{_TYPES[kind]}\"/>\n")
        head.append("    </attributes>\n")
    yield "".join(head) + "    <nodes>\n"
    yield from numbered_pieces(G, _Writer(G, node_types, edge_types), "    </nodes>\n    <edges>\n", _kept(options))
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _kept(options) -> dict | None:
    memo = options.memo if options is not None else None
    return memo.lines.setdefault("graph.gexf", {}) if memo is not None else None


class _Writer(IdLines):
    """How GEXF writes the numbered elements (``graph.numbered.numbered_pieces``)."""

    indent = "      "

    def __init__(self, G: nx.DiGraph, node_types: dict[str, str], edge_types: dict[str, str]) -> None:
        self.G, self.node_types, self.edge_types = G, node_types, edge_types

    def node(self, node: str, i: int) -> str:
        fields = node_fields(self.G, node)
        return (f'{self.node_start(i)} label="{_attr(str(fields["label"]))}">\n'
                f'{_attvalues(fields, self.node_types)}      </node>\n')

    def edge(self, e: int, u: int, v: int, fields: dict) -> str:
        # related edges (build --related) carry a score and a rank, not occurrences
        weight = f' weight="{fields["weight"]}"' if "weight" in fields else ""
        return (f'{self.edge_start(e, u, v)} label="{_attr(str(fields["kind"]))}"{weight}>\n'
                f'{_attvalues(fields, self.edge_types)}      </edge>\n')

    def edge_run(self, e: int, u: int, targets: list[int], edges) -> str:
        # edge() for each edge, in one f-string, without a dict, a tuple or a call per edge: what
        # follows the id line depends on the kind (one of a few, made once) and the anchors
        # (empty or text, joined as graph.fields.edge_values joins them).
        head, middle = f'{self.indent}<edge id="e{u}-', f'" source="n{u}" target="n'
        kinds: dict[str, tuple[str, str]] = {}
        join, rows = JOIN.join, []
        append = rows.append
        for j, v, edge in zip(count(e), targets, edges):
            kind = edge["kind"]
            parts = kinds.get(kind)
            if parts is None:
                parts = kinds[kind] = (f'" label="{_attr(str(kind))}" weight="',
                                       f'">\n        <attvalues>\n{_attvalue("kind", kind)}')
            anchors = join(edge["anchors"])
            if anchors:
                append(f'{head}{j}{middle}{v}{parts[0]}{edge["weight"]}{parts[1]}{_ANCHORS}{_attr(anchors)}"/>\n'
                       f'{_EDGE_END}')
            else:
                append(f'{head}{j}{middle}{v}{parts[0]}{edge["weight"]}{parts[1]}{_EDGE_END}')
        return "".join(rows)


_ANCHORS = '          <attvalue for="anchors" value="'
_EDGE_END = "        </attvalues>\n      </edge>\n"


def _attvalue(name: str, value: str) -> str:
    return f'          <attvalue for="{_attr(name)}" value="{_attr(value)}"/>\n'


def _attvalues(fields: dict[str, object], declared: dict[str, str]) -> str:
    """The ``<attvalues>`` block of one element, as one string (a million small writes are slow)."""
    values = [(k, v) for k, v in fields.items() if k in declared and v is not None and v != ""]
    if not values:
        return ""
    lines = ["        <attvalues>\n"]
    for name, value in values:
        if isinstance(value, bool):
            value = "true" if value else "false"
        opening = _OPENINGS.get(name)
        if opening is None:
            opening = _OPENINGS[name] = _attvalue(name, "\0").partition("\0")[0]
        lines.append(f'{opening}{_attr(str(value))}"/>\n')
    lines.append("        </attvalues>\n")
    return "".join(lines)


_OPENINGS: dict[str, str] = {}
"""Field name -> the start of its ``<attvalue>`` line, up to the value (``_attvalue``'s): made once."""


def _attr(text: str) -> str:
    """Text for a double-quoted XML attribute; most values need no escaping, so check first."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "\n" in text or "\t" in text or "\r" in text:
        return escape(text, _ATTR_ENTITIES)
    return text
