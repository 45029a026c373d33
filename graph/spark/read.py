"""Files -> one row per file, on the executors: each executor runs ``graph.parse.parse_bytes``
(the local build's parser) and the index-free part of link resolution (``graph.resolve.href_target``)
on the files' bytes.

Who lists and reads the files depends on where they are. On a distributed file system (``hdfs:``,
``s3a:``…) Spark lists and reads them, and nothing per file reaches the driver. On the local file
system (``file:``) the driver lists them with the local build's rules (``graph.reader.discover``)
and the executors read them with its reader: Hadoop's listing follows symbolic links to folders
(a link to ``..`` multiplies the corpus, two make it exponential) and to files outside the root,
drops dangling links and names Java cannot decode without a word, reads a FIFO as an empty file,
fails the build on a name holding ``:`` and keeps NFD names as they are (docs/spark.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from graph.model import Article, Problem, keyword_key
from graph.parse import ParseOptions, parse_bytes, too_large
from graph.reader import Discovery, read_article, safe_name, unsafe_name
from graph.resolve import LOOKUP, anchor_lang, href_target, invisible, link_folder, link_problem
from graph.slugs import MARKDOWN_SUFFIXES, page_path
from graph.text import field_lang

# Spark's file sources skip names starting with '_' or '.' by default, which would lose Hugo's
# _index.md; the local build skips only hidden folders (and reads hidden *.md files).
_SKIPPED_NAMES = r"^\.(?!(?:.*\.)?(?i:%s)$)" % "|".join(s[1:] for s in MARKDOWN_SUFFIXES)
_MARKDOWN_GLOB = "*.{%s}" % ",".join("".join(f"[{c}{c.upper()}]" for c in s[1:]) for s in MARKDOWN_SUFFIXES)

_TEXTS = T.ArrayType(T.StringType())
_LINK = T.StructType([
    T.StructField("idx", T.IntegerType()), T.StructField("href", T.StringType()),
    T.StructField("text", T.StringType()), T.StructField("line", T.IntegerType()),
    T.StructField("section", T.StringType()), T.StructField("syntax", T.StringType()),
    T.StructField("kind", T.StringType()), T.StructField("key", T.StringType()),
    T.StructField("file_key", T.StringType()), T.StructField("folded", T.StringType()),
    T.StructField("wordy", T.BooleanType()), T.StructField("anchor_lang", T.StringType()),
    T.StructField("problem_code", T.StringType()), T.StructField("problem", T.StringType()),
    T.StructField("invisible", T.BooleanType()),
])
_KEYWORD = T.StructType([T.StructField("pos", T.IntegerType()), T.StructField("text", T.StringType()),
                         T.StructField("key", T.StringType()), T.StructField("lang", T.StringType())])
_PROBLEM = T.StructType([T.StructField("seq", T.IntegerType()), T.StructField("line", T.IntegerType()),
                         T.StructField("code", T.StringType()), T.StructField("message", T.StringType())])
FILE_SCHEMA = T.StructType([
    T.StructField("path", T.StringType(), False),
    T.StructField("is_article", T.BooleanType(), False),
    T.StructField("slug", T.StringType()), T.StructField("lang", T.StringType()),
    T.StructField("title", T.StringType()), T.StructField("title_lang", T.StringType()),
    T.StructField("description", T.StringType()),
    T.StructField("aliases", _TEXTS), T.StructField("folded_slug", T.StringType()),
    T.StructField("folded_aliases", _TEXTS), T.StructField("alias_lines", T.ArrayType(T.IntegerType())),
    T.StructField("file_key", T.StringType()),
    T.StructField("keywords", T.ArrayType(_KEYWORD)),
    T.StructField("links", T.ArrayType(_LINK)),
    T.StructField("problems", T.ArrayType(_PROBLEM)),
])
"""One row per Markdown file: the Article's fields (null when the file made none), what the
index needs (case-folded keys, the page path of the file), each link with its index-free
class and key, and the file's parse problems in the order the parser found them."""


FILES_PER_PARTITION = 2_000
"""Files parsed per task: Spark's default packing (by bytes, with a 4 MB cost per opened file)
makes tasks of ~30 small files, whose scheduling costs more than their parsing."""


PROBLEM_SCHEMA = T.StructType([
    T.StructField("path", T.StringType()), T.StructField("line", T.IntegerType()),
    T.StructField("code", T.StringType()), T.StructField("message", T.StringType()),
    T.StructField("stage", T.IntegerType()), T.StructField("seq", T.IntegerType()),
])
"""The problems table (graph.spark.resolve): ``stage`` and ``seq`` order ties as the local build does."""
LISTING_STAGE = -1
"""The ``stage`` of the problems of the listing: the local build reports them before any file's."""


def read_local(spark: SparkSession, found: Discovery, options: ParseOptions,
               keep: StorageLevel) -> tuple[DataFrame, tuple[DataFrame, ...], DataFrame]:
    """Every file of a local build's listing (``graph.reader.discover``), read and parsed on the
    executors by the local reader: FILE_SCHEMA rows, the tables persisted at level ``keep`` for
    them (the caller frees them), and the listing's problems (PROBLEM_SCHEMA)."""
    partitions = max(spark.sparkContext.defaultParallelism, -(-len(found.files) // FILES_PER_PARTITION))
    rows = spark.sparkContext.parallelize(found.files, partitions).mapPartitions(
        lambda part: read_partition(part, options))
    files = spark.createDataFrame(rows, FILE_SCHEMA, verifySchema=False).persist(keep)
    refused = spark.createDataFrame([(p.path, p.line, p.code, p.message, LISTING_STAGE, seq)
                                     for seq, p in enumerate(found.problems)], PROBLEM_SCHEMA)
    return files, (files,), refused


def read_partition(part: Iterable[tuple[str, str]], options: ParseOptions) -> Iterator[tuple]:
    """Executor side: (name, file to open) -> FILE_SCHEMA tuples, read as the local build reads
    (``graph.reader.read_article``: no symbolic link followed on open, the size limit, its problems)."""
    for rel, file in part:
        yield file_row(rel, *read_article(file, rel, options))


def read_files(spark: SparkSession, inputs: list[str], root: str, options: ParseOptions,
               keep: StorageLevel) -> tuple[DataFrame, tuple[DataFrame, ...], DataFrame]:
    """Every Markdown file under ``inputs`` (qualified URIs under ``root``), listed and read by
    Spark, parsed: FILE_SCHEMA rows, the tables persisted at level ``keep`` for them (the caller
    frees them), and the listing's problems (PROBLEM_SCHEMA): names spelled unsafely."""
    scan = (spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .option("ignoredPathSegmentRegex", _SKIPPED_NAMES)
            .option("pathGlobFilter", _MARKDOWN_GLOB)
            .load(inputs))
    # Spark's listing of the files, held in the driver's JVM as the scan's file index is; it stays there.
    listed = scan._jdf.inputFiles()
    partitions = max(spark.sparkContext.defaultParallelism, -(-len(listed) // FILES_PER_PARTITION))
    # Too large: no content (Spark reads up to 2 GiB per file; the local build reads none).
    raw = scan.select("path", F.when(F.col("length") <= options.max_file_bytes, F.col("content")).alias("content"))
    files = _parsed(spark, raw.coalesce(partitions), root, inputs, options).persist(keep)
    refused = spark.createDataFrame([], PROBLEM_SCHEMA)  # unsafe names: each file's own problem (file_row)
    if files.count() == len(listed):
        return files, (files,), refused
    # The scan leaves zero-byte files out; the local build reads them (an empty-file problem each).
    jvm = spark._jvm
    paths = DataFrame(spark._jsparkSession.createDataset(jvm.scala.collection.immutable.ArraySeq.unsafeWrapArray(
        listed), jvm.org.apache.spark.sql.Encoders.STRING()).toDF(), spark)
    # The listing writes URIs (file:///a%20b.md), the scan paths (file:/a b.md); '+' stays '+'.
    path = F.url_decode(F.replace(F.regexp_replace("value", "^file:///", "file:/"), F.lit("+"), F.lit("%2B")))
    empty = (paths.select(path.alias("path")).join(scan.select("path"), "path", "left_anti")
             .select("path", F.lit(b"").alias("content")))
    empty = _parsed(spark, empty, root, inputs, options).persist(keep)
    return files.unionByName(empty), (files, empty), refused


def _parsed(spark: SparkSession, raw: DataFrame, root: str, inputs: list[str], options: ParseOptions) -> DataFrame:
    prefix = root.rstrip("/") + "/"
    folders = [uri.rstrip("/") + "/" for uri in inputs]
    rows = raw.rdd.mapPartitions(lambda part: parse_partition(part, prefix, options, folders))
    return spark.createDataFrame(rows, FILE_SCHEMA, verifySchema=False)


def parse_partition(part: Iterable, prefix: str, options: ParseOptions,
                    folders: Sequence[str] = ()) -> Iterator[tuple]:
    """Executor side: (uri, bytes) rows -> FILE_SCHEMA tuples, each file named as the local build
    names it (``graph.reader.safe_name``: NFC, control characters spelled ``\\xNN``). A file in a
    hidden folder below one of ``folders`` (input URIs ending in ``/``) is left out, as locally:
    Spark's listing keeps a hidden folder named like a Markdown file (``.notes.md/``)."""
    for uri, content in part:
        if _in_hidden_folder(uri, folders):
            continue
        rel, exact = safe_name(uri[len(prefix):] if uri.startswith(prefix) else uri.rpartition("/")[2])
        data = None if content is None else bytes(content)
        article, problems = parse_bytes(data, rel, options) if data is not None else (None, [too_large(rel, options)])
        if not exact:  # the listing's problem locally (graph.reader.discover), before the file's own
            problems = [unsafe_name(rel), *problems]
        yield file_row(rel, article, problems)


def _in_hidden_folder(uri: str, folders: Sequence[str]) -> bool:
    """Whether a folder between the input folder holding ``uri`` and the file is hidden."""
    below = max((f for f in folders if uri.startswith(f)), key=len, default=None)
    return below is not None and any(part.startswith(".") for part in uri[len(below):].split("/")[:-1])


def file_row(rel: str, article: Article | None, problems: list[Problem]) -> tuple:
    """The FILE_SCHEMA row of the file at ``rel``, from what ``parse_bytes`` made of it."""
    found = [(seq, p.line, p.code, p.message) for seq, p in enumerate(problems)]
    if article is None:
        return (rel, False, None, None, None, None, None, [], None, [], [], None, [], [], found)
    links = []
    for idx, link in enumerate(article.links):
        kind, key, file_key = href_target(link.href, article.site_dir, link_folder(link.href, article.path))
        problem = link_problem(rel, link, kind, key) if kind in ("unsafe", "template") else None
        wordy, lang = anchor_lang(link.text, article.lang)
        links.append((idx, link.href, link.text, link.line, link.section, link.syntax, kind,
                      None if kind == "unsafe" else key, file_key, key.casefold() if key else None,
                      wordy, lang, problem and problem.code, problem and problem.message,
                      kind == LOOKUP and invisible(link.href)))
    keywords = [(pos, k, keyword_key(k), field_lang(k, article.lang)) for pos, k in enumerate(article.keywords)]
    return (rel, True, article.slug, article.lang, article.title, field_lang(article.title, article.lang),
            article.description, list(article.aliases),
            article.slug.casefold(), [a.casefold() for a in article.aliases], list(article.alias_lines),
            page_path(article.path),
            keywords, links, found)
