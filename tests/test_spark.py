"""The Spark engine (graph/spark/) against the local build, in Spark local mode: the same
N-Triples statements, node and edge counts, report counts and problems, property-graph CSV rows.

One SparkSession for the whole run (starting Java costs seconds), and as few builds as prove
each point: every Spark build costs tens of seconds on 2 cores whatever its size. Skipped, saying
why, when PySpark or Java is missing (.ci/run installs the ``spark`` extra; Java 17 is on CI machines).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest

from conftest import BAD_FILES, GLOSSARY, HUGO, INVESTORSWIKI, PROJECT, need, snapshot, write_files
from graph.cli import main
from graph.errors import OutputError
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


@pytest.fixture(scope="session")
def spark():
    session = start_session("local[2]", TEST_CONF)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def parts(folder: Path) -> list[str]:
    """Lines of a folder of Spark part files, parts in name order."""
    return [line for f in sorted(folder.glob("part-*")) for line in f.read_text(encoding="utf-8").splitlines()]


def graphml_counts(path: Path) -> tuple[int, int]:
    """(nodes, edges) of a GraphML file, counted by a streaming XML parser (for large graphs)."""
    counts = {"node": 0, "edge": 0}
    for _, element in ET.iterparse(path):
        name = element.tag.rpartition("}")[2]
        if name in counts:
            counts[name] += 1
            element.clear()
    return counts["node"], counts["edge"]


def assert_equivalent(spark, inputs: list[Path], tmp: Path, csv: bool = True, out: Path | None = None,
                      jobs: int = 1, wikilinks: bool = False) -> dict:
    """Build locally and (unless ``out`` holds a Spark build already) with Spark; the outputs
    must say the same. ``csv``: also compare the neo4j CSV rows and each node's attributes.
    Returns the Spark report."""
    local = build(inputs, tmp / "local", ["ntriples", "graphml", "csv"], jobs=jobs, wikilinks=wikilinks)
    if out is None:
        out = tmp / "spark out%41"  # written as named: Hadoop's paths are not percent-encoded
        report = build_spark([str(p) for p in inputs], str(out), spark=spark, wikilinks=wikilinks).report
        assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    else:
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    assert {f.suffix for f in (out / "graph.nt").glob("part-*")} == {".nt"}
    statements = parts(out / "graph.nt")
    assert len(set(statements)) == len(statements), "a statement written twice"
    assert set(statements) == set((tmp / "local" / "graph.nt").read_text(encoding="utf-8").splitlines())

    assert report["counts"] == local.report["counts"]
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

    nodes = spark.read.parquet(str(out / "nodes.parquet"))
    edges = spark.read.parquet(str(out / "edges.parquet"))
    if not csv:
        assert (nodes.count(), edges.count()) == graphml_counts(tmp / "local" / "graph.graphml")
        return report
    G = nx.read_graphml(tmp / "local" / "graph.graphml")  # networkx reads the local GraphML back
    assert (nodes.count(), edges.count()) == (G.number_of_nodes(), G.number_of_edges())
    for name, header in (("nodes", "nodes-header.csv"), ("edges", "edges-header.csv")):
        lines = (tmp / "local" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert (out / "neo4j" / header).read_text(encoding="utf-8").splitlines() == lines[:1]
        assert sorted(parts(out / "neo4j" / name)) == sorted(lines[1:])
    rows = {r["id"]: r.asDict() for r in nodes.collect()}
    for _, data in G.nodes(data=True):
        row = rows[data.get("slug") if data["kind"] != "keyword" else "/keyword:" + data["slug"]]
        # GraphML leaves empty text out; Parquet holds '' (and null for another language's label)
        assert {k: v for k, v in row.items() if v not in (None, "") and k != "id"} == data
    edge_rows = {(r.source, r.target): r.asDict() for r in edges.collect()}
    assert len(edge_rows) == G.number_of_edges()
    for u, v, data in G.edges(data=True):
        row = edge_rows[G.nodes[u].get("slug"), _key(G.nodes[v])]
        data = {k: v for k, v in data.items() if k != "id"}  # networkx keeps GraphML's edge id
        assert {k: row[k] for k in data} == data
    return report


def _key(data: dict) -> str:
    return data["slug"] if data["kind"] != "keyword" else "/keyword:" + data["slug"]


RULES = {
    # aliases (a real slug beats an alias), language roots, relative paths, case variants,
    # a duplicate slug, self links, template and unsafe links, a missing target spelt two ways
    "Texts/English/new.md": b"---\ntitle: New\naliases: [/old, /other]\nkeywords: Careers, careers\n---\n"
                            b"[o](/old) [x](/other) [me](new.md) [t]({{.Site}}) [Up](../../../x)\n",
    "Texts/English/other.md": b"# Other\n[Series 7](/Series7) [s7](/series7) [s7](/series7) [a](../Arabic/bank.md)\n",
    "Texts/Arabic/bank.md": "---\ntitle: بنك\nkeywords: [Careers]\n---\n[FINRA](/FINRA/) [هيئة](/sec) [SEC](/sec)\n".encode(),
    "Texts/Arabic/finra.md": "---\ntitle: فينرا\n---\n[x](/bank#h)".encode(),
    "Texts/Arabic/zz-finra.md": "---\nslug: finra\ntitle: مكرر\n---\n".encode(),
    # a README answers to its folder's links
    "Texts/English/guide/README.md": b"# Guide\n[s](setup.md)\n",
    "Texts/English/guide/setup.md": b"# Setup\n[g](./) [g](../guide/) [g](/guide) [o](/Other)\n",
    "Texts/English/guide/tabs.MDX": b"import T from './t';\n\n# Tabs\n[s](setup.mdx)\n",
    # Hugo's ref shortcodes: beside the page, then from the language root
    "Texts/English/guide/refs.md": b'# Refs\n[s]({{< ref "setup" >}}) [o]({{% relref "other.md#x" %}}) [n]({{< ref "/nope" >}})\n',
    # Jekyll's: a file from the site's root, whatever its permalink; an address from the site root
    "Texts/English/guide/jekyll.md": b"---\npermalink: /jk/\n---\n# J\n[s]({% link Texts/English/guide/setup.md %})"
                                     b" [o]({{ site.baseurl }}/other) [me]({{ '/jk/' | relative_url }})\n",
    "Texts/English/guide/faq.mkd": b"# FAQ\n[t](tabs.mdown) [s](setup.mdwn)\n",  # GitHub's other Markdown suffixes
    "Texts/English/Bank.md": b"# Bank, another spelling of bank\n[b](/BANK) [b](/bank)\n",  # case-variant-slug
    # aliases: new.md's /other is other.md's slug; 'shared' claimed twice (the second in a block
    # list) and once by an Arabic twin; 'Old' a case variant of new.md's; 'lend' in two languages;
    # 'guide' the README's folder; faq/README.md's folder is its _index.md's (never reported)
    "Texts/English/shared-a.md": b"---\ntitle: Shared A\naliases: [shared, Old]\n---\n[s](/shared) [o](/OLD)\n",
    "Texts/English/shared-b.md": b"---\ntitle: Shared B\naliases:\n  - /x-b\n  - shared\n---\n[s](/shared)\n",
    "Texts/Arabic/shared-a.md": "---\ntitle: مشترك\naliases: [shared]\n---\n[s](/shared) [l](/lend)\n".encode(),
    "Texts/Arabic/loan.md": "---\ntitle: قرض\naliases: [lend]\n---\n".encode(),
    "Texts/English/lender.md": b"---\ntitle: Lender\naliases: [lend, guide]\n---\n[l](/lend) [g](/guide)\n",
    "Texts/English/faq/README.md": b"# FAQ readme\n[f](./)\n",
    "Texts/English/faq/_index.md": b"# FAQ\n[r](README.md)\n",
}


# Names Spark's file sources treat apart: hidden, '_' first (Hugo's _index.md), URI-escaped characters.
ZERO_BYTE = {"Texts/bad/_index.md": b"", "Texts/bad/.hidden.md": b"", "Texts/bad/a+b c%41.md": b""}
# Names the local build spells otherwise: NFC (a name stored in NFD, as macOS writes it), controls as \xNN;
# a hidden folder named like a Markdown file, which Spark's listing kept and the local build skips; '.md',
# which Spark's listing skipped.
RESPELT = {"Texts/bad/cafe\u0301.md": "# NFD\n[c](/bad/caf\u00e9)\n".encode(),
           "Texts/bad/esc\x1b.md": b"# Esc\n[g](/good)\n",
           "Texts/bad/.notes.md/a.md": b"# Hidden\n", "Texts/bad/.notes.md/zero.md": b"", "Texts/bad/.md": b"# Dot\n"}


@pytest.mark.parametrize("listing", ["local", "spark"])
def test_rules_bad_input_and_zero_byte_files_give_the_same_graph_and_report(spark, tmp_path, monkeypatch,
                                                                             listing):
    """``listing``: who lists the files — the local build's listing (inputs on the local file
    system) or Spark's own (any other file system: HDFS, S3), made to list local files here."""
    if listing == "spark":
        monkeypatch.setattr("graph.spark.engine._local_inputs", lambda inputs: None)
    # Spark's file scan leaves zero-byte files out: the engine finds them in its listing.
    bad = {f"Texts/bad/{k}": v for k, v in BAD_FILES.items()}
    corpus = write_files(tmp_path / "in", {**RULES, **bad, **ZERO_BYTE, **RESPELT})
    report = assert_equivalent(spark, [corpus / "Texts"], tmp_path)
    audit = [json.loads(line) for line in parts(tmp_path / "spark out%41" / "links.jsonl")]
    assert {"bad/café.md", "bad/esc\\x1b.md"} <= {x["path"] for x in audit}
    codes = {p["code"] for p in report["problems"]}
    assert {"duplicate-slug", "case-variant-slug", "unsafe-link", "template-link", "yaml-error", "binary-file",
            "empty-file", "alias-conflict", "case-variant-alias"} <= codes
    assert sorted((p["path"], p["line"]) for p in report["problems"] if "alias" in p["code"]) == [
        ("English/lender.md", 3), ("English/new.md", 3), ("English/shared-a.md", 3), ("English/shared-b.md", 5)]
    empty = {p["path"] for p in report["problems"] if p["code"] == "empty-file"}
    assert {"bad/empty.md", "bad/_index.md", "bad/.hidden.md", "bad/a+b c%41.md"} <= empty


# Names Hadoop's paths and listing treat apart, bytes the local reader decodes, entries the local
# listing refuses (links to folders, out of the root, dangling or looping; a FIFO; a folder named
# like a file); under two roots with the same relative paths and a single file given as a root.
HOSTILE_NAMES = ["sp ace", "pct%20", "pct%", "hash#x", "q?x", "col:on", "br[a]", "cur{l}", "st*ar", "_draft",
                 "_posts/p", ".hidden/h", ".dot", "part-00000", "back\\slash", "new\nline", "x\ufffe", "a" * 240,
                 "caf\u00e9", "nfd/cafe\u0301", "nfd/caf\u00e9", "plus+x", "semi;x", "quote'x", 'dq"x', "tilde~x"]
HOSTILE_BYTES = {
    "u16.md": b"\xff\xfe" + "# Sixteen\n[a](/good)\n".encode("utf-16-le"),
    "u32.md": b"\xff\xfe\x00\x00" + "# Thirty-two\n".encode("utf-32-le"),
    "u16-bad.md": b"\xff\xfe\x00\xd8\x41\x00",
    "surrogate.md": b'{\n "title": "S", "aliases": ["\\ud800", "ok\\udfffx"]\n}\n[x](/good)\n',
    "nonchar.md": "# F\n[x](/a\ufffeb) [y](/c\uffff)\n".encode(),
    "yes.md": b"---\ntitle: Yes\nkeywords: [yes, 1.10, 010, 12:30, 2024-01-02]\n---\n",
    "bom.md": b"\xef\xbb\xbf# Bom\n", "cr.md": b"# Cr\r[a](/good)\r", "invalid.md": b"# Inv \xff\xfe\n",
    "big.md": b"# Big\n" + b"x" * (8 * 1024 * 1024), "good.md": b"# Good\n",
}


def hostile_corpus(root: Path) -> list[Path]:
    one = write_files(root / "in" / "one", {**{f"{n}.md": f"# {n}\n[g](/good) [n](/{n})\n".encode()
                                               for n in HOSTILE_NAMES}, **HOSTILE_BYTES})
    (one / os.fsdecode(b"latin\xe9.md")).write_bytes(b"# Latin-1 name\n")
    write_files(root / "in" / "two", {"sp ace.md": b"# Two\n[o](../one/sp%20ace.md)\n", "good.md": b"# Good 2\n"})
    write_files(root / "outside", {"o.md": b"# Outside\n"})
    for name, target in (("loop1.md", "loop2.md"), ("loop2.md", "loop1.md"), ("dangling.md", "nowhere.md"),
                         ("inside.md", "good.md"), ("out.md", str(root / "outside" / "o.md")),
                         ("linked", "_posts"), ("_posts/up", "..")):
        os.symlink(target, one / name)
    os.mkfifo(one / "fifo.md")
    (one / "folder.md").mkdir()
    single = write_files(root / "in" / "three", {"single.md": b"# Single\n[t](../two/good.md)\n"})
    return [one, root / "in" / "two", single / "single.md"]


def test_hostile_names_bytes_and_entries_give_the_same_graph_and_report(spark, tmp_path):
    report = assert_equivalent(spark, hostile_corpus(tmp_path), tmp_path)
    codes = {p["code"] for p in report["problems"]}
    assert {"unsafe-file-name", "duplicate-file-name", "symlink-folder", "outside-root", "unreadable", "not-a-file",
            "file-too-large", "invalid-encoding", "invisible-in-link"} <= codes
    assert report["counts"]["files"] == len(HOSTILE_NAMES) - 2 + len(HOSTILE_BYTES) + 5  # no NFD twin, hidden
    # Strict N-Triples readers take every part as it is.
    out = tmp_path / "spark out%41"
    n = sum(1 for f in (out / "graph.nt").glob("part-*.nt")
            for _ in pyoxigraph.parse(path=str(f), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert n == len(parts(out / "graph.nt"))


WIKI = {
    # [[name]]: the file beside first, then by file name anywhere (an implied alias, which loses
    # silently to a slug, a written alias and an earlier file's name); shown text, headings,
    # embeds, a scheme, '..' out of the root, and a Hugo TOML table read as a link
    "Texts/English/notes/a.md": b"# A\n[[Page]] [[Twin|the twin]] [[deep/Only#h]] [[#h]] [[Only]] ![[img.png]]\n"
                                b"| t |\n|---|\n| [[Lender\\|l]] |\n\n[[https://x.org]] [[../../../up]] [[Nowhere]]\n",
    "Texts/English/notes/Page.md": b"# Notes page\n[[new]] [[old]] [[a]]\n",
    "Texts/English/Page.md": b"# Root page\n[[Page]] [[Twin]]\n",
    "Texts/English/deep/Only.md": b"# Only\n",
    "Texts/English/other/Twin.md": b"# Other twin\n", "Texts/English/deep/Twin.md": b"# Deep twin\n",
    "Texts/Arabic/notes/Twin.md": "# توأم\n[[Twin]] [[Only]]\n".encode(),
    "Texts/English/hugo.md": b"{{< code-toggle >}}\n[[module.mounts]]\nsource = 'x'\n{{< /code-toggle >}}\n",
}


def test_wikilinks_give_the_same_graph_and_report(spark, tmp_path):
    corpus = write_files(tmp_path / "in", {**RULES, **WIKI})
    report = assert_equivalent(spark, [corpus / "Texts"], tmp_path, wikilinks=True)
    audit = [json.loads(line) for line in parts(tmp_path / "spark out%41" / "links.jsonl")]
    wiki = {(x["path"], x["href"]): (x["class"], x["target"]) for x in audit if x["syntax"] == "wikilink"}
    assert wiki[("English/notes/a.md", "[[Page]]")] == ("resolved", "notes/Page")
    assert wiki[("English/notes/a.md", "[[Only]]")] == ("resolved", "deep/Only")
    assert wiki[("English/Page.md", "[[Twin]]")] == ("resolved", "deep/Twin")  # the first by path
    assert wiki[("English/notes/a.md", "[[Lender]]")] == ("resolved", "lender")
    assert wiki[("English/hugo.md", "[[module.mounts]]")] == ("missing", "module.mounts")
    assert report["counts"]["problems"] == len(report["problems"])


def test_cli_builds_seeds_then_the_glossary_in_place_all_or_nothing(spark, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    for name, corpus in (("seeds", PROJECT / "seeds"), ("glossary", GLOSSARY)):
        args = ["build", str(corpus), "-o", str(out), "--engine", "spark", "--master", "local[2]"]
        assert main(args) == 0  # the second build replaces the first one's outputs
        assert "missing targets" in capsys.readouterr().err
        assert_equivalent(spark, [corpus], tmp_path / name, out=out)
    names = sorted(p.name for p in out.iterdir())
    assert names == [".linkgraph", "edges.parquet", "graph.nt", "links.jsonl", "missing.jsonl", "neo4j",
                     "nodes.parquet", "problems.jsonl", "report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary", "out", "seeds"]  # no staging left

    before = snapshot(out)
    (out / "mine").mkdir()  # a folder linkgraph did not write, which the swap cannot carry: refused
    with pytest.raises(OutputError, match="'mine'"):
        build_spark([str(PROJECT / "seeds")], str(out), spark=spark)
    (out / "mine").rmdir()

    def fail(*args):
        raise OSError("disk full")

    # A build failing once every part file is written changes nothing in the output folder.
    monkeypatch.setattr("graph.spark.engine.write_report", fail)
    with pytest.raises(OSError, match="disk full"):
        build_spark([str(PROJECT / "seeds")], str(out), spark=spark)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glossary", "out", "seeds"]


def test_investorswiki(spark, tmp_path):
    assert_equivalent(spark, [need(INVESTORSWIKI)], tmp_path, csv=False)


def test_hugo_docs(spark, tmp_path):
    assert_equivalent(spark, [need(HUGO)], tmp_path, csv=False)


def test_generated_corpus_of_10000_files(spark, tmp_path):
    subprocess.run([sys.executable, str(PROJECT / "tests" / "benchmarks" / "gen_corpus.py"), "10000",
                    str(tmp_path / "corpus")], check=True, capture_output=True)
    # Stages that hold thousands of rows: whole-stage code generation pays for its compile time.
    spark.conf.set("spark.sql.codegen.wholeStage", "true")
    try:
        report = assert_equivalent(spark, [tmp_path / "corpus" / "Texts"], tmp_path, csv=False, jobs=2)
    finally:
        spark.conf.set("spark.sql.codegen.wholeStage", "false")
    assert report["counts"]["files"] == 10_000


@pytest.mark.parametrize("extra, message", [
    (["--engine", "spark", "--format", "turtle,graphml"], "does not write turtle, graphml"),
    (["--engine", "spark", "--related", "3"], "--related and --watch are for one machine"),
    (["--master", "local[2]"], "apply to --engine spark only"),
])
def test_cli_refuses_what_the_spark_engine_does_not_do(tmp_path, capsys, extra, message):
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_cli_refuses_a_file_that_is_not_markdown_as_a_local_build_does(spark, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("# Notes\n", encoding="utf-8")
    args = ["build", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "out")]
    for engine in ("local", "spark"):
        assert main([*args, "--engine", engine]) == 2  # Spark's listing made an empty graph of it, exit 0
        assert "notes.txt is not a Markdown file" in capsys.readouterr().err
        assert not (tmp_path / "out").exists()
