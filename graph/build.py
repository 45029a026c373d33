"""Resolution -> networkx DiGraph: one node per concept, missing target and keyword.

Node keys are slugs for concepts (``finra``) and ``model.keyword_key(text)`` for keywords.
Node attributes (every exporter reads these, through ``graph.fields``):

- ``kind``: ``article`` | ``missing`` | ``keyword``
- ``slug``: the concept slug, or the folded keyword text
- ``labels`` / ``descriptions``: {language tag or None: text}
- ``sources``: article files, relative to the input root; ``aliases``: extra slugs
- ``keywords``: keyword labels of an article

Edge attributes: ``kind`` (``links_to`` | ``has_keyword``), ``weight`` (occurrences),
``anchors`` (distinct anchor texts, first seen first). Edges with equal attributes share one
attribute dict (memory: see build_graph), so edge data is read-only, as every later stage treats it.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import NamedTuple

import networkx as nx

from graph.model import (KEYWORD_PREFIX, Article, EdgeKind, Link, LinkClass, NodeKind, Occurrences, Resolution,
                         keyword_key)
from graph.text import field_lang


class KnowledgeGraph(nx.DiGraph):
    """networkx's DiGraph whose views that hold the graph (edges, degrees) are made at each use
    instead of kept in it: a kept view and its graph are a cycle, which only the cyclic garbage
    collector frees, and a watch keeps that collector off its builds' objects
    (``graph.pipeline._no_cyclic_gc``): each rebuild would leave the last graph behind."""

    degree = property(nx.DiGraph.degree.func)
    in_degree = property(nx.DiGraph.in_degree.func)
    out_degree = property(nx.DiGraph.out_degree.func)
    edges = property(nx.DiGraph.edges.func)
    out_edges = property(nx.DiGraph.out_edges.func)
    in_edges = property(nx.DiGraph.in_edges.func)


class GraphMemo:
    """What ``build_graph`` keeps from one call to the next in a long-lived process (``--watch``):
    each concept's out-links with the links, classes and targets they were counted from, its
    node attributes with the articles they were made from, and the last graph's rows, so a
    rebuild counts again only the concepts whose links changed and reuses the rest."""

    def __init__(self) -> None:
        self.edges: dict[str, tuple[tuple, tuple[str, ...], tuple[dict, ...]]] = {}
        """Source -> (its runs' links, classes and targets; its edges' targets; their attribute dicts)."""
        self.concepts: dict[str, _Concept] = {}
        """Slug -> what the concept's articles made of it."""
        self.adjacency: tuple[dict, dict] | None = None
        """The last graph's successor and predecessor rows."""
        self.articles: tuple[Article, ...] | None = None
        """The last resolution's articles: its successor's ``changes`` are told against them."""
        self.places: dict[str, tuple[int, ...]] = {}
        """Slug -> the positions of its articles in ``articles``."""
        self.nodes: dict = {}
        """The last graph's node attribute dicts (concepts and missing targets sorted, then keywords)."""
        self.concept_nodes = 0
        """How many of ``nodes`` are concepts and missing targets."""
        self.missing: Mapping = {}
        """The last resolution's missing labels (``Resolution.missing_labels``)."""
        self.graph: tuple = ()
        """(default language, the last graph's ``graph`` attributes as ``build_graph`` made them)."""


class _Concept(NamedTuple):
    """What a concept's articles make of it: kept by a GraphMemo while they are the same."""

    articles: tuple[Article, ...]
    attrs: dict
    """Its node attributes."""
    spellings: tuple[tuple[str, str | None, str], ...]
    """(keyword key, language, spelling) of each keyword of each article, in order."""
    keyword_keys: tuple[str, ...]
    """The key of each of its keywords (``attrs["keywords"]``)."""

    @classmethod
    def of(cls, slug: str, articles: tuple[Article, ...]) -> _Concept:
        attrs = node_attrs(concept_attrs(slug, articles))
        return cls(articles, attrs,
                   tuple((keyword_key(k), field_lang(k, a.lang), k) for a in articles for k in a.keywords),
                   tuple(keyword_key(k) for k in attrs["keywords"]))


def build_graph(resolution: Resolution, default_lang: str | None = None, memo: GraphMemo | None = None) -> nx.DiGraph:
    """The knowledge graph of a resolved corpus; insertion order is sorted, so output is stable.
    ``memo``, kept by the caller across calls, spares counting the links of unchanged concepts,
    and, when the resolution says which articles may have changed, walking the others at all."""
    if memo is not None:
        again = _graph_again(resolution, default_lang, memo)
        if again is not None:
            return again
    G = KnowledgeGraph()
    articles = sorted(resolution.articles, key=lambda a: (a.slug, a.path))
    lang_counts = Counter(a.lang for a in articles if a.lang)
    G.graph.update(label_order=label_order(lang_counts, default_lang), default_lang=default_lang)

    concepts: dict[str, _Concept] = {}
    before = memo.concepts if memo is not None else {}
    keyword_spellings: dict[str, dict[str | None, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for slug, group in groupby(articles, key=lambda a: a.slug):
        group = tuple(group)
        concept = before.get(slug)
        if concept is None or concept.articles != group:  # an article is compared by identity first
            concept = _Concept.of(slug, group)
        concepts[slug] = concept
        for key, lang, k in concept.spellings:
            keyword_spellings[key][lang][k] += 1
    for slug, labels in resolution.missing_labels.items():
        concepts[slug] = _Concept((), node_attrs(missing_attrs(slug, labels)), (), ())
    # Straight into networkx's dicts, as add_node would put them: add_node's checks were a fifth
    # of this stage. Under a memo, a concept kept from the last build keeps its very attribute
    # dict, which tells the write stage's memo it is the same (graph.splice.WriteMemo); graphs
    # are read-only once built, as every stage treats them.
    for slug in sorted(concepts):
        G._succ[slug], G._pred[slug], G._node[slug] = {}, {}, concepts[slug].attrs
    for key in sorted(keyword_spellings):
        labels = {lang: c.most_common(1)[0][0] for lang, c in keyword_spellings[key].items()}
        G.add_node(key, **keyword_attrs(key, labels))

    keyword_edge = {"kind": EdgeKind.HAS_KEYWORD, "weight": 1, "anchors": ()}
    out = dict(_out_links(resolution.occurrences, memo.edges)) if memo is not None else None
    if memo is not None and memo.adjacency is not None:
        _rows_from_memo(G, concepts, out, keyword_edge, memo)
    else:
        # Straight into networkx's adjacency dicts, as add_edges_from would put them (both ends
        # are nodes already, sources in sorted order, each one's targets sorted): its per-edge
        # checks and copies were a third of this stage.
        succ, pred = G._succ, G._pred
        for source, (_, ends, datas) in (out.items() if out is not None else _out_links(resolution.occurrences, {})):
            row = succ[source]
            for target, data in zip(ends, datas):
                row[target] = pred[target][source] = data
        for slug in sorted(concepts):
            for key in concepts[slug].keyword_keys:
                succ[slug][key] = pred[key][slug] = keyword_edge
    if memo is not None:
        memo.edges, memo.concepts = out, {slug: c for slug, c in concepts.items() if c.articles}
        memo.adjacency = (G._succ, G._pred)
        places: dict[str, list[int]] = {}
        for i, article in enumerate(resolution.articles):
            places.setdefault(article.slug, []).append(i)
        memo.articles, memo.places = resolution.articles, {slug: tuple(found) for slug, found in places.items()}
        memo.nodes, memo.concept_nodes, memo.missing = G._node, len(concepts), resolution.missing_labels
        memo.graph = (default_lang, dict(G.graph))
    return G


def _graph_again(resolution: Resolution, default_lang: str | None, memo: GraphMemo) -> KnowledgeGraph | None:
    """``build_graph`` mended from the memo's last graph, looking only at the concepts of the
    articles that ``resolution.changes`` names, and at the missing targets, when the concepts are
    the last call's (the resolution says so) and their keyword spellings are the same; None
    otherwise. Each node, out-row and in-row that cannot differ is the last graph's own (graphs
    are read-only once built), copied from its dicts in C, in order."""
    changes = resolution.changes
    if changes is None or memo.articles is not changes.before or memo.adjacency is None or \
            memo.graph[0] != default_lang:
        return None
    articles, occurrences = resolution.articles, resolution.occurrences
    kinds, targets, starts = occurrences.kinds, occurrences.targets, occurrences.starts
    concepts: dict[str, _Concept] = {}
    for slug in dict.fromkeys(articles[i].slug for i in changes.positions):
        places = memo.places[slug]
        group = tuple(map(articles.__getitem__, places))
        was = memo.concepts[slug]
        concept = was if was.articles == group else _Concept.of(slug, group)
        if concept.spellings != was.spellings:
            return None  # keyword nodes change: the whole way
        concepts[slug] = concept
    shared: dict[tuple, dict] = {}
    out: dict[str, tuple] = {}
    for slug in concepts:
        runs = tuple((a.links, kinds[start:start + len(a.links)], targets[start:start + len(a.links)])
                     for a, start in ((articles[i], starts[i]) for i in memo.places[slug]))
        found = memo.edges[slug]
        if found[0] != runs:
            out[slug] = _counted(runs, shared)
    labels, last = resolution.missing_labels, memo.missing
    added, removed = labels.keys() - last.keys(), last.keys() - labels.keys()
    relabelled = [slug for slug, found in labels.items() if found is not last.get(slug, found) and found != last[slug]]

    G = KnowledgeGraph()
    G.graph.update(memo.graph[1])
    old_node, (old_succ, old_pred) = memo.nodes, memo.adjacency
    node, succ, pred = G._node, G._succ, G._pred
    if added or removed:  # a missing target came or went: every node after it moves
        keys, stop = list(old_node), memo.concept_nodes
        for slug in removed:
            del keys[bisect_left(keys, slug, 0, stop)]
            stop -= 1
        for slug in added:
            insort(keys, slug, 0, stop)
            stop += 1
        node.update(zip(keys, map(old_node.get, keys)))
        succ.update(zip(keys, map(old_succ.get, keys)))
        pred.update(zip(keys, map(old_pred.get, keys)))
        for slug in added:
            succ[slug], pred[slug] = {}, {}
    else:
        node.update(old_node)
        succ.update(old_succ)
        pred.update(old_pred)
    for slug in (*added, *relabelled):
        node[slug] = node_attrs(missing_attrs(slug, labels[slug]))
    for slug, concept in concepts.items():
        node[slug] = concept.attrs
    keyword_edge = {"kind": EdgeKind.HAS_KEYWORD, "weight": 1, "anchors": ()}
    for slug, found in out.items():
        row = succ[slug] = dict(zip(found[1], found[2]))
        row.update(dict.fromkeys(concepts[slug].keyword_keys, keyword_edge))
    _mend_in_rows(pred, succ, old_pred, old_succ, out)

    memo.edges.update(out)
    memo.concepts.update(concepts)
    memo.adjacency, memo.nodes, memo.articles, memo.missing = (succ, pred), node, articles, labels
    memo.concept_nodes += len(added) - len(removed)
    return G


def _counted(runs: tuple, shared: dict[tuple, dict]) -> tuple:
    """(runs, their link targets sorted, their edge attributes) of one source (``_out_links``);
    edges with equal attributes share one dict of ``shared``."""
    LINKS_TO = EdgeKind.LINKS_TO
    RESOLVED, MISSING = LinkClass.ALL.index(LinkClass.RESOLVED), LinkClass.ALL.index(LinkClass.MISSING)
    counts: dict[str, list] = {}  # target -> [occurrences, distinct anchors in order]
    for links, kinds, targets in runs:
        for link, kind, target in zip(links, kinds, targets):
            if (kind == RESOLVED or kind == MISSING) and target is not None:
                entry = counts.get(target)
                if entry is None:
                    entry = counts[target] = [0, {}]
                entry[0] += 1
                if link.text:
                    entry[1][link.text] = None
    ends = tuple(sorted(counts))
    datas = []
    for target in ends:
        weight, anchors = counts[target]
        key = (weight, *anchors)
        data = shared.get(key)
        if data is None:
            data = shared[key] = {"kind": LINKS_TO, "weight": weight, "anchors": key[1:]}
        datas.append(data)
    return runs, ends, tuple(datas)


def _out_links(occurrences: Occurrences, previous: Mapping[str, tuple]) -> Iterator[tuple[str, tuple]]:
    """(source, (its runs, its link targets sorted, their edge attributes)) in source order;
    ``previous``, the last call's, is kept for a source whose runs are the same.

    Edges with equal attributes share one dict (a million edges have a few hundred thousand
    distinct ones), and the counting is done one source at a time, so no structure per edge of
    the corpus is held besides the graph (and the memo).
    """
    shared: dict[tuple, dict] = {}
    # The occurrences' columns, read in place (``_runs_by_source``): making an Occurrence record
    # per link was a third of this loop.
    for source, runs in sorted(_runs_by_source(occurrences).items()):
        found = previous.get(source)
        if found is None or found[0] != runs:
            found = _counted(runs, shared)
        yield source, found


def _rows_from_memo(G: nx.DiGraph, concepts: Mapping[str, _Concept], out: Mapping[str, tuple], keyword_edge: dict,
                    memo: GraphMemo) -> None:
    """Fill ``G``'s adjacency as the cold path does, from the last graph's rows: a node's out-row
    is the last one while its links and keywords are the same, its in-row the last one, copied
    and mended when a source that links it changed. Graphs are read-only once built, so a row
    that cannot differ is shared with the last graph rather than copied (and the write stage's
    memo knows it unchanged by its identity): writing a million edges one by one was most of a
    rebuild's graph stage."""
    old_succ, old_pred = memo.adjacency
    succ, pred = G._succ, G._pred
    changed = {source for source, found in out.items() if memo.edges.get(source) is not found}
    changed.update(memo.edges.keys() - out.keys())
    for slug, concept in concepts.items():
        was = memo.concepts.get(slug)
        if was is not concept and (was.keyword_keys if was else ()) != concept.keyword_keys:
            changed.add(slug)
    changed.update(slug for slug in memo.concepts.keys() - concepts.keys() if memo.concepts[slug].keyword_keys)
    for n in succ:
        old = old_succ.get(n)
        if old is not None and n not in changed:
            succ[n] = old
            continue
        row = succ[n]
        found = out.get(n)
        if found is not None:
            row.update(zip(found[1], found[2]))
        concept = concepts.get(n)
        if concept is not None:
            row.update(dict.fromkeys(concept.keyword_keys, keyword_edge))
    linked, unlinked = _relinked(succ, old_succ, changed)
    for n in pred:
        old = old_pred.get(n)
        if old is not None and n not in linked and n not in unlinked:
            pred[n] = old
            continue
        _mend_in_row(pred[n], old, n, succ, linked, unlinked)


def _relinked(succ: dict, old_succ: dict, changed: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(node -> the ``changed`` sources that link it now, node -> those that linked it and no longer do)."""
    linked: dict[str, list[str]] = defaultdict(list)
    unlinked: dict[str, list[str]] = defaultdict(list)
    for source in changed:
        now, was = succ.get(source, {}), old_succ.get(source, {})
        for target in now:
            linked[target].append(source)
        for target in was:
            if target not in now:
                unlinked[target].append(source)
    return linked, unlinked


def _mend_in_row(row: dict, old: dict | None, n: str, succ: dict, linked: dict, unlinked: dict) -> None:
    """Fill ``row``, the in-row of ``n``, as the last one (``old``) mended: the sources that no
    longer link ``n`` removed, those that link it set, sorted again when one is new to it."""
    if old is not None:
        row.update(old)
    for source in unlinked.get(n, ()):
        row.pop(source, None)
    late = False  # a source that is not in its sorted place
    for source in linked.get(n, ()):
        late = late or source not in row
        row[source] = succ[source][n]
    if late:
        items = sorted(row.items())
        row.clear()
        row.update(items)


def _mend_in_rows(pred: dict, succ: dict, old_pred: dict, old_succ: dict, changed: Iterable[str]) -> None:
    """``pred``, holding the last graph's in-rows, with those of the nodes that the ``changed``
    sources link or linked copied and mended (``_mend_in_row``); a node gone is left out."""
    linked, unlinked = _relinked(succ, old_succ, changed)
    for n in linked.keys() | unlinked.keys():
        if n in pred:
            old = old_pred.get(n)
            pred[n] = {}
            _mend_in_row(pred[n], old, n, succ, linked, unlinked)


def _runs_by_source(occurrences: Occurrences) -> dict[str, tuple[tuple[tuple[Link, ...], bytes, tuple], ...]]:
    """Source -> (links, their class indexes, their targets) of each of its articles (a concept of
    several articles, language twins, has one run per article)."""
    runs: dict[str, list] = {}
    for article, kinds, targets in occurrences.by_article():
        runs.setdefault(article.slug, []).append((article.links, kinds, targets))
    return {source: tuple(found) for source, found in runs.items()}


def concept_attrs(slug: str, articles: Iterable[Article]) -> dict:
    """Node attributes of the concept ``slug`` from its articles, in path order (the first
    article's title wins per language; aliases and keywords are merged in order)."""
    node: dict = {"kind": NodeKind.ARTICLE, "slug": slug, "labels": {}, "descriptions": {},
                  "sources": [], "aliases": [], "keywords": []}
    folded: set[str] = set()
    aliases: set[str] = set()
    for a in articles:
        node["sources"].append(a.path)
        node["labels"].setdefault(field_lang(a.title, a.lang), a.title)
        if a.description:
            node["descriptions"].setdefault(field_lang(a.description, a.lang), a.description)
        for x in a.aliases:
            if x not in aliases:  # a set, not the list: 300,000 aliases in one file took hours
                aliases.add(x)
                node["aliases"].append(x)
        for k in a.keywords:
            if k.casefold() not in folded:  # one set lookup per keyword
                folded.add(k.casefold())
                node["keywords"].append(k)
    return node


def missing_attrs(slug: str, labels: Mapping[str | None, str]) -> dict:
    """Node attributes of a missing target labelled from anchor text."""
    return {"kind": NodeKind.MISSING, "slug": slug, "labels": dict(labels), "descriptions": {},
            "sources": [], "aliases": [], "keywords": []}


def keyword_attrs(key: str, labels: dict[str | None, str]) -> dict:
    """Node attributes of the keyword ``key`` from its most frequent spelling per language; an
    untagged label that only repeats a tagged one is dropped."""
    if None in labels and labels[None] in {t for lang, t in labels.items() if lang}:
        labels = {lang: t for lang, t in labels.items() if lang is not None}
    return node_attrs({"kind": NodeKind.KEYWORD, "slug": key.removeprefix(KEYWORD_PREFIX), "labels": labels,
                       "descriptions": {}, "sources": (), "aliases": (), "keywords": ()})


def node_attrs(attrs: dict) -> dict:
    """Attributes as a graph node holds them: per-language texts sorted by language, lists as tuples."""
    return {k: (_sorted_langs(v) if k in ("labels", "descriptions") else tuple(v) if isinstance(v, list) else v)
            for k, v in attrs.items()}


def label_order(lang_counts: Mapping[str, int], default_lang: str | None) -> tuple[str, ...]:
    """Preferred label languages: the default language, then by article count, then by name."""
    return tuple(([default_lang] if default_lang else []) + [
        lang for lang, _ in sorted(lang_counts.items(), key=lambda item: (-item[1], item[0]))
        if lang != default_lang
    ])


def preferred(G: nx.DiGraph, texts: dict[str | None, str]) -> tuple[str | None, str]:
    """(language, text) in the graph's preferred language order; untagged text comes last."""
    return preferred_in(G.graph.get("label_order", ()), texts)


def preferred_in(order: Iterable[str], texts: dict[str | None, str]) -> tuple[str | None, str]:
    """(language, text) of the first language of ``order`` that ``texts`` has, else its first entry."""
    for lang in order:
        if lang in texts:
            return lang, texts[lang]
    for lang, text in texts.items():
        return lang, text
    return None, ""


def _sorted_langs(texts: dict[str | None, str]) -> dict[str | None, str]:
    return {lang: texts[lang] for lang in sorted(texts, key=lambda lang: lang or "")}
