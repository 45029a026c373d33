"""GraphML, streamed: keys declared once with one type each, safe node ids (docs/formats.md, "Graph keys").

networkx's writers build a whole XML tree first and raise on (lxml) or silently emit (stdlib)
XML-forbidden characters; text here is cleaned when read and escaped as it is written.
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
    yield from numbered_pieces(G, _Writer(G, node_keys, edge_keys), kept=_kept(options))
    yield "  </graph>\n</graphml>\n"


def _kept(options) -> dict | None:
    memo = options.memo if options is not None else None
    return memo.lines.setdefault("graph.graphml", {}) if memo is not None else None


class _Writer(IdLines):
    """How GraphML writes the numbered elements (``graph.numbered.numbered_pieces``)."""

    indent = "    "

    def __init__(self, G: nx.DiGraph, node_keys: dict[str, str], edge_keys: dict[str, str]) -> None:
        self.G, self.node_keys, self.edge_keys = G, node_keys, edge_keys

    def node(self, node: str, i: int) -> str:
        return f'{self.node_start(i)}>\n{_data(self.node_keys, node_fields(self.G, node))}    </node>\n'

    def edge(self, e: int, u: int, v: int, fields: dict) -> str:
        return f'{self.edge_start(e, u, v)}>\n{_data(self.edge_keys, fields)}    </edge>\n'

    def edge_run(self, e: int, u: int, targets: list[int], edges) -> str:
        # edge() for each edge, in one f-string, without a dict, a tuple or a call per edge: a
        # kind is one of a few (its line is made once), a weight an int, and anchors are empty
        # or text (joined as graph.fields.edge_values joins them).
        head, middle = f'{self.indent}<edge id="e{u}-', f'" source="n{u}" target="n'
        kinds: dict[str, str] = {}
        weight_key, anchors_key = self.edge_keys["weight"], self.edge_keys["anchors"]
        weight_open, anchors_open = f'      <data key="{weight_key}">', f'      <data key="{anchors_key}">'
        join, rows = JOIN.join, []
        append = rows.append
        for j, v, edge in zip(count(e), targets, edges):
            kind = edge["kind"]
            line = kinds.get(kind)
            if line is None:
                line = kinds[kind] = _data(self.edge_keys, {"kind": kind})
            anchors = join(edge["anchors"])
            if anchors:
                if "&" in anchors or "<" in anchors or ">" in anchors:
                    anchors = escape(anchors)
                append(f'{head}{j}{middle}{v}">\n{line}{weight_open}{edge["weight"]}</data>\n'
                       f'{anchors_open}{anchors}</data>\n    </edge>\n')
            else:
                append(f'{head}{j}{middle}{v}">\n{line}{weight_open}{edge["weight"]}</data>\n    </edge>\n')
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
