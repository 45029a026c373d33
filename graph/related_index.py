"""The related index: what ``linkgraph related`` reads instead of re-parsing the corpus.

``related-index.json``, written by every build next to the graph files, holds the link and
keyword structure of the graph as compressed-sparse-row adjacency (base64 integer arrays), the
nodes' kinds and labels, the normalised names a term can be looked up by, and the text index
(``graph.textindex``). Reading it back gives an ``IndexedGraph``, the one interface the signals
in ``graph.related`` read; a build converts its networkx graph once (``IndexedGraph.from_graph``),
so the signals answer the same on both, and a query reads no Markdown and builds no networkx graph.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from itertools import chain, compress, repeat
from operator import is_, is_not, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from graph.code_names import CodeMemo, code_names
from graph.errors import GraphFolderError
from graph.model import KEYWORD_PREFIX, Article, NodeKind, Resolution
from graph.normalize import normalize
from graph.textindex import (BODY_CHARS, TextIndex, _array, _pointers, body_chars, build_text_index,
                             index_from_json, index_to_json, pack,
                             shared_terms, similar, spans, unpack)

if TYPE_CHECKING:
    from graph.mentions import ScanMemo

INDEX_FILE = "related-index.json"
INDEX_VERSION = 7
SAID = ("mentions", "code")
"""The index fields of concepts naming concepts: in prose (``graph.mentions``), in code (``graph.code_names``)."""
_KINDS = {kind[0]: kind for kind in NodeKind.ALL}
KEYWORD = NodeKind.KEYWORD
_WORDS = re.compile(r"\w+")
_PARENS = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True, slots=True)
class RelatedModel:
    """How the related signals are combined for one corpus: fitted to its own links, or the defaults."""

    weights: Mapping[str, float]
    """Signal -> weight of its score (scaled to 0..1 per query) in the combined score."""
    alpha: float
    """Restart probability of personalized PageRank."""
    hub: float
    """PageRank scores are divided by (links of the candidate) ** hub: 0 keeps them, 1 is degree-normalised."""
    fitted: bool
    """True when fitted to the corpus's own links at build time (``graph.related_fit``)."""
    note: str
    """What was fitted and how well, or why the defaults are used, in plain words."""
    recall: float | None = None
    """Recall@10 of the fitted model on the held-out half of the hidden links (of the hub-aware
    defaults when the build fell back on them: on all the hidden links of its sample)."""
    default_recall: float | None = None
    """Recall@10 of the default weights on the same links."""
    stats: Mapping[str, int] = field(default_factory=dict)
    """How much it learned from: ``queries`` (fit + held out), ``hidden`` links, and ``work`` (candidates scored)."""
    inputs: str = ""
    """Digest of what the model was fitted to (``graph.related_fit.fit_inputs``): a rebuild with the
    same digest may keep the model instead of fitting it again."""

    def to_json(self) -> dict:
        """The model as JSON-ready data (stored in the index)."""
        return {**asdict(self), "weights": dict(self.weights), "stats": dict(self.stats)}

    @classmethod
    def from_json(cls, data: dict) -> RelatedModel:
        """The inverse of ``to_json``; ValueError unless every field has the type a build writes."""
        model = cls(**data)

        def number(x: object) -> bool:
            return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

        if not (isinstance(model.weights, dict) and all(isinstance(k, str) and number(w) and w >= 0
                                                         for k, w in model.weights.items())
                and number(model.alpha) and 0 < model.alpha <= 1 and number(model.hub) and model.hub >= 0
                and isinstance(model.fitted, bool) and isinstance(model.note, str) and isinstance(model.inputs, str)
                and all(r is None or number(r) for r in (model.recall, model.default_recall))
                and isinstance(model.stats, dict) and all(isinstance(v, int) for v in model.stats.values())):
            raise ValueError("the related model has a field of the wrong type")
        return model


class IndexedGraph:
    """The one graph the related signals read: nodes, kinds, labels, adjacency and text, from the index.

    Read back from ``related-index.json`` (``read_index``) or converted once from the networkx
    graph of a build (``from_graph``). Besides ``successors``/``predecessors`` it answers
    ``links_out``, ``links_in``, ``keywords`` and ``members`` straight from their own arrays:
    filtering hubs' neighbours by kind was most of a query's time at 50,000 articles.
    """

    def __init__(self, data: dict, last: IndexedGraph | None = None) -> None:
        """``last``, a view of an earlier index: the fields of ``data`` that are its own objects
        (``index_data`` gives a part again while unchanged) are not decoded again."""
        self.data = data
        """The index as JSON-ready data (what ``write_index`` writes)."""

        def decoded(name: str, key: str) -> array:
            text = data[name][key]
            reused = last is not None and last.data[name][key] is text
            found = self._decoded[name, key] = last._decoded[name, key] if reused else unpack(text)
            return found

        self._decoded: dict[tuple[str, str], array] = {}
        self._keys = data["keys"]
        self._id = last._id if last is not None and last._keys is self._keys else \
            dict(zip(self._keys, range(len(self._keys))))  # made in C; keys are distinct
        self.nodes = _Nodes(self._keys, data["kinds"], data["labels"], self._id)
        self._adjacency = {name: (decoded(name, "ptr"), decoded(name, "ids"))
                           for name in ("links", "links_in", "keywords", "members")}
        self.label_order: tuple[str, ...] = tuple(data["label_order"])
        self.names: Mapping[str, str] = _NameLookup(data["names"]["keys"], decoded("names", "ids"), self._keys)
        """Lookup key (``name_key``) -> node, for every slug, alias and title."""
        # Documents are indexed in node order.
        self._text = last._text if last is not None and last.data["text"] is data["text"] else \
            index_from_json(data["text"])
        self._mentions = tuple(decoded("mentions", key) for key in ("ptr", "ids", "lines", "confidence"))
        self._code = tuple(decoded("code", key) for key in ("ptr", "ids", "lines", "confidence"))
        self._link_mentions = (decoded("link_mentions", "at"), decoded("link_mentions", "confidence"))
        self._said_links: dict[tuple[int, int], float] | None = None
        self._sections: dict[str, list[str]] | None = None
        self._link_degrees: list[int] | None = None
        self._link_lists: list[list[int] | None] | None = None
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.model: RelatedModel | None = RelatedModel.from_json(data["model"]) if data.get("model") else None
        """How to combine the signals for this corpus, when the build fitted or chose one."""
        self.texts: dict[int, tuple] | None = None
        """While not None: the JSON text of the index's values encoded so far (``field_text``)."""

    @classmethod
    def from_graph(cls, G, memo: MutableMapping | None = None, parts: dict | None = None,
                   last: IndexedGraph | None = None) -> IndexedGraph:
        """The index of a networkx graph of a build, its text index included when attached; ``memo``
        and ``parts`` as for ``index_data``, ``last`` as for ``IndexedGraph``."""
        return cls(index_data(G, memo, parts), last)

    def with_model(self, model: RelatedModel) -> None:
        """Keep ``model`` in the view and in what ``write_index`` writes."""
        self.model = model
        self.data["model"] = model.to_json()

    def without_links(self, hidden: Mapping[str, Collection[str]]) -> IndexedGraph:
        """The same index with the links ``source -> target`` of ``hidden`` taken out (their text kept)."""
        view = IndexedGraph.__new__(IndexedGraph)
        self._link_said()  # read from this graph's links: the view's have fewer
        for name in ("data", "_decoded", "_keys", "_id", "nodes", "label_order", "names", "_text", "_sections", "model",
                     "_mentions", "_code", "_link_mentions", "_said_links"):
            setattr(view, name, getattr(self, name))
        n = len(self._keys)
        pairs = {(self._id[s], self._id[t]) for s, targets in hidden.items() for t in targets}
        dropped = np.array(sorted(i * n + j for i, j in pairs), dtype=np.int64)
        view._adjacency, view._link_degrees, view._link_lists, view._arrays = dict(self._adjacency), None, None, {}
        # Only the rows of the pairs' sources (of links) and targets (of links in) can lose
        # entries: the rest is copied whole, and row pointers shift by what went before.
        for name, rows in (("links", {s for s, _ in pairs}), ("links_in", {t for _, t in pairs})):
            ptr, ids = self._numpy(name)
            rows = np.array(sorted(rows), dtype=np.int64)
            at, lengths = spans(ptr, rows)
            owner, near = np.repeat(rows, lengths), ids[at].astype(np.int64)
            drop = np.isin(owner * n + near if name == "links" else near * n + owner, dropped)
            keep = np.ones(len(ids), bool)
            keep[at[drop]] = False
            new_ptr = ptr.copy()
            new_ptr[1:] -= np.cumsum(np.bincount(owner[drop], minlength=n))
            view._adjacency[name] = (_array("I", new_ptr), _array("I", ids[keep]))
        return view

    def __contains__(self, node: object) -> bool:
        return node in self._id

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def degree(self, name: str, node: str) -> int:
        """Length of a node's row in one adjacency (``links``, ``links_in``, ``keywords``, ``members``)."""
        ptr = self._adjacency[name][0]
        i = self._id[node]
        return ptr[i + 1] - ptr[i]

    def _neighbours(self, name: str, node: str) -> list[str]:
        ptr, ids = self._adjacency[name]
        keys = self._keys
        return [keys[j] for j in ids[_row(ptr, self._id[node])]]

    def _numpy(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """An adjacency (or ``mentions``, ``code``) as numpy arrays, row pointers widened so that
        lengths may be subtracted."""
        if name not in self._arrays:
            ptr, ids = self._naming(name)[:2] if name in SAID else self._adjacency[name]
            self._arrays[name] = (np.asarray(ptr, dtype=np.int64), np.asarray(ids))
        return self._arrays[name]

    def degrees(self, name: str) -> np.ndarray:
        """Length of each node id's row in one adjacency."""
        return np.diff(self._numpy(name)[0])

    def row(self, name: str, i: int) -> np.ndarray:
        """Ids in node id ``i``'s row of one adjacency (``links``, ``links_in``, ``keywords``, ``members``)."""
        ptr, ids = self._numpy(name)
        return self._within(ids[_row(ptr, i)])

    def rows(self, name: str, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ids in the rows of node ids ``nodes`` of one adjacency, end to end, and each row's length."""
        ptr, ids = self._numpy(name)
        at, lengths = spans(ptr, nodes)
        return self._within(ids[at]), lengths

    def _within(self, ids: np.ndarray) -> np.ndarray:
        # Ids are checked where a query reads them (see _checked): counted into arrays of one
        # entry per node, one past the end would otherwise pass unseen.
        if len(ids) and ids.max() >= len(self._keys):
            raise IndexError("a node id past the end")
        return ids.astype(np.intp)

    def link_ids(self, i: int) -> list[int]:
        """Ids of the concepts linked with node id ``i`` either way (ids are positions in node order)."""
        (out_ptr, out_ids), (in_ptr, in_ids) = self._adjacency["links"], self._adjacency["links_in"]
        return out_ids[_row(out_ptr, i)].tolist() + in_ids[_row(in_ptr, i)].tolist()

    def link_lists(self) -> list[list[int] | None]:
        """Per node id, its ``link_ids`` once someone asked for them (else None): kept with the graph,
        so the many queries of a fit on one graph walk each node's links out of the arrays once."""
        if self._link_lists is None:
            self._link_lists = [None] * len(self._keys)
        return self._link_lists

    def link_degrees(self) -> list[int]:
        """Links of each node id, both ways: made once, it spares walks a lookup per neighbour."""
        if self._link_degrees is None:
            (out_ptr, _), (in_ptr, _) = self._adjacency["links"], self._adjacency["links_in"]
            self._link_degrees = [b - a + d - c for a, b, c, d in zip(out_ptr, out_ptr[1:], in_ptr, in_ptr[1:])]
        return self._link_degrees

    def id(self, node: str) -> int:
        """Position of a node in node order."""
        return self._id[node]

    def ids(self, nodes: Collection[str]) -> np.ndarray:
        """Positions of nodes in node order, as an array."""
        return np.fromiter(map(self._id.__getitem__, nodes), np.intp, len(nodes))

    def key(self, i: int) -> str:
        """The node at position ``i``."""
        return self._keys[i]

    def slug_places(self) -> np.ndarray:
        """Each node id's place in slug order, made when first asked for: ties in a ranking break
        by slug, and hubs' long rows are put in that order without a slug per id."""
        places = getattr(self, "_slug_places", None)  # set here only: views (without_links) make their own
        if places is None:
            n = len(self._keys)
            places = self._slug_places = np.empty(n, np.intp)
            places[sorted(range(n), key=self._keys.__getitem__)] = np.arange(n)
        return places

    def links_out(self, node: str) -> list[str]:
        """Concepts ``node`` links to."""
        return self._neighbours("links", node)

    def links_in(self, node: str) -> list[str]:
        """Concepts linking to ``node``."""
        return self._neighbours("links_in", node)

    def keywords(self, node: str) -> list[str]:
        """Keyword nodes of a concept."""
        return self._neighbours("keywords", node)

    def members(self, keyword: str) -> list[str]:
        """Concepts that have a keyword."""
        return self._neighbours("members", keyword)

    def successors(self, node: str) -> list[str]:
        """Nodes that ``node`` has an edge to (links and keywords)."""
        return self.links_out(node) + self.keywords(node)

    def predecessors(self, node: str) -> list[str]:
        """Nodes that have an edge to ``node``."""
        return self.links_in(node) + self.members(node)

    def section(self, name: str) -> list[str]:
        """Concepts whose slug is directly under folder ``name`` (``functions/strings`` -> ``functions/strings/len``)."""
        if self._sections is None:
            # One pass over the nodes, the first time a section is asked for: scanning them per
            # query made ``build --related`` quadratic on nested slugs.
            sections: dict[str, list[str]] = {}
            for n, kind in zip(self._keys, self.data["kinds"]):
                folder, slash, _ = n.rpartition("/")
                if slash and kind != KEYWORD[0]:
                    sections.setdefault(folder, []).append(n)
            self._sections = sections
        return self._sections.get(name, [])

    def _naming(self, field: str) -> tuple[array, array, array, array]:
        """The arrays (row pointers, ids, lines, confidences) of ``mentions`` or ``code``."""
        return self._mentions if field == "mentions" else self._code

    def mentions(self, node: str, field: str = "mentions") -> list[tuple[str, int, float]]:
        """(concept, line, confidence) of each concept ``node``'s text names without linking it; with
        ``field="code"``, (concept, line, 1 / concepts sharing the name) of each it names in code."""
        ptr, ids, lines, confidences = self._naming(field)
        i = self._id[node]
        return [(self._keys[ids[k]], lines[k], confidences[k] / 65535) for k in range(ptr[i], ptr[i + 1])]

    def mention_scores(self, i: int, field: str = "mentions") -> tuple[np.ndarray, np.ndarray]:
        """Ids and confidences of the concepts node id ``i``'s text names (``mentions``), then of
        those whose text names it (``mentioned_by``); ``field`` as for ``mentions``."""
        ptr, ids = self._numpy(field)
        confidences = self._naming(field)[3]
        named_by = np.flatnonzero(ids == i)
        at = np.concatenate((np.arange(ptr[i], ptr[i + 1]), named_by))
        near = np.concatenate((ids[ptr[i]:ptr[i + 1]], np.searchsorted(ptr, named_by, "right") - 1))
        return self._within(near), np.asarray(confidences)[at] / 65535

    def mentioned_by(self, node: str, field: str = "mentions") -> list[tuple[str, int, float]]:
        """(concept, line, confidence) of each concept whose text names ``node`` without linking it
        (``field`` as for ``mentions``)."""
        # One scan of the target array in numpy, not a reverse table built in Python: building
        # one cost a fresh ``linkgraph related`` 0.1 s at 50,000 articles (and a scan per hit
        # with array.index, 1.5 ms for a hub of the 10,000-file corpus named 400 times).
        ptr, ids = self._numpy(field)
        at = np.flatnonzero(ids == self._id[node])
        rows = (np.searchsorted(ptr, at, "right") - 1).tolist()
        _, _, lines, confidences = self._naming(field)
        return [(self._keys[r], lines[k], confidences[k] / 65535) for r, k in zip(rows, at.tolist())]

    def link_mention(self, source: str, target: str) -> float:
        """The confidence ``source``'s link to ``target`` would have as a mention, had it not been
        linked (``graph.mentions.LinkMentions``); 0 when its anchor text would not be one."""
        return self._link_said().get((self._id[source], self._id[target]), 0.0)

    def _link_said(self) -> dict[tuple[int, int], float]:
        if self._said_links is None:
            ptr, ids = self._adjacency["links"]
            at, confidences = self._link_mentions
            self._said_links = {(bisect_right(ptr, k) - 1, ids[k]): c / 65535 for k, c in zip(at, confidences)}
        return self._said_links

    def similar_text(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the concepts whose text is like node id ``i``'s and their TF-IDF similarity (``graph.textindex``)."""
        return similar(self._text, i)

    def common_words(self, a: str, b: str) -> list[str]:
        """The words that make the texts of two nodes most alike, strongest first."""
        return shared_terms(self._text, self._id[a], self._id[b])


def distinct(ids: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, ascending: ``np.unique`` by a sort, which at a
    million values was ten times faster than the hashing ``np.unique`` does first."""
    ids = np.sort(ids)
    return ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids


def _row(ptr: array, i: int) -> slice:
    """Where row ``i`` of a compressed-sparse-row array lies; IndexError if the index is damaged there.

    Checked row by row as queries read them, not all at load: sorting every row pointer at
    load was a fifth of a fresh ``linkgraph related`` at 50,000 articles.
    """
    a, b = ptr[i], ptr[i + 1]
    if a > b:
        raise IndexError(f"row {i} ends before it starts")
    return slice(a, b)


class _Nodes(Mapping):
    """node -> {kind, slug, labels}, made when asked for: a query looks at a few dozen nodes."""

    def __init__(self, keys: list[str], kinds: str, labels: dict[str, list[str]], ids: dict[str, int]) -> None:
        self._keys, self._kinds, self._labels, self._id = keys, kinds, labels, ids

    def __getitem__(self, node: str) -> dict:
        i = self._id[node]
        kind = _KINDS[self._kinds[i]]
        labels = {(lang or None): texts[i] for lang, texts in self._labels.items() if texts[i]}
        return {"kind": kind, "slug": node.removeprefix(KEYWORD_PREFIX) if kind == KEYWORD else node,
                "labels": labels}

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _NameLookup(Mapping):
    """Lookup key -> node over sorted keys (binary search), so loading builds no big dict."""

    def __init__(self, keys: list[str], ids: array, nodes: list[str]) -> None:
        self._keys, self._ids, self._nodes = keys, ids, nodes

    def __getitem__(self, key: str) -> str:
        i = bisect_left(self._keys, key)
        if i == len(self._keys) or self._keys[i] != key:
            raise KeyError(key)
        return self._nodes[self._ids[i]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def node_text(G, node: str, bodies: dict[str, list[str]], chars: int = BODY_CHARS) -> str:
    """The text a node is compared by: labels, descriptions and the first ``chars`` of each body."""
    data = G.nodes[node]
    if data["kind"] == KEYWORD:
        return ""
    parts = [*data["labels"].values(), *data.get("descriptions", {}).values()]
    parts += [body[:chars] for body in bodies.get(node, ())]
    return "\n".join(parts)


def attach_text_index(G, articles: Iterable[Article], memo: MutableMapping | None = None,
                      previous: TextIndex | None = None, texts: dict | None = None, kept: dict | None = None) -> None:
    """Index the text of every node of a built graph into ``G.graph`` (``text_index``, ``text_ids``);
    ``memo`` and ``previous`` as for ``build_text_index``. ``texts``, kept by the caller across
    builds (``--watch``), keeps each node's text with what it was made of (its attributes and
    bodies, the same objects), and is replaced by this build's. ``kept``, kept by the caller with
    ``texts``, holds what tells which nodes those may be: while the nodes are the last build's, in
    the same order, and so are the articles' paths, only the nodes whose attributes are not the
    same object or that have an article that is not are looked at."""
    from graph.mentions import changed_positions  # as attach_mentions: the parser it needs is for builds only

    articles, nodes = tuple(articles), tuple(G)
    last = kept.get("last") if kept is not None and texts is not None else None
    moved = None
    if last is not None and last["index"] is previous:
        moved = changed_positions(articles, last["articles"])
        if moved is not None and any(articles[i].path != last["articles"][i].path for i in moved):
            moved = None
    # The same articles with other nodes (a missing target inserted or gone): each node's last
    # attributes and text are found by name, not position, and the ids are made again.
    same_nodes = moved is not None and last["nodes"] == nodes
    if moved is None:
        bodies: dict[str, list[str]] = {}
        for a in articles:
            bodies.setdefault(a.slug, []).append(a.body)
        look, attrs = range(len(nodes)), list(map(G._node.__getitem__, nodes))
        ids = dict(zip(nodes, range(len(nodes))))
        places = _places(articles) if kept is not None and texts is not None else {}
    else:
        was, ids = last["articles"], last["ids"] if same_nodes else dict(zip(nodes, range(len(nodes))))
        places = _places(articles) if any(articles[i].slug != was[i].slug for i in moved) else last["places"]
        slugs = {articles[i].slug for i in moved} | {was[i].slug for i in moved}
        bodies = dict(last["bodies"]) if slugs else last["bodies"]
        for slug in slugs:  # the bodies of the concepts of the articles that changed, in article order
            if slug in places:
                bodies[slug] = [articles[i].body for i in places[slug]]
            else:
                bodies.pop(slug, None)
        attrs = list(map(G._node.__getitem__, nodes))
        if same_nodes:
            last_attrs, last_docs, was = last["attrs"], last["docs"], None
        else:  # by name, in C: each node's last position (a new node's -1, which finds None: it is looked at)
            was = list(map(last["ids"].get, nodes, repeat(-1)))
            last_attrs = list(map([*last["attrs"], None].__getitem__, was))
            last_docs = list(map([*last["docs"], None].__getitem__, was))
        look = set(compress(range(len(nodes)), map(is_not, attrs, last_attrs)))
        look.update(ids[slug] for slug in slugs if slug in ids)
        look = sorted(look)
    chars = body_chars(sum(map(len, bodies.values())))
    if texts is None:
        docs = [node_text(G, n, bodies, chars) for n in nodes]
        G.graph["text_index"] = build_text_index(docs, memo, previous)
    else:
        none = ()
        made = {} if moved is None else texts
        docs = [None] * len(nodes) if moved is None else list(last_docs)
        for i in look:
            n = nodes[i]
            d, own = attrs[i], bodies.get(n, none)
            old = texts.get(n)
            if old is None or old[0] is not d or old[2] != chars or old[1] != own:
                old = (d, own, chars, node_text(G, n, bodies, chars))
            made[n] = old
            docs[i] = old[3]
        if moved is None or not same_nodes:  # in node order, of these nodes only
            made = dict(zip(nodes, map(made.__getitem__, nodes))) if moved is not None else made
            texts.clear()
            texts.update(made)
        # Other nodes: every document's counts are looked up (by text: those not looked at are
        # the last build's strings, their hashes kept), and the last index renumbered if it can be.
        G.graph["text_index"] = build_text_index(
            docs, memo, previous, None if moved is None else [i for i in look if docs[i] is not last_docs[i]],
            None if moved is None else was)
        if kept is not None:
            kept["last"] = {"nodes": nodes, "articles": articles, "bodies": bodies, "ids": ids, "attrs": attrs,
                            "docs": docs, "places": places, "index": G.graph["text_index"]}
    G.graph["text_ids"] = ids if moved is not None else dict(zip(nodes, range(len(nodes))))
    G.graph["text_nodes"] = nodes


def _places(articles: tuple[Article, ...]) -> dict[str, list[int]]:
    """Slug -> the positions of its articles (one per language), in order."""
    places: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        places.setdefault(a.slug, []).append(i)
    return places


def attach_mentions(G, resolution: Resolution, memo: ScanMemo | None = None) -> None:
    """Find where each article names a concept without linking it (``graph.mentions``) into ``G.graph["mentions"]``,
    and what each link's anchor text would say as a mention (``LinkMentions``) into ``G.graph["link_mentions"]``.

    Only the start of each body is scanned, as much as the text index reads (``body_chars``), so
    the cost stays bounded at 50,000 articles; the lead of an article is where it names its topic.
    ``memo`` as for ``graph.mentions.mention_candidates`` (``--watch``).
    """
    from graph.mentions import corpus_mentions  # the parser it needs is for builds only

    chars = body_chars(len(resolution.articles))
    leads = dataclasses.replace(resolution, articles=memo.lead(resolution.articles, chars) if memo is not None else
                                tuple(dataclasses.replace(a, body=a.body[:chars]) for a in resolution.articles))
    links: dict[tuple[str, str], float] = {}
    mentions = corpus_mentions(leads, memo=memo, links=links)
    nodes = tuple(G)
    last = memo.attached if memo is not None and memo.refound is not None else None
    if last is not None:
        # Only the concepts of the articles whose mentions were made again: each is gathered
        # again from all of its articles, as below (in path order, the first mention of a target
        # kept). Nodes that came or went (a link to a new target, or its removal) change what is
        # kept of the others' only where they name one: the concepts naming a node gone, naming
        # one that came (their mentions of it were left out as of no node: ``dropped``) or being one.
        last_nodes, found, sources, dropped = last
        found, sources, dropped, redo = dict(found), dict(sources), dict(dropped), set()
        for path in memo.refound:
            slug = leads.articles[memo.places[path]].slug
            redo.update((sources.get(path), slug))
            sources[path] = slug
        if last_nodes != nodes:
            now, before = set(nodes), set(last_nodes)
            came, gone = now - before, before - now
            redo |= came | gone
            if gone:
                redo.update(slug for slug, said in found.items() if not gone.isdisjoint(said))
            redo.update(slug for slug, left in dropped.items() if not came.isdisjoint(left))
        for slug in redo - {None}:
            dropped.pop(slug, None)
            said = _said(G, mentions, sorted(memo.slugs.get(slug, ())), dropped)
            if said:
                found[slug] = said[slug]
            else:
                found.pop(slug, None)
    else:
        dropped = {}
        found = _said(G, mentions, sorted(mentions), dropped)
        sources = {a.path: a.slug for a in leads.articles} if memo is not None else None
    if memo is not None:
        memo.attached = (nodes, found, sources, dropped)
    G.graph["mentions"] = found
    G.graph["link_mentions"] = links


def attach_code_names(G, articles: tuple[Article, ...], memo: CodeMemo | None = None) -> None:
    """Find which concepts each concept's articles name in code (``graph.code_names``) into
    ``G.graph["code"]``; ``memo`` as for ``code_names`` (``--watch``)."""
    G.graph["code"] = code_names(articles, memo)  # every article's slug is a node (graph.build)


def _said(G, mentions: dict[str, tuple], paths: Iterable[str],
          dropped: dict[str, set[str]] | None = None) -> dict[str, dict[str, tuple[int, float]]]:
    """Concept -> concept it names without linking -> (line, confidence) of the first mention, of
    the articles at ``paths`` (in path order: the first path's mention of a target is kept).
    ``dropped`` gets, per concept, the targets of the mentions left out for naming what is no
    node of ``G`` (the concept itself, when it is none)."""
    found: dict[str, dict[str, tuple[int, float]]] = {}
    nodes = G._node  # looked up in C: G's own ``in`` is a Python call, twice per mention
    for path in paths:
        for m in mentions.get(path, ()):
            if m.source in nodes and m.target in nodes:
                found.setdefault(m.source, {}).setdefault(m.target, (m.line, m.confidence))
            elif dropped is not None:
                dropped.setdefault(m.source, set()).update((m.target, m.source))
    return found


def name_key(text: str) -> str:
    """What a name is looked up by: normalised words, punctuation ignored."""
    return " ".join(_WORDS.findall(normalize(text)))


def name_keys(text: str) -> list[str]:
    """Lookup keys of a title: all of it, without its parentheses, and what they hold ("… (FINRA)")."""
    if "(" not in text:
        return [name_key(text)]
    keys = [name_key(text), name_key(_PARENS.sub(" ", text)), *map(name_key, _PARENS.findall(text))]
    return [k for k in dict.fromkeys(keys) if k]


def index_view(G, memo: MutableMapping | None = None, parts: dict | None = None,
               last: IndexedGraph | None = None) -> IndexedGraph:
    """``IndexedGraph.from_graph(G)``, made once per graph and kept in ``G.graph``.

    The index file, ``build --related`` and the explorer all need it, and building it is seconds
    at 50,000 articles. The pipeline makes it before writing, so forked writers share it; the
    graph (and its text index) must not change afterwards.
    """
    view = G.graph.get("index_view")
    if view is None:
        view = G.graph["index_view"] = IndexedGraph.from_graph(G, memo, parts, last)
    return view


def field_text(view: IndexedGraph, value: object, sort_keys: bool = False, leave: str | None = None) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)``, ``value``
    a field of ``view``'s index (a dict without its key ``leave``). While ``view.texts`` is a dict,
    each of the field's values (a string, or a list of strings or numbers) is encoded once and kept
    there: the fit digests the fields it reads (keys sorted) and the index file writes them (in
    order), and after a node came or went every field is new (~55 ms of encoding shared at 50,000
    files). Anything else is encoded whole, as ``json.dumps`` would."""
    texts = getattr(view, "texts", None)
    if texts is not None:
        if type(value) is not dict:
            found = _value_text(texts, value)
            if found is not None:
                return found
        else:
            parts = []
            for key in (sorted(value) if sort_keys else value):
                found = _value_text(texts, value[key]) if key != leave else ""
                if found is None:
                    break
                if key != leave:
                    parts.append(json.dumps(key, ensure_ascii=False) + ":" + found)
            else:
                return "{" + ",".join(parts) + "}"
    if leave is not None and type(value) is dict:
        value = {k: v for k, v in value.items() if k != leave}
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))


_FLAT = {str, int, float}
"""Types of a list's items whose JSON text does not depend on ``sort_keys``."""


def _value_text(texts: dict[int, tuple], value: object) -> str | None:
    """The JSON text of a string, or a list of ``_FLAT`` items, kept in ``texts`` by identity (with
    the value, so that its id is not reused); None for anything else."""
    found = texts.get(id(value))
    if found is not None and found[0] is value:
        return found[1]
    if type(value) is not str and not (type(value) is list and set(map(type, value)) <= _FLAT):
        return None
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    texts[id(value)] = (value, text)
    return text


def write_index(G, out: TextIO) -> None:
    """Write the related index of a graph (its text attached by ``attach_text_index``)."""
    # One dumps and one write: json.dump streams thousands of small writes.
    out.write(index_text(G) + "\n")


def index_text(G) -> str:
    """The related index of a graph as the index file holds it: everything ``graph.related`` reads."""
    return json.dumps(index_view(G).data, ensure_ascii=False, separators=(",", ":"))


def index_data(G, memo: MutableMapping | None = None, parts: dict | None = None) -> dict:
    """The related index of a networkx graph as JSON-ready data; its text index when attached, else
    an empty one. ``memo`` (text -> its ``name_key``, then its ``name_keys``), kept across builds
    (``--watch``), spares normalising the texts of the last build again.

    ``parts``, kept by the caller across builds (``--watch``), keeps each part of the index with
    what it was made from, and gives it again while that compares equal: a prose edit changes no
    part, a link edit the adjacency alone. A part whose inputs changed is made from the last one
    where it can: the rows of nodes whose inputs are the same objects are carried over, their
    ids moved to where their nodes are now (a new node moves every id after it), and only the
    other rows are made again. The graph memo shares what did not change with the last graph
    (``graph.build.GraphMemo``), so most of what is compared is the same objects."""
    keys = list(G)
    ids = dict(zip(keys, range(len(keys))))  # the position of each node, as the index numbers them
    attrs = list(map(G._node.__getitem__, keys))
    shifts: dict[int, _Shift] = {}

    def part(name: str, inputs: tuple, make, carry: bool = True) -> tuple:
        found = parts.get(name) if parts is not None else None
        if found is not None and found[0] == inputs:
            return found[1], found[2]
        last = None
        if carry and found is not None:
            old = found[2]["keys"]
            if id(old) not in shifts:
                shifts[id(old)] = _Shift(old, keys, ids)
            last = (found[2], shifts[id(old)])
        value, kept = make(last)
        kept["keys"] = keys
        if parts is not None:
            parts[name] = (inputs, value, kept)
        return value, kept

    data = {"index_version": INDEX_VERSION, "label_order": list(G.graph.get("label_order", ()))}
    data.update(part("nodes", (keys, attrs), lambda last: _nodes(keys, ids, attrs, memo, last))[0])
    kinds = data["kinds"]
    rows = list(map(G._succ.__getitem__, keys))
    adjacency, made = part("adjacency", (keys, kinds, rows), lambda last: _adjacency(G, keys, ids, kinds, rows, last))
    data.update(adjacency)
    data["text"] = part("text", (G.graph.get("text_index"), len(keys)), lambda last: (index_to_json(
        G.graph.get("text_index") or build_text_index([""] * len(keys))), {}), carry=False)[0]
    for name in SAID:  # the same rows: per concept, the concepts it names, with line and confidence
        said = G.graph.get(name, {})
        data[name] = part(name, (keys, said), lambda last: _mentions(keys, ids, said, last))[0]
    link_mentions = G.graph.get("link_mentions", {})
    data["link_mentions"] = part("link_mentions", (keys, kinds, rows, link_mentions),
                                 lambda last: _link_mentions(keys, ids, kinds, rows, made["links"], link_mentions,
                                                             last))[0]
    return data


class _Shift:
    """How node ids moved between the index a part was made for and this one: the node at ``j``
    then is at ``remap[j]`` now (-1: gone), the node at ``i`` now was at ``inv[i]`` (-1: new)."""

    def __init__(self, old: list[str], keys: list[str], ids: Mapping[str, int]) -> None:
        self.unmoved = old == keys
        if self.unmoved:
            remap = np.arange(len(keys), dtype=np.int64)
        else:
            remap = np.fromiter(map(ids.get, old, repeat(-1)), dtype=np.int64, count=len(old))
        was = np.flatnonzero(remap >= 0)
        self.remap, self.inv = remap, np.full(len(keys), -1, dtype=np.int64)
        self.inv[remap[was]] = was
        self.ordered = bool((np.diff(remap[was]) > 0).all())
        """Nodes kept their order: a row sorted by id is still sorted once its ids moved."""
        self._inv = self.inv.tolist()

    def same(self, new: list, old: list) -> np.ndarray:
        """Per node id now, whether its entry of ``new`` is its entry of ``old`` itself (False for a new node)."""
        if self.unmoved:  # node i was node i: compared in C
            return np.fromiter(map(is_, new, old), dtype=bool, count=len(new))
        # In C too, each node's old entry found by its old id (a new node's, -1, is not used)
        return np.fromiter(map(is_, new, map(old.__getitem__, self._inv)), dtype=bool, count=len(new)) & (self.inv >= 0)

    def carried(self, kept: np.ndarray, ptr: np.ndarray, columns: list[np.ndarray], fresh_ptr: np.ndarray,
                fresh: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """Compressed sparse rows in the node order now: row i is the old row ``inv[i]`` (``ptr``,
        ``columns``) where ``kept[i]``, else the next of the rows ``fresh_ptr``, ``fresh``. The
        first column holds node ids and is moved by ``remap``; None if a kept row names a node gone."""
        at, new = np.flatnonzero(kept), np.flatnonzero(~kept)
        source, lengths = spans(ptr, self.inv[at])
        ids = self.remap[columns[0][source]]
        if (ids < 0).any():
            return None
        row_lengths = np.empty(len(kept), dtype=np.int64)
        row_lengths[at], row_lengths[new] = lengths, np.diff(fresh_ptr)
        new_ptr = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(row_lengths, out=new_ptr[1:])
        into, into_fresh = spans(new_ptr, at)[0], spans(new_ptr, new)[0]
        out = []
        for k, (old, made) in enumerate(zip(columns, fresh)):
            column = np.empty(int(new_ptr[-1]), dtype=old.dtype)
            column[into] = ids if k == 0 else old[source]
            column[into_fresh] = made
            out.append(column)
        return new_ptr, out


def _objects(values: Iterable, count: int) -> np.ndarray:
    return np.fromiter(values, dtype=object, count=count)


def _contribution(n: str, d: dict, keys) -> tuple | None:
    """What a node gives the names: its slug's key, its aliases' keys, its titles' keys (None for a keyword)."""
    if d["kind"] == KEYWORD:
        return None
    return (keys(n)[0], tuple(keys(alias)[0] for alias in d.get("aliases", ())),
            tuple(key for label in d["labels"].values() for key in keys(label)[1]))


def _nodes(keys: list[str], ids: Mapping[str, int], attrs: list[dict], memo: MutableMapping | None,
           last: tuple | None) -> tuple[dict, dict]:
    """The nodes' part of the index: keys, kinds, labels and the names they are looked up by."""
    memo = {} if memo is None else memo

    def name_keys_of(text: str) -> tuple[str, list[str]]:
        found = memo.get(text)
        if found is None:
            found = memo[text] = (name_key(text), name_keys(text))
        return found

    n = len(keys)
    if last is not None:
        kept_last, shift = last
        kept = shift.same(attrs, kept_last["attrs"])
        # A missing target's attributes are made anew by every build: equal ones give the same
        # names and labels (labels and aliases in order; the order of one node's names does not
        # change which node a name finds). Looking up 6,600 of them again was 0.3 s at 50,000 files.
        for i in np.flatnonzero(~kept).tolist():
            j = shift.inv[i]
            kept[i] = j >= 0 and attrs[i] == kept_last["attrs"][j]
        at, fresh = np.flatnonzero(kept), np.flatnonzero(~kept).tolist()
        old_at = shift.inv[at]
        langs = dict(kept_last["langs"])
        dropped = np.ones(len(kept_last["attrs"]), dtype=bool)
        dropped[old_at] = False
        for j in np.flatnonzero(dropped).tolist():
            for lang in kept_last["attrs"][j]["labels"]:
                langs[lang] -= 1
        for i in fresh:
            for lang in attrs[i]["labels"]:
                langs[lang] = langs.get(lang, 0) + 1
        langs = {lang: k for lang, k in langs.items() if k}
        contributions = np.empty(n, dtype=object)
        contributions[at] = kept_last["contributions"][old_at]
        contributions[fresh] = _objects((_contribution(keys[i], attrs[i], name_keys_of) for i in fresh), len(fresh))
        labels = {}
        for lang in langs:
            texts = np.empty(n, dtype=object)
            before = kept_last["labels"].get(lang)
            texts[at] = before[old_at] if before is not None else ""
            texts[fresh] = _objects((attrs[i]["labels"].get(lang, "") for i in fresh), len(fresh))
            labels[lang] = texts
    else:
        langs = {}
        for d in attrs:
            for lang in d["labels"]:
                langs[lang] = langs.get(lang, 0) + 1
        contributions = _objects((_contribution(k, d, name_keys_of) for k, d in zip(keys, attrs)), n)
        labels = {lang: _objects((d["labels"].get(lang, "") for d in attrs), n) for lang in langs}
    again = _names_again(keys, ids, contributions, fresh, np.flatnonzero(dropped).tolist(), kept_last, shift) \
        if last is not None else None
    if again is not None:
        found, names_sorted, name_ids, counts = again
    else:
        found, names_sorted, name_ids, counts = _names(keys, ids, contributions, last)
    order = sorted(langs, key=lambda x: x or "")
    value = {
        # Flat lists and one string of kind letters: JSON parses them several times faster
        # than a list per node.
        "keys": keys,
        "kinds": "".join(d["kind"][0] for d in attrs),
        "labels": {lang or "": labels[lang].tolist() for lang in order},
        "names": {"keys": names_sorted, "ids": pack(_array("I", name_ids))},
    }
    return value, {"attrs": attrs, "langs": langs, "contributions": contributions, "labels": labels,
                   "names": found, "names_sorted": names_sorted, "name_ids": name_ids, "counts": counts}


def _names(keys: list[str], ids: Mapping[str, int], contributions: np.ndarray, last: tuple | None) -> tuple:
    """(name -> the node it finds, the names sorted, their nodes' ids, how many times each name is
    given) of every node's contribution."""
    # Slugs win, then aliases, then titles, each in node order: the first to give a key keeps it,
    # which is the last one in the reversed order a dict keeps. Listed in C (a step per node in
    # Python was a tenth of a second at 50,000 files, for every node inserted under --watch).
    listed = contributions.tolist()
    concepts = list(compress(keys, map(is_not, listed, repeat(None))))
    given_by = list(filter(None, listed))
    given = list(chain(map(itemgetter(0), given_by), *(chain.from_iterable(map(itemgetter(part), given_by))
                                                      for part in (1, 2))))
    givers = list(chain(concepts, *(chain.from_iterable(map(repeat, concepts, map(len, map(itemgetter(part), given_by))))
                                    for part in (1, 2))))
    found = dict(zip(reversed(given), reversed(givers)))
    found.pop("", None)
    names_sorted = _sorted_names(found, last[0]["names"], last[0]["names_sorted"]) if last is not None else sorted(found)
    name_ids = np.fromiter(map(ids.__getitem__, map(found.__getitem__, names_sorted)), dtype=np.int64,
                           count=len(names_sorted))
    return found, names_sorted, name_ids, Counter(given)


_FEW = 64
"""Nodes come or gone (attributes changed count as both) up to which ``_names_again`` is tried."""


def _names_again(keys: list[str], ids: Mapping[str, int], contributions: np.ndarray, fresh: list[int],
                 dropped: list[int], kept_last: dict, shift: _Shift) -> tuple | None:
    """``_names`` from the last ones when few nodes came or went (``fresh``: ids now; ``dropped``:
    old ids) and the others kept their order: a name none of those gives finds the node it found
    (its givers and their order are the same); one they give finds the first, by kind of name
    then node order, of the node it found, if still there and giving it, and the nodes that came.
    None when a name's node went and other nodes give it (the next one is not known here)."""
    if not shift.ordered or len(fresh) + len(dropped) > _FEW or "counts" not in kept_last:
        return None
    last_found, old_keys, old_contributions = kept_last["names"], kept_last["keys"], kept_last["contributions"]
    counts, named, gone = dict(kept_last["counts"]), set(), {old_keys[j] for j in dropped}
    for j in dropped:
        for name in _given(old_contributions[j]):
            counts[name] -= 1
            named.add(name)
    coming = []
    for i in fresh:
        given = _given(contributions[i])
        for name in given:
            counts[name] = counts.get(name, 0) + 1
            named.add(name)
        if given:
            coming.append((i, contributions[i]))
    named.discard("")
    found, came, went = dict(last_found), [], []
    for name in named:
        was = last_found.get(name)
        best = None
        if was is not None and was not in gone:
            best = (_kind(contributions[ids[was]], name), ids[was])
        elif counts.get(name, 0) > sum(_given(c).count(name) for _, c in coming):
            return None  # given by nodes still there, the first of which is not known here
        for i, c in coming:
            kind = _kind(c, name)
            if kind is not None and (best is None or (kind, i) < best):
                best = (kind, i)
        if best is None:
            if was is not None:
                del found[name]
                went.append(name)
        else:
            if was is None:
                came.append(name)
            found[name] = keys[best[1]]
    names_sorted = list(kept_last["names_sorted"])
    name_ids = shift.remap[kept_last["name_ids"]]
    at = sorted(bisect_left(names_sorted, name) for name in went)
    for k in reversed(at):
        del names_sorted[k]
    name_ids = np.delete(name_ids, at)
    for name in sorted(came):
        k = bisect_left(names_sorted, name)
        names_sorted.insert(k, name)
        name_ids = np.insert(name_ids, k, 0)
    for name in named:
        if name in found:
            name_ids[bisect_left(names_sorted, name)] = ids[found[name]]
    return found, names_sorted, name_ids, counts


def _given(contribution: tuple | None) -> list[str]:
    """The names a node's contribution gives, in the order ``_names`` lists them (a keyword: none)."""
    return [] if contribution is None else [contribution[0], *contribution[1], *contribution[2]]


def _kind(contribution: tuple | None, name: str) -> int | None:
    """0 when ``name`` is the node's slug's, 1 an alias's, 2 a title's; None when it gives none."""
    if contribution is None:
        return None
    return 0 if contribution[0] == name else 1 if name in contribution[1] else 2 if name in contribution[2] else None


def _sorted_names(found: dict, last: dict, last_sorted: list[str]) -> list[str]:
    """``sorted(found)``, from the last build's names and their sorted list: the keys that came
    or went are inserted or removed where they sort (a node inserted adds its own names; sorting
    100,000 names again took 0.05-0.1 s at 50,000 files)."""
    came, went = found.keys() - last.keys(), last.keys() - found.keys()
    if not came and not went:
        return last_sorted
    if len(came) + len(went) > len(found) // 8:
        return sorted(found)
    names = list(last_sorted)
    for name in went:
        del names[bisect_left(names, name)]
    for name in came:
        names.insert(bisect_left(names, name), name)
    return names


def _adjacency(G, keys: list[str], ids: Mapping[str, int], kinds: str, succ: list[dict],
               last: tuple | None) -> tuple[dict, dict]:
    """The links, keywords, links in and members of the index, and what the next build may carry
    over (each adjacency whole, in ids; the rows it was made of; the links)."""
    # Links join concepts; keyword edges go from a concept to a keyword. So a concept's
    # successors split by their kind into links and keywords, and a node's predecessors are
    # links in for a concept, members for a keyword. Each adjacency is read in one pass of C
    # (a list per node in Python was a second at 50,000 files), then split by kind in numpy.
    is_keyword = np.frombuffer(kinds.encode("ascii"), dtype=np.uint8) == ord(KEYWORD[0])
    pred = list(map(G._pred.__getitem__, keys))
    out = _csr(succ, ids, last and (last[1], last[0]["succ_rows"], last[0]["succ"]))
    into = _csr(pred, ids, last and (last[1], last[0]["pred_rows"], last[0]["pred"]))
    links, keywords = _split(*out, lambda rows, near: is_keyword[near])
    links_in, members = _split(*into, lambda rows, near: is_keyword[rows])
    return (dict(links=_encode(*links), keywords=_encode(*keywords), links_in=_encode(*links_in),
                 members=_encode(*members)),
            {"succ_rows": succ, "pred_rows": pred, "succ": out, "pred": into, "links": links})


def _csr(rows_of: list[dict], ids: Mapping[str, int], last: tuple | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of networkx's ``_succ`` or ``_pred`` as compressed sparse rows of ids (row pointers, ids);
    ``last`` (shift, the rows and arrays of the last build) carries over the rows that are the
    same objects, and, while the nodes are the same, those holding the same nodes in the same
    order (the graph memo mends a copy of each in-row a changed article links: a hub's thousands)."""
    if last is not None:
        shift, old_rows, (ptr, near) = last
        kept = shift.same(rows_of, old_rows)
        if shift.unmoved:
            for i in np.flatnonzero(~kept).tolist():
                kept[i] = list(rows_of[i]) == list(old_rows[i])
        fresh_ptr, fresh = _csr([rows_of[i] for i in np.flatnonzero(~kept).tolist()], ids, None)
        carried = shift.carried(kept, ptr, [near], fresh_ptr, [fresh])
        if carried is not None:
            return carried[0], carried[1][0]
    lengths = np.fromiter(map(len, rows_of), dtype=np.int64, count=len(rows_of))
    # 32-bit, as the index stores them: a million links are held here at the build's peak.
    near = np.fromiter(map(ids.__getitem__, chain.from_iterable(rows_of)), dtype=np.uint32, count=int(lengths.sum()))
    ptr = np.zeros(len(rows_of) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    return ptr, near


def _link_mentions(keys: list[str], ids: Mapping[str, int], kinds: str, succ: list[dict],
                   links: tuple[np.ndarray, np.ndarray], said: Mapping, last: tuple | None) -> tuple[dict, dict]:
    """What a link's anchor text would say as a mention (graph.mentions.LinkMentions), for the
    related fit: the position of the link in the links array and the confidence x 65535.

    ``last`` carries over the entries of the sources whose row of links and entries of ``said``
    are the same as the last build's, at their links' positions now."""
    ptr = links[0]
    sources = None
    if last is not None:
        kept_last, shift = last
        before = np.frombuffer(kept_last["kinds"].encode("ascii"), dtype=np.uint8) == ord(KEYWORD[0])
        now = np.frombuffer(kinds.encode("ascii"), dtype=np.uint8) == ord(KEYWORD[0])
        was = np.flatnonzero(shift.remap >= 0)
        # A row's links are where they were in it while the row and the kinds of its nodes are.
        if not (before[was] != now[shift.remap[was]]).any():
            kept = shift.same(succ, kept_last["succ_rows"])
            changed = {source for (source, _), _ in said.items() ^ kept_last["said"].items()}
            for source in changed:
                if (i := ids.get(source)) is not None:
                    kept[i] = False
            old_ptr, at, confidence = kept_last["ptr"], kept_last["at"], kept_last["confidence"]
            row = np.searchsorted(old_ptr, at, "right") - 1
            moved = shift.remap[row]
            keep = moved >= 0
            keep[keep] = kept[moved[keep]]
            carried_at = ptr[moved[keep]] + (at[keep] - old_ptr[row[keep]])
            carried_confidence = confidence[keep]
            sources = {keys[i] for i in np.flatnonzero(~kept).tolist()}
    found: list[tuple[int, int]] = []
    rows: dict[int, dict[int, int]] = {}  # source id -> target id -> position of the link
    near = links[1]
    for (source, target), c in said.items():
        if sources is not None and source not in sources:
            continue
        i, j = ids.get(source), ids.get(target)
        if i is None or j is None:
            continue
        row = rows.get(i)
        if row is None:
            start = int(ptr[i])
            row = rows[i] = {int(t): start + k for k, t in enumerate(near[start:ptr[i + 1]])}
        if (k := row.get(j)) is not None:
            found.append((k, round(c * 65535)))
    at = np.fromiter((k for k, _ in found), dtype=np.int64, count=len(found))
    confidence = np.fromiter((c for _, c in found), dtype=np.uint16, count=len(found))
    if sources is not None:
        at, confidence = np.concatenate((carried_at, at)), np.concatenate((carried_confidence, confidence))
    order = np.argsort(at, kind="stable")  # positions of links are distinct
    at, confidence = at[order], confidence[order]
    return ({"at": pack(_array("I", at)), "confidence": pack(_array("H", confidence))},
            {"said": said, "kinds": kinds, "succ_rows": succ, "ptr": ptr, "at": at, "confidence": confidence})


def _mentions(keys: list[str], ids: Mapping[str, int], said: Mapping, last: tuple | None) -> tuple[dict, dict]:
    """Per concept, the concepts its text names without linking (or in code), with the line and
    confidence (x 65535) of the first mention: three arrays of one row per node. ``last`` carries
    over the rows of nodes whose mentions equal the last build's (rows are sorted by id: only
    while the nodes keep their order)."""
    n = len(keys)
    if last is not None and last[1].ordered:
        kept_last, shift = last
        before, empty = kept_last["said"], {}
        if shift.unmoved:  # the same nodes: most rows are the same objects (attach_mentions keeps them), found in C
            kept = np.fromiter(map(is_, map(said.get, keys), map(before.get, keys)), dtype=bool, count=n)
            for i in np.flatnonzero(~kept).tolist():
                kept[i] = said.get(keys[i], empty) == before.get(keys[i], empty)
        else:  # by name; most rows are the same objects here too, found in C, the others compared
            now, then = list(map(said.get, keys)), list(map(before.get, keys))
            kept = np.fromiter(map(is_, now, then), dtype=bool, count=n) & (shift.inv >= 0)
            for i in np.flatnonzero(~kept & (shift.inv >= 0)).tolist():
                kept[i] = (now[i] or empty) == (then[i] or empty)
        fresh = _mention_rows([keys[i] for i in np.flatnonzero(~kept).tolist()], ids, said)
        carried = shift.carried(kept, kept_last["ptr"], kept_last["columns"], fresh[0], fresh[1])
        if carried is not None:
            return _mentions_value(*carried, said)
    return _mentions_value(*_mention_rows(keys, ids, said), said)


def _mention_rows(nodes: list[str], ids: Mapping[str, int], said: Mapping) -> tuple[np.ndarray, list[np.ndarray]]:
    mentions, lines, confidences = _Csr(), array("I"), array("H")
    for n in nodes:
        row = sorted((ids[t], line, conf) for t, (line, conf) in said.get(n, {}).items())
        mentions.add(i for i, _, _ in row)
        lines.extend(line for _, line, _ in row)
        confidences.extend(round(conf * 65535) for _, _, conf in row)
    return (np.array(mentions.ptr, dtype=np.int64),
            [np.array(mentions.ids, dtype=np.uint32), np.array(lines, dtype=np.uint32),
             np.array(confidences, dtype=np.uint16)])


def _mentions_value(ptr: np.ndarray, columns: list[np.ndarray], said: Mapping) -> tuple[dict, dict]:
    ids, lines, confidences = columns
    return ({"ptr": pack(_array("I", ptr)), "ids": pack(_array("I", ids)), "lines": pack(_array("I", lines)),
             "confidence": pack(_array("H", confidences))},
            {"said": said, "ptr": ptr, "columns": columns})


def read_index(text: str) -> IndexedGraph:
    """The graph view of a related index file's text; GraphFolderError if it is not a whole one."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("index_version") != INDEX_VERSION:
        raise GraphFolderError(f"not a linkgraph related index (version {INDEX_VERSION}); "
                               "rebuild with linkgraph build")
    try:
        return _checked(IndexedGraph(data))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        # Valid JSON of the right version with a field missing or of the wrong shape.
        raise GraphFolderError(f"damaged linkgraph related index ({type(exc).__name__}: {exc}); "
                               "rebuild with linkgraph build") from None


def _checked(g: IndexedGraph) -> IndexedGraph:
    """``g`` once every field read lazily later has the type, and every array the length and row
    order, a build writes (ValueError otherwise), so a damaged index fails as one line.

    Only checks that run in C over the arrays: checking every id against the end of its array
    in Python was 0.4 s of a 0.7 s load at 50,000 articles. An id past the end, or a row of the
    adjacency that ends before it starts (``_row``), raises IndexError where a query meets it,
    which ``graph.related.related`` reports as a damaged index.
    """
    data, n = g.data, len(g._keys)

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ValueError(what)

    def strings(values: object, what: str, length: int | None = None) -> None:
        need(isinstance(values, list), f"{what} is not a list of text")
        "".join(values)  # TypeError unless every item is text
        need(length is None or len(values) == length, f"{what} has the wrong length")

    def rows(ptr: array, ids: array, count: int, what: str, ordered: bool = False) -> None:
        need(ptr.typecode in "IL" and ids.typecode in "IL", f"{what} is not unsigned integers")
        need(len(ptr) == count + 1 and ptr[0] == 0 and ptr[-1] == len(ids), f"{what} has the wrong length")
        # The order of the rows read through _row is checked there; the others' here.
        need(not ordered or ptr.tolist() == sorted(ptr), f"{what} rows are out of order")

    strings(g._keys, "keys")
    need(len(g._id) == n, "keys repeat")
    need(isinstance(data["kinds"], str) and len(data["kinds"]) == n and set(data["kinds"]) <= set(_KINDS), "kinds")
    strings(list(g.label_order), "label_order")
    need(isinstance(data["labels"], dict), "labels is not a mapping")
    for lang, texts in data["labels"].items():
        strings(texts, f"labels of {lang!r}", n)
    for name, (ptr, ids) in g._adjacency.items():
        rows(ptr, ids, n, name)
    names = data["names"]["keys"]
    strings(names, "names")
    need(names == sorted(names), "names are not sorted")
    need(len(g.names._ids) == len(names) and g.names._ids.typecode in "IL", "names have the wrong number of ids")
    for name in SAID:
        ptr, ids, lines, confidences = g._naming(name)
        rows(ptr, ids, n, name, ordered=True)
        need(lines.typecode in "IL" and confidences.typecode == "H" and len(lines) == len(confidences) == len(ids),
             f"{name} lines or confidences have the wrong length")
    at, confidences = g._link_mentions
    need(at.typecode in "IL" and confidences.typecode == "H" and len(at) == len(confidences)
         and max(at, default=-1) < len(g._adjacency["links"][1]), "link mentions have the wrong length")
    text = g._text
    strings(list(text.terms), "text terms")
    rows(text.doc_ptr, text.doc_terms, n, "text documents", ordered=True)
    rows(text.term_ptr, text.term_docs, len(text.terms), "text terms", ordered=True)
    need(len(text.doc_weights) == len(text.doc_terms) and len(text.term_weights) == len(text.term_docs),
         "text weights have the wrong length")
    return g


def _split(ptr: np.ndarray, near: np.ndarray, second) -> tuple[tuple, tuple]:
    """Compressed sparse rows (row pointers, ids) split in two: those entries where
    ``second(rows, ids)`` (numpy arrays of the entries' row and neighbour ids) is False, then
    those where it is True."""
    count = len(ptr) - 1
    rows = np.repeat(np.arange(count, dtype=np.uint32), np.diff(ptr))
    which = second(rows, near)
    return tuple((_pointers(rows[keep], count), near[keep]) for keep in (~which, which))


def _encode(ptr: np.ndarray, ids: np.ndarray) -> dict[str, str]:
    return {"ptr": pack(_array("I", ptr)), "ids": pack(_array("I", ids))}


class _Csr:
    """Compressed sparse rows being built: one row of neighbour ids per node, in node order."""

    def __init__(self) -> None:
        self.ptr, self.ids = array("I", [0]), array("I")

    def add(self, row: Iterable[int]) -> None:
        self.ids.extend(row)
        self.ptr.append(len(self.ids))

    def encode(self) -> dict[str, str]:
        return {"ptr": pack(self.ptr), "ids": pack(self.ids)}


def load_index(folder: str | os.PathLike[str]) -> IndexedGraph:
    """The index a build wrote into ``folder``; GraphFolderError saying what to do otherwise."""
    path = Path(folder) / INDEX_FILE
    try:
        if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
            raise IsADirectoryError(0, "not a regular file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise GraphFolderError(f"cannot read {path} ({reason}): run 'linkgraph build -o {folder}' first "
                               "(the default set writes it; with --format, add related)") from None
    try:
        return read_index(text)
    except GraphFolderError as exc:
        raise GraphFolderError(f"{path}: {exc}") from None
