"""Records handed from one pipeline stage to the next.

Every stage takes and returns these immutable records, never loose dicts, so a field's meaning
is written down once, here. The two records of a link occurrence (a million at 50,000
articles), ``Link`` and ``Occurrence``, are named tuples: built in C, they cost a third of a
frozen dataclass, and they cross process boundaries as plain tuples. A build holds each
``Link`` once; its ``Occurrence`` records are made when read (``Occurrences``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, islice, repeat, tee
from operator import attrgetter, eq
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
    alias_lines: tuple[int, ...] = ()
    """File line of each of ``aliases`` in the front matter; 0 for one the path implies (the path
    before a front matter ``slug``, a README's folder), which is never reported; an alias past its
    end is reported at line 1. Where an alias that resolves elsewhere is reported (``graph.resolve``)."""
    code: tuple[tuple[int, str], ...] = ()
    """(file line, lookup key) of the first inline code span of the whole body written like an
    identifier, per key (``graph.code_names``): what a build needs of the body past the lead it keeps."""


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


new_record = tuple.__new__
"""``new_record(Link, values)``: a named-tuple record (``Link``, ``Occurrence``) made from the tuple
of its fields without NamedTuple's Python-level ``__new__``: a corpus makes millions."""


class Occurrences(Sequence):
    """Every link occurrence of some articles, in article and link order, each made when read.

    A million ``Occurrence`` records would hold ~100 MB through a whole build; this holds the
    articles, and per link one byte for its class and a reference to its target. It reads like
    the tuple of them (``len``, iteration, indexing and slicing, ``==``).
    """

    __slots__ = ("articles", "kinds", "targets", "_starts")

    def __init__(self, articles: Sequence[Article], kinds: bytes, targets: Sequence[str | None],
                 starts: list[int] | None = None) -> None:
        self.articles = tuple(articles)
        self.kinds = kinds
        """Per link, the index of its class in ``LinkClass.ALL``."""
        self.targets = tuple(targets)
        self._starts = starts
        """``starts``, when the caller knows them (a rebuild's, from the last ones): checked below."""
        if starts is None:
            links = sum(map(len, map(_LINKS, self.articles)))  # in C: 50,000 articles
        else:  # checked at its ends only: reading every article is what a rebuild spares
            links = starts[-1] + len(self.articles[-1].links) if self.articles else 0
            if len(starts) != len(self.articles) or (starts and starts[0] != 0):
                raise ValueError("one start per article, the first at 0")
        if not len(kinds) == len(self.targets) == links:
            raise ValueError("one class and one target per link of the articles")

    def __len__(self) -> int:
        return len(self.targets)

    def __iter__(self) -> Iterator[Occurrence]:
        return self._from(0, 0)

    def _from(self, first: int, start: int) -> Iterator[Occurrence]:
        """The occurrences from the ``start``-th on, ``first`` being the index of its article;
        nothing is copied, so reading a slice costs its length, not the position."""
        articles, targets, kinds = self.articles, self.targets, self.kinds
        if first or start:
            articles = map(articles.__getitem__, range(first, len(articles)))
            targets = map(targets.__getitem__, range(start, len(targets)))
            kinds = memoryview(kinds)[start:]
        sources, paths, links = tee(articles, 3)
        sources = chain.from_iterable(repeat(a.slug, len(a.links)) for a in sources)
        paths = chain.from_iterable(repeat(a.path, len(a.links)) for a in paths)
        links = chain.from_iterable(a.links for a in links)
        if first or start:
            skip = start - self.starts[first]
            for _ in range(skip):
                next(sources), next(paths), next(links)
        return map(new_record, repeat(Occurrence), zip(sources, paths, links, map(LinkClass.ALL.__getitem__, kinds),
                                                        targets))

    def by_article(self) -> Iterator[tuple[Article, bytes, tuple[str | None, ...]]]:
        """(article, its links' class indexes, their targets) for each article in order, read from
        the columns without making an Occurrence per link (what every stage that walks a million
        links reads)."""
        kinds, targets, start = self.kinds, self.targets, 0
        for article in self.articles:
            stop = start + len(article.links)
            yield article, kinds[start:stop], targets[start:stop]
            start = stop

    @property
    def starts(self) -> list[int]:
        """Index of each article's first occurrence (read-only: a rebuild may share it)."""
        if self._starts is None:
            self._starts = list(accumulate(map(len, map(_LINKS, self.articles)), initial=0))[:-1]
        return self._starts

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self)[index]
            if start >= stop:
                return ()
            return tuple(islice(self._from(bisect_right(self.starts, start) - 1, start), stop - start))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("occurrence index out of range")
        return next(self._from(bisect_right(self.starts, index) - 1, index))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Occurrences, tuple)):
            return len(self) == len(other) and all(map(eq, self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Occurrences({len(self)} links of {len(self.articles)} articles)"


_LINKS = attrgetter("links")


@dataclass(frozen=True, slots=True)
class Changes:
    """Which articles of a resolution may differ from the last resolution's, made by one memo
    (``graph.resolve.ResolveMemo``) when the files are the same, in the same order, with the same
    slugs, languages and aliases: the concepts are then the same, and only these articles' records
    or their links' classes and targets may be other than before."""

    before: tuple[Article, ...]
    """The last resolution's ``articles``: a later stage's memo may trust ``positions`` only if it
    last saw that very tuple."""
    positions: tuple[int, ...]
    """Indexes in ``articles`` of the articles that may differ, ascending; every other one is the
    same record, its links the same classes and targets."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The corpus with every link classified; input of graph building and the report."""

    corpus: Corpus
    articles: tuple[Article, ...]
    """Articles that define a concept (duplicates removed, see ``problems``), each with only the
    aliases that resolve to it (an alias another concept claims first is left out, see ``problems``)."""
    occurrences: Occurrences
    """Every link of ``articles``, in their order."""
    problems: tuple[Problem, ...]
    """Reader problems plus those found while resolving (duplicate slugs, unsafe links)."""
    missing_labels: Mapping[str, Mapping[str | None, str]]
    """Missing slug -> language -> label chosen from anchor text."""
    missing_demand: Mapping[str, tuple[int, int]]
    """Missing slug -> (its link occurrences, the concepts linking it)."""
    changes: Changes | None = field(default=None, compare=False, repr=False)
    """What may differ from the last resolution of the same memo (None: anything)."""
