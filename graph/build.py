"""Resolution -> networkx DiGraph: one node per concept, missing target and keyword.

Node keys are slugs for concepts (``finra``) and ``model.keyword_key(text)`` for keywords.
Node attributes (every exporter reads these, through ``graph.fields``):

- ``kind``: ``article`` | ``missing`` | ``keyword``
- ``slug``: the concept slug, or the folded keyword text
- ``labels`` / ``descriptions``: {language tag or None: text}
- ``sources``: article files, relative to the input root; ``aliases``: extra slugs
- ``keywords``: keyword labels of an article

Edge attributes: ``kind`` (``links_to`` | ``has_keyword``), ``weight`` (occurrences),
``anchors`` (distinct anchor texts, first seen first).
"""

from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx

from graph.model import KEYWORD_PREFIX, EdgeKind, LinkClass, NodeKind, Resolution, keyword_key
from graph.text import field_lang


def build_graph(resolution: Resolution, default_lang: str | None = None) -> nx.DiGraph:
    """The knowledge graph of a resolved corpus; insertion order is sorted, so output is stable."""
    G = nx.DiGraph()
    articles = sorted(resolution.articles, key=lambda a: (a.slug, a.path))
    lang_counts = Counter(a.lang for a in articles if a.lang)
    order = ([default_lang] if default_lang else []) + [
        lang for lang, _ in sorted(lang_counts.items(), key=lambda item: (-item[1], item[0]))
        if lang != default_lang
    ]
    G.graph.update(label_order=tuple(order), default_lang=default_lang)

    concepts: dict[str, dict] = {}
    folded: dict[str, set[str]] = defaultdict(set)  # per concept, its keywords case-folded: one lookup each
    keyword_spellings: dict[str, dict[str | None, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for a in articles:
        node = concepts.setdefault(a.slug, {"kind": NodeKind.ARTICLE, "slug": a.slug, "labels": {}, "descriptions": {},
                                            "sources": [], "aliases": [], "keywords": []})
        node["sources"].append(a.path)
        node["labels"].setdefault(field_lang(a.title, a.lang), a.title)
        if a.description:
            node["descriptions"].setdefault(field_lang(a.description, a.lang), a.description)
        node["aliases"].extend(x for x in a.aliases if x not in node["aliases"])
        for k in a.keywords:
            keyword_spellings[keyword_key(k)][field_lang(k, a.lang)][k] += 1
            if k.casefold() not in folded[a.slug]:
                folded[a.slug].add(k.casefold())
                node["keywords"].append(k)
    for slug, labels in resolution.missing_labels.items():
        concepts[slug] = {"kind": NodeKind.MISSING, "slug": slug, "labels": dict(labels), "descriptions": {},
                          "sources": [], "aliases": [], "keywords": []}
    for slug in sorted(concepts):
        attrs = concepts[slug]
        G.add_node(slug, **{k: (_sorted_langs(v) if k in ("labels", "descriptions") else
                                tuple(v) if isinstance(v, list) else v) for k, v in attrs.items()})
    for key in sorted(keyword_spellings):
        labels = {lang: c.most_common(1)[0][0] for lang, c in keyword_spellings[key].items()}
        if None in labels and labels[None] in {t for lang, t in labels.items() if lang}:
            del labels[None]
        G.add_node(key, kind=NodeKind.KEYWORD, slug=key.removeprefix(KEYWORD_PREFIX), labels=_sorted_langs(labels),
                   descriptions={}, sources=(), aliases=(), keywords=())

    # One pass over a million occurrences: pair -> [occurrences, distinct anchors in order].
    pairs: dict[tuple[str, str], list] = {}
    RESOLVED, MISSING = LinkClass.RESOLVED, LinkClass.MISSING
    for source, _, link, kind, target in resolution.occurrences:
        if (kind == RESOLVED or kind == MISSING) and target is not None:
            entry = pairs.get((source, target))
            if entry is None:
                entry = pairs[(source, target)] = [0, {}]
            entry[0] += 1
            if link.text:
                entry[1][link.text] = None
    G.add_edges_from((u, v, {"kind": EdgeKind.LINKS_TO, "weight": pairs[u, v][0], "anchors": tuple(pairs[u, v][1])})
                     for u, v in sorted(pairs))
    G.add_edges_from((slug, keyword_key(k), {"kind": EdgeKind.HAS_KEYWORD, "weight": 1, "anchors": ()})
                     for slug in sorted(concepts) for k in concepts[slug]["keywords"])
    return G


def preferred(G: nx.DiGraph, texts: dict[str | None, str]) -> tuple[str | None, str]:
    """(language, text) in the graph's preferred language order; untagged text comes last."""
    for lang in G.graph.get("label_order", ()):
        if lang in texts:
            return lang, texts[lang]
    for lang, text in texts.items():
        return lang, text
    return None, ""


def _sorted_langs(texts: dict[str | None, str]) -> dict[str | None, str]:
    return {lang: texts[lang] for lang in sorted(texts, key=lambda lang: lang or "")}
