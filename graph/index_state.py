"""What a one-shot rebuild needs to skip the index stage: a digest of everything the stage reads,
kept in the state folder with a digest of the related index it gave
(docs/performance.md#a-rebuild-whose-index-inputs-are-unchanged).

The index stage (text index, unlinked mentions, the related view and its fit) is a pure function
of the graph, the resolved articles (all but the part of each body past what is indexed) and the
code. When a rebuild's digest of those equals the one the previous build stored, and the
previous ``related-index.json`` still has the bytes that build wrote, its view is read back from
that file instead of being computed: the same data, so the same outputs. Anything else (no
state, another digest, a file edited since) is a full index stage; a state file that is not
linkgraph's is also a warning.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from itertools import islice
from operator import is_
from pathlib import Path

from graph.code_digest import code_digest
from graph.errors import GraphFolderError
from graph.model import Resolution
from graph.output import read_state_file
from graph.related_index import IndexedGraph, read_index
from graph.textindex import body_chars

INDEX_STATE = "index-state.json"
"""In the state folder: the digest of the index stage's inputs and of the index file it gave."""
_VERSION = 1
_CHUNK = 2_000  # articles or nodes serialised at a time: the digest never holds the corpus twice
# Modules whose code the index stage runs (the graph and the resolution are digested themselves,
# so what made them is not here). pipeline.py holds _index; splice.py and report.py make the keys
# they are digested by; related_fit.py, related.py and related_index.py fit the model read back with the index.
_INDEX_MODULES = ("graph.related_index", "graph.textindex", "graph.mentions", "graph.code_names", "graph.normalize",
                  "graph.text", "graph.related", "graph.related_fit", "graph.links", "graph.model", "graph.pipeline",
                  "graph.index_state", "graph.splice", "graph.report")


def _code() -> bytes:
    """The code and library versions the index stage's results depend on."""
    import numpy
    import pyromark

    return code_digest(*_INDEX_MODULES) + (
        f"{_VERSION}\0{sys.version}\0{numpy.__version__}\0{getattr(pyromark, '__version__', '')}\0"
        f"{unicodedata.unidata_version}").encode()


def index_inputs(G, resolution: Resolution, link_keys: Sequence[bytes],
                 node_keys: Mapping[str, bytes] | None = None, kept: dict | None = None) -> str:
    """A digest of everything the index stage reads: the graph (nodes, attributes, adjacency with
    edge attributes, label order), the resolved articles, the part of each body that is indexed
    and its names in code, their links with their classes and targets, the missing targets' labels and demand,
    and the code (with the versions of the libraries it calls).

    ``marshal`` version 2 gives equal bytes for equal values, and different bytes for different
    ones (types are tagged), so an equal digest means equal inputs. The links come as the link
    audit's keys (``graph.report.link_keys``: each article's path, links, classes and targets),
    and the graph, when ``node_keys`` are given, as the write stage's keys of each node
    (``graph.splice.node_keys``: its attributes, out-edges and in-degree): the write stage makes
    both anyway. ``kept``, held by the caller across builds (``--watch``), keeps the digest of
    each run of articles while they are the same objects."""
    h = hashlib.blake2b(_code(), digest_size=16)
    dumps = marshal.dumps
    h.update(dumps((list(G.graph.get("label_order", ())), len(G), node_keys is None), 2))
    if node_keys is not None:
        h.update(dumps(list(node_keys), 2))
        h.update(b"".join(node_keys.values()))
    else:
        for items in (G._node.items(), G._succ.items()):
            items = iter(items)
            while chunk := list(islice(items, _CHUNK)):
                h.update(dumps(chunk, 2))
    articles = resolution.articles
    chars = body_chars(len(articles))  # what the text index and the mentions read of a body
    made = {}
    for start in range(0, len(articles), _CHUNK):
        run = articles[start:start + _CHUNK]
        last = kept.get(start) if kept is not None else None
        if last is None or last[0] != chars or len(last[1]) != len(run) or not all(map(is_, last[1], run)):
            last = chars, run, hashlib.blake2b(dumps([
                (a.path, a.slug, a.lang, a.site_dir, a.title, a.description, a.keywords, a.aliases, a.body[:chars],
                 a.body_line, len(a.links), a.code) for a in run], 2), digest_size=16).digest()
        made[start] = last
        h.update(last[2])
    if kept is not None:
        kept.clear()
        kept.update(made)
    h.update(dumps((chars, len(link_keys)), 2))
    h.update(b"".join(link_keys))
    h.update(dumps({k: dict(v) for k, v in resolution.missing_labels.items()}, 2))
    h.update(dumps(dict(resolution.missing_demand), 2))
    return h.hexdigest()


def stored_index(state: Path, index_file: Path, inputs: str) -> tuple[IndexedGraph | None, str | None]:
    """The related index the previous build wrote to ``index_file``, as its view, when the state it
    left in ``state`` says it was made from ``inputs`` and the file still has the bytes it wrote;
    else None. A state file that is not linkgraph's is also a warning."""
    path = state / INDEX_STATE
    try:
        data = json.loads(read_state_file(path).decode("utf-8"))
        if not (isinstance(data, dict) and data.get("version") == _VERSION and isinstance(data.get("inputs"), str)
                and isinstance(data.get("index"), str)):
            raise ValueError("not an index state")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        return None, f"{path} is damaged or not linkgraph's ({why}): ignored, the index stage runs again"
    if data["inputs"] != inputs:
        return None, None
    try:
        text = read_state_file(index_file)  # bounded, never a FIFO: as any file the state describes
    except (OSError, ValueError):
        return None, None
    if index_digest(text) != data["index"]:
        return None, None  # edited since (the write stage says so when it splices it)
    try:
        view = read_index(text.decode("utf-8"))
    except (UnicodeDecodeError, GraphFolderError):  # the digest matched: only another version's file
        return None, None
    return (view, None) if view.model is not None else (None, None)


def index_digest(data: bytes) -> str:
    """The digest of an index file's bytes, as the index state keeps it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def state_text(inputs: str, index: str) -> str:
    """The index state of a build whose index stage read ``inputs`` and whose index file has the digest ``index``."""
    return json.dumps({"version": _VERSION, "inputs": inputs, "index": index}, indent=1) + "\n"
