"""Property-graph CSV for Neo4j and other Cypher databases: ``nodes.csv`` and ``edges.csv`` with
neo4j-admin import headers (``id:ID``, ``:LABEL``, ``:START_ID``, ``:END_ID``, ``:TYPE``, typed
columns such as ``in_links:int``), and ``load.cypher``, the same load as LOAD CSV statements.

Columns are ``graph.fields``; ids are node keys (the slug, ``/keyword:<text>`` for keywords), so a
Cypher query can name a concept by its slug. Every node is a ``Concept`` (as in the RDF, where
keywords and missing targets are ``skos:Concept`` too) plus a label for its kind.
"""

from __future__ import annotations

import csv
from itertools import chain
from typing import TextIO

import networkx as nx

from graph.fields import edge_field_types, edge_fields, node_field_types, node_fields, related_edges

NODES_FILE, EDGES_FILE, LOAD_FILE = "nodes.csv", "edges.csv", "load.cypher"
BASE_LABEL = "Concept"
ARRAY_DELIMITER = ";"
"""neo4j-admin's default: ``:LABEL`` cells hold several labels joined with it."""


def kind_label(kind: str) -> str:
    """Neo4j label of a node kind: ``article`` -> ``Article``."""
    return "".join(part.capitalize() for part in kind.split("_"))


def edge_type(kind: str) -> str:
    """Neo4j relationship type of an edge kind: ``links_to`` -> ``LINKS_TO``."""
    return kind.upper()


def column(name: str, kind: str) -> str:
    """A neo4j-admin header cell: strings bare, other types suffixed (``in_links:int``)."""
    return name if kind == "string" else f"{name}:{kind}"


def write_nodes(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write ``nodes.csv``: one row per node."""
    types = node_field_types(G)
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(["id:ID", ":LABEL", *(column(n, t) for n, t in types.items())])
    for node in G:
        fields = node_fields(G, node)
        labels = ARRAY_DELIMITER.join((BASE_LABEL, kind_label(str(fields["kind"]))))
        rows.writerow([node, labels, *(fields.get(name, "") for name in types)])


def write_edges(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write ``edges.csv``: one row per edge."""
    types = edge_field_types(G)
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow([":START_ID", ":END_ID", ":TYPE", *(column(n, t) for n, t in types.items())])
    for u, v, fields in _edges(G):
        rows.writerow([u, v, edge_type(str(fields["kind"])), *(fields.get(name, "") for name in types)])


def write_load_script(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write ``load.cypher``: LOAD CSV statements that build the graph in Neo4j from the two files."""
    out.write(f"// Load {NODES_FILE} and {EDGES_FILE} into Neo4j: copy both files into the database's\n"
              "// import folder, then run this file, e.g. cypher-shell -f load.cypher\n"
              f"CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:{BASE_LABEL}) REQUIRE c.id IS UNIQUE;\n")
    node_props = ", ".join(["id: row.`id:ID`", *(_property(n, t) for n, t in node_field_types(G).items())])
    for kind in sorted({k for _, k in G.nodes(data="kind")}):
        out.write(f"\nLOAD CSV WITH HEADERS FROM 'file:///{NODES_FILE}' AS row\n"
                  f"WITH row WHERE row.kind = '{kind}'\n"
                  f"CREATE (:{BASE_LABEL}:{kind_label(kind)} {{{node_props}}});\n")
    edge_props = ", ".join(_property(n, t) for n, t in edge_field_types(G).items())
    for kind in sorted({str(fields["kind"]) for _, _, fields in _edges(G)}):
        out.write(f"\nLOAD CSV WITH HEADERS FROM 'file:///{EDGES_FILE}' AS row\n"
                  f"WITH row WHERE row.`:TYPE` = '{edge_type(kind)}'\n"
                  f"MATCH (a:{BASE_LABEL} {{id: row.`:START_ID`}}), (b:{BASE_LABEL} {{id: row.`:END_ID`}})\n"
                  f"CREATE (a)-[:{edge_type(kind)} {{{edge_props}}}]->(b);\n")


def _edges(G: nx.DiGraph):
    # link and keyword edges, then the computed related pairs (build --related), as in GraphML
    return chain(((u, v, edge_fields(edge)) for u, v, edge in G.edges(data=True)), related_edges(G))


def _property(name: str, kind: str) -> str:
    # LOAD CSV reads every cell as text (empty cells as null, which sets no property).
    cell = f"row.`{column(name, kind)}`"
    return f"{name}: " + {"int": f"toInteger({cell})", "double": f"toFloat({cell})",
                          "boolean": f"toBoolean({cell})"}.get(kind, cell)
