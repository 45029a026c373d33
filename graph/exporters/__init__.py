"""The exporter registry: each output format, by name, with the file it writes.

Lookup errors name the valid choices (rdflib ``plugin.py`` style). Add a format by writing a
module with a ``write(G, out, options)`` function and one line in ``EXPORTERS``; a format of
several files lists its other (file name, writer) pairs in ``more``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import networkx as nx

from graph.exporters import gexf, graphml, html, jsonld, ntriples, property_csv, ttl


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What an exporter needs besides the graph."""

    base_iri: str


Writer = Callable[[nx.DiGraph, TextIO, ExportOptions], None]
"""Writes one file of a format to a text stream."""


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str
    """The ``--format`` choice."""
    filename: str
    """File written in the output folder."""
    write: Callable[[nx.DiGraph, TextIO, ExportOptions], None]
    description: str
    more: tuple[tuple[str, Writer], ...] = ()
    """Further (file name, writer) pairs, for a format that is several files (CSV + load script)."""

    def outputs(self) -> tuple[tuple[str, Writer], ...]:
        """Every (file name, writer) pair of this format, the main file first."""
        return ((self.filename, self.write), *self.more)


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("turtle", "graph.ttl", ttl.write, "RDF 1.1 Turtle (SKOS, schema.org, DBpedia wiki links)"),
        Exporter("graphml", "graph.graphml", graphml.write, "GraphML for Gephi, yEd, Cytoscape, igraph, networkx"),
        Exporter("ntriples", "graph.nt", ntriples.write, "RDF 1.1 N-Triples, one triple per line"),
        Exporter("jsonld", "graph.jsonld", jsonld.write, "JSON-LD 1.1 with a readable @context"),
        Exporter("gexf", "graph.gexf", gexf.write, "GEXF 1.3 for Gephi, Gephi Lite, sigma.js/graphology"),
        Exporter("csv", property_csv.NODES_FILE, property_csv.write_nodes,
                 "property-graph CSV (neo4j-admin import headers) and a LOAD CSV script",
                 more=((property_csv.EDGES_FILE, property_csv.write_edges),
                       (property_csv.LOAD_FILE, property_csv.write_load_script))),
        Exporter("html", "graph.html", html.write,
                 "one self-contained HTML page to explore the graph offline (layout, search, related terms)"),
    )
}


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; KeyError naming the valid choices otherwise."""
    try:
        return EXPORTERS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; choose from: {', '.join(EXPORTERS)}") from None
