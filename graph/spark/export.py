"""Graph tables -> the outputs a distributed user loads, written by the executors as part files:

- ``graph.nt/``: N-Triples, the statements of ``graph.vocab.node_statements`` formatted by
  ``graph.exporters.ntriples.ntriple`` (what the local build's graph.nt holds, split in parts);
- ``nodes.parquet``, ``edges.parquet``: the GraphML attributes (``graph.fields``);
- ``neo4j/``: neo4j-admin import headers and CSV parts (``graph.exporters.property_csv`` columns);
- ``problems.jsonl/``, ``links.jsonl/``, ``missing.jsonl/``: the report's long lists as tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from graph.exporters.ntriples import ntriple
from graph.exporters.property_csv import edge_record, edges_header, node_record, nodes_header
from graph.fields import EDGE_FIELD_TYPES, JOIN, NODE_FIELD_TYPES, flat_fields
from graph.model import EdgeKind, LinkClass, NodeKind, keyword_key
from graph.report import LINKS_FILE
from graph.spark.nodes import GraphTables, node_attrs_of
from graph.vocab import Terms, node_statements, scheme_statements

NT_DIR, NODES_PARQUET, EDGES_PARQUET, NEO4J_DIR = "graph.nt", "nodes.parquet", "edges.parquet", "neo4j"
PROBLEMS_TABLE, LINKS_TABLE, MISSING_TABLE = "problems.jsonl", LINKS_FILE, "missing.jsonl"
FOLDERS = (NT_DIR, NODES_PARQUET, EDGES_PARQUET, NEO4J_DIR, PROBLEMS_TABLE, LINKS_TABLE, MISSING_TABLE)
"""The outputs written as folders of part files."""
NODES_HEADER, EDGES_HEADER = "nodes-header.csv", "edges-header.csv"
_SPARK_TYPES = {"string": T.StringType(), "int": T.LongType()}


_EDGE = T.StructType([T.StructField(name, kind, False) for name, kind in (
    ("source", T.StringType()), ("target", T.StringType()), ("kind", T.StringType()), ("weight", T.LongType()),
    ("anchors", T.StringType()), ("csv", T.StringType()))])


def node_outputs(graph: GraphTables, base_iri: str, order: Sequence[str], langs: Sequence[str]) -> DataFrame:
    """One row per node, sorted by key: its N-Triples lines (``nt``, without line ends), neo4j CSV line (``csv``),
    flat fields (``id`` and graph.fields columns, ``label_<lang>`` for each of ``langs``) and its outgoing
    edges sorted by target (``edges``: the edge table's columns and the edge's CSV line)."""
    out = graph.edges.groupBy(F.col("source").alias("key")).agg(
        F.collect_list(F.struct("target", "kind", "weight", "anchors")).alias("out"))
    into = (graph.edges.where(F.col("kind") == EdgeKind.LINKS_TO)
            .groupBy(F.col("target").alias("key")).agg(F.count(F.lit(1)).alias("in_links")))
    rows = graph.nodes.join(out, "key", "left").join(into, "key", "left").orderBy("key")
    types = field_types(langs)
    schema = T.StructType([T.StructField("id", T.StringType(), False),
                           T.StructField("nt", T.ArrayType(T.StringType())),
                           T.StructField("csv", T.StringType()),
                           *(T.StructField(name, _SPARK_TYPES[kind]) for name, kind in types.items()),
                           T.StructField("edges", T.ArrayType(_EDGE))])
    order, names = tuple(order), tuple(types)
    return graph.nodes.sparkSession.createDataFrame(
        rows.rdd.mapPartitionsWithIndex(lambda i, part: _node_rows(i, part, base_iri, order, names)), schema,
        verifySchema=False)


def field_types(langs: Iterable[str]) -> dict[str, str]:
    """Node field -> type, as graph.fields.node_field_types gives them for a graph with ``langs``."""
    return {**NODE_FIELD_TYPES, **{f"label_{lang}": "string" for lang in sorted(langs)}}


def _node_rows(index: int, part: Iterable, base_iri: str, order: tuple, names: tuple) -> Iterator[tuple]:
    """Executor side: node rows -> output rows; the first partition also carries the scheme triples."""
    t = Terms(base_iri)
    edge_names = tuple(EDGE_FIELD_TYPES)
    if index == 0:
        yield ("", [ntriple(*s)[:-1] for s in scheme_statements(t)], None, *(None for _ in names), [])
    for row in part:
        attrs = node_attrs_of(row)
        out = sorted(row.out or (), key=lambda e: e.target)
        targets = [e.target for e in out if e.kind == EdgeKind.LINKS_TO]
        edges = [(t.iri(target, NodeKind.ARTICLE), EdgeKind.LINKS_TO) for target in targets]
        edges += [(t.iri(keyword_key(k), NodeKind.KEYWORD), EdgeKind.HAS_KEYWORD) for k in attrs["keywords"]]
        nt = [ntriple(*s)[:-1] for s in node_statements(t, t.iri(row.key, row.kind), attrs, edges)]
        in_links = 0 if row.kind == NodeKind.KEYWORD else row.in_links or 0
        fields = flat_fields(attrs, order, in_links, len(targets))
        edge_rows = []
        for e in out:
            edge = {"kind": e.kind, "weight": e.weight, "anchors": JOIN.join(e.anchors)}
            edge_rows.append((row.key, e.target, e.kind, e.weight, edge["anchors"],
                              edge_record(row.key, e.target, edge, edge_names)))
        yield (row.key, nt, node_record(row.key, fields, names), *(fields.get(name) for name in names), edge_rows)


def write_graph(nodes: DataFrame, out: str, formats: Sequence[str]) -> None:
    """Write the N-Triples parts, the Parquet tables and the neo4j-admin CSV parts under ``out``."""
    if "ntriples" in formats:
        nodes.select(F.explode("nt").alias("value")).write.text(f"{out}/{NT_DIR}")
    nodes.where(F.col("id") != "").drop("nt", "csv", "edges").write.parquet(f"{out}/{NODES_PARQUET}")
    edges = nodes.select(F.explode("edges").alias("e")).select("e.*")
    edges.drop("csv").write.parquet(f"{out}/{EDGES_PARQUET}")
    if "csv" in formats:
        nodes.where(F.col("id") != "").select(F.col("csv").alias("value")).write.text(f"{out}/{NEO4J_DIR}/nodes")
        edges.select(F.col("csv").alias("value")).write.text(f"{out}/{NEO4J_DIR}/edges")


def csv_headers(types: dict[str, str]) -> dict[str, str]:
    """neo4j-admin header files (file name -> content) for node fields ``types``."""
    return {f"{NEO4J_DIR}/{NODES_HEADER}": nodes_header(types) + "\n",
            f"{NEO4J_DIR}/{EDGES_HEADER}": edges_header(EDGE_FIELD_TYPES) + "\n"}


def write_report_tables(problems: DataFrame, occurrences: DataFrame, nodes: DataFrame, out: str) -> DataFrame:
    """Write the problems, the link audit and the most wanted missing targets as JSON Lines parts;
    returns the last table (slug, label, occurrences, linked_from; most wanted first)."""
    (problems.orderBy("path", "line", "code", "stage", "seq").select("path", "line", "code", "message")
     .write.json(f"{out}/{PROBLEMS_TABLE}", ignoreNullFields=False))
    (occurrences.orderBy("path", "idx")
     .select("path", "line", "href", "text", "section", "syntax", F.col("kind").alias("class"), "target")
     .write.json(f"{out}/{LINKS_TABLE}", ignoreNullFields=False))
    wanted = (occurrences.where(F.col("kind") == LinkClass.MISSING).groupBy(F.col("target").alias("slug"))
              .agg(F.count(F.lit(1)).alias("occurrences"), F.count_distinct("source").alias("linked_from")))
    wanted = (wanted.join(nodes.select(F.col("id").alias("slug"), "label"), "slug")
              .orderBy(F.desc("occurrences"), "slug").select("slug", "label", "occurrences", "linked_from")
              .persist(StorageLevel.MEMORY_AND_DISK))  # report.json takes its head
    wanted.write.json(f"{out}/{MISSING_TABLE}", ignoreNullFields=False)
    return wanted
