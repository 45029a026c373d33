"""Property-graph CSV for Neo4j and other Cypher databases: ``nodes.csv`` and ``edges.csv`` with
neo4j-admin import headers (``id:ID``, ``:LABEL``, ``:START_ID``, ``:END_ID``, ``:TYPE``, typed
columns such as ``in_links:int``), and ``load.cypher``, the same load as batched, re-runnable
LOAD CSV statements for Neo4j 5.

Every non-empty text cell is quoted (RFC 4180), numbers and empty cells are not: readers that guess
the dialect from the first rows (Kùzu's sniffer reads 256) then see the quoting before they meet a
cell like ``a, b`` or ``x | y`` far down the file. A text cell a spreadsheet would take for a
formula starts with ``'`` (``FORMULA_START``).

Columns are ``graph.fields``; ids are node keys (the slug, ``/keyword:<text>`` for keywords), so a
Cypher query can name a concept by its slug. Every node is a ``Concept`` (as in the RDF, where
keywords and missing targets are ``skos:Concept`` too) plus a label for its kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import TextIO

import networkx as nx

from graph.fields import (edge_counts, edge_field_types, edge_fields, edge_values, node_field_types, node_fields,
                          related_pairs)
from graph.model import EdgeKind, NodeKind
from graph.splice import Piece, edge_run, file_context, node_keys, node_run, render

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
    out.writelines(render(pieces_nodes(G, options)))


def pieces_nodes(G: nx.DiGraph, options=None) -> Iterator[Piece]:
    """``nodes.csv`` as keyed pieces (``graph.splice``): the header, then one row per node."""
    types = node_field_types(G)
    yield file_context(NODES_FILE, types, G.graph.get("label_order", ()))
    yield nodes_header(types) + "\n"
    yield node_run(G, lambda node: _node_row((G, node, types)))


def _node_row(args) -> str:
    G, node, types = args
    return node_record(node, node_fields(G, node), types) + "\n"


def write_edges(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write ``edges.csv``: one row per edge."""
    out.writelines(render(pieces_edges(G, options)))


def pieces_edges(G: nx.DiGraph, options=None) -> Iterator[Piece]:
    """``edges.csv`` as keyed pieces: the header, then the rows of each node's edges, then of
    its related pairs (``build --related``), as in GraphML."""
    types = edge_field_types(G)
    yield file_context(EDGES_FILE, types)
    yield edges_header(types) + "\n"
    keys = node_keys(G)
    quoted = _Quoted()
    yield edge_run(G, lambda u: _edge_rows((u, G._succ[u], types, quoted)))
    for u, ranked in G.graph.get("related", {}).items():
        yield b"r" + keys[u], _related_rows, (u, ranked, types)


def _edge_rows(args) -> str:
    u, succ, types, quoted = args
    if list(types)[:3] != ["kind", "weight", "anchors"]:
        return "".join(edge_record(u, v, edge_fields(edge), types) + "\n" for v, edge in succ.items())
    # edge_record() for each edge, without a dict and a list of cells per edge: node keys and
    # kinds recur (each quoted once per file), a weight is an int, anchors are empty or text;
    # related edges' cells (score, rank) are empty on link edges.
    start, tail = quoted[u] + ",", "," * (len(types) - 3) + "\n"
    kinds: dict[str, str] = {}
    rows = []
    for v, (kind, weight, anchors) in zip(succ, edge_values(succ.values())):
        cells = kinds.get(kind)
        if cells is None:
            cells = kinds[kind] = f"{_text(edge_type(kind))},{_cell(kind)}"
        rows.append(f"{start}{quoted[v]},{cells},{weight},{_text(anchors) if anchors else ''}{tail}")
    return "".join(rows)


class _Quoted(dict):
    """Node key -> its cell (``_text``), made once per file."""

    def __missing__(self, node: str) -> str:
        cell = self[node] = _text(node)
        return cell


def _related_rows(args) -> str:
    u, ranked, types = args
    return "".join(edge_record(u, v, fields, types) + "\n" for u, v, fields in related_pairs(u, ranked))


def nodes_header(types: dict[str, str]) -> str:
    """The header line of ``nodes.csv`` for node fields ``types`` (without its line end)."""
    return ",".join(["id:ID", ":LABEL", *(column(n, t) for n, t in types.items())])


def edges_header(types: dict[str, str]) -> str:
    """The header line of ``edges.csv`` for edge fields ``types``."""
    return ",".join([":START_ID", ":END_ID", ":TYPE", *(column(n, t) for n, t in types.items())])


def node_record(node: str, fields: dict, types: Iterable[str]) -> str:
    """The ``nodes.csv`` line of one node with flat ``fields`` (graph.fields), without its line end."""
    labels = ARRAY_DELIMITER.join((BASE_LABEL, kind_label(str(fields["kind"]))))
    return ",".join([_text(node), _text(labels), *(_cell(fields.get(name)) for name in types)])


def edge_record(u: str, v: str, fields: dict, types: Iterable[str]) -> str:
    """The ``edges.csv`` line of one edge with flat ``fields``, without its line end."""
    return ",".join([_text(u), _text(v), _text(edge_type(str(fields["kind"]))),
                     *(_cell(fields.get(name)) for name in types)])


BATCH_ROWS = 10_000
"""Rows per transaction in ``load.cypher``: a large graph never loads in one transaction."""
CLEAN_UP = f"MATCH (c:{BASE_LABEL}) CALL (c) {{ DETACH DELETE c }} IN TRANSACTIONS OF {BATCH_ROWS} ROWS;"
"""Deletes a previous load, for a graph that lost nodes or edges since (MERGE only adds and updates)."""


def write_load_script(G: nx.DiGraph, out: TextIO, options=None) -> None:
    """Write ``load.cypher``: batched, re-runnable LOAD CSV statements that build the graph in Neo4j 5."""
    out.write(f"// Load {NODES_FILE} and {EDGES_FILE} into Neo4j 5.23 or later: copy both files into the database's import\n"
              "// folder, then run cypher-shell -f load.cypher (in Neo4j Browser, put :auto before each statement).\n"
              "// Each statement commits every {0:,} rows and MERGEs on Concept.id, so running it again updates the\n"
              "// graph in place; to drop what a new build no longer has, run first:\n"
              "//   {1}\n"
              "// For a large graph into a new database, neo4j-admin database import full is much faster.\n"
              .format(BATCH_ROWS, CLEAN_UP))
    out.write(f"CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:{BASE_LABEL}) REQUIRE c.id IS UNIQUE;\n"
              f"CREATE INDEX concept_slug IF NOT EXISTS FOR (c:{BASE_LABEL}) ON (c.slug);\n")
    node_props = ", ".join(_property(n, t) for n, t in node_field_types(G).items())
    for kind in sorted(set(map(_KIND, G._node.values()))):
        others = ":".join(kind_label(k) for k in NodeKind.ALL if k != kind)
        _batched(out, NODES_FILE, f"row.kind = '{kind}'",
                 f"MERGE (c:{BASE_LABEL} {{id: row.`id:ID`}})\n"
                 f"  SET c:{kind_label(kind)} REMOVE c:{others}\n"
                 f"  SET c += {{{node_props}}}")
    edge_props = ", ".join(_property(n, t) for n, t in edge_field_types(G).items())
    kinds = {kind for kind, n in edge_counts(G).items() if n}
    kinds |= {EdgeKind.RELATED} if any(G.graph.get("related", {}).values()) else set()
    for kind in sorted(kinds):
        # two MATCH clauses, each one index lookup: no cartesian product of disconnected patterns
        _batched(out, EDGES_FILE, f"row.`:TYPE` = '{edge_type(kind)}'",
                 f"MATCH (a:{BASE_LABEL} {{id: row.`:START_ID`}})\n"
                 f"  MATCH (b:{BASE_LABEL} {{id: row.`:END_ID`}})\n"
                 f"  MERGE (a)-[r:{edge_type(kind)}]->(b)\n"
                 f"  SET r += {{{edge_props}}}")


_KIND = itemgetter("kind")


def _batched(out: TextIO, file: str, where: str, body: str) -> None:
    # CALL (row) { … }, the variable scope clause of Neo4j 5.23+ (5.26 LTS, 2025.x): the older
    # CALL { WITH row … } draws a deprecation warning from Neo4j's own linter on every statement.
    out.write(f"\nLOAD CSV WITH HEADERS FROM 'file:///{file}' AS row\n"
              f"WITH row WHERE {where}\n"
              f"CALL (row) {{\n  {body}\n}} IN TRANSACTIONS OF {BATCH_ROWS} ROWS;\n")


def _cell(value: object) -> str:
    # numbers bare (neo4j-admin and Kùzu parse them by the header's type), no value empty
    if value is None or value == "":
        return ""
    return _text(value) if isinstance(value, str) else str(value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet opening the file would run a cell starting with one of these as a formula
(``=HYPERLINK(…)``, ``+cmd|…``): such cells get a leading ``'``, as OWASP's "CSV Injection"
advice says (docs/formats.md). The same text always gets the same prefix, so ids still match."""


def _text(value: str) -> str:
    if value.startswith(FORMULA_START):
        value = "'" + value
    return '"' + value.replace('"', '""') + '"'


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A property name Cypher reads unquoted; others (a region-tagged language's ``label_en-us``) are quoted."""


def _property(name: str, kind: str) -> str:
    # LOAD CSV reads every cell as text (empty cells as null, which sets no property).
    cell = f"row.`{column(name, kind)}`"
    key = name if _IDENTIFIER.fullmatch(name) else "`" + name.replace("`", "``") + "`"  # label_zh-hans
    return f"{key}: " + {"int": f"toInteger({cell})", "double": f"toFloat({cell})",
                          "boolean": f"toBoolean({cell})"}.get(kind, cell)
