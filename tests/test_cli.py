import json
import subprocess
import sys

import pytest

from graph.cli import main, make_parser
from tests.conftest import GLOSSARY, PROJECT


def test_build_writes_every_format_and_summarises(tmp_path, capsys):
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".linkgraph", "edges.csv", "graph.gexf", "graph.graphml", "graph.html", "graph.jsonld", "graph.nt", "graph.ttl", "links.jsonl",
        "load.cypher", "nodes.csv", "related-index.json", "report.json"]
    err = capsys.readouterr().err
    assert "4 files, 4 articles -> 3 concepts, 3 missing targets, 5 keywords" in err
    assert "0 problems" in err
    assert "related terms: default weights: " in err and "too few to learn from" in err


def test_format_selection(tmp_path, capsys):
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path), "--format", "graphml"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".linkgraph", "graph.graphml", "links.jsonl", "report.json"]
    # No output read the related index, so none was made, and the summary does not claim one.
    assert "related terms:" not in capsys.readouterr().err
    assert main(["related", "trader", "--graph", str(tmp_path)]) == 1
    assert "with --format, add related" in capsys.readouterr().err
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path), "--format", "graphml,related", "-q"]) == 0
    assert main(["related", "trader", "--graph", str(tmp_path)]) == 0


def test_unknown_format_names_the_choices(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["build", str(GLOSSARY), "-o", str(tmp_path), "--format", "pdf"])
    assert exit.value.code == 2
    assert "choose from: turtle, graphml" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    ([str(GLOSSARY), "--base-iri", "not an iri"], "must be an absolute IRI"),
    ([str(GLOSSARY), "--base-iri", "http://x/%zz/"], "not a valid IRI (RFC 3987)"),
    ([str(GLOSSARY), "--base-iri", "http://[::1/"], "not a valid IRI (RFC 3987)"),
    ([str(GLOSSARY), "--format", ""], "unknown format ''"),
    ([str(GLOSSARY), "--format", "turtle,,graphml"], "unknown format ''"),
    ([str(GLOSSARY), "--default-lang", "English please"], "not a BCP 47 language tag"),
    ([str(GLOSSARY), "/no/such/dir"], "no such file or folder: /no/such/dir"),
])
def test_usage_errors_exit_2(tmp_path, capsys, args, message):
    try:  # argparse itself exits on bad option values; the library's UsageError is returned
        code = main(["build", "-o", str(tmp_path), *args])
    except SystemExit as exit:
        code = exit.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: linkgraph build") and message in err


def test_problems_are_printed_with_file_and_line_and_strict_fails(bad_corpus, tmp_path, capsys):
    assert main(["build", str(bad_corpus), "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "malformed-yaml.md:3: front matter is not valid YAML" in err
    assert "hrefs.md:5: unsafe link 'javascript:alert(1)'" in err
    assert main(["build", str(bad_corpus), "-o", str(tmp_path / "b"), "--strict", "-q"]) == 1
    assert capsys.readouterr().err == ""
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["counts"]["problems"] == len(report["problems"]) > 10


def test_aliases_claimed_twice_are_problems_and_only_the_winners_are_published(tmp_path, capsys):
    from tests.conftest import write_files
    from tests.test_resolve import CLAIMED

    corpus = write_files(tmp_path / "in", {k: v.encode() for k, v in CLAIMED.items()})
    assert main(["build", str(corpus), "-o", str(tmp_path / "out"), "--no-cache", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "alpha.md:3: alias 'beta' is the slug of 'beta' (beta.md)" in err
    assert "beta.md:3: alias 'shared' is already an alias of 'alpha' (alpha.md)" in err
    assert "2 problems" in err
    nt = (tmp_path / "out" / "graph.nt").read_text(encoding="utf-8")
    assert [line for line in nt.splitlines() if "#alias>" in line] == [
        '<https://example.org/linkgraph/alpha> <https://w3id.org/linkgraph/ns#alias> "shared" .']
    import networkx as nx
    G = nx.read_graphml(tmp_path / "out" / "graph.graphml")
    assert {d["slug"]: d.get("aliases") for _, d in G.nodes(data=True)} == {"alpha": "shared", "beta": None,
                                                                            "gamma": None}


def test_strict_passes_on_clean_input(tmp_path):
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path), "--strict", "-q"]) == 0


def test_python_dash_m_graph_is_the_same_command(tmp_path):
    run = subprocess.run([sys.executable, "-m", "graph", "build", str(GLOSSARY), "-o", str(tmp_path)],
                         capture_output=True, text=True, cwd=PROJECT)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "graph.ttl").exists()


def test_every_option_has_help():
    parser = make_parser()
    for action in parser._subparsers._group_actions[0].choices["build"]._actions:
        assert action.help, action.dest


@pytest.fixture(scope="module")
def glossary_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("related")
    assert main(["build", str(GLOSSARY), "-o", str(out), "-q"]) == 0
    return out


def test_related_json_shape(glossary_out, capsys):
    assert main(["related", "broker", "--graph", str(glossary_out), "-n", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["term"] == "broker" and len(data["results"]) == 2
    first = data["results"][0]
    assert set(first) == {"rank", "slug", "label", "lang", "kind", "score", "signals", "reasons"}
    assert first["rank"] == 1 and first["kind"] in ("article", "missing")
    assert set(first["signals"]) == {"links", "cocitation", "coupling", "neighbours", "keywords", "text", "pagerank",
                                     "section", "mentions", "code"}
    assert all(0 <= s <= 1 for s in first["signals"].values()) and first["reasons"]
    model = data["model"]  # the glossary is too small to fit weights to: the defaults, and why
    assert model["fitted"] is False and "too few to learn from" in model["note"] and model["weights"]["pagerank"] > 0


def test_related_with_nothing_related_says_so(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "alone.md").write_text("---\ntitle: Alone\n---\nNothing here.\n", encoding="utf-8")
    (tmp_path / "in" / "other.md").write_text("---\ntitle: Other\n---\nZebra quantum.\n", encoding="utf-8")
    assert main(["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    capsys.readouterr()
    assert main(["related", "alone", "--graph", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.startswith("nothing related to alone: ")


def test_related_by_arabic_title_with_explain(glossary_out, capsys):
    assert main(["related", "هيئه تنظيم الصناعه الماليه", "--graph", str(glossary_out), "--explain"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scored with default weights: ") and "\n  1  " in out and "\n     - " in out


def test_related_unknown_term_exits_1_with_closest_matches(glossary_out, capsys):
    assert main(["related", "brokr", "--graph", str(glossary_out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("linkgraph related: error: no concept 'brokr'") and "closest: " in err and "broker" in err


def test_related_without_an_index_is_one_line_exit_1(tmp_path, capsys):
    assert main(["related", "broker", "--graph", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("linkgraph related: error: cannot read") and "run 'linkgraph build" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("where", ["file", "below-file"])
def test_unwritable_output_folder_is_one_line_exit_1(tmp_path, capsys, where):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" if where == "file" else tmp_path / "file" / "sub"
    assert main(["build", str(GLOSSARY), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("linkgraph build: error: cannot write") and str(tmp_path / "file") in err
    assert len(err.splitlines()) == 1


def test_related_imports_no_heavy_package(glossary_out):
    code = ("import sys; from graph.cli import main; main(['related', 'broker', '--graph', %r]); "
            "print(sorted(m for m in ('networkx', 'rdflib', 'pyoxigraph') if m in sys.modules))" % str(glossary_out))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # `linkgraph check | head -c 10`: the pipe closes while 150 KB of output is still being written.
    links = "".join(f"[x](/missing-target-number-{i})\n" for i in range(4000))
    (tmp_path / "a.md").write_text(f"---\ntitle: A\n---\n{links}", encoding="utf-8")
    run = subprocess.run(f"{sys.executable} -m graph check {tmp_path} | head -c 10", shell=True,
                         capture_output=True, text=True, cwd=PROJECT)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr[-500:]


VAULT = {"notes/a.md": b"# Alpha\n[[Beta]] [[Gone|gone note]] and the Gamma note.\n",
         "notes/deep/Beta.md": b"# Beta\n[[a#Top]]\n", "Gamma.md": b"# Gamma\n"}


def test_wikilinks_are_read_by_build_check_and_mentions_only_with_the_flag(tmp_path, capsys):
    from tests.conftest import write_files

    vault = write_files(tmp_path / "vault", VAULT)
    assert main(["build", str(vault), "-o", str(tmp_path / "off"), "--no-cache", "-q"]) == 0
    assert main(["build", str(vault), "-o", str(tmp_path / "on"), "--no-cache", "-q", "--wikilinks"]) == 0
    off = json.loads((tmp_path / "off" / "report.json").read_text())
    on = json.loads((tmp_path / "on" / "report.json").read_text())
    assert sum(off["counts"]["link_occurrences"].values()) == 0
    assert on["counts"]["link_occurrences"] == {"resolved": 2, "missing": 1, "self": 0, "external": 0, "unsafe": 0,
                                                "template": 0}
    audit = [json.loads(line) for line in (tmp_path / "on" / "links.jsonl").read_text().splitlines()]
    assert [(x["href"], x["text"], x["class"], x["target"], x["syntax"]) for x in audit] == [
        ("[[Beta]]", "Beta", "resolved", "notes/deep/Beta", "wikilink"),
        ("[[Gone]]", "gone note", "missing", "Gone", "wikilink"),
        ("[[a#Top]]", "a#Top", "resolved", "notes/a", "wikilink")]
    capsys.readouterr()
    assert main(["check", str(vault)]) == 0
    assert main(["check", str(vault), "--wikilinks"]) == 1
    out = capsys.readouterr().out
    assert out.endswith("notes/a.md:2: [[Gone]] (missing)\n")
    for flag, targets in (["--wikilinks"], {"Gamma"}), ([], {"Gamma", "notes/deep/Beta"}):
        assert main(["mentions", str(vault), "--min-confidence", "0", "--format", "json", *flag]) == 0
        assert {m["target"] for m in json.loads(capsys.readouterr().out)} == targets
