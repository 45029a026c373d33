"""The exporter registry: each output format, by name, with the file it writes.

Lookup errors name the valid choices (rdflib ``plugin.py`` style). Add a format by writing a
module with a ``write(G, out, options)`` function and one line in ``EXPORTERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import networkx as nx

from graph.exporters import graphml, ttl


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What an exporter needs besides the graph."""

    base_iri: str


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str
    """The ``--format`` choice."""
    filename: str
    """File written in the output folder."""
    write: Callable[[nx.DiGraph, TextIO, ExportOptions], None]
    description: str


EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("turtle", "graph.ttl", ttl.write, "RDF 1.1 Turtle (SKOS, schema.org, DBpedia wiki links)"),
        Exporter("graphml", "graph.graphml", graphml.write, "GraphML for Gephi, yEd, Cytoscape, igraph, networkx"),
    )
}


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; KeyError naming the valid choices otherwise."""
    try:
        return EXPORTERS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; choose from: {', '.join(EXPORTERS)}") from None
