"""Property-graph CSV is loaded into Kùzu, an embedded Cypher database, and queried in Cypher."""

import csv
import json
import shutil
import subprocess

import kuzu
import pytest

from graph.exporters.property_csv import (BATCH_ROWS, CLEAN_UP, EDGES_FILE, LOAD_FILE, NODES_FILE, edge_record,
                                          edges_header, pieces_edges)
from graph.fields import edge_field_types, edge_fields, related_edges
from graph.pipeline import build
from graph.splice import render
from tests.conftest import odd_anchor_graph, write_files
from tests.graphology import NODE_DIR

FINRA = {
    "Texts/English/finra.md": b"---\ntitle: FINRA\nkeywords: Regulation\n---\nOverseen by the [SEC](/sec); "
                              b"licenses every [broker-dealer](/broker-dealer).\n",
    "Texts/English/sec.md": b"---\ntitle: SEC\nkeywords: Regulation\n---\nDelegates to [FINRA](/finra).\n",
    "Texts/English/series-7.md": b'---\ntitle: "Series 7, the \\"general\\" exam"\n---\nRun by '
                                 b"[FINRA](/finra) and again [finra](/FINRA/).\n",
}


@pytest.fixture(scope="module")
def finra_build(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("in"), FINRA)
    return build([root / "Texts"], tmp_path_factory.mktemp("out"), formats=["csv"])


def load_into_kuzu(out_dir, db_path):
    """Create tables from the CSV headers (Kùzu reads the typed neo4j-admin names) and copy both files."""
    conn = kuzu.Connection(kuzu.Database(str(db_path)))
    nodes, edges = out_dir / NODES_FILE, out_dir / EDGES_FILE
    # Kùzu's defaults (dialect sniffing): every text cell is quoted, so the sniffer sees quoting
    csv_options = "(header=true)"
    probe = conn.execute(f"LOAD FROM '{nodes}' {csv_options} RETURN * LIMIT 1")
    columns = ", ".join(f"`{n}` {t}" for n, t in zip(probe.get_column_names(), probe.get_column_data_types()))
    conn.execute(f"CREATE NODE TABLE Concept({columns}, PRIMARY KEY(`id:ID`))")
    conn.execute(f"COPY Concept FROM '{nodes}' {csv_options}")
    probe = conn.execute(f"LOAD FROM '{edges}' {csv_options} RETURN * LIMIT 1")
    props = list(zip(probe.get_column_names(), probe.get_column_data_types()))[3:]  # after START, END, TYPE
    columns = "".join(f", `{n}` {t}" for n, t in props)
    values = "".join(f", `{n}`" for n, _ in props)
    types = {row[2] for row in list(csv.reader(edges.open(encoding="utf-8")))[1:]}
    for rel in sorted(types):
        conn.execute(f"CREATE REL TABLE {rel}(FROM Concept TO Concept{columns})")
        conn.execute(f"COPY {rel} FROM (LOAD FROM '{edges}' {csv_options} WHERE `:TYPE` = '{rel}' "
                     f"RETURN `:START_ID`, `:END_ID`{values})")
    return conn


def rows(conn, query):
    result = conn.execute(query)
    out = []
    while result.has_next():
        out.append(result.get_next())
    return out


def test_kuzu_loads_the_csv_and_finds_the_neighbours_of_finra(finra_build, tmp_path):
    conn = load_into_kuzu(finra_build.written[0].parent, tmp_path / "db")
    assert rows(conn, "MATCH (f:Concept {slug: 'finra'})-[e:LINKS_TO]->(n) RETURN n.slug, n.kind ORDER BY n.slug") \
        == [["broker-dealer", "missing"], ["sec", "article"]]
    assert rows(conn, "MATCH (n)-[e:LINKS_TO]->(f:Concept {slug: 'finra'}) RETURN n.slug, e.weight ORDER BY n.slug") \
        == [["sec", 1], ["series-7", 2]]
    assert rows(conn, "MATCH (f:Concept {slug: 'finra'})-[:HAS_KEYWORD]->(k) RETURN k.name") == [["Regulation"]]
    (series7,) = rows(conn, "MATCH (n:Concept {slug: 'series-7'}) RETURN n.name, n.`:LABEL`, n.in_links, n.out_links")
    assert series7 == ['Series 7, the "general" exam', "Concept;Article", 0, 1]
    counts = finra_build.report["counts"]
    assert rows(conn, "MATCH (n:Concept) RETURN count(*)") == [[sum(counts["nodes"].values())]]
    assert rows(conn, "MATCH ()-[e]->() RETURN count(*)") == [[sum(counts["edges"].values())]]


def test_headers_are_neo4j_admin_import_headers(finra_build):
    out = finra_build.written[0].parent
    node_header = next(csv.reader((out / NODES_FILE).open(encoding="utf-8")))
    assert node_header[:2] == ["id:ID", ":LABEL"] and "name" in node_header and "in_links:int" in node_header
    edge_header = next(csv.reader((out / EDGES_FILE).open(encoding="utf-8")))
    assert edge_header == [":START_ID", ":END_ID", ":TYPE", "kind", "weight:int", "anchors"]
    labels = {row[1] for row in list(csv.reader((out / NODES_FILE).open(encoding="utf-8")))[1:]}
    assert labels == {"Concept;Article", "Concept;Missing", "Concept;Keyword"}


def test_load_script_reads_every_column_and_creates_every_type(finra_build):
    out = finra_build.written[0].parent
    script = (out / LOAD_FILE).read_text(encoding="utf-8")
    for header in (NODES_FILE, EDGES_FILE):
        for name in next(csv.reader((out / header).open(encoding="utf-8"))):
            if name not in (":LABEL", ":START_ID", ":END_ID", ":TYPE"):
                assert f"row.`{name}`" in script, name
    for statement in ("SET c:Article REMOVE c:Missing:Keyword", "SET c:Missing REMOVE c:Article:Keyword",
                      "SET c:Keyword REMOVE c:Article:Missing", "MERGE (a)-[r:LINKS_TO]->(b)",
                      "MERGE (a)-[r:HAS_KEYWORD]->(b)", "CREATE INDEX concept_slug IF NOT EXISTS FOR (c:Concept) ON (c.slug)"):
        assert statement in script
    assert script.count("LOAD CSV WITH HEADERS FROM 'file:///") == 5
    assert script.count(f"\n}} IN TRANSACTIONS OF {BATCH_ROWS} ROWS;") == 5


def test_load_script_is_valid_neo4j_5_without_a_warning(finra_build):
    """Neo4j's own Cypher parser and semantic analysis (npm @neo4j-cypher/language-support): the
    linter that flags a cartesian product, a deprecated form or a syntax error in Neo4j's editors."""
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.skip("node or @neo4j-cypher/language-support missing: run `npm ci --prefix tests/node`")
    out = finra_build.written[0].parent
    clean_up = out / "clean-up.cypher"
    clean_up.write_text(CLEAN_UP + "\n", encoding="utf-8")
    for script in (out / LOAD_FILE, clean_up):
        run = subprocess.run([node, str(NODE_DIR / "lint-cypher.mjs"), str(script)], capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout) == [], script.name
    bad = out / "bad.cypher"  # the linter can fail: the cartesian product load.cypher used to have
    bad.write_text("MATCH (a:Concept {id: 'x'}), (b:Concept {id: 'y'}) CREATE (a)-[:LINKS_TO]->(b);\n")
    run = subprocess.run([node, str(NODE_DIR / "lint-cypher.mjs"), str(bad)], capture_output=True, text=True, timeout=300)
    assert "cartesian product" in run.stdout


def test_text_cells_are_quoted_and_numbers_are_not(finra_build):
    out = finra_build.written[0].parent
    lines = (out / EDGES_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0] == ":START_ID,:END_ID,:TYPE,kind,weight:int,anchors"
    assert '"series-7","finra","LINKS_TO","links_to",2,"FINRA | finra"' in lines
    assert '"finra","/keyword:regulation","HAS_KEYWORD","has_keyword",1,' in lines  # no anchors: empty, unquoted
    assert '"Series 7, the ""general"" exam"' in (out / NODES_FILE).read_text(encoding="utf-8")


def test_hostile_input_loads(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out", formats=["csv"])
    conn = load_into_kuzu(tmp_path / "out", tmp_path / "db")
    assert rows(conn, "MATCH (n:Concept) RETURN count(*)") == [[sum(result.report["counts"]["nodes"].values())]]


def test_related_edges_load_with_score_and_rank(tmp_path):
    from tests.conftest import GLOSSARY
    result = build([GLOSSARY], tmp_path / "out", formats=["csv"], related=2)
    conn = load_into_kuzu(tmp_path / "out", tmp_path / "db")
    pairs = [(u, v) for u, ranked in result.graph.graph["related"].items() for v, _ in ranked]
    assert rows(conn, "MATCH ()-[e:RELATED]->() RETURN count(*)") == [[len(pairs)]]
    found = rows(conn, "MATCH (a:Concept {slug: 'broker'})-[e:RELATED]->(b) RETURN e.`rank`, b.slug, e.score "
                       "ORDER BY e.`rank`")
    assert [(r[0], r[1]) for r in found] == [(i, v) for i, (v, _) in enumerate(result.graph.graph["related"]["broker"], 1)]
    assert all(isinstance(r[2], float) and r[2] > 0 for r in found)
    assert rows(conn, "MATCH ()-[e:LINKS_TO]->() WHERE e.score IS NULL RETURN count(*)") == \
        [[result.report["counts"]["edges"]["links_to"]]]


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(tmp_path):
    """Issue 10, point 12: OWASP's advice: a leading ' on cells starting with = + - @ TAB CR."""
    import csv

    from graph.pipeline import build
    from tests.conftest import write_files

    titles = {"a": "=HYPERLINK(\"http://evil\",\"x\")", "b": "+cmd|' /C calc'!A0", "c": "-2+3", "d": "@SUM(A1)",
              "e": "plain = fine"}
    files = {f"{k}.md": f"---\ntitle: '{t}'\n---\n[x](/-minus)\n".encode() for k, t in titles.items()}
    build([write_files(tmp_path / "in", files)], tmp_path / "out", formats=["csv"])
    with open(tmp_path / "out" / "nodes.csv", newline="", encoding="utf-8") as f:
        rows = {row["id:ID"]: row for row in csv.DictReader(f)}
    with open(tmp_path / "out" / "edges.csv", newline="", encoding="utf-8") as f:
        targets = {row[":END_ID"] for row in csv.DictReader(f)}
    assert {k: rows[k]["label"] for k in titles} == {k: ("'" + t if k != "e" else t) for k, t in titles.items()}
    assert "'-minus" in rows and targets == {"'-minus"}  # ids keep matching across the two files
    for row in rows.values():
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


def test_edge_rows_are_the_edge_record_of_each_edge(tmp_path):
    # edges.csv renders link edges on a fast path: it must write what edge_record() gives
    G = odd_anchor_graph(tmp_path / "corpus")
    types = edge_field_types(G)
    rows = [edges_header(types)] + [edge_record(u, v, edge_fields(data), types) for u, v, data in G.edges(data=True)]
    rows += [edge_record(u, v, fields, types) for u, v, fields in related_edges(G)]
    assert "".join(render(pieces_edges(G))) == "".join(row + "\n" for row in rows)
    assert ",\"'=SUM(1) | -x\"," in "".join(rows)


def test_load_script_keys_for_region_tagged_languages_are_quoted(tmp_path):
    """``lang: zh-Hans`` or ``en_US`` (read as ``en-us``) makes a ``label_zh-hans`` column: as a map key
    in load.cypher it must be quoted, or Neo4j stops at the ``-`` (a syntax error, nothing loaded)."""
    root = write_files(tmp_path / "in", {"a.md": b"---\ntitle: A\nlang: zh-Hans\n---\n[b](b.md)\n",
                                         "b.md": b"---\ntitle: B\nlang: en_US\n---\n[a](a.md)\n"})
    out = tmp_path / "out"
    build([root], out, formats=["csv"])
    script = (out / LOAD_FILE).read_text(encoding="utf-8")
    assert "`label_zh-hans`: row.`label_zh-hans`" in script and "`label_en-us`: row.`label_en-us`" in script
    assert "label_zh: row" not in script  # (one column per tag)
    node = shutil.which("node")
    if node is not None and (NODE_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        run = subprocess.run([node, str(NODE_DIR / "lint-cypher.mjs"), str(out / LOAD_FILE)], capture_output=True,
                             text=True, timeout=300)
        assert json.loads(run.stdout) == [], run.stdout
