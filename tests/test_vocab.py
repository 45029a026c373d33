"""The RDF writers render each node from its statements grouped (``subject_groups``): the bytes
must be those their generic renderers make from the plain statement stream."""

from itertools import groupby, product
from operator import itemgetter

import pytest

from graph.build import build_graph
from graph.exporters import jsonld, ntriples, ttl
from graph.model import EdgeKind
from graph.reader import read_corpus
from graph.resolve import resolve
from graph.vocab import PREFIXES, Terms, subject_groups, subject_statements
from tests.conftest import BAD_FILES, GLOSSARY, ODD_ANCHORS, odd_anchor_graph, write_files

BASE = "https://example.org/terms/"


def _graph(root):
    return build_graph(resolve(read_corpus([root])))


def _odd_edges(root):
    """Edges in an order and of kinds graph.build never makes: a keyword edge between links, an
    edge kind without a predicate, a node whose only edge has none."""
    G = odd_anchor_graph(root)
    a, b = G._succ["a"], G._succ["b"]
    first, *rest = list(a.items())
    a.clear()
    a.update([rest[-1], ("a", {"kind": "other", "weight": 1, "anchors": ()}), first, *rest[:-1]])
    b.clear()
    b["c"] = {"kind": "other", "weight": 1, "anchors": ()}
    return G


GRAPHS = {
    "glossary": lambda tmp: _graph(GLOSSARY),
    "odd anchors, related": lambda tmp: odd_anchor_graph(tmp),
    "odd edges": _odd_edges,
    "bad input": lambda tmp: _graph(write_files(tmp, BAD_FILES)),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_groups_are_the_statements(name, tmp_path):
    G = GRAPHS[name](tmp_path)
    t = Terms(BASE)
    for _ in range(2):  # the second time, each node's edge runs come from the Terms' memo
        for node in G:
            flat = [(s, p, o) for s, groups in subject_groups(G, t, node) for p, objects, _ in groups for o in objects]
            assert flat == list(subject_statements(G, Terms(BASE), node))
            assert all(iris == all(isinstance(o, str) for o in objects)
                       for _, groups in subject_groups(G, t, node) for _, objects, iris in groups)


@pytest.mark.parametrize("name", GRAPHS)
def test_each_writer_renders_the_generic_bytes(name, tmp_path):
    G = GRAPHS[name](tmp_path)
    t = Terms.of(G, BASE)
    names = ttl._Names({**PREFIXES, "c": BASE})
    assert len(G) > 3 and any(G._succ.values())
    for node in G:
        generic = list(subject_statements(G, Terms(BASE), node))
        assert ntriples._node((G, t, node)) == ntriples.ntriples(generic)
        assert ttl._node((G, t, node, names)) == ttl._subjects(ttl._Names({**PREFIXES, "c": BASE}), generic)
        assert jsonld._objects_of((G, t, node)) == jsonld._objects(generic)
    assert t is Terms.of(G, BASE) and len(t.runs) == len(G)


def test_the_edges_runs_follow_the_edges(tmp_path):
    G = _odd_edges(tmp_path)
    t = Terms(BASE)
    subject, wiki = PREFIXES["dct"] + "subject", PREFIXES["dbo"] + "wikiPageWikiLink"
    groups = subject_groups(G, t, "a")[0][1]
    # a keyword, then the links (the edge of another kind writes nothing and splits no run), a keyword
    assert [p for p, _, _ in groups if p in (subject, wiki)] == [subject, wiki, subject]
    assert [o for p, o, _ in groups if p == wiki] == [
        [t.node(G, v) for v, e in G._succ["a"].items() if e["kind"] == EdgeKind.LINKS_TO]]
    assert not {subject, wiki} & {p for p, _, _ in subject_groups(G, t, "b")[0][1]}


@pytest.mark.parametrize("text", ["plain", 'q"uote', "back\\slash", "line\nend", "cr\rx", "tab\tx", "سوق \"x\"\t"])
def test_a_literal_is_escaped_as_translate_escapes_it(text):
    from graph.vocab import Literal

    assert ttl.literal(Literal(text)) == f'"{text.translate(ttl._ESCAPES)}"'
    assert ttl.literal(Literal(text, "ar")) == f'"{text.translate(ttl._ESCAPES)}"@ar'


def test_the_runs_of_every_order_of_edge_kinds():
    # the one- and two-run shortcuts of _runs against a plain groupby, for every sequence of
    # kinds up to 6 edges (a kind without a predicate included)
    import networkx as nx

    from graph.vocab import _EDGE_PREDICATES, _runs

    G = nx.DiGraph()
    G.add_nodes_from((f"n{i}", {"kind": "article"}) for i in range(6))
    t = Terms(BASE)
    for n in range(1, 7):
        for kinds in product((EdgeKind.LINKS_TO, EdgeKind.HAS_KEYWORD, "other"), repeat=n):
            out = {f"n{i}": {"kind": kind} for i, kind in enumerate(kinds)}
            pairs = [(_EDGE_PREDICATES.get(kind), t.node(G, f"n{i}")) for i, kind in enumerate(kinds)]
            expected = [(p, [iri for _, iri in run]) for p, run in groupby([q for q in pairs if q[0]], itemgetter(0))]
            assert _runs(t, G, out) == expected, kinds


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("name_all_after", [0, 1, 10**9])
def test_the_targets_named_one_by_one_or_all_at_once_are_the_nodes_iris(name, name_all_after, tmp_path, monkeypatch):
    # Terms.targets names the targets of an edge list one by one (a rebuild renders few nodes),
    # or every node at once once lists keep missing (a cold build): the same IRIs either way.
    import graph.vocab as vocab

    monkeypatch.setattr(vocab, "_NAME_ALL_AFTER", name_all_after)
    G = GRAPHS[name](tmp_path)
    t = Terms(BASE)
    first = next(u for u in G if G._succ[u])
    assert t.targets(G, G._succ[first]) == [Terms(BASE).node(G, v) for v in G._succ[first]]
    if name_all_after:
        assert len(t.named) == len(G._succ[first]) < len(G)  # one list names its targets alone
    for u in G:
        assert t.targets(G, G._succ[u]) == [Terms(BASE).node(G, v) for v in G._succ[u]]


@pytest.mark.parametrize("name", GRAPHS)
def test_the_label_languages_found_once_per_graph_are_every_labels(name, tmp_path):
    from graph.fields import languages

    G = GRAPHS[name](tmp_path)
    G._node[next(iter(G))]["labels"] = {None: "untagged", "zz": "a tag no other label has", **G._node[next(iter(G))]["labels"]}
    expected = sorted({lang for _, labels in G.nodes(data="labels") for lang in labels if lang})
    assert "zz" in expected and languages(G) == expected
    languages(G).append("changed by a caller")
    assert languages(G) == expected  # the kept list is not handed out
