"""``linkgraph build --engine spark``: the local build's rules as one Spark job (docs/spark.md).

read (executors parse) -> resolve (joins) -> nodes and edges tables -> part files. The driver
plans the job and collects only aggregates whose size does not grow with the corpus: counts,
the languages in use and, when there are few, the problems for report.json.
"""

from __future__ import annotations

import io
import os
import posixpath
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

from graph.errors import LinkgraphError, OutputError, UsageError
from graph.output import write_file
from graph.parse import ParseOptions
from graph.report import REPORT_FILE, REPORT_VERSION, write_report
from graph.vocab import DEFAULT_BASE_IRI, check_base_iri

SPARK_FORMATS = ("ntriples", "csv")
"""``--format`` choices the Spark engine writes (the Parquet tables and report.json always)."""
INLINE_PROBLEMS = 10_000
"""report.json lists the problems itself up to this many; beyond, problems.jsonl/ alone holds them."""
MOST_WANTED = 20
"""report.json lists this many most wanted missing targets; missing.jsonl/ holds them all."""


@dataclass(frozen=True, slots=True)
class SparkBuildResult:
    """What a Spark build made: the report (as written to report.json) and the outputs written."""

    report: dict
    written: tuple[str, ...]
    """URIs of the outputs in the output folder (part-file folders and single files)."""


def check_formats(formats: Iterable[str] | None) -> tuple[str, ...]:
    """The formats to write; UsageError for the single-file formats of one machine."""
    if formats is None:
        return SPARK_FORMATS
    chosen = tuple(formats)
    refused = [f for f in chosen if f not in SPARK_FORMATS]
    if refused:
        raise UsageError(
            f"--engine spark does not write {', '.join(refused)}: single-file formats are for one machine. "
            f"It writes {', '.join(SPARK_FORMATS)} as part files, plus nodes.parquet, edges.parquet and "
            "report.json; build locally (without --engine spark) for the others")
    return chosen


def build_spark(
    paths: Sequence[str],
    out: str,
    formats: Iterable[str] | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    default_lang: str | None = None,
    master: str | None = None,
    conf: Sequence[tuple[str, str]] = (),
    spark=None,
    wikilinks: bool = False,
) -> SparkBuildResult:
    """Build the graph of the Markdown files under ``paths`` (local paths or any URI Spark reads)
    with Spark and write its outputs to ``out``. ``spark``: a running SparkSession to use
    (``master`` and ``conf`` then do not apply); ``wikilinks`` reads ``[[Page]]`` links
    (``ParseOptions.wikilinks``, shipped to the executors with the other options)."""
    formats = check_formats(formats)
    base_iri = check_base_iri(base_iri)
    if spark is None:
        spark = start_session(master, conf)
    fs = _FileSystem(spark)
    inputs, root = fs.inputs(paths)
    listing = None
    local = _local_inputs(inputs)
    if local is not None:
        # On the local file system the local build's listing: its rules for names, symbolic
        # links and special files, which Hadoop's listing does not keep (graph/spark/read.py).
        from graph.reader import discover
        listing = discover(local)
        root = fs.qualify(str(listing.root))
    options = ParseOptions(default_lang, root_name=_unquoted_name(root), wikilinks=wikilinks)
    out = fs.qualify(out)
    folder = _local_folder(out)
    if folder is not None:
        # A local folder: the local build's all-or-nothing swap (graph.output), so a reader sees
        # the whole previous build or the whole new one.
        from graph.output import OutputFolder
        from graph.pipeline import output_names
        from graph.spark.export import FOLDERS
        # .report.json.crc: the checksum Hadoop wrote beside report.json before this swap was used.
        with OutputFolder(folder, output_names() | {f".{REPORT_FILE}.crc"}, FOLDERS) as held:
            staging = fs.qualify(str(held.staging))
            report = _write_outputs(spark, fs, inputs, root, listing, options, staging, formats, base_iri,
                                    default_lang)
            written = sorted(f"{out}/{entry.name}" for entry in held.staging.iterdir())
            held.commit()
        return SparkBuildResult(report, tuple(written))
    # Elsewhere each output is moved into place whole when all are written (docs/spark.md).
    staging = f"{out}/.linkgraph-spark-{uuid.uuid4().hex}"
    try:
        report = _write_outputs(spark, fs, inputs, root, listing, options, staging, formats, base_iri,
                                default_lang)
        written = fs.publish(staging, out)
    finally:
        fs.delete(staging)
    return SparkBuildResult(report, tuple(written))


def _write_outputs(spark, fs: _FileSystem, inputs: list[str], root: str, listing, options: ParseOptions,
                   staging: str, formats: tuple[str, ...], base_iri: str, default_lang: str | None) -> dict:
    """Run the job, writing every output into the folder ``staging``; returns the report.
    ``listing``: the local build's ``Discovery`` of local inputs (None: Spark lists them)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from graph.build import label_order
    from graph.spark.export import (NEO4J_DIR, NT_DIR, csv_headers, field_types, node_outputs, write_graph,
                                    write_report_tables)
    from graph.spark.nodes import graph_tables
    from graph.spark.read import read_files, read_local
    from graph.spark.resolve import resolve_links

    keep = StorageLevel.MEMORY_AND_DISK
    cached = resolved = graph = nodes = wanted = None
    try:
        if listing is None:
            files, cached, listed = read_files(spark, inputs, root, options, keep)
        else:
            files, cached, listed = read_local(spark, listing, options, keep)
        resolved = resolve_links(files, listed)
        graph = graph_tables(resolved)
        # One job: the articles per language (the preferred label order) and the label languages.
        per_lang = resolved.articles.where(F.col("lang").isNotNull()).groupBy("lang").count()
        found = per_lang.unionByName(graph.langs.select("lang", F.lit(None).cast("long").alias("count"))).collect()
        order = label_order({r.lang: r["count"] for r in found if r["count"] is not None}, default_lang)
        langs = [r.lang for r in found if r["count"] is None]
        nodes = node_outputs(graph, base_iri, order, langs).persist(keep)
        write_graph(nodes, staging, formats)
        wanted = write_report_tables(resolved.problems, resolved.occurrences, nodes, staging)
        report = _report(files, resolved, nodes, graph, wanted)
        text = io.StringIO()
        write_report(report, text)
        fs.write_text(f"{staging}/{REPORT_FILE}", text.getvalue())
        if "csv" in formats:
            for name, text in csv_headers(field_types(langs)).items():
                fs.write_text(f"{staging}/{name}", text)
        # Loaders pick a syntax by extension (oxigraph, Jena): Spark's text parts end in .txt.
        fs.rename_parts(f"{staging}/{NT_DIR}", ".nt")
        for name in ("nodes", "edges"):
            fs.rename_parts(f"{staging}/{NEO4J_DIR}/{name}", ".csv")
    finally:
        _unpersist(*(cached or ()), resolved, graph, nodes, wanted)
    return report


def _local_folder(uri: str) -> Path | None:
    """The local path of a qualified ``file:`` path, else None (Hadoop's paths are not
    percent-encoded: ``file:/a%20b`` is the folder ``a%20b``)."""
    if not uri.startswith("file:"):
        return None
    path = uri.removeprefix("file:")
    return Path("/" + path[2:].partition("/")[2] if path.startswith("//") else path)


def _local_inputs(inputs: Sequence[str]) -> list[Path] | None:
    """The local paths of qualified inputs when all are on the local file system, else None."""
    local = [_local_folder(uri) for uri in inputs]
    return None if None in local else local


def _unpersist(*tables) -> None:
    """Free the tables a build persisted: a session passed in by the caller outlives the build."""
    for table in tables:
        if is_dataclass(table):
            _unpersist(*(getattr(table, f.name) for f in fields(table)))
        elif table is not None:
            table.unpersist()


def start_session(master: str | None, conf: Sequence[tuple[str, str]]):
    """A SparkSession for the build; LinkgraphError when PySpark or Java is not there."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("--engine spark needs PySpark: pip install 'linkgraph[spark]'") from None
    builder = SparkSession.builder.appName("linkgraph")
    if master:
        builder = builder.master(master)
    for key, value in conf:
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # PySpark raises a plain RuntimeError-like error when Java cannot start
        raise LinkgraphError(f"cannot start Spark ({' '.join(str(exc).split())[:300]}); "
                             "--engine spark needs Java 17 or later on PATH or in JAVA_HOME") from None


def _report(files, resolved, nodes, graph, wanted) -> dict:
    """report.json: the local build's counts, problems inline when few (else in problems.jsonl/
    alone) and the MOST_WANTED most wanted missing targets (all in missing.jsonl/)."""
    from pyspark.sql import functions as F

    from graph.model import EdgeKind, LinkClass, NodeKind
    from graph.spark.export import LINKS_TABLE, MISSING_TABLE, PROBLEMS_TABLE

    def per_kind(name: str, table, kind=F.col("kind")):
        return table.groupBy(F.lit(name).alias("count_of"), kind.alias("kind")).count()

    # One job for every count (each is a small aggregate over a persisted table).
    tables = [per_kind("nodes", nodes.where(F.col("id") != "")), per_kind("edges", graph.edges),
              per_kind("links", resolved.occurrences), per_kind("problems", resolved.problems, F.lit("")),
              per_kind("files", files, F.lit("")), per_kind("articles", resolved.articles, F.lit(""))]
    found: dict[str, dict] = {}
    for row in _union(tables).collect():
        found.setdefault(row.count_of, {})[row.kind] = row["count"]
    kinds, edges, links = found.get("nodes", {}), found.get("edges", {}), found.get("links", {})
    n_problems = found.get("problems", {}).get("", 0)
    report = {
        "report_version": REPORT_VERSION,
        "engine": "spark",
        "counts": {
            "files": found.get("files", {}).get("", 0),
            "articles": found.get("articles", {}).get("", 0),
            "nodes": {kind: kinds.get(kind, 0) for kind in NodeKind.ALL},
            "edges": {kind: edges.get(kind, 0) for kind in (EdgeKind.LINKS_TO, EdgeKind.HAS_KEYWORD)},
            "link_occurrences": {kind: links.get(kind, 0) for kind in LinkClass.ALL},
            "problems": n_problems,
        },
        "links_file": LINKS_TABLE,
        "tables": {"problems": PROBLEMS_TABLE, "most_wanted_missing": MISSING_TABLE},
    }
    if n_problems <= INLINE_PROBLEMS:
        rows = resolved.problems.orderBy("path", "line", "code", "stage", "seq").collect()
        report["problems"] = [{"path": r.path, "line": r.line, "code": r.code, "message": r.message} for r in rows]
    report["most_wanted_missing"] = [row.asDict() for row in wanted.limit(MOST_WANTED).collect()]
    return report


def _union(tables):
    first, *rest = tables
    for table in rest:
        first = first.unionByName(table)
    return first


def _unquoted_name(uri: str) -> str:
    return posixpath.basename(uri.rstrip("/"))


class _FileSystem:
    """The few file operations the driver does, through Hadoop's FileSystem (any URI Spark reads)."""

    def __init__(self, spark) -> None:
        self.jvm = spark._jvm
        self.conf = spark._jsc.hadoopConfiguration()

    def _path(self, uri: str):
        path = self.jvm.org.apache.hadoop.fs.Path(uri)
        return path, path.getFileSystem(self.conf)

    def qualify(self, path: str) -> str:
        """A fully qualified URI (``file:/abs/path`` for a local path)."""
        if "://" not in path and not path.startswith("file:"):
            path = str(Path(path).resolve())
        p, fs = self._path(path)
        return fs.makeQualified(p).toString()

    def inputs(self, paths: Sequence[str]) -> tuple[list[str], str]:
        """(qualified inputs, their common root folder); UsageError naming inputs that do not exist."""
        inputs, folders, missing = [], [], []
        for given in paths:
            uri = self.qualify(given)
            p, fs = self._path(uri)
            if not fs.exists(p):
                missing.append(given)
                continue
            inputs.append(uri)
            folders.append(uri if fs.getFileStatus(p).isDirectory() else uri.rsplit("/", 1)[0])
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        # An input inside another would be read twice (the local build reads each file once).
        inputs = sorted(set(inputs))
        inputs = [u for u in inputs if not any(u.startswith(other.rstrip("/") + "/") for other in inputs)]
        parts = [f.rstrip("/").split("/") for f in folders]
        common = os.path.commonprefix(parts)
        return inputs, "/".join(common)

    def write_text(self, uri: str, text: str) -> None:
        folder = _local_folder(uri)
        if folder is not None:  # in Python: Hadoop's local file system would add a .crc file beside it
            write_file(folder, lambda f: f.write(text))
            return
        p, fs = self._path(uri)
        stream = fs.create(p, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def publish(self, staging: str, out: str) -> list[str]:
        """Move each finished output from ``staging`` into ``out``, replacing an older one."""
        s, fs = self._path(staging)
        written = []
        for status in fs.listStatus(s):
            name = status.getPath().getName()
            target = self.jvm.org.apache.hadoop.fs.Path(out, name)
            if fs.exists(target):
                fs.delete(target, True)
            if not fs.rename(status.getPath(), target):
                raise OutputError(f"cannot move {name} into {out}")
            written.append(target.toString())
        return sorted(written)

    def rename_parts(self, folder: str, suffix: str) -> None:
        """Give the ``part-*.txt`` files in ``folder`` (if it exists) the suffix ``suffix``."""
        p, fs = self._path(folder)
        if not fs.exists(p):
            return
        for status in fs.listStatus(p):
            name = status.getPath().getName()
            if name.startswith("part-") and name.endswith(".txt"):
                fs.rename(status.getPath(), self.jvm.org.apache.hadoop.fs.Path(p, name[:-4] + suffix))

    def delete(self, uri: str) -> None:
        p, fs = self._path(uri)
        if fs.exists(p):
            fs.delete(p, True)

