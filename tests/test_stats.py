"""Graph figures, computed from the exported GraphML and checked on a fixture whose answers are known."""

import json

import pytest

from graph.cli import main
from graph.pipeline import build
from graph.stats import format_stats, graph_stats, load_graph
from tests.conftest import write_files

# a -> b, a -> c, b -> c, c -> gone (missing, twice), d -> e (its own component); lonely links nowhere.
CORPUS = {
    "a.md": b"---\ntitle: A\nkeywords: K\n---\n[b](/b) [c](/c)\n",
    "b.md": b"---\ntitle: B\nkeywords: K\n---\n[c](/c)\n",
    "c.md": b"---\ntitle: C\n---\n[gone](/gone) and again [gone](/gone)\n",
    "d.md": b"---\ntitle: D\n---\n[e](/e)\n",
    "e.md": b"---\ntitle: E\nlang: en\n---\nno links\n",
    "lonely.md": b"---\ntitle: Lonely\nkeywords: K\n---\nno links\n",
}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("in"), CORPUS)
    out = tmp_path_factory.mktemp("out")
    build([root], out, formats=["graphml"])
    return out


def test_figures(out_dir):
    s = graph_stats(load_graph(out_dir), top=3)
    assert s.nodes == {"article": 6, "missing": 1, "keyword": 1}
    assert s.edges == {"has_keyword": 3, "links_to": 5}
    assert s.languages["article"] == {"en": 1, "untagged": 5}
    assert [(r.slug, r.value) for r in s.top_in_links] == [("c", 2), ("b", 1), ("e", 1)]
    assert s.top_pagerank[0].slug == "gone"  # everything flows into the missing target
    assert [(r.slug, r.label, r.value) for r in s.most_wanted] == [("gone", "gone", 2)]
    assert s.orphans == ("lonely",)
    # {a, b, c, gone}, {d, e}, {lonely}: keywords do not join components
    assert (s.components, s.component_sizes) == (3, (4, 2, 1))


def test_text_and_json(out_dir, capsys):
    s = graph_stats(load_graph(out_dir))
    assert json.loads(format_stats(s, "json"))["orphans"] == ["lonely"]
    text = format_stats(s)
    assert "orphans (articles with no links in or out): 1: lonely" in text
    assert main(["stats", "--graph", str(out_dir), "--top", "1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["top_in_links"]) == 1


def test_no_graph_is_a_runtime_failure_in_one_line(tmp_path, capsys):
    assert main(["stats", "--graph", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"linkgraph stats: error: no graph.graphml in {tmp_path}")


def test_a_damaged_graphml_is_one_line_not_a_traceback(tmp_path, capsys):
    (tmp_path / "graph.graphml").write_text("<graphml><graph><node id='n0'>", encoding="utf-8")
    assert main(["stats", "--graph", str(tmp_path)]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_related_edges_change_no_ranking(out_dir, tmp_path):
    root = write_files(tmp_path / "in", CORPUS)
    build([root], tmp_path / "out", formats=["graphml"], related=2)
    G = load_graph(tmp_path / "out")  # a multigraph: a pair can both link and relate
    with_related, plain = graph_stats(G), graph_stats(load_graph(out_dir))
    assert with_related.edges["related"] > 0
    assert (with_related.top_in_links, with_related.top_pagerank, with_related.components) == \
        (plain.top_in_links, plain.top_pagerank, plain.components)


GRAPHML_DAMAGE = {
    "undirected": lambda t: t.replace('edgedefault="directed"', 'edgedefault="undirected"'),
    "weight-as-text": lambda t: t.replace('attr.name="weight" attr.type="int"', 'attr.name="weight" attr.type="string"'),
    "unknown-type": lambda t: t.replace('attr.type="int"', 'attr.type="complex"'),
    "edge-to-an-undeclared-node": lambda t: t.replace("</graph>", '<edge source="n0" target="zzz"/></graph>'),
    "node-without-data": lambda t: t.replace("</graph>", '<node id="bare"/></graph>'),
    "a-second-edge": lambda t: t.replace("</graph>", '<edge source="n0" target="n1"/><edge source="n0" target="n1"/></graph>'),
    "hyperedge": lambda t: t.replace("</graph>", '<hyperedge><endpoint node="n0"/></hyperedge></graph>'),
    "not-graphml": lambda t: '<?xml version="1.0"?><html/>',
    "truncated": lambda t: t[: len(t) // 2],
    "entity-bomb": lambda t: '<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;'
                             '&a;&a;&a;">]><graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph '
                             'edgedefault="directed"><node id="&b;"/></graph></graphml>',
}


@pytest.mark.parametrize("damage", GRAPHML_DAMAGE)
def test_a_damaged_graphml_is_one_line_exit_1(out_dir, tmp_path, capsys, damage):
    """Issue 10, point 6: well-formed or not, a graph.graphml a build did not write is refused in one line."""
    text = (out_dir / "graph.graphml").read_text(encoding="utf-8")
    (tmp_path / "graph.graphml").write_text(GRAPHML_DAMAGE[damage](text), encoding="utf-8")
    assert main(["stats", "--graph", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "graph.graphml" in err and "rebuild" in err


def test_a_graph_without_links_or_nodes_says_none_rather_than_a_bare_colon(tmp_path):
    # A corpus of one file, or none: every line still says something.
    for files in ({}, {"a.md": "# A\nalone\n"}):
        root = tmp_path / f"in{len(files)}"
        root.mkdir()
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        out = tmp_path / f"out{len(files)}"
        build([root], out, formats=["graphml"])
        text = format_stats(graph_stats(load_graph(out)))
        assert not [line for line in text.splitlines() if line.rstrip().endswith(":")], text
        assert "edges: none" in text and "most wanted missing targets (link occurrences): none" in text
