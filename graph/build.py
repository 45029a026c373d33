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

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from itertools import groupby

import networkx as nx

from graph.model import (KEYWORD_PREFIX, Article, EdgeKind, Link, LinkClass, NodeKind, Occurrences, Resolution,
                         keyword_key)
from graph.text import field_lang


class GraphMemo:
    """What ``build_graph`` keeps from one call to the next in a long-lived process (``--watch``):
    each concept's out-links with the links, classes and targets they were counted from, so a
    rebuild counts again only the concepts whose links changed."""

    def __init__(self) -> None:
        self.edges: dict[str, tuple[tuple, tuple[str, ...], tuple[dict, ...]]] = {}
        """Source -> (its runs' links, classes and targets; its edges' targets; their attribute dicts)."""


def build_graph(resolution: Resolution, default_lang: str | None = None, memo: GraphMemo | None = None) -> nx.DiGraph:
    """The knowledge graph of a resolved corpus; insertion order is sorted, so output is stable.
    ``memo``, kept by the caller across calls, spares counting the links of unchanged concepts."""
    G = nx.DiGraph()
    articles = sorted(resolution.articles, key=lambda a: (a.slug, a.path))
    lang_counts = Counter(a.lang for a in articles if a.lang)
    G.graph.update(label_order=label_order(lang_counts, default_lang), default_lang=default_lang)

    concepts: dict[str, dict] = {}
    keyword_spellings: dict[str, dict[str | None, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for slug, group in groupby(articles, key=lambda a: a.slug):
        group = list(group)
        concepts[slug] = concept_attrs(slug, group)
        for a in group:
            for k in a.keywords:
                keyword_spellings[keyword_key(k)][field_lang(k, a.lang)][k] += 1
    for slug, labels in resolution.missing_labels.items():
        concepts[slug] = missing_attrs(slug, labels)
    for slug in sorted(concepts):
        G.add_node(slug, **node_attrs(concepts[slug]))
    for key in sorted(keyword_spellings):
        labels = {lang: c.most_common(1)[0][0] for lang, c in keyword_spellings[key].items()}
        G.add_node(key, **keyword_attrs(key, labels))

    # Straight into networkx's adjacency dicts, as add_edges_from would put them (both ends are
    # nodes already, sources in sorted order, each one's targets sorted): its per-edge checks
    # and copies were a third of this stage. Edges with equal attributes share one dict (a
    # million edges have a few hundred thousand distinct ones), and the counting is done one
    # source at a time, so no structure per edge of the corpus is held besides the graph (and the memo).
    succ, pred = G._succ, G._pred
    shared: dict[tuple, dict] = {}
    LINKS_TO = EdgeKind.LINKS_TO
    # The occurrences' columns, read in place: making an Occurrence record per link was a third
    # of this loop.
    RESOLVED, MISSING = LinkClass.ALL.index(LinkClass.RESOLVED), LinkClass.ALL.index(LinkClass.MISSING)
    previous = memo.edges if memo is not None else {}
    kept: dict[str, tuple] = {}
    for source, runs in sorted(_runs_by_source(resolution.occurrences).items()):
        found = previous.get(source)
        if found is not None and found[0] != runs:
            found = None
        if found is None:
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
            found = (runs, ends, tuple(datas))
        if memo is not None:
            kept[source] = found
        row = succ[source]
        for target, data in zip(found[1], found[2]):
            row[target] = pred[target][source] = data
    if memo is not None:
        memo.edges = kept
    keyword_edge = {"kind": EdgeKind.HAS_KEYWORD, "weight": 1, "anchors": ()}
    for slug in sorted(concepts):
        for k in concepts[slug]["keywords"]:
            key = keyword_key(k)
            succ[slug][key] = pred[key][slug] = keyword_edge
    return G


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
    for a in articles:
        node["sources"].append(a.path)
        node["labels"].setdefault(field_lang(a.title, a.lang), a.title)
        if a.description:
            node["descriptions"].setdefault(field_lang(a.description, a.lang), a.description)
        node["aliases"].extend(x for x in a.aliases if x not in node["aliases"])
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
