"""One call from input paths to written outputs: read -> resolve -> build -> export -> report."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graph.build import build_graph
from graph.exporters import EXPORTERS, ExportOptions, get_exporter
from graph.model import Resolution
from graph.output import write_atomic
from graph.reader import read_corpus
from graph.related import related_table
from graph.related_index import INDEX_FILE, attach_text_index, write_index
from graph.report import make_report
from graph.resolve import resolve
from graph.vocab import DEFAULT_BASE_IRI, check_base_iri

REPORT_FILE = "report.json"


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
) -> BuildResult:
    """Build the graph of the Markdown files under ``paths`` and write every format to ``out_dir``."""
    exporters = [get_exporter(name) for name in formats]
    options = ExportOptions(base_iri=check_base_iri(base_iri))
    resolution = resolve(read_corpus(paths, default_lang))
    G = build_graph(resolution, default_lang)
    attach_text_index(G, resolution.articles)
    if related:
        G.graph["related"] = related_table(G, related)
    out = Path(out_dir)
    written = []
    for exporter in exporters:
        for filename, write in exporter.outputs():
            target = out / filename
            write_atomic(target, lambda f, w=write: w(G, f, options))
            written.append(target)
    report = make_report(G, resolution)
    write_atomic(out / REPORT_FILE, lambda f: f.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n"))
    written.append(out / REPORT_FILE)
    write_atomic(out / INDEX_FILE, lambda f: write_index(G, f))
    written.append(out / INDEX_FILE)
    return BuildResult(G, resolution, report, tuple(written))
