"""The exporter registry: each output format, by name, with the files it writes.

Lookup errors name the valid choices (rdflib ``plugin.py`` style). Add a format by writing a
module with a ``write(G, out, options)`` function and one entry in ``EXPORTERS``; a format of
several files lists its other (file name, function) pairs in ``more``. The registry names
modules and functions rather than importing them, so asking which formats exist (the CLI does,
for every command) loads no exporter and none of networkx or rdflib.

A writer ``write_x`` may come with ``pieces_x`` (``write`` with ``pieces``): the same file as
keyed pieces (``graph.splice``), so that a rebuild renders only the pieces whose inputs changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, TextIO

from graph.errors import UsageError

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What an exporter needs besides the graph."""

    base_iri: str
    memo: object = None
    """What a long-lived process keeps for the next build's writers (``graph.splice.WriteMemo``,
    ``--watch``); None in a one-shot build. The bytes are the same either way."""


Writer = Callable[["nx.DiGraph", TextIO, ExportOptions], None]
"""Writes one file of a format to a text stream."""


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str
    """The ``--format`` choice."""
    filename: str
    """File written in the output folder."""
    module: str
    """Module under ``graph.exporters`` holding the writers."""
    description: str
    function: str = "write"
    """Writer of ``filename`` in ``module``."""
    more: tuple[tuple[str, str], ...] = ()
    """Further (file name, writer function) pairs, for a format that is several files (CSV + load script)."""
    index: bool = False
    """Reads the related index (text index, mentions, fitted model), which a build then computes:
    the largest stage of a build, so it runs only when a format or ``--related`` needs it."""

    def pieces(self) -> tuple[tuple[str, Writer, Callable | None], ...]:
        """Every (file name, writer, pieces function or None) of this format, the main file first."""
        module = import_module(f"graph.exporters.{self.module}")
        return tuple((filename, getattr(module, function), getattr(module, function.replace("write", "pieces"), None))
                     for filename, function in ((self.filename, self.function), *self.more))

    @property
    def filenames(self) -> tuple[str, ...]:
        """Every file this format writes, the main file first."""
        return (self.filename, *(filename for filename, _ in self.more))


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("turtle", "graph.ttl", "ttl", "RDF 1.1 Turtle (SKOS, schema.org, DBpedia wiki links)"),
        Exporter("graphml", "graph.graphml", "graphml", "GraphML for Gephi, yEd, Cytoscape, igraph, networkx"),
        Exporter("ntriples", "graph.nt", "ntriples", "RDF 1.1 N-Triples, one triple per line"),
        Exporter("jsonld", "graph.jsonld", "jsonld", "JSON-LD with a readable @context"),
        Exporter("gexf", "graph.gexf", "gexf", "GEXF 1.3 for Gephi, Gephi Lite, sigma.js/graphology"),
        Exporter("csv", "nodes.csv", "property_csv",
                 "property-graph CSV (neo4j-admin import headers) and a LOAD CSV script",
                 function="write_nodes",
                 more=(("edges.csv", "write_edges"), ("load.cypher", "write_load_script"))),
        Exporter("html", "graph.html", "html",
                 "one self-contained HTML page to explore the graph offline (layout, search, related terms)",
                 index=True),
        Exporter("related", "related-index.json", "related",
                 "the related-terms index that linkgraph related answers from", index=True),
    )
}


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; UsageError naming the valid choices otherwise."""
    try:
        return EXPORTERS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r}; choose from: {', '.join(EXPORTERS)}") from None
