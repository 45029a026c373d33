"""SPARQL over a built graph: results checked against the graph the build made."""

import csv
import io
import json

import pytest

from graph.cli import main
from graph.pipeline import build
from graph.errors import GraphFolderError, QueryError
from graph.query import format_result, load_store, query, run_query

MOST_LINKED = ("SELECT ?slug (COUNT(?s) AS ?links) WHERE { ?s dbo:wikiPageWikiLink ?c . ?c lg:slug ?slug } "
               "GROUP BY ?slug ORDER BY DESC(?links) ?slug")


@pytest.fixture(scope="module")
def graph_dir(glossary_build):
    return glossary_build.written[0].parent


def test_most_linked_concepts_match_the_graph(graph_dir, glossary_build):
    result = query(graph_dir, MOST_LINKED)
    assert result.columns == ("slug", "links")
    G = glossary_build.graph
    expected = sorted(((n, sum(1 for _, _, k in G.in_edges(n, data="kind") if k == "links_to"))
                       for n in G if G.nodes[n]["kind"] != "keyword"), key=lambda t: (-t[1], t[0]))
    assert [(slug, int(n)) for slug, n in result.rows] == [t for t in expected if t[1]]


def test_concepts_of_a_keyword(graph_dir):
    result = query(graph_dir, 'SELECT DISTINCT ?slug WHERE { ?c dct:subject ?k ; lg:slug ?slug . '
                              '?k skos:prefLabel ?kl FILTER(lcase(str(?kl)) = "careers") } ORDER BY ?slug')
    assert result.rows == (("broker",), ("regulator",))


def test_ask_construct_and_unbound_values(graph_dir):
    store = load_store(graph_dir)
    assert run_query(store, "ASK { ?c a lg:MissingConcept }").rows == (("true",),)
    triples = run_query(store, "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c lg:slug 'broker' ; skos:prefLabel ?l }")
    assert triples.columns == ("subject", "predicate", "object")
    assert {row[2] for row in triples.rows} == {'سمسار "الأوراق"', "Broker"}
    optional = run_query(store, "SELECT ?slug ?d WHERE { ?c a lg:MissingConcept ; lg:slug ?slug "
                                "OPTIONAL { ?c skos:definition ?d } } ORDER BY ?slug LIMIT 1")
    assert optional.rows == (("margin-account", None),)


def test_formats_are_read_back_by_json_and_csv(graph_dir):
    result = query(graph_dir, MOST_LINKED)
    as_json = json.loads(format_result(result, "json"))
    as_csv = list(csv.DictReader(io.StringIO(format_result(result, "csv"))))
    assert as_json == as_csv == [dict(zip(result.columns, row)) for row in result.rows]
    table = format_result(result, "table").splitlines()
    assert table[0].split() == ["slug", "links"] and table[-1] == f"({len(result.rows)} rows)"


def test_falls_back_to_ntriples_and_says_when_there_is_no_graph(tmp_path):
    from tests.conftest import GLOSSARY
    build([GLOSSARY], tmp_path / "nt", formats=["ntriples"])
    assert query(tmp_path / "nt", "ASK { ?s lg:slug 'broker' }").rows == (("true",),)
    with pytest.raises(GraphFolderError, match="graph.ttl or graph.nt"):
        query(tmp_path, "ASK {}")


def test_syntax_errors_are_query_errors(graph_dir):
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        query(graph_dir, "SELECT ?x WHERE { ?x ?y }")


def test_cli(graph_dir, capsys):
    assert main(["query", MOST_LINKED, "--graph", str(graph_dir), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "slug,links"
    assert main(["query", "SELEC", "--graph", str(graph_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: linkgraph query") and "SPARQL syntax error" in err
