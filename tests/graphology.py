"""Read a GEXF or GraphML file with graphology (Node.js), the reader behind sigma.js and Gephi Lite.

The packages are pinned in tests/node/package-lock.json; ``.ci/run`` installs them with
``npm ci --prefix tests/node``. Tests skip, saying why, where node or the packages are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"


def read_with_graphology(path: Path) -> dict:
    """{"type", "order", "size", "nodes": {id: attributes}, "edges": [{source, target, attributes}]}."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (Node.js) is not installed: graphology readers cannot run")
    if not (NODE_DIR / "node_modules" / "graphology").is_dir():
        pytest.skip("graphology is not installed: run `npm ci --prefix tests/node`")
    run = subprocess.run([node, str(NODE_DIR / "read.mjs"), str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)
