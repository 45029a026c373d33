"""Every export of the real investorswiki corpus, read back by its consumers (skipped without
../shared). The counts are printed (pytest -s) for the README and the issue's closing note."""

import json

import networkx as nx
import pyoxigraph
import pytest
from pyld import jsonld

from graph.pipeline import build
from tests.conftest import INVESTORSWIKI, need, written_file
from tests.graphology import read_with_graphology
from tests.test_property_csv import load_into_kuzu, rows


@pytest.fixture(scope="module")
def iw(tmp_path_factory):
    return build([need(INVESTORSWIKI)], tmp_path_factory.mktemp("iw"), base_iri="https://example.org/terms/")


def triples(result, name, fmt):
    return set(pyoxigraph.parse(path=str(written_file(result, name)), format=fmt))


def test_rdf_formats_hold_the_turtle_triples(iw):
    ttl = triples(iw, "graph.ttl", pyoxigraph.RdfFormat.TURTLE)
    assert triples(iw, "graph.nt", pyoxigraph.RdfFormat.N_TRIPLES) == ttl
    assert triples(iw, "graph.jsonld", pyoxigraph.RdfFormat.JSON_LD) == ttl
    nquads = jsonld.to_rdf(json.loads(written_file(iw, "graph.jsonld").read_text(encoding="utf-8")),
                           {"format": "application/n-quads"})
    assert set(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_TRIPLES)) == ttl
    print(f"\ninvestorswiki: {len(ttl)} triples in graph.ttl = graph.nt (pyoxigraph) = graph.jsonld (pyld, pyoxigraph)")


@pytest.mark.parametrize("name", ["graph.gexf", "graph.graphml"])
def test_graph_files_read_the_same_in_python_and_javascript(iw, name):
    path = written_file(iw, name)
    G = nx.read_gexf(str(path), version="1.3") if name.endswith(".gexf") else nx.read_graphml(str(path))
    js = read_with_graphology(path)
    c = iw.report["counts"]
    expected = (sum(c["nodes"].values()), sum(c["edges"].values()))
    assert (G.number_of_nodes(), G.number_of_edges()) == (js["order"], js["size"]) == expected
    assert {k: a["label"] for k, a in js["nodes"].items()} == dict(G.nodes(data="label"))
    print(f"\ninvestorswiki {name}: {expected[0]} nodes, {expected[1]} edges, same labels in networkx and graphology")


def test_cypher_neighbours_of_finra(iw, tmp_path):
    conn = load_into_kuzu(written_file(iw, "nodes.csv").parent, tmp_path / "db")
    c = iw.report["counts"]
    assert rows(conn, "MATCH (n:Concept) RETURN count(*)") == [[sum(c["nodes"].values())]]
    assert rows(conn, "MATCH ()-[e]->() RETURN count(*)") == [[sum(c["edges"].values())]]
    found = rows(conn, "MATCH (:Concept {slug: 'finra'})-[:LINKS_TO]->(n) RETURN n.slug ORDER BY n.slug")
    expected = sorted(v for v in iw.graph.successors("finra") if iw.graph.edges["finra", v]["kind"] == "links_to")
    assert [r[0] for r in found] == expected and expected
    print(f"\ninvestorswiki in Kùzu: {sum(c['nodes'].values())} nodes, {sum(c['edges'].values())} edges; "
          f"finra links to {len(expected)} concepts")
