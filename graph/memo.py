"""What a long-lived process (``--watch``) keeps of the last build, so that a rebuild recomputes
only what changed (docs/performance.md#--watch-keeps-a-memo). Outputs are the same with or without it."""

from __future__ import annotations

from graph.build import GraphMemo
from graph.code_names import CodeMemo
from graph.mentions import ScanMemo
from graph.output import Spare
from graph.reader import Discovery
from graph.related_index import IndexedGraph, RelatedModel
from graph.resolve import ResolveMemo
from graph.splice import WriteMemo
from graph.textindex import TextIndex


class Memo:
    """What a rebuild keeps from the last build, so that it recomputes only what changed. Outputs
    are the same with or without it; each field holds only what the last build used, so the memo
    does not grow over a long watch."""

    def __init__(self) -> None:
        self.listing: tuple[tuple[str, ...], Discovery] | None = None
        """The input paths of the last build and what ``discover`` found (``graph.reader.rediscover``)."""
        self.files: dict = {}
        """Each file's stamp and article (``read_corpus``'s ``known``)."""
        self.resolved = ResolveMemo()
        """Each article's resolved links, the missing targets' tallies, the slug index: ``resolve``
        mends the last resolution for the articles that changed."""
        self.graph = GraphMemo()
        """Each concept's out-links and node attributes: ``build_graph`` mends the last graph."""
        self.texts: dict = {}
        """Each text's term counts (``attach_text_index``'s ``memo``)."""
        self.node_texts: dict = {}
        """Each node's text (``attach_text_index``'s ``texts``)."""
        self.text_state: dict = {}
        """What tells which nodes' texts may have changed (``attach_text_index``'s ``kept``)."""
        self.text_index: TextIndex | None = None
        """The last text index, reweighted rather than made again."""
        self.names: dict = {}
        """Each title's and slug's lookup keys (``index_view``)."""
        self.index_parts: dict = {}
        """Each part of the related index with what it was made from (``index_view``)."""
        self.scans = ScanMemo()
        """What each article gave the unlinked mentions, and the lexicon."""
        self.code = CodeMemo()
        """Each title's lookup keys as a name in code, and the last names in code."""
        self.index_inputs: dict = {}
        """The digest of each run of articles the index stage read (``graph.index_state``)."""
        self.model: RelatedModel | None = None
        """The last related model, with the digest of what it was fitted to."""
        self.fit_inputs: dict = {}
        """The fit's own memo (``fit_related``'s ``kept``): the text of the largest fields its digest
        read, the last search's queries and model, the sample's permutation."""
        self.index: tuple[str, IndexedGraph] | None = None
        """The digest of the index stage's inputs and the index it made: the stage is skipped while
        the digest is the same."""
        self.write = WriteMemo()
        """What the write stage reuses: piece keys, the stamps of the files it wrote."""
        self.spare = Spare()
        """Files of earlier builds, in the staging folder, whose memory the next write stage reuses."""
