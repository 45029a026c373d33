"""Records handed from one pipeline stage to the next.

Every stage takes and returns these immutable records, never loose dicts, so a field's meaning
is written down once, here. The two records made once per link occurrence (a million at
50,000 articles), ``Link`` and ``Occurrence``, are named tuples: built in C, they cost a third
of a frozen dataclass, and they cross process boundaries as plain tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple


class NodeKind:
    """What a graph node stands for: its ``kind`` attribute in every output."""

    ARTICLE = "article"
    """A concept at least one article defines."""
    MISSING = "missing"
    """A link target no article claims (labelled from anchor text)."""
    KEYWORD = "keyword"
    """A front matter keyword, tag or category, shared by the articles that name it."""
    ALL = (ARTICLE, MISSING, KEYWORD)


class EdgeKind:
    """What a graph edge stands for: its ``kind`` attribute."""

    LINKS_TO = "links_to"
    HAS_KEYWORD = "has_keyword"
    RELATED = "related"
    """Computed by ``build --related``; never part of the graph's own edges."""


class LinkClass:
    """What the link audit says of one link occurrence (docs/link-rules.md)."""

    RESOLVED = "resolved"
    MISSING = "missing"
    SELF = "self"
    EXTERNAL = "external"
    UNSAFE = "unsafe"
    TEMPLATE = "template"
    """Template syntax (``{{ … }}``, ``{% … %}``) a site generator would have replaced: no address."""
    ALL = (RESOLVED, MISSING, SELF, EXTERNAL, UNSAFE, TEMPLATE)


KEYWORD_PREFIX = "/keyword:"
"""Start of a keyword's node key. A slug never starts with ``/``, so no concept, missing target
included (a link to ``/keyword:careers``), can share a key with a keyword."""


def keyword_key(text: str) -> str:
    """Node key of a keyword: case and spacing do not make two keywords."""
    return KEYWORD_PREFIX + " ".join(text.casefold().split())


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in the input: reported with its place, never fatal to the build."""

    path: str
    """File path relative to the input root (POSIX separators)."""
    line: int
    """1-based line in the file; 0 when the problem concerns the whole file."""
    code: str
    """Stable machine-readable kind, e.g. ``yaml-error`` or ``href-with-space``."""
    message: str
    """Human explanation, including what the build did about it."""


class Link(NamedTuple):
    """One link occurrence found in an article body."""

    href: str
    """Destination exactly as written (after Markdown unescaping), not normalised."""
    text: str
    """Anchor text as plain text (whitespace collapsed)."""
    line: int
    """1-based line in the file (front matter included)."""
    section: str
    """Text of the nearest heading above the link; empty before the first heading."""
    syntax: str
    """How it was written: ``inline``, ``reference``, ``autolink`` or ``html``."""


@dataclass(frozen=True, slots=True)
class Article:
    """One Markdown file, decoded and split, with its links found."""

    path: str
    """Path relative to the input root (POSIX)."""
    slug: str
    """Concept identity (docs/link-rules.md)."""
    lang: str | None
    """Language of the file (front matter, language folder, title script or default)."""
    site_dir: str
    """Path prefix of the language root inside the input root (``Arabic``, ``content/en``, or ``""``)."""
    title: str
    description: str
    keywords: tuple[str, ...]
    aliases: tuple[str, ...]
    """Extra slugs that resolve to this article (front matter ``aliases``, path before ``slug``)."""
    links: tuple[Link, ...]
    body: str = field(repr=False)
    """Body text after the front matter (kept for text similarity and mentions)."""
    body_line: int = 1
    """File line on which ``body`` starts, so text found in the body is reported at its file line."""


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from the input: articles in sorted path order and the problems met."""

    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    files: int
    """Markdown files found, including those no article could be made from."""
    default_lang: str | None = None
    warnings: tuple[str, ...] = ()
    """Faults that did not change the result (a damaged or unusable parse cache), one line each."""


class Occurrence(NamedTuple):
    """A link occurrence after resolution: the row of the link audit."""

    source: str
    """Slug of the linking concept."""
    path: str
    """File the link sits in."""
    link: Link
    kind: str
    """``resolved``, ``missing``, ``self``, ``external``, ``unsafe`` or ``template``."""
    target: str | None
    """Target slug for resolved, missing and self; None otherwise."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The corpus with every link classified; input of graph building and the report."""

    corpus: Corpus
    articles: tuple[Article, ...]
    """Articles that define a concept (duplicates removed, see ``problems``)."""
    occurrences: tuple[Occurrence, ...]
    problems: tuple[Problem, ...]
    """Reader problems plus those found while resolving (duplicate slugs, unsafe links)."""
    missing_labels: Mapping[str, Mapping[str | None, str]]
    """Missing slug -> language -> label chosen from anchor text."""
