"""``python -m graph`` runs the ``linkgraph`` command line."""

from graph.cli import run

run()
