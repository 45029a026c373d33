"""Every export loaded by the tools our users run, each with its default settings (issue 14):
Virtuoso's bulk loader, Jena riot, serdi and rapper (strict Turtle), Kùzu's and DuckDB's CSV
readers, rustworkx for GraphML, and Kùzu running the parts of load.cypher its dialect shares with
Neo4j. Counts must equal report.json on seeds/, the shared corpora and a generated corpus.

Each tool is installed by .ci/run (Debian or PyPI); a test skips, saying why, where it is missing.
The load commands are those of docs/consumers.md.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest

from graph.pipeline import build
from tests.benchmarks.gen_corpus import generate
from tests.conftest import HUGO, INVESTORSWIKI, PROJECT, need, write_files

FORMATS = ["turtle", "ntriples", "jsonld", "csv", "graphml"]
TYPE, CONCEPT = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://www.w3.org/2004/02/skos/core#Concept>"
LINK, SUBJECT = "<http://dbpedia.org/ontology/wikiPageWikiLink>", "<http://purl.org/dc/terms/subject>"
# What the generated corpus adds to gen_corpus.py's articles: the inputs issue 14 found breaking a
# consumer (a 520-character local name, a longer path, template syntax, cells a CSV sniffer misreads).
EXTRAS = {
    "Texts/English/edge-cases.md": (
        "---\ntitle: \"Edge, cases \\\"quoted\\\" | piped\"\ndescription: a, b | c\nkeywords: One, Two\n---\n"
        f"[long](/{'x' * 520}) [longer](/{'y-' * 1200}z) [hugo]({{{{% eturl alias %}}}})\n"
        "[arabic](/بنك-مركزي) [comma, anchor](/term-000001)\n"
    ).encode(),
}


@dataclass(frozen=True)
class Built:
    name: str
    out: Path
    counts: dict
    """What the consumers must find: every triple, and report.json's nodes and edges."""

    def file(self, name: str) -> Path:
        return self.out / name


def _corpus_root(name: str, tmp: Path) -> Path:
    if name == "seeds":
        return PROJECT / "seeds"
    if name == "investorswiki":
        return need(INVESTORSWIKI)
    if name == "hugo":
        return need(HUGO)
    generate(300, tmp / "generated")
    return write_files(tmp / "generated", EXTRAS) / "Texts"


@pytest.fixture(scope="session", params=["seeds", "investorswiki", "hugo", "generated"])
def built(request, tmp_path_factory) -> Built:
    """Each corpus built once per session, every format the consumers read."""
    tmp = tmp_path_factory.mktemp(f"consumers-{request.param}")
    result = build([_corpus_root(request.param, tmp)], tmp / "out", formats=FORMATS)
    c = result.report["counts"]
    triples = sum(1 for _ in pyoxigraph.parse(path=str(tmp / "out" / "graph.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES))
    counts = {"triples": triples, "concepts": sum(c["nodes"].values()), "links": c["edges"]["links_to"],
              "keywords": c["edges"]["has_keyword"]}
    return Built(request.param, tmp / "out", counts)


def rdf_counts(ntriples: str) -> dict:
    """Triples, concepts, wiki links and keyword links in N-Triples text (IRIs hold no spaces)."""
    predicates, concepts, total = Counter(), 0, 0
    for line in ntriples.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        total += 1
        _, predicate, obj = line.split(" ", 2)
        predicates[predicate] += 1
        concepts += predicate == TYPE and obj.startswith(CONCEPT)
    return {"triples": total, "concepts": concepts, "links": predicates[LINK], "keywords": predicates[SUBJECT]}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it from Debian)")
    return path


def run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


# ---- strict Turtle and N-Triples parsers -------------------------------------------------------

@pytest.mark.parametrize("name, syntax", [("graph.ttl", "turtle"), ("graph.nt", "ntriples")])
def test_serdi(built, name, syntax):
    done = run([tool("serdi"), "-i", syntax, "-o", "ntriples", str(built.file(name))])
    assert done.returncode == 0 and not done.stderr, done.stderr[-2000:]
    assert rdf_counts(done.stdout) == built.counts


@pytest.mark.parametrize("name, syntax", [("graph.ttl", "turtle"), ("graph.nt", "ntriples")])
def test_rapper(built, name, syntax):
    done = run([tool("rapper"), "-q", "-i", syntax, "-o", "ntriples", str(built.file(name))])
    assert done.returncode == 0 and not done.stderr, done.stderr[-2000:]
    assert rdf_counts(done.stdout) == built.counts


# ---- Apache Jena riot ------------------------------------------------------------------------

JENA_JARS = "/usr/share/java"
JENA_DEPENDENCIES = (  # libapache-jena-java's Depends, as jar names, and a logger that prints errors
    "commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3 dexx.collection gson "
    "guava httpclient httpclient-cache httpcore jackson-core jackson-databind jackson-annotations "
    "jsonld-java jakarta.json-api titanium-json-ld protobuf thrift slf4j-api slf4j-simple"
).split()


@pytest.fixture(scope="session")
def riot(tmp_path_factory) -> list[str]:
    """The command that runs Debian's Jena riot.

    Debian's jena-core moves Jena's shaded Xerces classes to the package ``xerces`` but leaves
    their message bundles under ``org/apache/jena/ext/xerces``, so Jena dies at start-up
    (``RuntimeException: internal error`` in XSSimpleTypeDecl). The bundles are copied, from the
    same jar, to the names the classes look up, and put first on the class path.
    """
    java = tool("java")
    jars = Path(JENA_JARS)
    core = jars / "jena-core.jar"
    if not core.exists():
        pytest.skip("Apache Jena is not installed (.ci/run installs Debian's libapache-jena-java)")
    bundles = tmp_path_factory.mktemp("jena-bundles")
    prefix = "org/apache/jena/ext/"
    with zipfile.ZipFile(core) as jar:
        for entry in jar.namelist():
            if entry.startswith(prefix + "xerces/") and entry.endswith(".properties"):
                target = bundles / entry[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(entry))
    jena = sorted(p for p in jars.glob("jena-*.jar") if not re.search(r"-\d[\d.]*\.jar$", p.name))
    classpath = [bundles, *jena, *(jars / f"{name}.jar" for name in JENA_DEPENDENCIES)]
    return [java, "-cp", ":".join(map(str, classpath)), "riotcmd.riot"]


# Jena 4.5's default JSON-LD reader is Titanium (JSON-LD 1.1), which needs a jakarta.json provider
# that Debian does not package (libjsonp2-java is the API alone): the test names Jena's JSON-LD 1.0
# reader, the one that used to stop at "@version": 1.1.
@pytest.mark.parametrize("name, syntax", [("graph.ttl", "turtle"), ("graph.nt", "ntriples"),
                                          ("graph.jsonld", "jsonld10")])
def test_jena_riot(built, riot, name, syntax):
    done = run([*riot, f"--syntax={syntax}", "--output=ntriples", str(built.file(name))])
    assert done.returncode == 0, done.stderr[-2000:]
    assert not re.search(r"\b(WARN|ERROR)\b", done.stderr), done.stderr[-2000:]
    assert rdf_counts(done.stdout) == built.counts


# ---- OpenLink Virtuoso -----------------------------------------------------------------------

class Virtuoso:
    """A Virtuoso server of its own on a free loopback port, its database in a temporary folder."""

    def __init__(self, folder: Path, allowed: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.isql_path = tool("isql-vt")
        ini = folder / "virtuoso.ini"
        ini.write_text(
            f"[Database]\nDatabaseFile = {folder}/v.db\nErrorLogFile = {folder}/v.log\nLockFile = {folder}/v.lck\n"
            f"TransactionFile = {folder}/v.trx\nxa_persistent_file = {folder}/v.pxa\n"
            f"[TempDatabase]\nDatabaseFile = {folder}/v-temp.db\nTransactionFile = {folder}/v-temp.trx\n"
            f"[Parameters]\nServerPort = 127.0.0.1:{self.port}\nDisableUnixSocket = 1\nDirsAllowed = {allowed}\n"
            "NumberOfBuffers = 10000\nMaxDirtyBuffers = 6000\nCheckpointInterval = 0\n")
        self.process = subprocess.Popen([tool("virtuoso-t"), "-f", "-c", str(ini)], cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while self.isql("select 1;", check=False).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Virtuoso did not start; see {folder}/v.log")
            time.sleep(0.5)

    def isql(self, sql: str, check: bool = True) -> subprocess.CompletedProcess:
        done = run([self.isql_path, str(self.port), "dba", "dba", f"exec={sql}"], timeout=600)
        if check:
            assert done.returncode == 0 and "*** Error" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done

    def bulk_load(self, path: Path, graph: str) -> None:
        """The documented bulk loader: ld_dir, rdf_loader_run, and the load list's error column."""
        self.isql(f"ld_dir('{path.parent}', '{path.name}', '{graph}'); rdf_loader_run(); checkpoint;")
        errors = self.isql(f"select ll_error from DB.DBA.LOAD_LIST where ll_graph = '{graph}' "
                           "and ll_error is not null;").stdout
        assert "0 Rows." in errors, errors

    def count(self, graph: str, pattern: str = "?s ?p ?o") -> int:
        out = self.isql(f"SPARQL SELECT COUNT(*) FROM <{graph}> WHERE {{ {pattern} }};").stdout
        return int(re.search(r"^\s*(\d+)\s*$", out, re.M).group(1))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """One server for the session; every build lives under pytest's base temporary folder."""
    tool("virtuoso-t")
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"), tmp_path_factory.getbasetemp())
    yield server
    server.stop()


@pytest.mark.parametrize("name", ["graph.ttl", "graph.nt"])
def test_virtuoso_bulk_loader(built, virtuoso, name):
    graph = f"urn:linkgraph:{built.name}:{name}"
    virtuoso.bulk_load(built.file(name), graph)
    found = {
        "triples": virtuoso.count(graph),
        "concepts": virtuoso.count(graph, f"?s a {CONCEPT}"),
        "links": virtuoso.count(graph, f"?s {LINK} ?o"),
        "keywords": virtuoso.count(graph, f"?s {SUBJECT} ?o"),
    }
    assert found == built.counts


# ---- property-graph CSV and GraphML ----------------------------------------------------------

def kuzu_load_commands(out: Path, types: list[str]) -> list[str]:
    """docs/consumers.md's Kùzu load: tables made from the files, default CSV settings."""
    return [f"CREATE NODE TABLE Concept AS LOAD FROM '{out}/nodes.csv' (header=true) RETURN *",
            *(f"CREATE REL TABLE {t}(FROM Concept TO Concept) AS LOAD FROM '{out}/edges.csv' (header=true) "
              f"WHERE `:TYPE` = '{t}' RETURN *" for t in types)]


def one(conn, query: str):
    (row,) = conn.execute(query).get_all()
    return row[0] if len(row) == 1 else row


def test_kuzu_default_csv_reader(built, tmp_path):
    kuzu = pytest.importorskip("kuzu", reason="kuzu is a test dependency (pip install -e '.[test]')")
    conn = kuzu.Connection(kuzu.Database(str(tmp_path / "db")))
    for command in kuzu_load_commands(built.out, ["LINKS_TO", "HAS_KEYWORD"]):
        conn.execute(command)
    assert one(conn, "MATCH (n:Concept) RETURN count(*)") == built.counts["concepts"]
    assert one(conn, "MATCH ()-[e:LINKS_TO]->() RETURN count(*)") == built.counts["links"]
    assert one(conn, "MATCH ()-[e:HAS_KEYWORD]->() RETURN count(*)") == built.counts["keywords"]


def test_duckdb_default_csv_reader(built):
    duckdb = pytest.importorskip("duckdb", reason="duckdb is a test dependency (pip install -e '.[test]')")
    nodes, edges = built.file("nodes.csv"), built.file("edges.csv")
    db = duckdb.connect()
    assert db.execute(f"SELECT count(*) FROM '{nodes}'").fetchone()[0] == built.counts["concepts"]
    by_type = dict(db.execute(f"SELECT \":TYPE\", count(*) FROM '{edges}' GROUP BY ALL").fetchall())
    assert by_type == {k: v for k, v in {"LINKS_TO": built.counts["links"],
                                         "HAS_KEYWORD": built.counts["keywords"]}.items() if v}
    # typed columns come back typed, with the text cells intact
    assert db.execute(f"SELECT sum(\"in_links:int\") FROM '{nodes}'").fetchone()[0] == built.counts["links"]


def test_rustworkx_graphml(built):
    rustworkx = pytest.importorskip("rustworkx", reason="rustworkx is a test dependency (pip install -e '.[test]')")
    (graph,) = rustworkx.read_graphml(str(built.file("graph.graphml")))
    assert graph.num_nodes() == built.counts["concepts"]
    assert graph.num_edges() == built.counts["links"] + built.counts["keywords"]


# ---- load.cypher where Kùzu's dialect agrees with Neo4j's ------------------------------------

_STATEMENT = re.compile(r"LOAD CSV WITH HEADERS FROM 'file:///(?P<file>[^']+)' AS row\n"
                        r"WITH row WHERE (?P<where>[^\n]+)\nCALL \(row\) \{\n(?P<body>.*?)\n\} IN TRANSACTIONS", re.S)


def kuzu_statements(out: Path, conn) -> list[str]:
    """load.cypher's statements with only what Kùzu's dialect spells differently replaced.

    Kept verbatim: ``WITH row WHERE``, ``MERGE`` on the node key, the two ``MATCH`` lookups and the
    relationship ``MERGE``. Replaced: ``LOAD CSV … AS row`` (Kùzu's ``LOAD FROM`` makes one variable
    per column, gathered here into the map ``row``), ``CALL (row) { … } IN TRANSACTIONS`` (Kùzu has
    no batching), and the ``SET`` lines (Kùzu has one label per node and no ``+=``), dropped.
    """
    statements = []
    for m in _STATEMENT.finditer((out / "load.cypher").read_text(encoding="utf-8")):
        path = out / m["file"]
        header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        columns = conn.execute(f"LOAD FROM '{path}' (header=true) RETURN * LIMIT 1").get_column_names()
        row = ", ".join(f"`{h}`: `{c}`" for h, c in zip(header, columns))
        body = " ".join(line.strip() for line in m["body"].splitlines() if not line.strip().startswith("SET "))
        statements.append(f"LOAD FROM '{path}' (header=true) WITH {{{row}}} AS row WITH row WHERE {m['where']} {body}")
    return statements


def test_load_cypher_merges_run_twice_on_kuzu(built, tmp_path):
    kuzu = pytest.importorskip("kuzu", reason="kuzu is a test dependency (pip install -e '.[test]')")
    conn = kuzu.Connection(kuzu.Database(str(tmp_path / "db")))
    conn.execute("CREATE NODE TABLE Concept(id STRING, PRIMARY KEY(id))")
    for rel in ("LINKS_TO", "HAS_KEYWORD"):
        conn.execute(f"CREATE REL TABLE {rel}(FROM Concept TO Concept)")
    statements = kuzu_statements(built.out, conn)
    assert len(statements) == (built.out / "load.cypher").read_text().count("LOAD CSV")
    for _ in range(2):  # the second run must change nothing
        for statement in statements:
            conn.execute(statement)
        assert one(conn, "MATCH (n:Concept) RETURN count(*)") == built.counts["concepts"]
        assert one(conn, "MATCH ()-[e:LINKS_TO]->() RETURN count(*)") == built.counts["links"]
        assert one(conn, "MATCH ()-[e:HAS_KEYWORD]->() RETURN count(*)") == built.counts["keywords"]
