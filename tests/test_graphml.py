"""GraphML is checked against the XSD and read back by networkx and igraph."""

import igraph
import networkx as nx
import xmlschema

from graph.exporters import graphml
from graph.pipeline import build
from tests.conftest import GRAPHML_XSD, need, odd_anchor_graph, rendered_both_ways, written_file


def test_valid_against_the_graphml_schema(glossary_build):
    xmlschema.XMLSchema(str(need(GRAPHML_XSD))).validate(str(written_file(glossary_build, "graph.graphml")))


def test_networkx_and_igraph_read_the_same_graph(glossary_build):
    path = str(written_file(glossary_build, "graph.graphml"))
    G = nx.read_graphml(path)
    I = igraph.Graph.Read_GraphML(path)
    counts = glossary_build.report["counts"]
    nodes = sum(counts["nodes"].values())
    edges = sum(counts["edges"].values())
    assert (G.number_of_nodes(), G.number_of_edges()) == (I.vcount(), I.ecount()) == (nodes, edges)
    labels = {d["slug"]: d for _, d in G.nodes(data=True)}
    assert labels["broker"]["label_en"] == "Broker"
    assert labels["broker"]["label"] == 'سمسار "الأوراق"'  # Arabic: the corpus' main language
    assert labels["broker"]["in_links"] == 2 and isinstance(labels["broker"]["in_links"], int)
    assert set(I.vs["kind"]) == {"article", "missing", "keyword"}


def test_hostile_input_gives_valid_graphml(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out", formats=["graphml"])
    path = written_file(result, "graph.graphml")
    text = path.read_text(encoding="utf-8")
    assert "\x01" not in text and "\x07" not in text
    G = nx.read_graphml(str(path))
    assert G.number_of_nodes() == sum(result.report["counts"]["nodes"].values())
    if GRAPHML_XSD.exists():
        xmlschema.XMLSchema(str(GRAPHML_XSD)).validate(str(path))


def test_each_key_has_one_type(glossary_build):
    import xml.etree.ElementTree as ET
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = ET.parse(written_file(glossary_build, "graph.graphml")).getroot().findall("g:key", ns)
    seen = {}
    for key in keys:
        name = (key.get("for"), key.get("attr.name"))
        assert name not in seen
        seen[name] = key.get("attr.type")
    assert seen[("edge", "weight")] == "int" and seen[("node", "label")] == "string"


def test_graphology_reads_it_with_labels(glossary_build):
    from tests.graphology import read_with_graphology
    path = written_file(glossary_build, "graph.graphml")
    js = read_with_graphology(path)
    G = nx.read_graphml(str(path))
    assert js["type"] == "directed"
    assert (js["order"], js["size"]) == (G.number_of_nodes(), G.number_of_edges())
    assert {k: a["label"] for k, a in js["nodes"].items()} == dict(G.nodes(data="label"))
    broker = next(a for a in js["nodes"].values() if a["slug"] == "broker")
    assert broker["name"] == broker["label"] and broker["label_en"] == "Broker" and broker["in_links"] == 2


def test_the_fast_edge_rendering_gives_the_generic_bytes(tmp_path, monkeypatch):
    fast = rendered_both_ways(graphml, odd_anchor_graph(tmp_path / "corpus"), monkeypatch)
    assert "&lt;tag&gt; \"q\"" in fast and "x &amp; y" in fast
