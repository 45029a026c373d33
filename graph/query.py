"""SPARQL over a built graph, in an embedded pyoxigraph store loaded from its RDF export.

pyoxigraph, not rdflib: on the 50,000-article benchmark corpus (1.34 million triples) it loads
graph.ttl in 4.2 s and answers a grouped count in 1.0 s with 0.6 GB; rdflib needs 38.5 s, 16.1 s
and 1.3 GB (docs/performance.md, "Measured"). The store lives in memory for one command and is never written.

A query is local and stoppable (docs/faults.md, "Queries"): ``SERVICE`` (which makes pyoxigraph
send HTTP requests) is refused unless allowed, and ``query`` runs in a child process that is
killed at the time limit or when the caller is interrupted, because pyoxigraph's evaluation
does not return to Python, so neither a timer nor Ctrl-C could stop it inside this process.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.errors import GraphFolderError, QueryError, QuerySyntaxError
from graph.text import shown
from graph.vocab import PREFIXES

GRAPH_FILES = (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.nt", ox.RdfFormat.N_TRIPLES))
"""Read in this order, the first present: Turtle loads as fast as N-Triples (4.2 s vs 4.5 s for
1.34 million triples) from a file a quarter the size."""
FORMATS = ("table", "json", "csv")
DEFAULT_TIMEOUT = 60.0
"""Seconds a query may take, loading included: loading and a grouped count over 1.34 million
triples take about 5 s (docs/performance.md), so a minute leaves room and still ends a runaway."""
# What SERVICE could hide in without being the keyword: string literals, IRIs, comments, and
# names that end in it (?service, ex:SERVICE). What is left is scanned for the keyword.
_NOT_KEYWORDS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_SERVICE = re.compile(r"(?<![\w:?$.-])SERVICE\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Columns and rows of text (``None`` for an unbound variable)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]


def load_store(graph_dir: str | os.PathLike[str]) -> ox.Store:
    """An in-memory store holding the graph exported to ``graph_dir``."""
    folder = Path(graph_dir)
    for name, fmt in GRAPH_FILES:
        if (folder / name).is_file():
            store = ox.Store()
            try:
                store.bulk_load(path=str(folder / name), format=fmt)
            except (OSError, SyntaxError, ValueError) as exc:
                raise GraphFolderError(f"cannot load {folder / name}: {_one_line(exc)}; rebuild it with "
                                       f"linkgraph build -o {folder}") from None
            return store
    names = " or ".join(name for name, _ in GRAPH_FILES)
    raise GraphFolderError(f"no {names} in {folder}: build the graph first (linkgraph build -o {folder})")


def uses_service(sparql: str) -> bool:
    """True when the query text holds the SERVICE keyword (outside strings, IRIs and comments)."""
    return _SERVICE.search(_NOT_KEYWORDS.sub(" ", sparql)) is not None


def run_query(store: ox.Store, sparql: str, allow_service: bool = False) -> QueryResult:
    """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query; the project's prefixes are predeclared.

    A query using ``SERVICE`` is refused (QueryError) unless ``allow_service``.
    """
    if not allow_service and uses_service(sparql):
        raise QueryError("the query uses SERVICE, which sends requests to other machines; "
                         "allow it with --allow-service")
    try:
        result = store.query(sparql, prefixes=dict(PREFIXES))
        # Solutions are computed as they are iterated, so evaluation errors surface here too.
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(("ask",), ((str(bool(result)).lower(),),))
        if isinstance(result, ox.QuerySolutions):
            columns = tuple(v.value for v in result.variables)
            return QueryResult(columns, tuple(tuple(_text(row[i]) for i in range(len(columns))) for row in result))
        return QueryResult(("subject", "predicate", "object"),
                           tuple((_text(t.subject), _text(t.predicate), _text(t.object)) for t in result))
    except SyntaxError as exc:
        raise QuerySyntaxError(f"SPARQL syntax error: {_one_line(exc)}") from None
    except (OSError, RuntimeError, ValueError, TypeError) as exc:  # pyoxigraph's evaluation errors
        raise QueryError(f"SPARQL evaluation error: {_one_line(exc)}") from None


def query(graph_dir: str | os.PathLike[str], sparql: str, timeout: float | None = DEFAULT_TIMEOUT,
          allow_service: bool = False) -> QueryResult:
    """Load the graph in ``graph_dir`` and run one query over it, in a child process stopped
    after ``timeout`` seconds (None: no limit) or when the caller is interrupted (KeyboardInterrupt)."""
    if "fork" not in multiprocessing.get_all_start_methods():  # no cheap child: run here, unstoppable
        return run_query(load_store(graph_dir), sparql, allow_service)
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(send, graph_dir, sparql, allow_service), daemon=True)
    try:
        # Started inside the try: a Ctrl-C landing during the fork must still stop the child,
        # which would otherwise outlive the command (the CLI exits with os._exit, no atexit).
        child.start()
        send.close()
        if not receive.poll(timeout):
            raise QueryError(f"the query did not finish within {timeout:g} s and was stopped; "
                             "give it longer with --timeout")
        try:
            ok, value = receive.recv()
        except EOFError:
            raise QueryError(f"the query process ended without an answer (exit code {child.exitcode})") from None
    finally:  # reached on a timeout, Ctrl-C or an answer alike: the child never outlives the call
        if child.pid is not None:
            if child.is_alive():
                child.kill()
            child.join()
        send.close()
        receive.close()
    if not ok:
        raise value
    return value


def _child(send, graph_dir: str | os.PathLike[str], sparql: str, allow_service: bool) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    try:
        answer = (True, run_query(load_store(graph_dir), sparql, allow_service))
    except (QueryError, GraphFolderError) as exc:
        answer = (False, exc)
    send.send(answer)
    send.close()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """The result as an aligned text table (control and invisible characters escaped, text.shown),
    JSON (a list of objects) or CSV with a header (values as they are)."""
    if fmt == "json":
        rows = [dict(zip(result.columns, row)) for row in result.rows]
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(["" if v is None else v for v in row] for row in result.rows)
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise ValueError(f"unknown result format {fmt!r}; choose from: {', '.join(FORMATS)}")
    cells = [list(result.columns)] + [["" if v is None else shown(v) for v in row] for row in result.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(result.columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines)


def _text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value
