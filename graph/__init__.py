"""linkgraph: folders of Markdown articles -> a knowledge graph (RDF, GraphML) with a link audit."""

__version__ = "0.1.0"
