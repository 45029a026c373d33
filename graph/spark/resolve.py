"""Parsed files -> classified link occurrences and problems, as DataFrame joins and aggregations:
the rules of ``graph.resolve`` (docs/link-rules.md) over a table instead of a dict.

- duplicate slugs: per (slug, language) the first file by path is kept, the others reported;
  a kept slug that differs only in case from an earlier file's is reported too;
- lookup order: the file path (a relative link out of its language root), then the slug in the
  linking article's language, in any language, and the same two case-folded; real slugs before
  aliases, earlier files before later ones, as one join of every probe with one index table;
- aliases: an alias the index gives another concept in its article's language is reported and
  left out of the article's aliases; one that differs only in case from another's is reported;
- missing targets: case variants share their most frequent spelling; labels are the most
  frequent wordy anchor text per language (first seen on ties).

"First seen" is the local build's order: files by path, links by position in their file.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from graph.model import Link, LinkClass
from graph.resolve import (LOOKUP, alias_conflict_problem, case_variant_alias_problem, case_variant_problem,
                           duplicate_problem, invisible_problem)
from graph.spark.read import PROBLEM_SCHEMA

_KEEP = StorageLevel.MEMORY_AND_DISK
ANY_LANG = "*"
"""Index scope of entries found from any language; no language tag can spell it (nor '')."""
PROBLEM_COLUMNS = ("path", "line", "code", "message", "stage", "seq")
"""Problems table; ``stage`` (0 reading, 1 resolving) and ``seq`` order ties as the local build does."""


@dataclass(frozen=True)
class Resolved:
    """The resolved corpus as tables (persisted; each is read several times downstream)."""

    articles: DataFrame
    """Kept articles (duplicates removed): the read stage's columns, with only the aliases that
    resolve to each (``aliases`` and ``alias_lines``; ``folded_aliases`` as read)."""
    occurrences: DataFrame
    """One row per link of a kept article: source, path, idx, lang, href, text, line, section,
    syntax, kind, target, wordy, anchor_lang."""
    problems: DataFrame
    """PROBLEM_COLUMNS."""
    indexed: DataFrame
    """Kept articles with every alias: what the index is made of (persisted for it and the links)."""
    index: DataFrame
    """The slug index (``_index``), persisted: links and aliases are looked up in it."""


def resolve_links(files: DataFrame, listed: DataFrame) -> Resolved:
    """Classify every link of the parsed files and pick the article that defines each concept;
    ``listed``: the problems of the files' listing (PROBLEM_SCHEMA), reported with the others."""
    spark = files.sparkSession
    articles = files.where("is_article").drop("is_article", "problems")
    by_identity = Window.partitionBy("slug", _scope(F.col("lang"))).orderBy("path")
    ranked = (articles.withColumn("rank", F.row_number().over(by_identity))
              .withColumn("first_path", F.first("path").over(by_identity)))
    kept = ranked.where("rank = 1").drop("rank", "first_path").persist(_KEEP)
    duplicates = ranked.where("rank > 1").select("path", "slug", "lang", "first_path").rdd.map(_duplicate_row)
    by_spelling = Window.partitionBy("folded_slug").orderBy("path")
    variants = (kept.select("path", "slug", F.first("slug").over(by_spelling).alias("first_slug"),
                            F.first("path").over(by_spelling).alias("first_path"))
                .where(F.col("slug") != F.col("first_slug")).rdd.map(_case_variant_row))
    links = kept.select("path", F.col("slug").alias("source"), "lang", F.explode("links").alias("l")).select(
        "path", "source", "lang", "l.*")
    index = _index(kept).persist(_KEEP)
    found = _lookup(links.where(F.col("kind") == LOOKUP), index.select("probe", "scope", "key", "slug"))
    claims = _alias_claims(kept, index)
    lost = claims.where(F.col("winner") != F.col("slug")).groupBy("path").agg(F.collect_list("pos").alias("lost"))
    # A join with the few articles that lose an alias; each other row passes as read.
    trimmed = kept.join(F.broadcast(lost), "path", "left").withColumns({
        name: F.when(F.col("lost").isNull(), F.col(name)).otherwise(
            F.filter(name, lambda x, i: ~F.array_contains(F.col("lost"), i)))
        for name in ("aliases", "alias_lines")}).drop("lost").persist(_KEEP)
    alias_problems = claims.where(F.col("line") > 0).where(
        (F.col("winner") != F.col("slug")) | (F.col("folded_winner") != F.col("slug"))).rdd.map(_alias_row)
    classified = _classes(links.join(found, ["path", "idx"], "left"))
    occurrences = _unify_missing_spellings(classified).persist(_KEEP)

    reading = files.select("path", F.explode("problems").alias("p")).select(
        "path", "p.line", "p.code", "p.message", F.lit(0).alias("stage"), "p.seq")
    link_problems = occurrences.where(F.col("problem_code").isNotNull()).select(
        "path", "line", F.col("problem_code").alias("code"), F.col("problem").alias("message"),
        F.lit(1).alias("stage"), (F.col("idx") + 1).alias("seq"))
    problems = listed.unionByName(reading).unionByName(link_problems).unionByName(
        _invisible_problems(occurrences)).unionByName(
        spark.createDataFrame(duplicates, PROBLEM_SCHEMA)).unionByName(
        spark.createDataFrame(variants, PROBLEM_SCHEMA)).unionByName(
        spark.createDataFrame(alias_problems, PROBLEM_SCHEMA)).persist(_KEEP)
    return Resolved(trimmed, occurrences.drop("problem_code", "problem", "file_key", "key", "invisible",
                                              "first_target"), problems, kept, index)


def _duplicate_row(row) -> tuple:
    """Executor side: the duplicate-slug problem of one left-out file, as graph.resolve words it."""
    p = duplicate_problem(row, row.first_path)
    return (p.path, p.line, p.code, p.message, 1, 0)


def _case_variant_row(row) -> tuple:
    """Executor side: the case-variant-slug problem of one kept article, as graph.resolve words it."""
    p = case_variant_problem(row.path, row.slug, row.first_slug, row.first_path)
    return (p.path, p.line, p.code, p.message, 1, 0)


def _alias_row(row) -> tuple:
    """Executor side: the alias-conflict or case-variant-alias problem of one alias, as graph.resolve words it."""
    if row.winner != row.slug:
        p = alias_conflict_problem(row.path, row.line, row.alias, row.winner, row.winner_path, row.alias == row.winner)
    else:
        p = case_variant_alias_problem(row.path, row.line, row.alias, row.folded_spelling, row.folded_winner,
                                       row.folded_path)
    return (p.path, p.line, p.code, p.message, 1, row.pos)


def _alias_claims(kept: DataFrame, index: DataFrame) -> DataFrame:
    """One row per alias of a kept article: path, slug, pos, alias, line (1 when unknown, 0 when the
    path implies it) and the index's winners for it in the article's language, exact (``winner``,
    ``winner_path``) and case-folded (``folded_winner``, ``folded_path``, ``folded_spelling``)."""
    aliases = kept.select("path", "slug", _scope(F.col("lang")).alias("scope"), F.posexplode(
        F.arrays_zip("aliases", "folded_aliases", "alias_lines")).alias("pos", "a")).select(
        "path", "slug", "scope", "pos", F.col("a.aliases").alias("alias"), F.col("a.folded_aliases").alias("folded"),
        F.coalesce(F.col("a.alias_lines"), F.lit(1)).alias("line"))
    exact = index.where(F.col("probe") == "e").select(
        "scope", F.col("key").alias("alias"), F.col("slug").alias("winner"), F.col("path").alias("winner_path"))
    folded = index.where(F.col("probe") == "f").select(
        "scope", F.col("key").alias("folded"), F.col("slug").alias("folded_winner"),
        F.col("path").alias("folded_path"), F.col("spelling").alias("folded_spelling"))
    return aliases.join(exact, ["scope", "alias"]).join(folded, ["scope", "folded"])


def _scope(lang: Column) -> Column:
    """A language as an index scope: '' for no language (null never equals null in a join)."""
    return F.coalesce(lang, F.lit(""))


def _index(kept: DataFrame) -> DataFrame:
    """(probe, scope, key) -> slug: the one winning entry per key, as graph.resolve._Index sets them,
    with the file that claims it (``path``) and the slug or alias it claims it by (``spelling``).

    Probes: ``p`` page path of a file, ``e`` exact slug or alias, ``f`` the same case-folded;
    each in the article's language scope and in ANY_LANG. Ties go to a real slug before an
    alias, then to the first file by path, then to the alias written first.
    """
    slugs = kept.select("slug", "path", "lang", F.lit(0).alias("alias"), F.lit(0).alias("pos"),
                        F.col("slug").alias("exact"), F.col("folded_slug").alias("folded"))
    aliases = kept.select("slug", "path", "lang", F.lit(1).alias("alias"),
                          F.posexplode(F.arrays_zip("aliases", "folded_aliases")).alias("pos", "a")).select(
        "slug", "path", "lang", "alias", "pos", F.col("a.aliases").alias("exact"),
        F.col("a.folded_aliases").alias("folded"))
    keys = slugs.unionByName(aliases)
    entries = keys.select("slug", "path", "alias", "pos", F.col("exact").alias("spelling"), F.explode(F.array(
        *(F.struct(F.lit(probe).alias("probe"), scope.alias("scope"), F.col(column).alias("key"))
          for probe, column in (("e", "exact"), ("f", "folded"))
          for scope in (_scope(F.col("lang")), F.lit(ANY_LANG))))).alias("e")).select(
        "e.*", "alias", "path", "pos", "slug", "spelling")
    files = kept.select(F.lit("p").alias("probe"), F.lit("").alias("scope"), F.col("file_key").alias("key"),
                        F.lit(0).alias("alias"), "path", F.lit(0).alias("pos"), "slug", F.col("slug").alias("spelling"))
    # (alias, path, pos) is one entry's own: the fields after it never decide the winner.
    return (entries.unionByName(files)
            .groupBy("probe", "scope", "key")
            .agg(F.min(F.struct("alias", "path", "pos", "slug", "spelling")).alias("w"))
            .select("probe", "scope", "key", F.col("w.slug").alias("slug"), F.col("w.path").alias("path"),
                    F.col("w.spelling").alias("spelling")))


def _lookup(links: DataFrame, index: DataFrame) -> DataFrame:
    """(path, idx, found): the slug each ``lookup`` link finds first in probe order, if any."""
    def probe(order: int, kind: str, scope: Column, key: str) -> Column:
        return F.struct(F.lit(order).alias("order"), F.lit(kind).alias("probe"), scope.alias("scope"),
                        F.col(key).alias("key"))

    scope = _scope(F.col("lang"))
    probes = links.select("path", "idx", F.explode(F.array(
        probe(0, "p", F.lit(""), "file_key"), probe(1, "e", scope, "key"), probe(2, "e", F.lit(ANY_LANG), "key"),
        probe(3, "f", scope, "folded"), probe(4, "f", F.lit(ANY_LANG), "folded"),
    )).alias("q")).select("path", "idx", "q.*").where(F.col("key").isNotNull())
    return (probes.join(index, ["probe", "scope", "key"])
            .groupBy("path", "idx")
            .agg(F.min(F.struct("order", "slug")).alias("m"))
            .select("path", "idx", F.col("m.slug").alias("found")))


def _classes(links: DataFrame) -> DataFrame:
    """Final class and target of each occurrence (graph.resolve.classify)."""
    lookup = F.col("kind") == LOOKUP
    found, source = F.col("found"), F.col("source")
    kind = (F.when(lookup & found.isNull(), LinkClass.MISSING)
            .when(lookup & (found == source), LinkClass.SELF)
            .when(lookup, LinkClass.RESOLVED)
            .otherwise(F.col("kind")))
    target = (F.when(lookup, F.coalesce(found, F.col("key")))
              .when(F.col("kind") == LinkClass.SELF, source))
    return links.withColumns({"kind": kind, "target": target}).drop("found")


def _invisible_problems(occurrences: DataFrame) -> DataFrame:
    """The invisible-in-link problem of each resolved or missing link whose href held invisible
    characters; its message names the target before case variants are unified, as locally.
    The filter comes first so that the Python function runs on those few rows alone."""
    flagged = occurrences.where(F.col("invisible") & F.col("kind").isin(LinkClass.RESOLVED, LinkClass.MISSING))
    return flagged.select("path", "line", F.lit("invisible-in-link").alias("code"),
                          _invisible_message("path", "line", "href", "first_target").alias("message"),
                          F.lit(1).alias("stage"), (F.col("idx") + 1).alias("seq"))


@F.udf(T.StringType())
def _invisible_message(path: str, line: int, href: str, target: str) -> str:
    return invisible_problem(path, Link(href, "", line, "", ""), target).message


def _unify_missing_spellings(occurrences: DataFrame) -> DataFrame:
    """Case variants of a missing target (``/Series7``, ``/series7``) take the most frequent
    spelling (the smallest on ties)."""
    counts = (occurrences.where(F.col("kind") == LinkClass.MISSING)
              .groupBy("folded", "target").count())
    best = Window.partitionBy("folded").orderBy(F.desc("count"), "target")
    spelling = counts.select("target", F.first("target").over(best).alias("spelling"))
    return (occurrences.join(spelling, "target", "left")
            .withColumn("first_target", F.col("target"))
            .withColumn("target", F.when(F.col("kind") == LinkClass.MISSING, F.col("spelling"))
                        .otherwise(F.col("target")))
            .drop("spelling", "folded"))
