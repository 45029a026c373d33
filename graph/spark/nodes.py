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
from graph.model import EdgeKind, LinkClass, NodeKind
from graph.spark.resolve import Resolved

_KEEP = StorageLevel.MEMORY_AND_DISK
_TEXTS = T.ArrayType(T.StringType())
_LANG_TEXTS = T.ArrayType(T.StructType([T.StructField("lang", T.StringType()),
                                        T.StructField("text", T.StringType())]))


@dataclass(frozen=True)
class GraphTables:
    nodes: DataFrame
    """One row per node: ``key`` (graph.build's node key), ``kind`` and what its attributes are
    made of (``node_attrs`` makes them on the executors): a concept's ``articles``, in any order;
    a keyword's or missing target's ``labels``, (lang, text) pairs."""
    edges: DataFrame
    """source, target, kind, weight, anchors (array of texts)."""
    langs: DataFrame
    """``lang``: the languages of the nodes' labels, each once (the ``label_<lang>`` fields)."""


def graph_tables(r: Resolved) -> GraphTables:
    """The nodes and edges of the resolved corpus."""
    articles = F.collect_list(F.struct("path", "title", "lang", "description", "aliases",
                                       F.transform("keywords", lambda k: k["text"]).alias("keywords")))
    concepts = r.articles.groupBy(F.col("slug").alias("key")).agg(articles.alias("articles"))
    concepts = concepts.select("key", F.lit(NodeKind.ARTICLE).alias("kind"), "articles",
                               F.lit(None).cast(_LANG_TEXTS).alias("labels"))
    no_articles = F.lit(None).cast(concepts.schema["articles"].dataType).alias("articles")
    keywords = _keyword_spellings(r.articles).select("key", F.lit(NodeKind.KEYWORD).alias("kind"), no_articles,
                                                     "labels")
    missing = _missing_labels(r.occurrences).select(F.col("target").alias("key"), F.lit(NodeKind.MISSING).alias("kind"),
                                                    no_articles, "labels")
    nodes = concepts.unionByName(keywords).unionByName(missing)
    # Every language a label can take: each kept article's title, each keyword spelling's, each
    # wordy anchor's of a missing target (one label per target and language).
    langs = (r.articles.select(F.col("title_lang").alias("lang"))
             .unionByName(r.articles.select(F.explode("keywords.lang").alias("lang")))
             .unionByName(r.occurrences.where((F.col("kind") == LinkClass.MISSING) & F.col("wordy"))
                          .select(F.col("anchor_lang").alias("lang")))
             .where(F.col("lang").isNotNull()).distinct())

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
    return GraphTables(nodes, links.unionByName(has_keyword).persist(_KEEP), langs)


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


def node_attrs_of(row) -> dict:
    """Executor side: the attributes graph.build gives the node of a ``GraphTables.nodes`` row
    (``concept_attrs`` over its articles in path order, ``keyword_attrs``, ``missing_attrs``)."""
    if row.kind == NodeKind.ARTICLE:
        return node_attrs(concept_attrs(row.key, sorted(row.articles, key=lambda a: a.path)))
    # collect_list order is not the local build's; keyword_attrs sorts the languages.
    labels = {lang: text for lang, text in row.labels or ()}
    if row.kind == NodeKind.KEYWORD:
        return keyword_attrs(row.key, labels)
    return node_attrs(missing_attrs(row.key, labels or {None: row.key.rpartition("/")[2]}))
