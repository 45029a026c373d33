"""SPARQL over a built graph: results checked against the graph the build made."""

import csv
import io
import json
from pathlib import Path

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


# Local and stoppable (issue 10, point 3).

EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that answers every request with 500 and counts them."""
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_error(500)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x lg:slug ?y . SERVICE\n<{url}>{{ ?s ?p ?o }} }}",
])
def test_service_is_refused_and_no_request_is_made(graph_dir, loopback_server, capsys, template):
    url, hits = loopback_server
    with pytest.raises(QueryError, match="SERVICE"):
        query(graph_dir, template.format(url=url))
    assert main(["query", template.format(url=url), "--graph", str(graph_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--allow-service" in err
    assert hits == []


def test_service_named_in_strings_iris_and_variables_is_not_the_keyword(graph_dir):
    result = query(graph_dir, 'SELECT ?service WHERE { ?service lg:slug "SERVICE" } # SERVICE <x>')
    assert result.rows == ()


def test_allowed_service_reaches_only_where_asked_and_fails_as_one_line(graph_dir, loopback_server, capsys):
    url, hits = loopback_server
    code = main(["query", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "--graph", str(graph_dir),
                 "--allow-service", "--timeout", "20"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert len(hits) >= 1


def test_timeout_stops_an_expensive_query(graph_dir, capsys):
    import time

    started = time.monotonic()
    assert main(["query", EXPENSIVE, "--graph", str(graph_dir), "--timeout", "1"]) == 1
    assert time.monotonic() - started < 10
    assert "did not finish within 1 s" in capsys.readouterr().err


def test_ctrl_c_stops_a_query_promptly(graph_dir):
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import PROJECT

    child = subprocess.Popen([sys.executable, "-m", "graph", "query", EXPENSIVE, "--graph", str(graph_dir)],
                             cwd=PROJECT, stderr=subprocess.PIPE, text=True,
                             env={**__import__("os").environ, "PYTHONPATH": str(PROJECT)},
                             # A shell starts background jobs with SIGINT ignored, and children
                             # inherit that: give this one the terminal's default, as Ctrl-C meets it.
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Interrupt once the query runs in its own process (a loaded machine can take seconds to get there).
    children = Path(f"/proc/{child.pid}/task/{child.pid}/children")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and children.exists() and not children.read_text().split():
        time.sleep(0.1)
    time.sleep(0.5)  # the child is forked: let it load the store and start evaluating
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert time.monotonic() - sent < 3
    assert child.returncode == 130 and err.strip() == "linkgraph query: interrupted"


def test_the_cli_default_timeout_is_the_library_one():
    import graph.cli
    import graph.query

    assert graph.cli.DEFAULT_TIMEOUT == graph.query.DEFAULT_TIMEOUT


@pytest.mark.parametrize("content", [b"<a> <b> .\n\x00garbage {", b"@prefix : <http://[::1/> .\n:a :b :c .\n", b""])
def test_a_damaged_graph_file_is_one_line_exit_1(tmp_path, capsys, content):
    (tmp_path / "graph.ttl").write_bytes(content)
    code = main(["query", "ASK { ?s ?p ?o }", "--graph", str(tmp_path)])
    err = capsys.readouterr().err
    assert (code, "Traceback" in err) == ((1, False) if content else (0, False))
    if content:
        assert err.count("\n") == 1 and "graph.ttl" in err


def test_graph_file_that_is_a_folder_is_one_line_exit_1(tmp_path, capsys):
    (tmp_path / "graph.ttl").mkdir()
    (tmp_path / "graph.nt").mkdir()
    assert main(["query", "ASK { ?s ?p ?o }", "--graph", str(tmp_path)]) == 1
    assert capsys.readouterr().err.count("\n") == 1
