"""GraphML, streamed: keys declared once with one type each, safe node ids (docs/formats.md, "Graph keys").

networkx's writers build a whole XML tree first and raise on (lxml) or silently emit (stdlib)
XML-forbidden characters; text here is cleaned when read and escaped as it is written.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from graph.fields import edge_field_types, edge_fields, node_field_types, node_fields, related_edges

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def write(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write the graph as GraphML to a text stream."""
    out.write(_HEADER)
    node_keys = {name: f"k{i}" for i, name in enumerate(node_field_types(G))}
    edge_types = edge_field_types(G)
    edge_keys = {name: f"k{i + len(node_keys)}" for i, name in enumerate(edge_types)}
    for domain, keys, types in (("node", node_keys, node_field_types(G)), ("edge", edge_keys, edge_types)):
        for name, key in keys.items():
            out.write(f'  <key id="{key}" for="{domain}" attr.name={quoteattr(name)} attr.type="{types[name]}"/>\n')
    out.write('  <graph id="G" edgedefault="directed">\n')
    ids = {node: f"n{i}" for i, node in enumerate(G)}
    for node in G:
        out.write(f'    <node id="{ids[node]}">\n{_data(node_keys, node_fields(G, node))}    </node>\n')
    for i, (u, v, edge) in enumerate(G.edges(data=True)):
        out.write(f'    <edge id="e{i}" source="{ids[u]}" target="{ids[v]}">\n'
                  f'{_data(edge_keys, edge_fields(edge))}    </edge>\n')
    for i, (u, v, fields) in enumerate(related_edges(G), G.number_of_edges()):
        out.write(f'    <edge id="e{i}" source="{ids[u]}" target="{ids[v]}">\n{_data(edge_keys, fields)}    </edge>\n')
    out.write("  </graph>\n</graphml>\n")


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
