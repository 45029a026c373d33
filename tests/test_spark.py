"""The Spark engine (graph/spark/) against the local build, in Spark local mode: the same
N-Triples statements, node and edge counts, report counts and problems, property-graph CSV rows.

One SparkSession for the module (starting Java costs seconds). Skipped, saying why, when
PySpark or Java is missing (.ci/run installs the ``spark`` extra; Java 17 is on CI machines).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from conftest import BAD_FILES, GLOSSARY, HUGO, INVESTORSWIKI, PROJECT, need, write_files
from graph.cli import main
from graph.pipeline import build

pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
if shutil.which("java") is None:
    pytest.skip("no java on PATH: the Spark engine needs Java 17 or later", allow_module_level=True)

from graph.spark.engine import build_spark, start_session  # noqa: E402

# Small data: few partitions, and no whole-stage code generation, whose compile time per stage
# dominates when a stage handles a few rows (the defaults stay for real builds).
TEST_CONF = [
    ("spark.ui.enabled", "false"), ("spark.ui.showConsoleProgress", "false"),
    ("spark.sql.shuffle.partitions", "2"), ("spark.default.parallelism", "2"),
    ("spark.sql.codegen.wholeStage", "false"),
]


@pytest.fixture(scope="module")
def spark():
    session = start_session("local[2]", TEST_CONF)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def parts(folder: Path) -> list[str]:
    """Lines of a folder of Spark part files, parts in name order."""
    return [line for f in sorted(folder.glob("part-*")) for line in f.read_text(encoding="utf-8").splitlines()]


def assert_equivalent(spark, inputs: list[Path], tmp: Path, csv: bool = True) -> dict:
    """Build locally and with Spark; the outputs must say the same. Returns the Spark report."""
    local = build(inputs, tmp / "local", ["ntriples", "graphml", "csv"], jobs=1)
    result = build_spark([str(p) for p in inputs], str(tmp / "spark"), spark=spark)
    out = tmp / "spark"

    assert {f.suffix for f in (out / "graph.nt").glob("part-*")} == {".nt"}
    statements = set(parts(out / "graph.nt"))
    assert len(statements) == len(parts(out / "graph.nt")), "a statement written twice"
    assert statements == set((tmp / "local" / "graph.nt").read_text(encoding="utf-8").splitlines())

    report = result.report
    assert report["counts"] == local.report["counts"]
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    problems = [json.loads(line) for line in parts(out / "problems.jsonl")]
    assert problems == local.report["problems"]
    if "problems" in report:
        assert report["problems"] == problems
    wanted = [json.loads(line) for line in parts(out / "missing.jsonl")]
    assert wanted == local.report["most_wanted_missing"]
    assert report["most_wanted_missing"] == wanted[:20]
    audit = [json.loads(line) for line in parts(out / "links.jsonl")]
    local_audit = (tmp / "local" / "links.jsonl").read_text(encoding="utf-8").splitlines()
    assert audit == [json.loads(line) for line in local_audit]

    G = nx.read_graphml(tmp / "local" / "graph.graphml")  # networkx reads the local GraphML back
    nodes = spark.read.parquet(str(out / "nodes.parquet"))
    edges = spark.read.parquet(str(out / "edges.parquet"))
    assert (nodes.count(), edges.count()) == (G.number_of_nodes(), G.number_of_edges())
    if csv:
        for name, header in (("nodes", "nodes-header.csv"), ("edges", "edges-header.csv")):
            lines = (tmp / "local" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
            assert (out / "neo4j" / header).read_text(encoding="utf-8").splitlines() == lines[:1]
            assert sorted(parts(out / "neo4j" / name)) == sorted(lines[1:])
        rows = {r["id"]: r.asDict() for r in nodes.collect()}
        for _, data in G.nodes(data=True):
            row = rows[data.get("slug") if data["kind"] != "keyword" else "/keyword:" + data["slug"]]
            # GraphML leaves empty text out; Parquet holds '' (and null for another language's label)
            assert {k: v for k, v in row.items() if v not in (None, "") and k != "id"} == data
    return report


RULES = {
    # aliases (a real slug beats an alias), language roots, relative paths, case variants,
    # a duplicate slug, self links, template and unsafe links, a missing target spelt two ways
    "Texts/English/new.md": b"---\ntitle: New\naliases: [/old, /other]\nkeywords: Careers, careers\n---\n"
                            b"[o](/old) [x](/other) [me](new.md) [t]({{.Site}}) [Up](../../../x)\n",
    "Texts/English/other.md": b"# Other\n[Series 7](/Series7) [s7](/series7) [s7](/series7) [a](../Arabic/bank.md)\n",
    "Texts/Arabic/bank.md": "---\ntitle: بنك\nkeywords: [Careers]\n---\n[FINRA](/FINRA/) [هيئة](/sec) [SEC](/sec)\n".encode(),
    "Texts/Arabic/finra.md": "---\ntitle: فينرا\n---\n[x](/bank#h)".encode(),
    "Texts/Arabic/zz-finra.md": "---\nslug: finra\ntitle: مكرر\n---\n".encode(),
}


def test_rules_and_bad_input_give_the_same_graph_and_report(spark, tmp_path):
    # Spark's file scan never hands over zero-byte files (docs/spark.md, "Differences"): tested apart.
    bad = {f"Texts/bad/{k}": v for k, v in BAD_FILES.items() if v}
    corpus = write_files(tmp_path / "in", {**RULES, **bad})
    report = assert_equivalent(spark, [corpus / "Texts"], tmp_path)
    codes = {p["code"] for p in report["problems"]}
    assert {"duplicate-slug", "unsafe-link", "template-link", "yaml-error", "binary-file"} <= codes


def test_zero_byte_files_are_not_seen(spark, tmp_path):
    corpus = write_files(tmp_path / "in", {"a.md": b"# A\n", "empty.md": b""})
    report = build_spark([str(corpus)], str(tmp_path / "out"), spark=spark).report
    assert (report["counts"]["files"], report["counts"]["articles"], report["problems"]) == (1, 1, [])


def test_glossary_and_seeds(spark, tmp_path):
    assert_equivalent(spark, [GLOSSARY], tmp_path / "glossary")
    assert_equivalent(spark, [PROJECT / "seeds"], tmp_path / "seeds")


def test_investorswiki(spark, tmp_path):
    assert_equivalent(spark, [need(INVESTORSWIKI)], tmp_path, csv=False)


def test_hugo_docs(spark, tmp_path):
    assert_equivalent(spark, [need(HUGO)], tmp_path, csv=False)


def test_generated_corpus(spark, tmp_path):
    subprocess.run([sys.executable, str(PROJECT / "tests" / "benchmarks" / "gen_corpus.py"), "2000",
                    str(tmp_path / "corpus")], check=True, capture_output=True)
    assert_equivalent(spark, [tmp_path / "corpus" / "Texts"], tmp_path, csv=False)


def test_cli_builds_with_spark_and_rebuilds_in_place(spark, tmp_path, capsys):
    args = ["build", str(GLOSSARY), "-o", str(tmp_path), "--engine", "spark", "--master", "local[2]"]
    assert main(args) == 0
    assert main(args + ["-q"]) == 0  # the second build replaces the first one's outputs
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))  # Hadoop's .crc files
    assert names == ["edges.parquet", "graph.nt", "links.jsonl", "missing.jsonl", "neo4j", "nodes.parquet",
                     "problems.jsonl", "report.json"]
    assert "missing targets" in capsys.readouterr().err


@pytest.mark.parametrize("extra, message", [
    (["--engine", "spark", "--format", "turtle,graphml"], "does not write turtle, graphml"),
    (["--engine", "spark", "--related", "3"], "--related and --watch are for one machine"),
    (["--master", "local[2]"], "apply to --engine spark only"),
])
def test_cli_refuses_what_the_spark_engine_does_not_do(tmp_path, capsys, extra, message):
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
