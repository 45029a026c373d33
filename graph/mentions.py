"""Unlinked mentions: where an article names another concept without linking to it.

The names of every concept (titles in every language, slugs and aliases that are words, and
the anchor texts the corpus's own links use for it) go into one trie keyed by light-stemmed
words (``graph.normalize.stem``). Each article's prose, as the Markdown parser sees it (no
code, link text, headings, images or raw HTML), is scanned once, left to right, taking the
longest name that starts at each word: the cost is linear in the text, whatever the number of
concepts. docs/related.md says how confidence is made and how well it does.

As a related-terms signal: ``corpus_mentions(resolution)`` gives, per article file, its
``Mention`` records (``source`` concept, ``target``, ``line``, ``text``, ``confidence``).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from hashlib import blake2b
from itertools import chain, compress, repeat
from operator import attrgetter, is_not, itemgetter

import pyromark

from graph.links import WIKILINK, WIKILINK_OPTIONS, LineCounter, admonition_bodies
from graph.model import Article, LinkClass, Occurrences, Resolution
from graph.normalize import fold, normalize, spaced, strip_article, without_proclitic
from graph.normalize import words as text_words
from graph.normalize import stem as _stem
from graph.text import shown

EXACT, ARTICLE, INFLECTED = "exact", "article", "inflected"
TIER = {EXACT: 1.0, ARTICLE: 0.9, INFLECTED: 0.75}
"""Confidence of a match by how far the written words are from the name: the same words after
normalisation; the same but for the Arabic article or a clinging conjunction/preposition; the
same light stem only (a plural, dual, feminine or another ending)."""
MIN_LINK_SHARE = 0.5
"""An anchor text names a concept only when at least this share of its links go to that concept."""
MIN_CONFIDENCE = 0.4
"""Mentions below this confidence are not reported unless asked for."""

RESOLVED, MISSING = LinkClass.RESOLVED, LinkClass.MISSING
_LINKED = frozenset({RESOLVED, MISSING, LinkClass.SELF})
_SOFT_GAP = re.compile(r"[\s\-\u2010-\u2014]+")
_INLINE_STYLE = ("Emphasis", "Strong", "Strikethrough")
_SLUG_WORDS = re.compile(r"^[^\W\d_]{2,}(?:[-_][^\W\d_]{2,})*$")
_LETTERS = re.compile(r"[^\W\d_]")
_OPTIONS = pyromark.Options.ENABLE_TABLES
# Names and prose repeat the same words: each is stemmed once (bounded, like Lexicon's memo).
stem = lru_cache(maxsize=1 << 16)(_stem)


@dataclass(frozen=True, slots=True)
class Mention:
    """A place where an article names a concept it does not link to."""

    path: str
    """File of the article, relative to the input root."""
    line: int
    """1-based file line where the name starts."""
    text: str
    """The words as written."""
    target: str
    """Slug of the named concept."""
    confidence: float
    """0-1: how surely these words name ``target`` and are worth a link (``confidence``)."""
    source: str
    """Slug of the mentioning article."""
    how: str
    """Which kind of name matched and how closely: ``title exact``, ``anchor inflected`` ..."""


@dataclass(frozen=True, slots=True)
class Name:
    """One name of one concept, as the trie stores it."""

    target: str
    words: tuple[str, ...]
    """Folded words, to tell an exact match from a variant."""
    keys: tuple[str, ...]
    """Its path in the trie: the stems, with the punctuation between words (``name_path``)."""
    origin: str
    """``title``, ``slug`` or ``anchor``."""
    weight: float
    """Share of the name's links that go to ``target`` (1 for titles and slugs)."""
    capitals: bool = False
    """Only matches words written in capitals: a one-word slug (``finra`` names ``FINRA``, not
    ``contains``) or a one-word name written in capitals (``ARM``)."""


_PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
"""``name_path``'s memo. Unbounded: a bounded LRU cycled through a corpus's ~150,000 anchor
texts (at 50,000 files) and kept none of them, though each is made a name, a link's keys and
looked up again; emptied at the end of each ``mention_candidates``, it holds one corpus's names."""


def name_path(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(folded words, trie keys) of a name: stems, with any punctuation between words kept."""
    found = _PATHS.get(text)
    if found is None:
        found = _PATHS[text] = _name_path(fold(text))
    return found


def name_paths(texts: Iterable[str]) -> dict[str, str]:
    """Text -> ``normalize(text)`` of each distinct text, its ``name_path`` made on the way: all
    folded in one call (``folds``), as a corpus's anchor texts and titles are ~200,000 short texts."""
    texts = list(set(texts))
    folded = folds(texts)
    _PATHS.update(zip(texts, map(_name_path, folded)))
    return dict(zip(texts, map(" ".join, map(str.split, folded))))  # normalize's last step, in C


def folds(texts: list[str]) -> list[str]:
    """``fold`` of each text, in one call: fold changes text one character at a time but for NFKC,
    which a NUL bounds (it is a starter that composes with nothing), so the folded texts joined by
    NULs are the texts joined by NULs, folded."""
    joined = "\0".join(texts)
    if joined.count("\0") != len(texts) - 1:  # no text, or a text holding a NUL
        return list(map(fold, texts))
    return fold(joined).split("\0")


def _name_path(folded: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``name_path`` of folded text."""
    words = folded.split(" ")
    # Letters and digits one space apart (most names): each piece is a WORD (``[^\W_]`` is what
    # str.isalnum accepts) and each gap a plain space, so the keys are the stems, found in C; not
    # so in scripts written without spaces, whose every character is a word (``graph.normalize.words``).
    if all(map(str.isalnum, words)) and spaced(folded):
        return tuple(words), tuple(map(stem, words))
    return _spaced_path(folded)


def _spaced_path(folded: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``name_path`` of folded text, whatever lies between its words."""
    found, keys, end = [], [], None
    for m in text_words(folded):
        word = m.group()
        keys.append(_key(folded[end:m.start()] if end is not None else "", stem(word)))
        found.append(word)
        end = m.end()
    return tuple(found), tuple(keys)


def _key(gap: str, word_stem: str) -> str:
    if gap == " ":  # by far the most common gap: no pattern to run
        return word_stem
    gap = _SOFT_GAP.sub("", gap)
    return f"{gap}\x1f{word_stem}" if gap else word_stem


class Lexicon:
    """Every name of every concept, in a trie of stemmed words (a node's ``""`` entry lists the
    names ending there)."""

    def __init__(self, names: Iterable[Name]) -> None:
        self.trie: dict = {}
        self.size = 0
        self.groups: dict[str, list[Name]] = {}
        """First key -> the names starting with it, in trie order: what a scan can meet from a word."""
        for name in names:
            node = self.trie
            for key in name.keys:
                node = node.setdefault(key, {})
            node.setdefault("", []).append(name)
            self.groups.setdefault(name.keys[0], []).append(name)
            self.size += 1
        self._words = _Analysed(self.trie)
        self._tiers = _Tiers()
        self.regrouped: tuple[dict, set[str]] | None = None
        """(the groups before the last ``update``, the first keys whose groups it made again)."""
        self.anchor_counts: dict[str, Counter] | AnchorShares | None = None
        """``anchor_counts`` (or ``AnchorShares``) of the corpus the anchor names came from, when made with them."""

    def update(self, names: list[Name], changed: Iterable[Name]) -> None:
        """Become ``Lexicon(names)`` from the lexicon of the last names, given the names that
        differ between the two (``changed``: those gone and those new), when the others kept
        their order: only the lists of the trie and the groups that hold a changed name are made
        again. ``groups`` is a new dict (``ScanMemo`` compares it with the last one)."""
        firsts, paths = {name.keys[0] for name in changed}, {name.keys for name in changed}
        groups: dict[str, list[Name]] = {key: [] for key in firsts}
        ends: dict[tuple[str, ...], list[Name]] = {keys: [] for keys in paths}
        for name in names:
            if (group := groups.get(name.keys[0])) is not None:
                group.append(name)
                if (end := ends.get(name.keys)) is not None:
                    end.append(name)
        for keys, end in ends.items():
            nodes = [self.trie]
            for key in keys:
                nodes.append(nodes[-1].setdefault(key, {}))
            if end:
                nodes[-1][""] = end
                continue
            nodes[-1].pop("", None)
            for node, key in zip(reversed(nodes[:-1]), reversed(keys)):  # branches left without a name
                if node[key]:
                    break
                del node[key]
        self.regrouped = (self.groups, firsts)
        self.groups = {**self.groups, **groups}
        for key, group in groups.items():
            if not group:
                del self.groups[key]
        self.size = len(names)
        self._words.clear()  # what a word may start depends on the trie's first keys

    def analyse(self, word: str) -> tuple[str, str, tuple[tuple[str, bool], ...]]:
        """(folded, stem, the names it may start) of a written word; the last are (first key of a
        name, True when reached by removing a clinging conjunction/preposition)."""
        return self._words[word]


class _Analysed(dict):
    """Written word -> ``Lexicon.analyse`` of it: a memo for the words that repeat, bounded, read in C."""

    def __init__(self, trie: dict) -> None:
        super().__init__()
        self.trie = trie

    def __missing__(self, word: str) -> tuple[str, str, tuple[tuple[str, bool], ...]]:
        folded, word_stem, keys = word_keys(word)
        found = (folded, word_stem, tuple(k for k in keys if k[0] in self.trie))
        if len(self) < 2_000_000:
            self[word] = found
        return found


def word_keys(word: str) -> tuple[str, str, tuple[tuple[str, bool], ...]]:
    """(folded, stem, first keys of the names it may start) of a written word, whatever the
    lexicon; the keys are (key, True when reached by removing a clinging conjunction/preposition)."""
    folded = fold(word)
    word_stem = stem(folded)
    return folded, word_stem, ((word_stem, False), *((stem(w), True) for w in without_proclitic(folded)))


class Readers(dict):
    """Key -> the paths of the kept entries that read it (``ScanMemo.mentions``, ``ScanMemo.said``):
    the entries a few changed keys make stale, found without testing every entry (at 50,000
    articles that test was ~0.07 s of a link's rebuild). Kept equal to ``Readers.of`` the entries."""

    @classmethod
    def of(cls, entries: dict[str, tuple], at: int) -> Readers:
        """The readers of each key in item ``at`` of each of ``entries``."""
        readers = cls()
        for path, entry in entries.items():
            for key in entry[at]:
                readers.setdefault(key, set()).add(path)
        return readers

    def reading(self, keys: Iterable) -> set[str]:
        """The paths whose entry read one of ``keys``."""
        return set().union(*map(self.get, keys, repeat(())))

    def replace(self, path: str, before: Iterable, after: Iterable) -> None:
        """``path``'s entry read ``before`` and now reads ``after``."""
        for key in before:
            paths = self.get(key)
            if paths is not None:
                paths.discard(path)
                if not paths:
                    del self[key]
        for key in after:
            self.setdefault(key, set()).add(path)


class ScanMemo:
    """What ``mention_candidates`` computed in the last build, kept by a long-lived process
    (``--watch``) so that a rebuild redoes only what the change touches.

    Each article's matches are kept with that build's names: a rebuild scans again only an
    article whose body changed or that has a word which may start a name that changed (added,
    removed, re-weighted, moved in order: ``Lexicon.groups``): no other article's matches can
    differ. So a new anchor text rescans the articles that hold its first word, not the corpus.
    Each article's other results (the concepts it links, its candidates, what its links would
    say as mentions) are kept with what they read: its own links and matches, and the keys of
    the corpus-wide counts and name groups they looked up; they are made again when one of these
    changed. The lexicon is kept while its names are the same."""

    def __init__(self) -> None:
        self.groups: dict[str, list[Name]] = {}
        self.entries: dict[tuple[int, bytes], tuple[str, tuple]] = {}
        """(body line, ``body_digest``) -> (the first keys its words may start, sorted, each after a
        line feed, which no key holds: one string is a fraction of a set's memory; ``article_matches``)."""
        self.texts: dict[str, tuple[str, tuple[str, ...]]] = {}
        """Anchor text -> (``normalize``, ``name_path`` keys) of it: a corpus has a few distinct texts per article."""
        self.lexicon: Lexicon | None = None
        self.anchors: dict[str, Counter] | None = None
        """The last build's ``anchor_counts``, corrected by each change, and the spelling of each."""
        self.spelling: dict[str, str] = {}
        self.totals: Counter = Counter()
        """Anchor text as written -> links written with it (that name their targets)."""
        self.anchor_names: dict[str, tuple[Name, ...]] = {}
        """Normalised anchor text -> the names it gives (``anchor_names``)."""
        self.concepts: dict[str, tuple] = {}
        """Article path -> ((slug, title, aliases), its ``concept_names``)."""
        self.titled: list[tuple[Name, ...]] = []
        """The concept names of each article, in article order, as the lexicon holds them."""
        self.links: dict[str, _Linked] = {}
        """Article path -> what its links give (``_Linked``)."""
        self.found: dict[str, tuple] = {}
        """Article path -> (scan entry, ``_Linked``, candidates by (target, keys, tier), names and
        targets it holds, held matches): what its matches give, while both are the same objects."""
        self.mentions: dict[str, tuple] = {}
        """Article path -> (candidates, slug, their counts' keys, its Mention list)."""
        self.mention_readers = Readers()
        """Key -> the paths whose ``mentions`` entry read it."""
        self.firsts: dict[str, tuple] = {}
        """Article path -> (its Mention list, min_confidence, ``first_mentions`` of them)."""
        self.leads: dict[str, tuple[Article, int, Article]] = {}
        """Article path -> (article, characters, the article with only that many of its body): ``leads``."""
        self.last_leads: tuple | None = None
        """(articles, characters, their leads) of the last ``lead``."""
        self.leads_before: tuple | None = None
        """``last_leads`` before the last ``lead``: what tells a resolution's ``changes`` apply to the leads."""
        self.said: dict[str, tuple] = {}
        """Article path -> (its inputs, the keys it read, its ``LinkMentions`` results)."""
        self.said_readers = Readers()
        """Key -> the paths whose ``said`` entry read it."""
        self.counts: tuple[Counter, Counter, Counter, Counter] | None = None
        """(name_linked, name_seen, target_linked, target_seen): the articles linking each name and
        concept, and those where each is present (``mention_candidates``), corrected by each change."""
        self.last: tuple | None = None
        """(articles, their links' class codes, targets, where each article's links start, whether
        links were asked) of the last call: what tells which articles changed (``_changed``)."""
        self.keyof: dict[str, tuple[int, bytes]] = {}
        """Article path -> the key of its scan entry in ``entries``."""
        self.users: Counter = Counter()
        """Scan entry key -> the articles using it (bodies repeat): an entry goes with its last."""
        self.redone: list[str] | None = None
        """Paths whose ``mentions`` were made again by the last call (None: all)."""
        self.slugs: dict[str, list[str]] = {}
        """Slug -> the paths of its articles, in article order (articles of one concept in several languages)."""
        self.places: dict[str, int] = {}
        """Article path -> its position in the last call's articles."""
        self.result: dict[str, list[Mention]] = {}
        """What the last call returned (``mentions`` without what they were made from)."""
        self.pairs: dict[tuple[str, str], list[float]] = {}
        """(source, target) -> ``LinkMentions``' confidences, in article and line order, of the last call."""
        self.repaired: set[tuple[str, str]] | None = None
        """The pairs of ``pairs`` the last call may have changed (None: any)."""
        self.firsts_found: dict[str, tuple[Mention, ...]] = {}
        """What the last ``corpus_mentions`` found per article, at ``min_confidence``."""
        self.min_confidence: float | None = None
        self.linked: dict[tuple[str, str], float] | None = None
        """The last ``corpus_mentions``' ``links``."""
        self.refound: list[str] | None = None
        """Paths whose ``corpus_mentions`` the last call made again (None: all)."""
        self.attached: tuple | None = None
        """(the graph's nodes, concept -> what it mentions, article path -> its concept, concept ->
        the mentions left out as of no node) that ``graph.related_index.attach_mentions`` last made."""

    def lead(self, articles: Iterable[Article], chars: int) -> tuple[Article, ...]:
        """The articles with their bodies cut to ``chars`` characters, the last build's while the same."""
        articles = tuple(articles)
        last = self.leads_before = self.last_leads
        if last is not None and last[1] == chars and (moved := changed_positions(articles, last[0])) is not None \
                and all(articles[i].path == last[0][i].path for i in moved):
            # The same paths in the same order: only the articles that are not the same objects
            # are looked at (a link edit changes one of 50,000).
            leads = list(last[2])
            for i in moved:
                a = articles[i]
                leads[i] = replace(a, body=a.body[:chars])
                self.leads[a.path] = (a, chars, leads[i])
            leads = tuple(leads)
            self.last_leads = (articles, chars, leads)
            return leads
        kept = {}
        for a in articles:
            old = self.leads.get(a.path)
            if old is None or old[0] is not a or old[1] != chars:
                old = (a, chars, replace(a, body=a.body[:chars]))
            kept[a.path] = old
        self.leads = kept
        leads = tuple(old[2] for old in kept.values())
        self.last_leads = (articles, chars, leads)
        return leads

    def text(self, kept: dict[str, tuple[str, tuple[str, ...]]], text: str) -> tuple[str, tuple[str, ...]]:
        """(``normalize``, ``name_path`` keys) of an anchor text, from the last build's when it had it."""
        found = kept.get(text)
        if found is None:
            found = self.texts.get(text)
            if found is None:
                found = (normalize(text), name_path(text)[1])
            kept[text] = found
        return found


@dataclass(frozen=True, slots=True)
class _Linked:
    """What one article's links give ``mention_candidates``: kept while its links, their classes and targets are the same."""

    links: tuple
    kinds: bytes
    targets: tuple
    linked: tuple[str, ...]
    """Concepts it links (resolved, missing or itself), each once; tuples, not sets, as the memo
    keeps one per article (a fifth of its memory were they sets)."""
    anchored: tuple[tuple[str, ...], ...]
    """Trie keys of the anchor texts of those links, each once."""


_NO_LINKS = _Linked((), b"", (), (), ())


def body_digest(body: str) -> bytes:
    """What a memo knows a body by: a digest, so that it need not keep (or store) the text."""
    return blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def name(target: str, text: str, origin: str, weight: float, capitals: bool = False) -> Name | None:
    """The Name of ``target`` written ``text``; None when the text has no word."""
    words, keys = name_path(text)
    if sum(map(len, filter(_LETTERS.match, words))) < 2:
        return None  # digits or one letter name nothing reliably
    # An acronym names its concept only in capitals: "ARM", not the "arm" of a body.
    capitals = capitals or (len(words) == 1 and _upper(text.strip()))
    return Name(target, words, keys, origin, weight, capitals)


def _upper(written: str) -> bool:
    """Written in capitals, an English plural or possessive aside (``ETFs``, ``ETF's``)."""
    return written.rstrip("s'\u2019").isupper()


def concept_names(articles: Iterable[Article]) -> Iterator[Name]:
    """Titles (every language) and word-like slugs and aliases of the concepts."""
    for a in articles:
        yield from _concept_names(a)


def _concept_names(a: Article) -> tuple[Name, ...]:
    found = [name(a.slug, a.title, "title", 1.0, False)]
    for slug in (a.slug, *a.aliases):
        last = slug.rstrip("/").rpartition("/")[2]
        if _SLUG_WORDS.match(last):
            found.append(name(a.slug, last.replace("_", " ").replace("-", " "), "slug", 1.0,
                              not re.search("[-_]", last)))
    return tuple(n for n in found if n is not None)


def anchor_names(resolution: Resolution,
                 counts: tuple[dict[str, Counter], dict[str, str]] | None = None) -> Iterator[Name]:
    """Anchor texts of the corpus's links as names of their targets, weighted by link share:
    the share of the links written with that text that go to that target (``counts``: its
    ``anchor_counts``, when made already)."""
    counts, spelling = counts or anchor_counts(resolution)
    for key, targets in sorted(counts.items()):
        yield from _anchor_names(targets, spelling[key])


def _anchor_names(targets: Counter, spelling: str) -> tuple[Name, ...]:
    """The names one anchor text (``spelling``) gives, from the links written with it (``targets``)."""
    total = sum(targets.values())
    return tuple(found for target, n in (sorted(targets.items()) if len(targets) > 1 else targets.items())
                 if n / total >= MIN_LINK_SHARE and (found := name(target, spelling, "anchor", n / total, False)))


def anchor_counts(resolution: Resolution,
                  normal: Callable[[str], str] = normalize) -> tuple[dict[str, Counter], dict[str, str]]:
    """(normalised anchor text -> target -> links written with it, normalised text -> one spelling of
    it); ``normal`` is ``normalize`` or a memo of it."""
    # Counted per anchor as written, then normalised once per distinct text: a million links
    # use far fewer distinct texts. Counted from the occurrences' columns, in C: making a
    # million Occurrence records to read two fields of each was most of the time.
    return _counted(_written(resolution.occurrences), normal)


def _written(occurrences: Occurrences) -> Counter:
    """(anchor text as written, target) -> links, of the links whose anchor texts name their targets."""
    return Counter(filter(_TARGET, compress(zip(_anchor_texts(occurrences.articles), occurrences.targets),
                                            _classes(occurrences, _NAMING))))


def _counted(written: Counter, normal: Callable[[str], str]) -> tuple[dict[str, Counter], dict[str, str]]:
    """``anchor_counts`` of the links counted per (text as written, target)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    spelling: dict[str, str] = {}
    keys: dict[str, str] = {}
    for (text, target), n in written.items():
        key = keys.get(text)
        if key is None:
            key = keys[text] = normal(text)
            spelling[key] = min(spelling.get(key, text), text)  # keeps capitals: "ARM"
        counts[key][target] += n
    return counts, spelling


@dataclass(frozen=True, slots=True)
class AnchorShares:
    """What ``anchor_counts`` tells, counted in bulk: no Counter per anchor text (~150,000 at
    50,000 files, most of the time of making them), only what names and ``LinkMentions`` read."""

    pairs: Counter
    """(normalised anchor text, target) -> links written with it."""
    totals: Counter
    """Normalised anchor text -> links written with it, whatever their targets."""
    spelling: dict[str, str]
    """Normalised anchor text -> one spelling of it (the least, as ``anchor_counts``)."""

    def links(self, key: str, target: str) -> tuple[int, int]:
        """(links written with ``key`` to ``target``, links written with ``key``)."""
        return self.pairs[key, target], self.totals[key]

    def names(self) -> Iterator[Name]:
        """``anchor_names``, in its order: by text, then target."""
        pairs, totals, spelling = self.pairs, self.totals, self.spelling
        for key, target in sorted(pair for pair, n in pairs.items() if n / totals[pair[0]] >= MIN_LINK_SHARE):
            share = pairs[key, target] / totals[key]
            if found := name(target, spelling[key], "anchor", share, False):
                yield found


def anchor_shares(resolution: Resolution, normal: Callable[[str], str] = normalize) -> AnchorShares:
    """``anchor_counts`` as ``AnchorShares``; ``normal`` as for it."""
    occurrences = resolution.occurrences
    naming = _classes(occurrences, _NAMING)
    texts = list(compress(_anchor_texts(occurrences.articles), naming))
    targets = list(compress(occurrences.targets, naming))
    keys = list(map(normal, texts))
    spelling: dict[str, str] = {}
    for text in set(compress(texts, targets)):  # the texts of links with a target
        key = normal(text)
        if (was := spelling.get(key)) is None or text < was:
            spelling[key] = text
    return AnchorShares(Counter(filter(_TARGET, zip(keys, targets))), Counter(compress(keys, targets)), spelling)


def _links(anchors: dict[str, Counter] | AnchorShares, key: str, target: str) -> tuple[int, int]:
    """(links written with ``key`` to ``target``, links written with ``key``) from
    ``anchor_counts`` or ``AnchorShares``."""
    if type(anchors) is AnchorShares:
        return anchors.links(key, target)
    targets = anchors[key]
    return targets[target], sum(targets.values())


_NAMING = (RESOLVED, MISSING)  # the links whose anchor texts name their targets
_TEXT = itemgetter(1)  # of a Link
_TARGET = itemgetter(1)  # of a (text, target) pair
_TEXT_OF = itemgetter(0)  # of a (text, target) pair
_TITLE = attrgetter("title")
_SPAN, _GROUP = re.Match.span, re.Match.group
_FIRST = itemgetter(0)  # Lexicon.analyse's folded word, a prose piece's offset, an end's last word


def _anchor_texts(articles: Iterable[Article]) -> Iterator[str]:
    """The anchor text of each link of ``articles``, in order (the occurrences' text column)."""
    return map(_TEXT, chain.from_iterable(map(attrgetter("links"), articles)))


def _classes(occurrences: Occurrences, classes: Iterable[str]) -> bytes:
    """Per occurrence, 1 when its class is one of ``classes``, else 0 (a selector for ``compress``)."""
    return occurrences.kinds.translate(_selector(classes))


def _selector(classes: Iterable[str]) -> bytes:
    """The ``bytes.translate`` table that turns class indexes into ``_classes``' selector."""
    wanted = {LinkClass.ALL.index(c) for c in classes}
    return bytes(i in wanted for i in range(256))


def build_lexicon(resolution: Resolution, anchors: bool = True,
                  normal: Callable[[str], str] = normalize) -> Lexicon:
    """The names of every concept of a resolved corpus (anchor texts too unless ``anchors`` is
    False); ``normal`` as for ``anchor_counts``."""
    names = list(concept_names(resolution.articles))
    shares = anchor_shares(resolution, normal) if anchors else None
    if shares is not None:
        names += shares.names()
    lexicon = Lexicon(names)
    lexicon.anchor_counts = shares
    return lexicon


def _kept_lexicon(resolution: Resolution, memo: ScanMemo, texts: dict,
                  changes: list[tuple[_Linked | None, _Linked | None]],
                  moved: list[int] | None = None) -> tuple[Lexicon, set[str]]:
    """``build_lexicon(resolution)`` from the last build's (``memo``), and the anchor texts
    (normalised) whose counts may differ from its: the anchor counts are corrected by the links of
    the articles whose links changed (``changes``: (before, now)), the names made again only for
    those anchor texts and the articles whose title, slug or aliases changed, and the lexicon
    kept when its names are the same. ``moved``: the positions of the only articles that may
    differ from the last build's, in the same order (``_changed``)."""
    normal = lambda text: memo.text(texts, text)[0]  # noqa: E731
    selector = _selector(_NAMING)
    if memo.anchors is None:
        written = _written(resolution.occurrences)
        memo.anchors, memo.spelling = _counted(written, normal)
        for (text, _), n in written.items():
            memo.totals[text] += n
        touched = set(memo.anchors)
    else:
        delta: Counter = Counter()
        for before, now in changes:
            for linked, sign in ((before, -1), (now, 1)):
                if linked is not None:
                    for pair in filter(_TARGET, compress(zip(map(_TEXT, linked.links), linked.targets),
                                                         linked.kinds.translate(selector))):
                        delta[pair] += sign
        touched, respell = set(), set()
        counts, spelling, totals = memo.anchors, memo.spelling, memo.totals
        for (text, target), n in delta.items():
            if not n:
                continue
            key = normal(text)
            touched.add(key)
            targets = counts[key]
            targets[target] += n
            if not targets[target]:
                del targets[target]
            if not targets:
                del counts[key]
            was = totals[text]
            if was + n:
                totals[text] = was + n
            else:
                del totals[text]
            if not was:
                spelling[key] = min(spelling.get(key, text), text)  # a new text for the key
            elif not was + n and spelling.get(key) == text:
                respell.add(key)  # its spelling is gone: the first of the others
        for key in touched:
            if key not in counts:
                spelling.pop(key, None)
            elif key in respell:
                spelling[key] = min(text for text in totals if normal(text) == key)
    same = memo.lexicon is not None
    renamed = []  # the names of the anchor texts whose names changed, before and now
    for key in touched:
        now = _anchor_names(memo.anchors[key], memo.spelling[key]) if key in memo.anchors else ()
        if now != (before := memo.anchor_names.get(key, ())):
            same = False
            renamed += (before, now)
        if now:
            memo.anchor_names[key] = now
        else:
            memo.anchor_names.pop(key, None)
    if moved is None:
        concepts, titled, places = {}, [], enumerate(resolution.articles)
    else:
        concepts, titled = dict(memo.concepts), list(memo.titled)
        places = ((i, resolution.articles[i]) for i in moved)
    for i, a in places:
        kept = memo.concepts.get(a.path)
        if kept is None or kept[0] != (a.slug, a.title, a.aliases):
            kept = ((a.slug, a.title, a.aliases), _concept_names(a))
        concepts[a.path] = kept
        if moved is None:
            titled.append(kept[1])
        else:
            titled[i] = kept[1]
    if not (same and titled == memo.titled):
        names = [*chain.from_iterable(titled), *chain.from_iterable(map(memo.anchor_names.__getitem__,
                                                                         sorted(memo.anchor_names)))]
        # The names of the articles and anchor texts that changed, before and now: only the
        # lexicon's lists that hold one of them can differ, while the others keep their order.
        changed = list(chain.from_iterable(renamed))
        paths = concepts.keys() | memo.concepts.keys() if moved is None else \
            [resolution.articles[i].path for i in moved]
        for path in paths:
            now, before = concepts.get(path, _UNNAMED), memo.concepts.get(path, _UNNAMED)
            if now[1] is not before[1]:
                changed += (*now[1], *before[1])
        ordered = moved is not None or [path for path in memo.concepts if path in concepts] == [
            path for path in concepts if path in memo.concepts]
        if memo.lexicon is None or not ordered:
            memo.lexicon = Lexicon(names)
        else:
            memo.lexicon.update(names, changed)
    memo.concepts, memo.titled = concepts, titled
    memo.lexicon.anchor_counts = memo.anchors
    return memo.lexicon, touched


_UNNAMED = (None, ())  # a ``ScanMemo.concepts`` entry of an article that is not there


def corpus_mentions(resolution: Resolution, lexicon: Lexicon | None = None,
                    min_confidence: float = MIN_CONFIDENCE, memo: ScanMemo | None = None,
                    links: dict[tuple[str, str], float] | None = None) -> dict[str, tuple[Mention, ...]]:
    """Article path -> the first unlinked mention of each concept in it with at least
    ``min_confidence``, in line order. An article never mentions its own concept nor one it links
    to. ``memo`` as for ``mention_candidates``; ``links``, when given, gets (source, target) -> the
    confidence of the first mention of at least ``min_confidence`` the source would make of a
    target it links, had it never linked it (``LinkMentions``)."""
    said: dict[tuple[str, str], list[float]] | None = None if links is None else {}
    candidates = mention_candidates(resolution, lexicon, memo, said)
    same = memo is not None and memo.min_confidence == min_confidence
    if memo is None:
        found = {path: first_mentions(c, min_confidence) for path, c in candidates.items()}
    elif same and memo.redone is not None:  # only the articles whose candidates were made again
        firsts, found, refound = dict(memo.firsts), dict(memo.firsts_found), []
        for path in memo.redone:
            c = candidates[path]
            if not ((old := firsts.get(path)) and old[0] is c):
                old = firsts[path] = (c, min_confidence, first_mentions(c, min_confidence))
                found[path] = old[2]
                refound.append(path)
        memo.firsts, memo.firsts_found, memo.refound = firsts, found, refound
    else:  # an article's candidates are the same list while kept (ScanMemo.mentions)
        memo.firsts = {path: old if (old := memo.firsts.get(path)) and old[0] is c and old[1] == min_confidence
                       else (c, min_confidence, first_mentions(c, min_confidence)) for path, c in candidates.items()}
        found = memo.firsts_found = {path: old[2] for path, old in memo.firsts.items()}
        memo.refound = None
    if said is not None:
        if same and memo.repaired is not None and memo.linked is not None:  # only the pairs that may differ
            pairs, firsts = memo.repaired, dict(memo.linked)
        else:
            pairs, firsts = said.keys(), {}
        for pair in pairs:
            confidences = said.get(pair, ())
            if (first := next((c for c in confidences if c >= min_confidence), None)) is not None:
                firsts[pair] = first
            else:
                firsts.pop(pair, None)
        links.update(firsts)
        if memo is not None:
            memo.linked = firsts
    if memo is not None:
        memo.min_confidence = min_confidence
    return found


def first_mentions(candidates: Iterable[Mention], min_confidence: float = MIN_CONFIDENCE) -> tuple[Mention, ...]:
    """The earliest of the candidates with at least ``min_confidence`` for each target, in line order."""
    best: dict[str, Mention] = {}
    for c in candidates:
        m = best.get(c.target)
        if c.confidence >= min_confidence and (m is None or (c.line, -c.confidence) < (m.line, -m.confidence)):
            best[c.target] = c
    return tuple(sorted(best.values(), key=lambda m: (m.line, m.target)))


def mention_candidates(resolution: Resolution, lexicon: Lexicon | None = None,
                       memo: ScanMemo | None = None,
                       links: dict[tuple[str, str], list[float]] | None = None) -> dict[str, list[Mention]]:
    """Article path -> the first unlinked match of each name in it (per closeness), whatever its confidence.

    Confidence is ``confidence(...)``, from counts over the whole corpus: the articles where each
    name and each concept appears, and those of them that link it. ``memo`` (``ScanMemo``) keeps
    what each article gave across builds: a rebuild redoes only what the change touches.
    ``links``, when given, gets for each concept an article links, (source, target) -> the
    confidences, in line order, of the mentions of the target its anchor texts and prose would
    make had it never linked it (``LinkMentions``): what the related fit needs to learn the
    weight of mentions from the links it hides.
    """
    texts: dict[str, tuple[str, tuple[str, ...]]] = {}  # this build's anchor texts (memo.text)
    normal: Callable[[str], str] = normalize
    if memo is None:  # every anchor text and title named at once
        occurrences = resolution.occurrences
        normal = name_paths(chain(compress(_anchor_texts(occurrences.articles), _classes(occurrences, _LINKED)),
                                  map(_TITLE, resolution.articles))).__getitem__
    # With a memo, the only articles that may give something new (None: any may).
    moved = _changed(resolution, memo, links is not None) if memo is not None and lexicon is None else None
    given = _linked(resolution, memo, texts, moved)
    articles = resolution.articles
    found: dict[str, tuple] = {}
    changed: set | None = None  # the name groups, then also the count keys, that differ from the last build's
    if memo is not None:
        if moved is None:
            changes = [(memo.links.get(path), own) for path, own in given.items() if memo.links.get(path) is not own]
            changes += [(memo.links[path], None) for path in memo.links.keys() - given.keys()]
        else:
            changes = [(before, now) for before, now in ((memo.links.get(articles[i].path), given.get(articles[i].path))
                                                         for i in moved) if before is not now]
        kept_lexicon, touched = _kept_lexicon(resolution, memo, texts, changes, moved)
        lexicon = lexicon or kept_lexicon
        changed = _regrouped(memo.groups, lexicon)
        starts: dict[str, tuple[str, ...]] = {}  # word -> the first keys it may be; words repeat across articles
    lexicon = lexicon or build_lexicon(resolution, normal=normal)
    del normal  # ~200,000 texts at 50,000 files: not kept to the stage's peak
    holding = links is not None
    if memo is None:
        for a in articles:
            entry = (None, article_matches(a.body, lexicon, a.body_line, None, _wikilinked(a)))
            # Without a memo the entry is not kept: all matches of the corpus were ~16 MB at 10,000 files.
            found[a.path] = (None, given.get(a.path, _NO_LINKS), a.slug, holding,
                             *_candidates(a, entry[1], given.get(a.path, _NO_LINKS), holding))
        redo = None
    else:
        if moved is None:
            kept, keyof, users, redo, last_found = {}, {}, Counter(), range(len(articles)), {}
        else:
            # Only the articles that changed, and those holding a word that may start a name that
            # changed; the others keep what they gave.
            kept, keyof, users, found, last_found = memo.entries, memo.keyof, memo.users, dict(memo.found), memo.found
            redo = set(moved)
            if changed:
                hit = {key for key, entry in kept.items() if not changed.isdisjoint(entry[0].split("\n"))}
                if hit:
                    redo.update(i for i, a in enumerate(articles) if keyof[a.path] in hit)
            redo = sorted(redo)
        fresh: dict = {}  # entries scanned by this call
        for i in redo:
            a = articles[i]
            key = (a.body_line, body_digest(a.body))
            entry = fresh.get(key)
            if entry is None:
                entry = (kept if moved is not None else memo.entries).get(key)
                if entry is None or not changed.isdisjoint(entry[0].split("\n")):
                    words: set[str] = set()
                    matches = article_matches(a.body, lexicon, a.body_line, words, _wikilinked(a))
                    for w in words - starts.keys():
                        starts[w] = tuple(k for k, _ in word_keys(w)[2])
                    first_keys = sorted(set(chain.from_iterable(map(starts.__getitem__, words))))
                    entry = ("".join(map("\n".__add__, first_keys)), matches)
                    fresh[key] = entry
            if (was := keyof.get(a.path)) != key:
                keyof[a.path] = key
                users[key] += 1
                if was is not None and moved is not None:
                    users[was] -= 1
                    if not users[was]:
                        del users[was], kept[was]
            kept[key] = entry
            own = given.get(a.path, _NO_LINKS)
            old = memo.found.get(a.path)
            if old is None or old[0] is not entry or old[1] is not own or old[2] != a.slug or old[3] != holding:
                old = (entry, own, a.slug, holding, *_candidates(a, entry[1], own, holding))
            found[a.path] = old
    if memo is None or memo.counts is None:
        counts = (Counter(chain.from_iterable(own.anchored for own in given.values())),  # name_linked
                  Counter(chain.from_iterable(f[5] for f in found.values())),  # name_seen
                  Counter(chain.from_iterable(f[8] for f in found.values())),  # target_linked
                  Counter(chain.from_iterable(f[6] for f in found.values())))  # target_seen
    if memo is not None:
        if memo.counts is None:
            memo.counts, changed = counts, None
        else:  # corrected by what the changed articles gave before and give now
            counts = memo.counts
            if moved is None:
                rescanned = [(memo.found.get(path), f) for path, f in found.items() if memo.found.get(path) is not f]
                rescanned += [(memo.found[path], None) for path in memo.found.keys() - found.keys()]
            else:
                rescanned = [(b, f) for b, f in ((last_found[articles[i].path], found[articles[i].path]) for i in redo)
                             if b is not f]
            changed |= touched
            for count, parts in ((counts[0], [(b and b.anchored, n and n.anchored) for b, n in changes]),
                                 (counts[1], [(b and b[5], n and n[5]) for b, n in rescanned]),
                                 (counts[2], [(b and b[8], n and n[8]) for b, n in rescanned]),
                                 (counts[3], [(b and b[6], n and n[6]) for b, n in rescanned])):
                changed |= _correct(count, parts)
        if moved is None:
            memo.users = Counter(keyof.values())
            memo.places = {a.path: i for i, a in enumerate(articles)}
        # Only what this build used: a long watch does not grow it.
        memo.groups, memo.entries, memo.texts, memo.links, memo.found = lexicon.groups, kept, texts, given, found
        memo.keyof = keyof
        memo.last = (articles, resolution.occurrences.kinds, resolution.occurrences.targets,
                     resolution.occurrences.starts, holding)
    if links is not None:
        LinkMentions(resolution, lexicon, given, _column(found, 5), _column(found, 7), counts).into(
            links, memo, changed, texts, None if moved is None else [articles[i].path for i in redo])
    # The memos serve one corpus: a long-lived process (--watch) need not keep them (the kept
    # lexicon's analysed words either: a rebuild analyses only the words of what it rescans).
    _PATHS.clear()
    stem.cache_clear()
    if memo is not None and memo.lexicon is not None:
        memo.lexicon._words.clear()
        memo.lexicon._tiers.clear()
    if memo is None:
        return {a.path: _mentions(a, found[a.path][4], counts) for a in articles}
    if moved is None:
        made, again, result = {}, articles, {}
    else:
        # The articles whose candidates changed, or that read a count or name group that changed.
        made, result = dict(memo.mentions), dict(memo.result)
        again = {articles[i].path for i in redo}
        if changed:
            again |= memo.mention_readers.reading(changed)
        again = [articles[i] for i in sorted(map(memo.places.__getitem__, again))]
    redone = []
    for a in again:
        first = found[a.path][4]
        old = memo.mentions.get(a.path)
        if old is None or old[0] is not first or old[1] != a.slug or not _unread(changed, old[2]):
            old = (first, a.slug, tuple(chain.from_iterable(key[:2] for key in first)), _mentions(a, first, counts))
            redone.append(a.path)
        made[a.path] = old
        result[a.path] = old[3]
    if moved is None:
        memo.mention_readers = Readers.of(made, 2)
    else:
        for path in redone:
            memo.mention_readers.replace(path, memo.mentions.get(path, (None, None, ()))[2], made[path][2])
    memo.mentions, memo.result = made, result
    memo.redone = redone if moved is not None else None
    return result


class _column:
    """Article path -> the ``i``-th item of what ``mention_candidates`` found for it: read through
    (``get``), not copied, as the incremental walks read a few articles of 50,000."""

    __slots__ = ("found", "i")

    def __init__(self, found: dict[str, tuple], i: int) -> None:
        self.found, self.i = found, i

    def get(self, path: str, default=None):
        f = self.found.get(path)
        return default if f is None else f[self.i]


def _regrouped(last: dict[str, list[Name]], lexicon: Lexicon) -> set[str]:
    """The first keys whose names differ between the groups ``last`` and ``lexicon``'s: only the
    keys ``Lexicon.update`` touched, when it made them from ``last``."""
    if last is lexicon.groups:
        return set()
    keys = lexicon.regrouped[1] if lexicon.regrouped is not None and lexicon.regrouped[0] is last else \
        last.keys() | lexicon.groups.keys()
    return {key for key in keys if last.get(key) != lexicon.groups.get(key)}


def _linked(resolution: Resolution, memo: ScanMemo | None, texts: dict,
            moved: list[int] | None = None) -> dict[str, _Linked]:
    """Article path -> what its links give (``_Linked``), for the articles with links: the
    last build's while its links, their classes and targets are the same (``memo``). ``moved``:
    the positions of the only articles that may differ from the last build's (``_changed``)."""
    occurrences = resolution.occurrences
    selected = _classes(occurrences, _LINKED)
    previous = memo.links if memo is not None else {}
    # Anchor text -> its keys, looked up in C: a million links use far fewer distinct texts.
    keys = _Keys(memo, texts).__getitem__
    if moved is None:
        given, places = {}, zip(occurrences.articles, occurrences.starts)
    else:
        given, places = dict(previous), ((occurrences.articles[i], occurrences.starts[i]) for i in moved)
    for a, start in places:  # one article's links at a time, read from the columns
        end = start + len(a.links)
        if end > start:
            kinds, targets = occurrences.kinds[start:end], occurrences.targets[start:end]
            old = previous.get(a.path)
            if old is None or not (old.links is a.links or old.links == a.links) or old.kinds != kinds \
                    or old.targets != targets:
                own = list(compress(targets, selected[start:end]))  # of the links it names a concept with
                written = compress(compress(map(_TEXT, a.links), selected[start:end]), own)  # those with a target
                linked, anchored = tuple(set(filter(None, own))), tuple(set(map(keys, set(written))))
                # Without a memo, nothing compares them later: not kept.
                old = _Linked(a.links, kinds, targets, linked, anchored) if memo is not None else \
                    _Linked((), b"", (), linked, anchored)
            if old.linked:
                given[a.path] = old
                continue
        given.pop(a.path, None)
    return given


def changed_positions(now: tuple, last: tuple) -> list[int] | None:
    """The positions where ``now`` holds another object than ``last`` (compared in C); None when
    their lengths differ. What a memo (``--watch``) is told the records that may have changed by:
    the earlier stages hand on the same record while nothing in it changed."""
    if len(now) != len(last):
        return None
    return list(compress(range(len(now)), map(is_not, now, last)))


def _changed(resolution: Resolution, memo: ScanMemo, holding: bool) -> list[int] | None:
    """The positions of the articles that may give ``mention_candidates`` something else than in
    the last call (another record, or links of other classes or targets), in order, when the
    articles are the same paths in the same order and ``holding`` is as then; else None (all may).

    An article that is the same record has the same links; their classes and targets are compared
    a run of such articles at a time, in C, and one by one only in a run that differs (a new
    article can turn another's missing links into resolved ones)."""
    last, articles, occurrences = memo.last, resolution.articles, resolution.occurrences
    if last is None or last[4] != holding:
        return None
    if _told(resolution, memo, last[0]):
        return list(resolution.changes.positions)
    if (moved := changed_positions(articles, last[0])) is None or any(articles[i].path != last[0][i].path
                                                                       for i in moved):
        return None
    kinds, targets, starts = occurrences.kinds, occurrences.targets, occurrences.starts
    old_kinds, old_targets, old_starts = last[1:4]
    n, found = len(articles), set(moved)
    edges = [-1, *moved, n]
    for before, after in zip(edges, edges[1:]):
        if after - before < 2:
            continue
        first, stop = before + 1, after
        now = slice(starts[first], starts[stop] if stop < n else len(targets))
        then = slice(old_starts[first], old_starts[stop] if stop < n else len(old_targets))
        if kinds[now] == old_kinds[then] and targets[now] == old_targets[then]:
            continue
        for i in range(first, stop):
            size = len(articles[i].links)
            now, then = slice(starts[i], starts[i] + size), slice(old_starts[i], old_starts[i] + size)
            if kinds[now] != old_kinds[then] or targets[now] != old_targets[then]:
                found.add(i)
    return sorted(found)


def _told(resolution: Resolution, memo: ScanMemo, last: tuple[Article, ...]) -> bool:
    """Whether ``resolution.changes`` tells which of its articles may differ from ``last``: the
    resolution that made them told against the articles whose leads (``ScanMemo.lead``) are
    ``last``, and these articles are the leads of its own (comparing the link columns, which
    resolve already did, was ~0.02 s at 50,000 articles)."""
    changes, before, now = resolution.changes, memo.leads_before, memo.last_leads
    return (changes is not None and before is not None and now is not None and before[2] is last
            and changes.before is before[0] and now[2] is resolution.articles and before[1] == now[1])


class _Keys(dict):
    """Anchor text -> its ``name_path`` keys, each made once (through ``memo.text`` with a memo)."""

    def __init__(self, memo: ScanMemo | None, texts: dict) -> None:
        super().__init__()
        self.memo, self.texts = memo, texts

    def __missing__(self, text: str) -> tuple[str, ...]:
        found = self[text] = self.memo.text(self.texts, text)[1] if self.memo is not None else name_path(text)[1]
        return found


def _candidates(a: Article, matches: tuple, own: _Linked,
                holding: bool) -> tuple[dict[tuple, tuple], tuple, tuple, tuple, tuple]:
    """(the first match of each (target, keys, tier), the names and the other concepts ``a``'s
    prose and links hold, its matches held back because it links a concept they name (when
    ``holding``), the other concepts it links)."""
    skip = {a.slug, *own.linked}
    first: dict[tuple, tuple] = {}
    held = []
    names, targets = set(own.anchored), set(own.linked)
    for line, text, matched in matches:
        names.add(matched[0][0].keys)
        targets.update(name.target for name, _ in matched)
        if any(name.target in skip for name, _ in matched):
            if holding:  # what it would say, were that concept not linked
                held.append((line, matched))
            continue  # words that name this article or a concept it links name nothing else
        for name, tier in matched:
            first.setdefault((name.target, name.keys, tier), (line, text, name))
    targets.discard(a.slug)
    # Tuples, not sets: a set per article held to the end was ~100 MB at 50,000 files. Its own
    # concept is neither held nor linked, in the counts: a self-link counted as linking, not as
    # holding, gave a concept a link rate over 1 (and a mention a confidence over 1).
    return first, tuple(names), tuple(targets), tuple(held), tuple(t for t in own.linked if t != a.slug)


def _mentions(a: Article, first: dict[tuple, tuple], counts: tuple[Counter, Counter, Counter, Counter]) -> list[Mention]:
    name_linked, name_seen, target_linked, target_seen = counts
    return [Mention(a.path, line, text, target, confidence(tier, name, (name_linked[keys], name_seen[keys]),
                                                         (target_linked[target], target_seen[target])),
                    a.slug, f"{name.origin} {tier}")
            for (target, keys, tier), (line, text, name) in first.items()]


def _correct(count: Counter, parts: list[tuple[Iterable | None, Iterable | None]]) -> set:
    """Correct ``count`` by the keys each changed part counted before and counts now (``parts``:
    (before, now), None for nothing); the keys whose count changed."""
    delta: Counter = Counter()
    for before, now in parts:
        delta.subtract(before or ())
        delta.update(now or ())
    for key, n in delta.items():
        if n:
            n += count[key]
            if n:
                count[key] = n
            else:
                del count[key]
    return {key for key, n in delta.items() if n}


def _unread(changed: set | None, read: Iterable) -> bool:
    """Whether a result kept from the last build read none of the ``changed`` keys (None: all changed)."""
    return changed is not None and changed.isdisjoint(read)


class LinkMentions:
    """What an article would say of each concept it links, as mentions, had its author not linked it.

    The related fit hides links to learn from, but an article's mentions never include what it
    links to, so it could not measure mentions. For an article ``u`` linking ``v``, the anchor
    texts of its links to ``v`` are matched as prose would be (longest name first; words naming
    ``u`` or another concept it links name nothing else), beside the names of ``v`` its prose
    holds that were skipped because ``u`` links ``v``, and each is scored by ``confidence`` with
    the counts ``u`` would leave had it never linked ``v``: its links no longer count towards an
    anchor text's share of links to ``v`` (an anchor text only ``u`` used names nothing), nor
    towards how often the name and ``v`` are linked. Only the body that was scanned is read
    (``attach_mentions`` scans each body's lead), as only there could a mention be found, and an
    anchor text written as code stays code.
    """

    def __init__(self, resolution: Resolution, lexicon: Lexicon, given: dict[str, _Linked],
                 seen: dict[str, tuple[tuple[str, ...], ...]], held: dict[str, tuple],
                 counts: tuple[Counter, Counter, Counter, Counter]) -> None:
        self.resolution, self.lexicon, self.given, self.seen, self.held = resolution, lexicon, given, seen, held
        self.name_linked, self.name_seen, self.target_linked, self.target_seen = counts
        self.anchors = lexicon.anchor_counts if lexicon.anchor_counts is not None else anchor_counts(resolution)[0]
        self.normal: Callable[[str], str] = _memo(normalize)  # anchor text -> normalize(text)
        self.reads: set | None = None
        """With a memo, the keys of the counts and name groups the article being done reads."""

    def into(self, out: dict[tuple[str, str], list[float]], memo: ScanMemo | None = None,
             changed: set | None = None, texts: dict | None = None, redo: list[str] | None = None) -> None:
        """Add (source, target) -> the confidences of what would be mentions of the target, in line order.

        ``memo`` keeps each article's results with what they read: kept while its inputs are the
        same objects and none of the ``changed`` keys (None: all) was read. ``redo``: the paths of
        the only articles whose inputs may be other objects than in the last call, whose articles
        are the same paths in the same order (None: any may); ``out`` must then be empty."""
        occurrences = self.resolution.occurrences
        selected, targets, start = _classes(occurrences, _LINKED), occurrences.targets, 0
        previous, kept = (memo.said, {}) if memo is not None else ({}, None)
        if memo is not None:
            self.normal = lambda text: memo.text(texts, text)[0]
            reads = self.reads = set()
            self.name_linked, self.name_seen, self.target_linked, self.target_seen, self.anchors = (
                _Recorded(counts, reads, empty) for counts, empty in (
                    (self.name_linked, 0), (self.name_seen, 0), (self.target_linked, 0), (self.target_seen, 0),
                    (self.anchors, Counter())))
            if redo is not None and not out:
                self._again(out, memo, changed, redo, selected)
                return
            memo.repaired = None
        # One article's links at a time, read from the columns as mention_candidates does (a
        # list of every link's (link, target) was ~100 MB at 50,000 files, at the stage's peak).
        for a in occurrences.articles:
            end, first = start + len(a.links), start
            start = end
            if end == first:
                continue
            if kept is None:
                said = self._article(a, targets[first:end], selected[first:end])
            else:
                inputs = (self.given.get(a.path), self.held.get(a.path, ()), self.seen.get(a.path, ()))
                old = previous.get(a.path)
                if old is None or not all(x is y for x, y in zip(old[0], inputs)) or not _unread(changed, old[2]) \
                        or not (old[1] is a or (old[1].body, old[1].body_line, old[1].slug) == (a.body, a.body_line, a.slug)):
                    reads.clear()
                    said = self._article(a, targets[first:end], selected[first:end])
                    old = (inputs, a, tuple(reads), said)  # a tuple: a fraction of a set's memory
                kept[a.path] = old
                said = old[3]
            for pair, confidences in said:
                out.setdefault(pair, []).extend(confidences)
        if memo is not None:
            memo.said, memo.pairs, memo.said_readers = kept, dict(out), Readers.of(kept, 2)
            memo.slugs = {}
            for a in occurrences.articles:
                memo.slugs.setdefault(a.slug, []).append(a.path)

    def _again(self, out: dict[tuple[str, str], list[float]], memo: ScanMemo, changed: set | None,
               redo: list[str], selected: bytes) -> None:
        """``into`` with a memo, looking only at the articles of ``redo`` and those that read a
        ``changed`` key: the pairs whose confidences may differ (``ScanMemo.repaired``) are
        gathered again from the articles of their source, in article order."""
        occurrences, previous = self.resolution.occurrences, memo.said
        again = set(redo)
        if changed is None:
            again = previous.keys() | again
        elif changed:
            again |= memo.said_readers.reading(changed)
        kept, slugs, pairs, replaced = dict(previous), memo.slugs, set(), []
        places, starts, targets = memo.places, occurrences.starts, occurrences.targets
        for path in again:
            i = places[path]
            a, first = occurrences.articles[i], starts[i]
            end = first + len(a.links)
            if path not in slugs.get(a.slug, ()):  # a slug that changed: its articles are listed again
                slugs = {}
                for b in occurrences.articles:
                    slugs.setdefault(b.slug, []).append(b.path)
            last = previous.get(path)
            if end == first:
                old = None
            else:
                inputs = (self.given.get(a.path), self.held.get(a.path, ()), self.seen.get(a.path, ()))
                old = last
                if old is None or not all(x is y for x, y in zip(old[0], inputs)) or not _unread(changed, old[2]) \
                        or not (old[1] is a or (old[1].body, old[1].body_line, old[1].slug) == (a.body, a.body_line,
                                                                                                 a.slug)):
                    self.reads.clear()
                    said = self._article(a, targets[first:end], selected[first:end])
                    old = (inputs, a, tuple(self.reads), said)
            if old is last:
                continue
            for entry in (last, old):
                if entry is not None:
                    pairs.update(pair for pair, _ in entry[3])
            if old is None:
                del kept[path]
            else:
                kept[path] = old
            replaced.append((path, last[2] if last is not None else (), old[2] if old is not None else ()))
        merged = dict(memo.pairs)
        for pair in pairs:
            confidences = [c for path in slugs.get(pair[0], ()) if path in kept
                           for said, found in kept[path][3] if said == pair for c in found]
            if confidences:
                merged[pair] = confidences
            else:
                merged.pop(pair, None)
        out.update(merged)
        memo.said, memo.pairs, memo.slugs, memo.repaired = kept, merged, slugs, pairs
        for path, before, after in replaced:
            memo.said_readers.replace(path, before, after)

    def _article(self, a: Article, targets: tuple, selected: bytes) -> list[tuple[tuple[str, str], list[float]]]:
        """((a's slug, v), the confidences of what would be mentions of v, in line order) for each concept v ``a`` links."""
        links = list(filter(_TARGET, compress(zip(a.links, targets), selected)))
        if not links:
            return []
        last_line = a.body_line + a.body.count("\n")
        tail = a.body.rpartition("\n")[2]  # a link on the lead's last line may lie past its end
        # Links in the lead, unless written as code (`strings.Replace`), which stays code, not prose.
        anchors = [(link, v) for link, v in links if (link.line < last_line or link.line == last_line
                                                       and link.text in tail) and f"`{link.text}`" not in a.body]
        held = self.held.get(a.path, ())
        linked = frozenset(self.given[a.path].linked if a.path in self.given else ())
        said = {v for _, v in anchors} | {n.target for _, m in held for n, _ in m}
        said &= linked - {a.slug}
        found = []
        if not said:
            return found
        texts: dict[str, list[str]] = {}  # target -> the anchor texts of its links
        for link, v in links:
            texts.setdefault(v, []).append(link.text)
        owners: dict[tuple[str, ...], set[str]] = {}  # name keys -> the targets of the links written with them

        def linking(keys: tuple[str, ...]) -> set[str]:
            """The concepts ``a`` links with anchor texts of the name ``keys`` (once per article, not per name)."""
            if not owners:
                for w, ts in texts.items():
                    for t in ts:
                        owners.setdefault(name_path(t)[1], set()).add(w)
            return owners.get(keys, set())

        for v in sorted(said):
            score, without = self._scorer(a, v, texts, linked, linking)
            places = [(link.line, self._anchor(link.text, v, without)) for link, w in anchors if w == v]
            places = [(line, matched) for line, matched in places if matched]
            places += [(line, matched) for line, matched in held if any(n.target == v for n, _ in matched)]
            if places:
                places.sort(key=lambda place: place[0])
                found.append(((a.slug, v), [score(matched) for _, matched in places]))
        return found

    def _anchor(self, text: str, v: str, without: Callable[[Name], Name | None]) -> tuple[tuple[Name, str], ...]:
        """((name, tier), ...) of the first name of ``v`` that ``text`` would hold as prose (nothing if
        none); ``without`` drops or re-weights the names ``a``'s links to ``v`` made."""
        found = list(text_words(text))
        spans = list(map(_SPAN, found))
        written = list(map(_GROUP, found))
        info = [self.lexicon.analyse(w) for w in written]
        if self.reads is not None:  # the names it may meet are those of its words' groups
            self.reads.update(k for w in written for k, _ in word_keys(w)[2])
        i = 0
        while i < len(spans):
            for j, names, clitic in sorted(_ends(self.lexicon.trie, text, spans, info, i),
                                           key=lambda end: -end[0]):  # stable: as _longest chooses
                if not _upper(text[spans[i][0]:spans[j][1]]):
                    names = [n for n in names if not n.capitals]
                names = [n for n in map(without, names) if n is not None]
                if not names:
                    continue  # names only ``a``'s links made: a shorter one may still match
                folded = tuple(info[k][0] for k in range(i, j + 1))
                if any(n.target == v for n in names):
                    return tuple((n, _tier(n.words, folded, clitic)) for n in names)
                i = j
                break
            i += 1
        return ()

    def _scorer(self, a: Article, v: str, texts: dict[str, list[str]], linked: frozenset[str],
                linking: Callable[[tuple[str, ...]], set[str]]) -> tuple[Callable[[tuple], float],
                                                                         Callable[[Name], Name | None]]:
        """(the confidence of a match as a mention of ``v`` in ``a``, 0 for none; a name as it would
        be), ``a`` linking ``v`` nowhere; ``texts``: target -> anchor texts of ``a``'s links;
        ``linking``: name keys -> the concepts ``a``'s links written with them go to."""
        own: Counter = Counter()
        made: dict[tuple, str] = {}  # (words, keys) -> the normalised anchor text that made that name

        def count() -> None:
            for text in texts[v]:
                own[self.normal(text)] += 1
            made.update((name_path(key)[:2], key) for key in own)

        def lost(keys: tuple[str, ...]) -> bool:
            """Whether ``a`` links the name ``keys`` with its links to ``v`` only."""
            return linking(keys) == {v}

        seen = self.seen.get(a.path, ())
        target_rate = (self.target_linked[v] - 1, self.target_seen[v])

        def without(name: Name) -> Name | None:
            if name.origin != "anchor" or name.target != v:
                return name
            if not own:
                count()  # only for the anchor names of ``v``: most matches are of other names
            key = made.get((name.words, name.keys))
            if key is None:
                return name
            n, total = _links(self.anchors, key, v)
            n, total = n - own[key], total - own[key]
            if n <= 0 or n / total < MIN_LINK_SHARE:
                return None  # an anchor text that names ``v`` through ``a``'s links only
            return Name(name.target, name.words, name.keys, name.origin, n / total, name.capitals)

        def score(matched: tuple[tuple[Name, str], ...]) -> float:
            kept = [(n, tier) for n, tier in ((without(n), tier) for n, tier in matched) if n]
            if any(n.target == a.slug or n.target != v and n.target in linked for n, _ in kept):
                return 0.0  # words naming ``a`` or another concept it links name nothing else
            return max((confidence(tier, n, (self.name_linked[n.keys] - lost(n.keys),
                                             self.name_seen[n.keys] + (n.keys not in seen)), target_rate)
                        for n, tier in kept if n.target == v), default=0.0)
        return score, without


class _Recorded:
    """A mapping read through, each key read noted in ``reads``; a key it lacks reads as ``empty``."""

    __slots__ = ("data", "reads", "empty")

    def __init__(self, data: dict, reads: set, empty: object) -> None:
        self.data, self.reads, self.empty = data, reads, empty

    def __getitem__(self, key):
        self.reads.add(key)
        return self.data.get(key, self.empty)


def _memo(function: Callable[[str], str]) -> Callable[[str], str]:
    """``function`` remembering its results for the life of the returned function."""
    done: dict[str, str] = {}

    def remembered(text: str) -> str:
        found = done.get(text)
        if found is None:
            found = done[text] = function(text)
        return found
    return remembered


def _ends(trie: dict, text: str, spans: list, info: list, i: int) -> Iterator[tuple[int, list[Name], bool]]:
    """(last word, names, via a clinging prefix) of every name starting at word ``i``, the longer
    after the shorter from each first key."""
    last = len(spans) - 1
    for start, clitic in info[i][2]:
        node = trie[start]
        j = i
        while True:
            if "" in node:
                yield j, node[""], clitic
            if j == last:
                break
            gap = text[spans[j][1]:spans[j + 1][0]]
            j += 1
            node = node.get(info[j][1] if gap == " " else _key(gap, info[j][1]))
            if node is None:
                break


def article_matches(body: str, lexicon: Lexicon, first_line: int = 1, words: set[str] | None = None,
                    wikilinks: bool = False) -> tuple[tuple[int, str, tuple[tuple[Name, str], ...]], ...]:
    """(line, words as written, ((name, tier), ...)) of every longest name in one body: all an
    article gives to ``mention_candidates`` before the corpus-wide counts, a function of the body
    and of the names starting with its words only. ``words`` collects the words of its prose;
    ``wikilinks``: the body's ``[[Page]]`` links are links, not prose."""
    return tuple((line, text, tuple((name, tier(name)) for name in names))
                 for line, text, names, tier in scan(body, lexicon, first_line, words, wikilinks))


def _wikilinked(article: Article) -> bool:
    """Whether the article's body was read with ``[[Page]]`` links (``ParseOptions.wikilinks``) and
    holds one: its links say so, since only such a reading finds them. Without one, the body reads
    the same either way; so the option need not reach this stage, nor its memo's keys (one body,
    one reading within a build or a ``--watch``)."""
    return any(link.syntax == WIKILINK for link in article.links)


PRIOR, PRIOR_WEIGHT = 0.5, 1.0
"""A name's link rate is smoothed towards PRIOR as if seen PRIOR_WEIGHT more times: a name met once
and not linked is not yet known to be one authors leave unlinked."""
WORD_SPECIFICITY = 0.25
"""Each word past the first (up to three) makes a name this much more surely a term, links or not."""


def confidence(tier: str, name: Name, name_rate: tuple[int, int], target_rate: tuple[int, int]) -> float:
    """How surely a match names its concept and is worth a link, from 0 to 1.

    ``name_rate`` and ``target_rate`` are (articles linking, articles where present) of the
    name and of its concept: the corpus's own authors say which names they link. Any of a
    linked name, a linked concept or a long name makes it likely (a noisy-or); then the
    closeness of the match (``TIER``) and the name's share of its anchor's links scale it.
    """
    linked, seen = name_rate
    name_p = (linked + PRIOR * PRIOR_WEIGHT) / (seen + PRIOR_WEIGHT)
    target_p = target_rate[0] / target_rate[1] if target_rate[1] else 0.0
    length_p = WORD_SPECIFICITY * min(len(name.words) - 1, 3)
    likely = 1 - (1 - name_p) * (1 - target_p) * (1 - length_p)
    return round(TIER[tier] * name.weight * likely, 3)


def scan(body: str, lexicon: Lexicon, first_line: int = 1, words: set[str] | None = None,
         wikilinks: bool = False) -> Iterator[tuple[int, str, list[Name], Callable[[Name], str]]]:
    """(line, words as written, names, tier of a name) of every longest name in the prose of a
    Markdown body; ``words`` collects the words of the prose; ``wikilinks`` as for ``prose``."""
    trie, analysed, tier = lexicon.trie, lexicon._words.__getitem__, lexicon._tiers.tier
    for text, starts in prose(body, first_line, wikilinks):
        found = list(text_words(text))  # one pass of the pattern, its spans and words read in C
        spans = list(map(_SPAN, found))
        written = list(map(_GROUP, found))
        if words is not None:
            words.update(written)
        info = list(map(analysed, written))
        offsets = None  # of the run's pieces, made at its first name
        i, count = 0, len(spans)
        while i < count:
            if not info[i][2]:
                i += 1
                continue
            match = _longest(trie, text, spans, info, i)
            if match is None:
                i += 1
                continue
            end, names, clitic = match
            begin, stop = spans[i][0], spans[end][1]
            if text[stop:stop + 1] == ")" and text.count("(", begin, stop) > text.count(")", begin, stop):
                stop += 1  # "401(k" -> "401(k)"
            written = text[begin:stop]
            if not _upper(written):
                names = [n for n in names if not n.capitals]
            if names:
                folded = tuple(map(_FIRST, info[i:end + 1]))
                if offsets is None:
                    offsets = list(map(_FIRST, starts))
                piece = bisect_right(offsets, begin) - 1
                yield (starts[piece][1], written, names,
                       lambda name, folded=folded, clitic=clitic: tier(name.words, folded, clitic))
            i = end + 1


def _longest(trie: dict, text: str, spans: list, info: list, i: int):
    """(last word, names, via a clinging prefix) of the longest name starting at word ``i``."""
    return max(_ends(trie, text, spans, info, i), key=_FIRST, default=None)  # the first of the longest


def _tier(words: tuple[str, ...], written: tuple[str, ...], clitic: bool) -> str:
    """How closely the written (folded) words match a name of these (folded) ``words``."""
    if not clitic and written == words:
        return EXACT
    if clitic:
        written = (*[w for w in without_proclitic(written[0]) if stem(w) == stem(words[0])][:1], *written[1:])
    if [strip_article(w) for w in written] == [strip_article(w) for w in words]:
        return ARTICLE
    return INFLECTED


class _Tiers(dict):
    """(name's words, written words, via a clinging prefix) -> ``_tier`` of them: a prose repeats
    the same few forms of the same names, each matched again for every name it may be."""

    def __missing__(self, key: tuple) -> str:
        found = self[key] = _tier(*key)
        return found

    def tier(self, words: tuple[str, ...], written: tuple[str, ...], clitic: bool) -> str:
        """``_tier(words, written, clitic)``, remembered."""
        return self[words, written, clitic]


def prose(body: str, first_line: int = 1, wikilinks: bool = False) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Runs of prose in a Markdown body, each with (offset in the run, file line) of its pieces.

    A run is the text of one block between links, code spans and raw HTML; emphasis and line
    breaks do not end it; an admonition's body is prose (``graph.links.admonition_bodies``).
    Headings, code, link text, images and HTML are not prose; with
    ``wikilinks``, nor is the text of a ``[[Page]]`` link (graph.links reads them as links).
    """
    body = admonition_bodies(body)  # as links are read: their text is prose
    line_of = LineCounter(body.encode("utf-8"), first_line)
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    size = 0
    hidden = 0  # inside a heading, code block, link, image or HTML anchor
    options = WIKILINK_OPTIONS if wikilinks else _OPTIONS
    for event, span in pyromark.events_with_range(body, options=options, merge_text=True):
        if type(event) is str:  # SoftBreak, HardBreak, Rule ...
            if event.endswith("Break") and parts:
                parts.append(" ")
                size += 1
            continue
        text = event.get("Text")
        if text is not None:
            if not hidden:
                starts.append((size, line_of(span["start"])))
                parts.append(text)
                size += len(text)
            continue
        start = event.get("Start")
        end = event.get("End")
        tag = start if start is not None else end
        if tag is not None and (tag in _INLINE_STYLE):
            continue
        if parts:
            yield "".join(parts), starts
            parts, starts, size = [], [], 0
        if tag is not None and _hides(tag):
            hidden += 1 if start is not None else -1
        elif "InlineHtml" in event:
            html = event["InlineHtml"].lower()
            if html.startswith("<a ") or html.startswith("<a\n"):
                hidden += 1
            elif html.startswith("</a") and hidden:
                hidden -= 1
    if parts:
        yield "".join(parts), starts


def _hides(tag) -> bool:
    """True for the containers whose text is not prose."""
    if type(tag) is dict:
        return any(k in tag for k in ("Heading", "Link", "Image", "CodeBlock"))
    return tag in ("Link", "Image", "CodeBlock", "HtmlBlock")


def all_mentions(resolution: Resolution, min_confidence: float = MIN_CONFIDENCE) -> tuple[Mention, ...]:
    """Every unlinked mention of a resolved corpus, in path and line order."""
    found = corpus_mentions(resolution, min_confidence=min_confidence)
    return tuple(m for path in sorted(found) for m in found[path])


def format_mentions(mentions: Iterable[Mention], fmt: str = "text") -> str:
    """One ``path:line: "text" -> slug (confidence)`` line per mention (control and invisible
    characters escaped: text.shown), or a JSON list of objects."""
    if fmt == "json":
        return json.dumps([asdict(m) for m in mentions], ensure_ascii=False, indent=1)
    return "\n".join(shown(f'{m.path}:{m.line}: "{m.text}" -> {m.target} ({m.confidence:.2f})') for m in mentions)
