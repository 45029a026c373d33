"""One call from input paths to written outputs: read -> resolve -> build -> export -> report."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import networkx as nx

from graph.build import build_graph
from graph.exporters import EXPORTERS, ExportOptions, get_exporter
from graph.model import Resolution
from graph.output import write_atomic
from graph.parse import ParseOptions
from graph.reader import read_corpus
from graph.related import related_table
from graph.related_index import INDEX_FILE, attach_text_index, index_view, write_index
from graph.report import make_report, write_report
from graph.resolve import resolve
from graph.vocab import DEFAULT_BASE_IRI, check_base_iri

REPORT_FILE = "report.json"
Observer = Callable[..., None]
"""``observe(stage, done=0, total=0)``: a stage starts (``read``, ``resolve``, ``graph``,
``index``, ``write`` — every output file, in parallel when ``jobs`` > 1 — and ``done``), or
reading has done ``done`` of ``total`` files."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made: the graph, the resolved corpus, the report and the files written."""

    graph: nx.DiGraph
    resolution: Resolution
    report: dict
    written: tuple[Path, ...]


def build(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = tuple(EXPORTERS),
    base_iri: str = DEFAULT_BASE_IRI,
    default_lang: str | None = None,
    related: int = 0,
    jobs: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    observe: Observer | None = None,
) -> BuildResult:
    """Build the graph of the Markdown files under ``paths`` and write every format to ``out_dir``.

    ``jobs`` parse processes; ``cache_dir`` holds the parse cache (None: no cache);
    ``observe(stage, done, total)`` is told when each stage starts and how reading advances.
    """
    with _no_cyclic_gc():
        return _build(paths, out_dir, formats, base_iri, default_lang, related, jobs, cache_dir, observe)


PARALLEL_WRITE_EDGES = 20_000
"""Below this many edges, files are written one after the other: a process costs more than it saves."""
_TASKS: list[tuple[Path, Callable[[TextIO], None]]] = []


def _write_all(tasks: list[tuple[Path, Callable[[TextIO], None]]], jobs: int) -> None:
    """Write each (path, writer) atomically; with ``jobs`` > 1, in forked processes that share
    the finished graph copy-on-write. Each file has one writer, so bytes never depend on order."""
    global _TASKS
    if jobs <= 1 or len(tasks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for path, write in tasks:
            write_atomic(path, write)
        return
    _TASKS = tasks  # read by the forked workers; the writers are closures and cannot be pickled
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            # A worker's exception is re-raised here, so a failed write fails the build.
            for _ in pool.imap_unordered(_write_task, range(len(tasks))):
                pass
    finally:
        _TASKS = []


def _write_task(i: int) -> None:
    path, write = _TASKS[i]
    write_atomic(path, write)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a build allocates millions of small, acyclic objects
    (links, tuples, graph dicts) and the collector re-scans them all for nothing (seconds at
    50,000 articles). Reference counting still frees memory as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(paths, out_dir, formats, base_iri, default_lang, related, jobs, cache_dir, observe) -> BuildResult:
    stage = observe or (lambda name, done=0, total=0: None)
    exporters = [get_exporter(name) for name in formats]
    options = ExportOptions(base_iri=check_base_iri(base_iri))
    stage("read")
    corpus = read_corpus(paths, ParseOptions(default_lang), jobs, cache_dir, lambda done, total: stage("read", done, total))
    stage("resolve")
    resolution = resolve(corpus)
    stage("graph")
    G = build_graph(resolution, default_lang)
    stage("index")
    attach_text_index(G, resolution.articles)
    index_view(G)  # once, here: the index file, --related and the explorer all read it
    if related:
        G.graph["related"] = related_table(G, related)
    out = Path(out_dir)
    report = make_report(G, resolution)
    tasks = [(out / filename, lambda f, w=write: w(G, f, options))
             for exporter in exporters for filename, write in exporter.outputs()]
    tasks.append((out / REPORT_FILE, lambda f: write_report(report, f)))
    tasks.append((out / INDEX_FILE, lambda f: write_index(G, f)))
    stage("write")
    _write_all(tasks, jobs if G.number_of_edges() >= PARALLEL_WRITE_EDGES else 1)
    written = [path for path, _ in tasks]
    stage("done")
    return BuildResult(G, resolution, report, tuple(written))
