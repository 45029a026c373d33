"""Resolved tables -> the graph as two tables, nodes and edges, with the attributes
``graph.build`` gives a networkx node (made on the executors by the same functions:
``concept_attrs``, ``keyword_attrs``, ``missing_attrs``).

Edges: one ``links_to`` per (source, target) of resolved and missing occurrences (weight: the
occurrences, anchors: distinct texts in first-seen order) and one ``has_keyword`` per keyword of a
concept. Aggregations that pick "the most frequent, first seen on ties" order by the local
build's insertion order, so both engines pick the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark import StorageLevel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from graph.build import concept_attrs, keyword_attrs, missing_attrs, node_attrs
from graph.model import EdgeKind, LinkClass
from graph.spark.resolve import Resolved

_KEEP = StorageLevel.MEMORY_AND_DISK
_TEXTS = T.ArrayType(T.StringType())
_LANG_TEXTS = T.ArrayType(T.StructType([T.StructField("lang", T.StringType()),
                                        T.StructField("text", T.StringType())]))
NODE_SCHEMA = T.StructType([
    T.StructField("key", T.StringType(), False), T.StructField("kind", T.StringType(), False),
    T.StructField("slug", T.StringType()), T.StructField("labels", _LANG_TEXTS),
    T.StructField("descriptions", _LANG_TEXTS), T.StructField("sources", _TEXTS),
    T.StructField("aliases", _TEXTS), T.StructField("keywords", _TEXTS),
])
"""A graph node: its key (graph.build's node key) and attributes; per-language texts as (lang, text) lists."""


@dataclass(frozen=True)
class GraphTables:
    nodes: DataFrame
    """NODE_SCHEMA rows."""
    edges: DataFrame
    """source, target, kind, weight, anchors (array of texts)."""


def graph_tables(r: Resolved) -> GraphTables:
    """The nodes and edges of the resolved corpus."""
    spark = r.articles.sparkSession
    per_slug = r.articles.groupBy("slug").agg(F.collect_list(F.struct(
        "path", "title", "lang", "description", "aliases",
        F.transform("keywords", lambda k: k["text"]).alias("keywords"))).alias("articles"))
    concepts = per_slug.rdd.map(_concept_row)
    keywords = _keyword_spellings(r.articles).rdd.map(_keyword_row)
    missing = _missing_labels(r.occurrences).rdd.map(_missing_row)
    nodes = spark.createDataFrame(concepts.union(keywords).union(missing), NODE_SCHEMA,
                                  verifySchema=False).persist(_KEEP)

    linked = r.occurrences.where(F.col("kind").isin(LinkClass.RESOLVED, LinkClass.MISSING)
                                 & F.col("target").isNotNull())
    links = linked.groupBy("source", "target").agg(
        F.count(F.lit(1)).alias("weight"),
        F.array_sort(F.collect_list(F.struct("path", "idx", "text"))).alias("seen"))
    links = links.select("source", "target", F.lit(EdgeKind.LINKS_TO).alias("kind"), "weight", F.array_distinct(
        F.filter(F.transform("seen", lambda x: x["text"]), lambda t: t != "")).alias("anchors"))
    # A concept's keywords are its articles' keywords without case variants, as are their keys.
    has_keyword = r.articles.select(F.col("slug").alias("source"), F.explode("keywords.key").alias("target")).distinct()
    has_keyword = has_keyword.select("source", "target", F.lit(EdgeKind.HAS_KEYWORD).alias("kind"),
                                     F.lit(1).cast("long").alias("weight"), F.array().cast(_TEXTS).alias("anchors"))
    return GraphTables(nodes, links.unionByName(has_keyword).persist(_KEEP))


def _keyword_spellings(articles: DataFrame) -> DataFrame:
    """key -> [(lang, spelling)]: each keyword's most frequent spelling per language."""
    spellings = (articles.select("slug", "path", F.explode("keywords").alias("k"))
                 .groupBy("k.key", "k.lang", "k.text")
                 .agg(F.count(F.lit(1)).alias("n"), F.min(F.struct("slug", "path", "k.pos")).alias("first")))
    best = Window.partitionBy("key", F.coalesce("lang", F.lit(""))).orderBy(F.desc("n"), "first")
    return (spellings.withColumn("rank", F.row_number().over(best)).where("rank = 1")
            .groupBy("key").agg(F.collect_list(F.struct("lang", "text")).alias("labels")))


def _missing_labels(occurrences: DataFrame) -> DataFrame:
    """target -> [(lang, label)] for every missing target; empty when no anchor is wordy."""
    missing = occurrences.where(F.col("kind") == LinkClass.MISSING)
    anchors = (missing.where("wordy")
               .groupBy("target", "anchor_lang", "text")
               .agg(F.count(F.lit(1)).alias("n"), F.min(F.struct("path", "idx")).alias("first")))
    best = Window.partitionBy("target", F.coalesce("anchor_lang", F.lit(""))).orderBy(F.desc("n"), "first")
    labels = (anchors.withColumn("rank", F.row_number().over(best)).where("rank = 1")
              .groupBy("target").agg(F.collect_list(F.struct(F.col("anchor_lang").alias("lang"), "text"))
                                     .alias("labels")))
    return missing.select("target").distinct().join(labels, "target", "left")


def _row(key: str, attrs: dict) -> tuple:
    attrs = node_attrs(attrs)
    return (key, attrs["kind"], attrs["slug"], list(attrs["labels"].items()), list(attrs["descriptions"].items()),
            list(attrs["sources"]), list(attrs["aliases"]), list(attrs["keywords"]))


def _concept_row(row) -> tuple:
    """Executor side: a concept node from its articles (graph.build.concept_attrs, in path order)."""
    articles = sorted(row.articles, key=lambda a: a.path)
    return _row(row.slug, concept_attrs(row.slug, articles))


def _keyword_row(row) -> tuple:
    # collect_list order is not the local build's; keyword_attrs sorts the languages.
    return _row(row.key, keyword_attrs(row.key, {lang: text for lang, text in row.labels}))


def _missing_row(row) -> tuple:
    labels = {lang: text for lang, text in row.labels or ()} or {None: row.target.rpartition("/")[2]}
    return _row(row.target, missing_attrs(row.target, labels))


def as_attrs(row) -> dict:
    """A NODE_SCHEMA row as the attribute dict of a graph.build node."""
    return {"kind": row.kind, "slug": row.slug, "labels": dict(row.labels), "descriptions": dict(row.descriptions),
            "sources": tuple(row.sources), "aliases": tuple(row.aliases), "keywords": tuple(row.keywords)}

