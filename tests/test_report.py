import json
import os
from collections import Counter

from graph.model import EdgeKind
from graph.pipeline import build
from graph.report import link_records, summary
from tests.benchmarks.gen_corpus import generate
from tests.conftest import GLOSSARY, read_links, write_files, written_file


def test_links_jsonl_holds_every_occurrence_and_report_json_every_problem(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out")
    written = json.loads(written_file(result, "report.json").read_text(encoding="utf-8"))
    links = read_links(result)
    assert links == list(link_records(result.resolution.occurrences))  # the fast writer = the JSON encoder
    assert len(links) == sum(written["counts"]["link_occurrences"].values())
    assert written["problems"] == result.report["problems"] and written["problems"]
    assert "links" not in written and written["links_file"] == "links.jsonl"
    hrefs = {link["href"] for link in links}
    assert {"/a\"b", "javascript:alert(1)", "/بنك"} <= hrefs
    unsafe = [link for link in links if link["class"] == "unsafe"]
    assert unsafe and all(link["target"] is None for link in unsafe)


def test_line_and_paragraph_separators_never_split_a_record(tmp_path):
    # JSON allows U+2028 and U+2029 raw, but str.splitlines() (and JavaScript before ES2019) ends
    # a line at each: a JSON Lines reader would get half a record.
    write_files(tmp_path / "in", {"a.md": "# A\u2028B\n[x\u2028y](/b\u2029c) [z](/d)\n".encode()})
    result = build([tmp_path / "in"], tmp_path / "out")
    text = written_file(result, "links.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["href"] for r in records] == ["/b\u2029c", "/d"] and records[0]["target"] == "b\u2029c"
    report = written_file(result, "report.json").read_text(encoding="utf-8")
    assert "\u2028" not in report and "\u2029" not in report and json.loads(report)["counts"]["files"] == 1


def test_most_wanted_missing_is_ordered_by_demand(tmp_path):
    result = build([GLOSSARY], tmp_path)
    wanted = result.report["most_wanted_missing"]
    assert [(m["slug"], m["occurrences"], m["linked_from"]) for m in wanted] == [
        ("margin-account", 3, 2), ("trader", 1, 1), ("trading", 1, 1)]
    assert wanted[0]["label"] == "حسابات الهامش"
    assert "most wanted missing: margin-account (3)" in summary(result.report)


def test_report_of_a_corpus_without_links(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.md").write_text("# Alone\n")
    result = build([tmp_path / "in"], tmp_path / "out")
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["counts"]["articles"] == 1 and read_links(result) == []
    assert written_file(result, "links.jsonl").read_bytes() == b""


def test_report_json_is_smaller_than_graph_nt(tmp_path):
    generate(300, tmp_path / "in", seed=3)
    result = build([tmp_path / "in"], tmp_path / "out", formats=["ntriples"])
    report, nt = written_file(result, "report.json"), written_file(result, "graph.nt")
    assert os.path.getsize(report) < os.path.getsize(nt) / 4


def test_edge_counts_by_kind_equal_a_count_of_every_edge(tmp_path):
    # a keyword spelled like a linked slug, a keyword shared by two articles, a missing target,
    # a language twin: the kinds are told from the keywords' in-degrees, never from the edges
    write_files(tmp_path / "in", {
        "ar/finra.md": "---\ntitle: فينرا\nkeywords: [broker, تنظيم]\n---\n[وسيط](/broker) [س](/market)\n".encode(),
        "ar/broker.md": "---\ntitle: وسيط\nkeywords: [تنظيم, مال]\n---\n[فينرا](/finra)\n".encode(),
        "en/finra.md": b"---\ntitle: FINRA\nlang: en\nkeywords: [Broker]\n---\n[x](/broker)\n",
    })
    result = build([tmp_path / "in"], tmp_path / "out")
    counted = Counter(kind for _, _, kind in result.graph.edges(data="kind"))
    assert counted[EdgeKind.HAS_KEYWORD] == 4 and counted[EdgeKind.LINKS_TO] == 3
    assert result.report["counts"]["edges"] == {EdgeKind.LINKS_TO: 3, EdgeKind.HAS_KEYWORD: 4}
    script = (tmp_path / "out" / "load.cypher").read_text(encoding="utf-8")
    assert script.count("row.`:TYPE` = ") == 2
