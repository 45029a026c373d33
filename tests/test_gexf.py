"""GEXF is read back by networkx (Python) and graphology-gexf (Node.js, as Gephi Lite and sigma.js do)."""

import networkx as nx

from graph.exporters import gexf
from graph.pipeline import build
from tests.conftest import GLOSSARY, odd_anchor_graph, rendered_both_ways, written_file
from tests.graphology import read_with_graphology


def counts(result):
    c = result.report["counts"]
    return sum(c["nodes"].values()), sum(c["edges"].values())


def test_networkx_reads_counts_labels_and_attributes(glossary_build):
    G = nx.read_gexf(str(written_file(glossary_build, "graph.gexf")), version="1.3")
    assert (G.number_of_nodes(), G.number_of_edges()) == counts(glossary_build)
    nodes = {d["slug"]: d for _, d in G.nodes(data=True)}
    broker = nodes["broker"]
    assert broker["label"] == broker["name"] == 'سمسار "الأوراق"'  # Gephi's Label, Cytoscape's name
    assert broker["label_en"] == "Broker" and broker["label_ar"] == 'سمسار "الأوراق"'
    assert broker["kind"] == "article" and broker["keywords"] == "Careers, Brokerage, Trading"
    assert broker["in_links"] == 2 and isinstance(broker["in_links"], int)
    assert {d["kind"] for d in nodes.values()} == {"article", "missing", "keyword"}
    weights = {(G.nodes[u]["slug"], G.nodes[v]["slug"]): d["weight"] for u, v, d in G.edges(data=True)}
    assert weights[("exchange", "regulator")] == 2


def test_graphology_reads_the_same_graph(glossary_build):
    path = written_file(glossary_build, "graph.gexf")
    js = read_with_graphology(path)
    G = nx.read_gexf(str(path), version="1.3")
    assert js["type"] == "directed"
    assert (js["order"], js["size"]) == (G.number_of_nodes(), G.number_of_edges()) == counts(glossary_build)
    assert {k: a["label"] for k, a in js["nodes"].items()} == dict(G.nodes(data="label"))
    broker = next(a for a in js["nodes"].values() if a["slug"] == "broker")
    assert broker["label_en"] == "Broker" and broker["in_links"] == 2
    assert {e["attributes"]["kind"] for e in js["edges"]} == {"links_to", "has_keyword"}


def test_hostile_input_gives_a_readable_file(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out", formats=["gexf"])
    text = written_file(result, "graph.gexf").read_text(encoding="utf-8")
    assert "\x01" not in text and "\x07" not in text
    G = nx.read_gexf(str(written_file(result, "graph.gexf")), version="1.3")
    assert (G.number_of_nodes(), G.number_of_edges()) == counts(result)
    js = read_with_graphology(written_file(result, "graph.gexf"))
    assert (js["order"], js["size"]) == counts(result)


def test_related_edges_are_the_same_as_in_graphml(tmp_path):
    result = build([GLOSSARY], tmp_path, formats=["gexf", "graphml"], related=2)
    gexf = nx.read_gexf(str(tmp_path / "graph.gexf"), version="1.3")  # a multigraph: a pair can link and relate
    graphml = nx.read_graphml(str(tmp_path / "graph.graphml"))
    assert gexf.number_of_edges() == graphml.number_of_edges() > sum(result.report["counts"]["edges"].values())
    related = sorted((gexf.nodes[u]["slug"], gexf.nodes[v]["slug"], d["rank"]) for u, v, d in gexf.edges(data=True)
                     if d["kind"] == "related")
    assert related == sorted((graphml.nodes[u]["slug"], graphml.nodes[v]["slug"], d["rank"])
                             for u, v, d in graphml.edges(data=True) if d["kind"] == "related")
    js = read_with_graphology(tmp_path / "graph.gexf")
    assert js["size"] == gexf.number_of_edges()
    assert sum(1 for e in js["edges"] if e["attributes"]["kind"] == "related") == len(related)


def test_the_fast_edge_rendering_gives_the_generic_bytes(tmp_path, monkeypatch):
    fast = rendered_both_ways(gexf, odd_anchor_graph(tmp_path / "corpus"), monkeypatch)
    assert "&lt;tag&gt; &quot;q&quot;" in fast and "x &amp; y" in fast
