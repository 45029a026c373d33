"""The link audit as a CI gate: what it prints and when it fails."""

import json
import os

import pytest

from graph.check import check_links, format_check
from graph.cli import main
from tests.conftest import write_files

CORPUS = {
    "en/finra.md": b"---\ntitle: FINRA\n---\n[SEC](/sec) and [series 7](/series-7)\n\n[again](/series-7)\n",
    "en/sec.md": b"---\ntitle: SEC\n---\n[FINRA](/finra) [web](https://sec.gov) [me](/sec)\n",
    "en/bad.md": b"---\ntitle: Bad\n---\n[x](javascript:alert(1))\n",
}


@pytest.fixture
def corpus(tmp_path):
    return write_files(tmp_path / "in", CORPUS)


def test_lists_missing_and_unsafe_links_and_fails(corpus):
    result = check_links([corpus])
    assert [(os.path.relpath(b.path, corpus), b.line, b.href, b.kind) for b in result.bad] == [
        ("en/bad.md", 4, "javascript:alert(1)", "unsafe"),
        ("en/finra.md", 4, "/series-7", "missing"),
        ("en/finra.md", 6, "/series-7", "missing"),
    ]
    assert (result.missing, result.unsafe, result.failed) == (2, 1, True)


def test_unsafe_fails_even_when_missing_is_allowed(corpus):
    assert check_links([corpus], allow_missing=True).failed
    (corpus / "en" / "bad.md").unlink()
    assert not check_links([corpus], allow_missing=True).failed
    assert check_links([corpus]).failed
    assert check_links([corpus], max_missing=1).failed
    assert not check_links([corpus], max_missing=2).failed


def test_cli_prints_path_line_href_class(corpus, capsys, monkeypatch):
    monkeypatch.chdir(corpus)
    assert main(["check", "en"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "en/bad.md:4: javascript:alert(1) (unsafe)",
        "en/finra.md:4: /series-7 (missing)",
        "en/finra.md:6: /series-7 (missing)",
    ]
    assert "3 files, 7 links: 2 missing, 1 unsafe -> FAIL" in captured.err
    (corpus / "en" / "bad.md").unlink()
    assert main(["check", "en", "--allow-missing"]) == 0
    assert capsys.readouterr().out.count("(missing)") == 2  # still listed
    assert main(["check", "en", "--max-missing", "2"]) == 0
    assert main(["check", "en", "--max-missing", "1"]) == 1


def test_json_and_writes_nothing(corpus, capsys):
    before = sorted(p for p in corpus.rglob("*"))
    assert main(["check", str(corpus), "--format", "json"]) == 1
    audit = json.loads(capsys.readouterr().out)
    assert audit["failed"] is True and audit["missing"] == 2 and len(audit["bad"]) == 3
    assert sorted(p for p in corpus.rglob("*")) == before
    # a file checked alone: its link to a concept outside the input is missing; self and external are fine
    assert format_check(check_links([corpus / "en" / "sec.md"])).endswith("en/sec.md:4: /finra (missing)")


def test_problems_in_the_input_are_reported_and_do_not_fail_it(tmp_path, capsys, monkeypatch):
    # A file the check could not read was passed over in silence: "2 files ... -> ok".
    root = write_files(tmp_path / "in", {"a.md": b"---\ntitle: [A\n---\n[b](/b)\n", "b.md": b"# B\n"})
    (root / "loop.md").symlink_to("loop.md")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "in"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("in/a.md:3: front matter is not valid YAML") and err[0].endswith("[yaml-error]")
    assert err[1].startswith("in/loop.md:0: ") and err[1].endswith("[unreadable]")
    assert err[2] == "2 files, 1 links: 0 missing, 0 unsafe -> ok"
    assert main(["check", "in", "--format", "json"]) == 0
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["path"], p["code"]) for p in problems] == [("in/a.md", "yaml-error"), ("in/loop.md", "unreadable")]


def test_unknown_path_is_a_usage_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope")]) == 2
