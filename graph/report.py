"""The build report (``report.json``: counts, every problem, the most-wanted missing targets),
the per-link audit (``links.jsonl``: one JSON object per link occurrence, streamed, so tools can
read it line by line and no build holds it whole), and the short summary the CLI prints."""

from __future__ import annotations

import json
import marshal
from collections import Counter
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from itertools import compress, count
from operator import attrgetter, itemgetter
from typing import TextIO

import networkx as nx

from graph.build import preferred
from graph.code_digest import code_digest
from graph.fields import edge_counts
from graph.model import EdgeKind, LinkClass, NodeKind, Occurrence, Occurrences, Resolution
from graph.splice import Piece, Run, WriteMemo, digest, file_context, render

ARTICLE, MISSING_NODE, KEYWORD = NodeKind.ARTICLE, NodeKind.MISSING, NodeKind.KEYWORD
LINKS_TO, HAS_KEYWORD = EdgeKind.LINKS_TO, EdgeKind.HAS_KEYWORD

REPORT_VERSION = 2
"""2: the per-link audit moved from report.json's ``links`` to LINKS_FILE."""
REPORT_FILE = "report.json"
LINKS_FILE = "links.jsonl"
_LINKS = attrgetter("links")


def make_report(G: nx.DiGraph, resolution: Resolution) -> dict:
    """Everything a user needs to trust the build, as JSON-ready data in a stable order."""
    # Counted in C over the graph's nodes and the occurrences' class bytes, the edges from the
    # keywords' in-degrees (edge_counts): a Python loop per edge and per occurrence was 2 s at
    # 50,000 files.
    kinds = Counter(map(itemgetter("kind"), G._node.values()))
    edges = edge_counts(G)
    classes = Counter(resolution.occurrences.kinds)
    return {
        "report_version": REPORT_VERSION,
        "counts": {
            "files": resolution.corpus.files,
            "articles": len(resolution.articles),
            "nodes": {kind: kinds[kind] for kind in NodeKind.ALL},
            "edges": {LINKS_TO: edges[LINKS_TO], HAS_KEYWORD: edges[HAS_KEYWORD]},
            "link_occurrences": {name: classes[i] for i, name in enumerate(LinkClass.ALL)},
            "problems": len(resolution.problems),
        },
        "problems": [
            {"path": p.path, "line": p.line, "code": p.code, "message": p.message} for p in resolution.problems
        ],
        "most_wanted_missing": [
            {"slug": slug, "label": preferred(G, G.nodes[slug]["labels"])[1], "occurrences": n,
             "linked_from": linked_from}
            for slug, (n, linked_from) in sorted(resolution.missing_demand.items(),
                                                 key=lambda item: (-item[1][0], item[0]))
        ],
        "links_file": LINKS_FILE,
    }


def link_records(occurrences: Iterable[Occurrence]) -> Iterator[dict]:
    """The audit record of each link occurrence, as LINKS_FILE holds it."""
    for o in occurrences:
        link = o.link
        yield {"path": o.path, "line": link.line, "href": link.href, "text": link.text,
               "section": link.section, "syntax": link.syntax, "class": o.kind, "target": o.target}


def write_links(occurrences: Occurrences, out: TextIO) -> None:
    """Write LINKS_FILE: one JSON object per occurrence and line, in file and line order."""
    for text in render(pieces_links(occurrences)):
        out.write(text)


def pieces_links(occurrences: Occurrences, keys: Iterable[bytes] | None = None) -> Iterator[Piece]:
    """LINKS_FILE as keyed pieces (``graph.splice``): one per article with links, keyed by its
    path, its links and their classes and targets, which are all its lines show (``link_keys``;
    ``keys`` when already made). A rebuild renders the lines of the articles whose links changed
    and copies the others."""
    yield file_context(LINKS_FILE, code_digest("graph.report"))  # how the lines are rendered, which no key holds
    articles, linked = occurrences.articles, []  # the index of each article with links, listed at the first rendered

    def lines(i: int) -> str:
        if not linked:
            linked.extend(compress(count(), map(len, map(_LINKS, articles))))
        j = linked[i]
        links, start = articles[j].links, occurrences.starts[j]
        return _lines((articles[j].path, links, occurrences.kinds[start:start + len(links)],
                       occurrences.targets[start:start + len(links)]))

    yield Run(list(link_keys(occurrences) if keys is None else keys), lines)


def link_keys(occurrences: Occurrences, memo: WriteMemo | None = None) -> Iterator[bytes]:
    """The key of each article with links in LINKS_FILE, in order: a ``marshal`` of its path, its
    links (as plain tuples), their classes and targets through BLAKE2b. ``memo`` (``--watch``)
    keeps an article's key while its links are the same tuple (immutable: the article was not
    read again) and their classes and targets are equal."""
    dumps = marshal.dumps
    last = memo.links if memo is not None else {}
    kept = {}
    for article, classes, ends in occurrences.by_article():
        links = article.links
        if links:
            found = last.get(article.path)
            if found is None or found[0] is not links or found[1] != classes or found[2] != ends:
                found = links, classes, ends, b"l" + digest(dumps((article.path, [*map(tuple, links)], classes, ends), 2))
            if memo is not None:
                kept[article.path] = found
            yield found[3]
    if memo is not None:
        memo.links = kept


def _lines(values: tuple) -> str:
    """One article's lines, each encoded straight from its link with the C string encoder."""
    path, links, kinds, targets = values
    s = encode_basestring  # the C string encoder behind json.dumps(..., ensure_ascii=False)
    path, classes = s(path), [s(kind) for kind in LinkClass.ALL]
    return _one_line("".join(
        f'{{"path": {path}, "line": {link.line}, "href": {s(link.href)}, "text": {s(link.text)}, '
        f'"section": {s(link.section)}, "syntax": {s(link.syntax)}, "class": {classes[kind]}, '
        f'"target": {"null" if target is None else s(target)}}}\n'
        for link, kind, target in zip(links, kinds, targets)))


_SEPARATORS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029"})


def _one_line(text: str) -> str:
    """JSON ``text`` with U+2028 and U+2029 escaped: JSON allows them raw, but they end a line for
    ``str.splitlines()`` (and for JavaScript before ES2019), so a record would read as two."""
    return text.translate(_SEPARATORS) if "\u2028" in text or "\u2029" in text else text


def write_report(report: dict, out: TextIO) -> None:
    """Write the report as JSON, one list item per line: readable, diffable, and fast, since
    each line goes through the C encoder."""
    encoder = json.JSONEncoder(ensure_ascii=False).encode

    def encode(value: object) -> str:
        return _one_line(encoder(value))

    out.write("{\n")
    for i, (key, value) in enumerate(report.items()):
        out.write(f" {encode(key)}: ")
        if isinstance(value, list) and value:
            out.write("[\n  " + ",\n  ".join(map(encode, value)) + "\n ]")
        else:
            out.write(encode(value))
        out.write(",\n" if i < len(report) - 1 else "\n")
    out.write("}\n")


def summary(report: dict) -> str:
    """A few lines for a person: what was read, what came out, what is wrong."""
    c = report["counts"]
    links = c["link_occurrences"]
    lines = [
        f"{c['files']} files, {c['articles']} articles -> {c['nodes'][ARTICLE]} concepts, "
        f"{c['nodes'][MISSING_NODE]} missing targets, {c['nodes'][KEYWORD]} keywords; "
        f"{c['edges'][LINKS_TO]} link edges, {c['edges'][HAS_KEYWORD]} keyword edges",
        "links: " + ", ".join(f"{n} {kind}" for kind, n in links.items()),
        f"{c['problems']} problems",
    ]
    wanted = report["most_wanted_missing"][:5]
    if wanted:
        lines.append("most wanted missing: " + ", ".join(f"{m['slug']} ({m['occurrences']})" for m in wanted))
    return "\n".join(lines)
