import json

from graph.pipeline import build
from graph.report import summary
from tests.conftest import GLOSSARY


def test_report_json_holds_every_occurrence_and_problem(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out")
    written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert written["links"] == list(result.report["links"])  # the fast writer = the JSON encoder
    assert len(written["links"]) == sum(written["counts"]["link_occurrences"].values())
    assert written["problems"] == result.report["problems"]
    hrefs = {link["href"] for link in written["links"]}
    assert {"/a\"b", "javascript:alert(1)", "/بنك"} <= hrefs
    unsafe = [link for link in written["links"] if link["class"] == "unsafe"]
    assert unsafe and all(link["target"] is None for link in unsafe)


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
    build([tmp_path / "in"], tmp_path / "out")
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["links"] == [] and written["counts"]["articles"] == 1
