"""What a long-lived process (``--watch``) keeps of the last build, so that a rebuild recomputes
only what changed (docs/performance.md#--watch-keeps-a-memo). Outputs are the same with or without it."""

from __future__ import annotations

from graph.build import GraphMemo
from graph.mentions import ScanMemo
from graph.output import Spare
from graph.reader import Discovery
from graph.related_index import IndexedGraph, RelatedModel
from graph.resolve import ResolveMemo
from graph.splice import WriteMemo
from graph.textindex import TextIndex


class Memo:
    """What a rebuild keeps from the last build, so that it recomputes only what changed: the
    files listed, each file's article (``read_corpus``'s ``known``), each article's resolved links (``ResolveMemo``),
    each concept's out-links (``GraphMemo``), each node's text, each text's term counts and the
    text index, what each article gave the mentions (``ScanMemo``), each title's and slug's lookup
    keys, what tells which nodes' texts may have changed (``attach_text_index``'s ``kept``), the
    digest of each run of articles the index stage read (``graph.index_state``), each
    part of the related index with what it was made from, the related model with the digest of
    what it was fitted to (and the text of the largest fields that digest read), the related index with the digest of the index stage's inputs (the
    stage is skipped when they are the same), and what the write stage can reuse (``WriteMemo``: piece
    keys, the stamps of the files it wrote), and, in the staging folder, the files of its earlier
    builds whose memory the next write stage reuses (``Spare``). Outputs are the same with or
    without it; it holds only what the last build used, so it does not grow over a long watch."""

    def __init__(self) -> None:
        self.listing: tuple[tuple[str, ...], Discovery] | None = None
        """The input paths of the last build and what ``discover`` found (``graph.reader.rediscover``)."""
        self.files: dict = {}
        self.resolved = ResolveMemo()
        self.graph = GraphMemo()
        self.texts: dict = {}
        self.node_texts: dict = {}
        self.text_state: dict = {}
        self.text_index: TextIndex | None = None
        self.names: dict = {}
        self.index_parts: dict = {}
        self.scans = ScanMemo()
        self.index_inputs: dict = {}
        self.model: RelatedModel | None = None
        self.fit_inputs: dict = {}
        self.index: tuple[str, IndexedGraph] | None = None
        self.write = WriteMemo()
        self.spare = Spare()
