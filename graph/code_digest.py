"""A digest of the source of some of linkgraph's modules: state an earlier build left (the parse
cache, the chunk tables of spliced outputs, the related model, the index state) records the
digest of the code that made it, and is reused only by the same code, so an upgrade never
serves stale results (docs/performance.md#rebuilds)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.util import find_spec


@cache
def code_digest(*modules: str) -> bytes:
    """16 bytes of BLAKE2b over the source files of ``modules`` (dotted names, ``graph.links``; a
    package is its ``__init__.py``). Order and repeats do not count: the same set of modules, the
    same digest. Read once per process and set of modules."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(set(modules)):
        source = _source(name)
        # Name and length first: two sets of files never hash alike by concatenating alike.
        h.update(f"{name}\0{len(source)}\0".encode())
        h.update(source)
    return h.digest()


def _source(name: str) -> bytes:
    """The bytes of a module's source file, found without importing the module itself."""
    spec = find_spec(name)
    if spec is None or not spec.has_location or not spec.origin:
        raise ModuleNotFoundError(f"no source file for module {name}", name=name)
    with open(spec.origin, "rb") as f:
        return f.read()
