"""Control and invisible characters in file names and links never reach an output or the terminal
raw, and look-alike links resolve (issue 10, points 7 and 8)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema

from graph.cli import main
from graph.pipeline import build
from graph.reader import read_corpus
from graph.resolve import resolve
from tests.conftest import GRAPHML_XSD

RAW = ("\x1b", "\r", "\x9b", "\u202e")
HOSTILE_NAMES = {
    "esc\x1b[31m.md": "---\ntitle: Esc\n---\n[x](/cr%0d) [y](/esc%1b%5b2J)\n",
    "cr\r.md": "---\ntitle: Cr\n---\n[back](/esc)\n",
    "new\nline.md": "# Newline\n[missing](/nowhere\u202e)\n",
    "csi\x9b.md": "# Csi\n",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("in")
    for name, text in HOSTILE_NAMES.items():
        (root / name).write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    return root, out, build([root], out)


def test_graphml_and_gexf_stay_valid_xml(hostile):
    _, out, _ = hostile
    for name in ("graph.graphml", "graph.gexf"):
        ElementTree.parse(out / name)  # a raw ESC would make this raise
    if GRAPHML_XSD.exists():
        xmlschema.XMLSchema(str(GRAPHML_XSD)).validate(str(out / "graph.graphml"))


def test_csv_rows_are_one_per_node_and_edge(hostile):
    _, out, result = hostile
    with open(out / "nodes.csv", newline="", encoding="utf-8") as f:
        nodes = list(csv.DictReader(f))
    with open(out / "edges.csv", newline="", encoding="utf-8") as f:
        edges = list(csv.DictReader(f))
    assert len(nodes) == result.graph.number_of_nodes() and len(edges) == result.graph.number_of_edges()
    text = (out / "nodes.csv").read_text(encoding="utf-8") + (out / "edges.csv").read_text(encoding="utf-8")
    assert not any(c in text for c in RAW)
    assert text.count("\n") == len(nodes) + len(edges) + 2  # no line break inside a row


def test_no_output_file_holds_a_raw_control_character(hostile):
    """JSON keeps hrefs as written (the audit), escaped as JSON escapes them: C0 controls as \\u00XX."""
    import json

    _, out, _ = hostile
    for path in out.iterdir():
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.suffix in (".json", ".jsonl"):
                assert "\x1b" not in text and "\r" not in text
                [json.loads(line) for line in text.splitlines()] if path.suffix == ".jsonl" else json.loads(text)
            else:
                assert not any(c in text for c in RAW), path.name


def test_links_with_control_characters_name_targets_without_them(hostile):
    _, _, result = hostile
    assert {"cr", "esc[2J", "nowhere"} <= set(result.graph)
    assert "cr\\x0d" in result.graph  # the file cr\r.md, named safely


def test_terminal_never_gets_a_raw_control_character(hostile, tmp_path, capsys):
    root, out, _ = hostile
    assert main(["build", str(root), "-o", str(tmp_path / "o"), "--no-cache"]) == 0
    assert main(["check", str(root), "--allow-missing"]) == 0
    assert main(["stats", "--graph", str(out)]) == 0
    assert main(["query", "SELECT ?s WHERE { ?c lg:slug ?s }", "--graph", str(out)]) == 0
    assert main(["related", "esc", "--graph", str(out), "--explain"]) in (0, 1)
    printed = capsys.readouterr()
    for c in RAW:
        assert c not in printed.out and c not in printed.err
    problems = [line for line in printed.err.splitlines() if "[" in line and line.rstrip().endswith("]")]
    assert all(line.split(":")[1].isdigit() for line in problems)  # path:line: never split by a newline


@pytest.mark.parametrize("invisible", ["\u200b", "\u202e", "\u2066", "\u200e", "\ufeff", "%E2%80%8B", "\u00ad"])
def test_invisible_characters_in_a_link_are_dropped_and_reported(tmp_path: Path, invisible: str):
    (tmp_path / "finra.md").write_text("# FINRA\n")
    (tmp_path / "a.md").write_text(f"# A\n\n[FINRA](/fin{invisible}ra)\n")
    resolution = resolve(read_corpus([tmp_path]))
    assert [(o.kind, o.target) for o in resolution.occurrences] == [("resolved", "finra")]
    assert [(p.path, p.line, p.code) for p in resolution.problems] == [("a.md", 3, "invisible-in-link")]


def test_zero_width_joiners_are_kept(tmp_path: Path):
    word = "می\u200cخواهم"  # Persian: the non-joiner is part of the spelling
    (tmp_path / f"{word}.md").write_text("# x\n")
    (tmp_path / "a.md").write_text(f"[x](/{word}) [y](/{word.replace(chr(0x200c), '')})\n")
    resolution = resolve(read_corpus([tmp_path]))
    assert [o.kind for o in resolution.occurrences] == ["resolved", "missing"] and resolution.problems == ()


def test_nfd_and_nfc_spellings_of_links_and_files_meet(tmp_path: Path):
    (tmp_path / unicodedata.normalize("NFD", "café.md")).write_text("# Café\n")
    (tmp_path / "a.md").write_text(f"[a](/{unicodedata.normalize('NFD', 'café')}) [b](/café) [c](/caf%C3%A9)\n")
    resolution = resolve(read_corpus([tmp_path]))
    assert {(o.kind, o.target) for o in resolution.occurrences} == {("resolved", "café")}


XML_FORBIDDEN = ("\ufffe", "\uffff", "\ud800", "\udfff")


def test_noncharacters_and_lone_surrogates_in_links_names_and_aliases_reach_no_output(tmp_path):
    """U+FFFE, U+FFFF (valid UTF-8 in a file) and lone surrogates (a JSON front matter escape) are
    forbidden in XML and rejected by strict RDF parsers: text fields dropped them, but a link's
    target, a file name or an alias became a slug holding them, and graph.graphml was no XML."""
    import json

    import pyoxigraph

    root = tmp_path / "in"
    root.mkdir()
    (root / "a.md").write_text("# A\n[x](/b\ufffeb) [y](/c%EF%BF%BFc) [z](/name\ufffe)\n", encoding="utf-8")
    (root / "name\ufffe.md").write_text("# Named\n", encoding="utf-8")
    (root / "j.md").write_text('{"title": "J", "aliases": ["/al\\ud800ias", "/x\\uffff"], "slug": "j\\udfffj"}\n[a](/a)\n',
                               encoding="utf-8")
    out = tmp_path / "out"
    result = build([root], out)
    assert {"bb", "cc", "name", "alias", "x", "jj"} <= set(result.graph) | {
        a for _, d in result.graph.nodes(data=True) for a in d.get("aliases", ())}
    for path in out.iterdir():
        if path.is_file():
            text = path.read_text(encoding="utf-8")  # a lone surrogate cannot be written in UTF-8
            if path.suffix in (".json", ".jsonl"):  # JSON may hold U+FFFE as any character (the audit's hrefs)
                [json.loads(line) for line in text.split("\n")[:-1]] if path.suffix == ".jsonl" else json.loads(text)
            else:
                assert not any(c in text for c in XML_FORBIDDEN), path.name
    ElementTree.parse(out / "graph.graphml")
    ElementTree.parse(out / "graph.gexf")
    if GRAPHML_XSD.exists():
        xmlschema.XMLSchema(str(GRAPHML_XSD)).validate(str(out / "graph.graphml"))
    for name, fmt in (("graph.nt", pyoxigraph.RdfFormat.N_TRIPLES), ("graph.ttl", pyoxigraph.RdfFormat.TURTLE)):
        list(pyoxigraph.parse(path=str(out / name), format=fmt))
    codes = {(p.path, p.code) for p in result.resolution.problems}
    assert ("a.md", "invisible-in-link") in codes
