"""``python -m graph`` runs the ``linkgraph`` command line."""

import sys

from graph.cli import main

sys.exit(main())
