"""GraphML, streamed: keys declared once with one type each, safe node ids (docs/formats.md, "Graph keys").

networkx's writers build a whole XML tree first and raise on (lxml) or silently emit (stdlib)
XML-forbidden characters; text here is cleaned when read and escaped as it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph.fields import edge_field_types, edge_values, node_field_types, node_fields
from graph.splice import IdLines, Piece, file_context, numbered_pieces, render

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def write(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write the graph as GraphML to a text stream."""
    out.writelines(render(pieces(G, options)))


def pieces(G: nx.DiGraph, options=None) -> Iterator[Piece]:
    """The file as keyed pieces (``graph.splice``): the keys, then a piece per node, per node's
    edges and per node's related pairs; their ids are positions, renumbered when copied."""
    node_types, edge_types = node_field_types(G), edge_field_types(G)
    yield file_context("graph.graphml", node_types, edge_types, G.graph.get("label_order", ()))
    node_keys = {name: f"k{i}" for i, name in enumerate(node_types)}
    edge_keys = {name: f"k{i + len(node_keys)}" for i, name in enumerate(edge_types)}
    head = [_HEADER]
    for domain, keys, types in (("node", node_keys, node_types), ("edge", edge_keys, edge_types)):
        for name, key in keys.items():
            head.append(f'  <key id="{key}" for="{domain}" attr.name={quoteattr(name)} attr.type="{types[name]}"/>\n')
    head.append('  <graph id="G" edgedefault="directed">\n')
    yield "".join(head)
    yield from numbered_pieces(G, _Writer(G, node_keys, edge_keys))
    yield "  </graph>\n</graphml>\n"


class _Writer(IdLines):
    """How GraphML writes the numbered elements (``graph.splice.numbered_pieces``)."""

    indent = "    "

    def __init__(self, G: nx.DiGraph, node_keys: dict[str, str], edge_keys: dict[str, str]) -> None:
        self.G, self.node_keys, self.edge_keys = G, node_keys, edge_keys

    def node(self, node: str, i: int) -> str:
        return f'{self.node_start(i)}>\n{_data(self.node_keys, node_fields(self.G, node))}    </node>\n'

    def edge(self, e: int, u: int, v: int, fields: dict) -> str:
        return f'{self.edge_start(e, u, v)}>\n{_data(self.edge_keys, fields)}    </edge>\n'

    def edge_run(self, e: int, u: int, targets: list[int], edges) -> str:
        # edge() for each edge, without a dict and a loop over it per edge: a kind is one of a
        # few (its line is made once), a weight an int, and anchors are empty or text.
        kinds: dict[str, str] = {}
        weight_key, anchors_key = self.edge_keys["weight"], self.edge_keys["anchors"]
        rows = []
        for start, (kind, weight, anchors) in zip(self.edge_starts(e, u, targets), edge_values(edges)):
            line = kinds.get(kind)
            if line is None:
                line = kinds[kind] = _data(self.edge_keys, {"kind": kind})
            if anchors:
                if "&" in anchors or "<" in anchors or ">" in anchors:
                    anchors = escape(anchors)
                anchors = f'      <data key="{anchors_key}">{anchors}</data>\n'
            rows.append(f'{start}>\n{line}      <data key="{weight_key}">{weight}</data>\n{anchors}    </edge>\n')
        return "".join(rows)


def _data(keys: dict[str, str], fields: dict[str, object]) -> str:
    """The ``<data>`` lines of one element (one string: a million small writes are slow)."""
    lines = []
    for name, value in fields.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = str(value)
        if "&" in text or "<" in text or ">" in text:
            text = escape(text)
        lines.append(f'      <data key="{keys[name]}">{text}</data>\n')
    return "".join(lines)
