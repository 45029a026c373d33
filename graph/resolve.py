"""Link occurrences -> classes and targets (docs/link-rules.md); duplicate or case-variant slugs and
aliases that resolve elsewhere -> problems.

Lookup order for a path: the linking article's language, then any language, then the same two
without regard to case. A target no article claims becomes a ``missing`` concept whose one
spelling is the most frequent one among its case variants.
"""

from __future__ import annotations

import posixpath
import re
from bisect import insort
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import chain, compress, count
from operator import attrgetter, is_not

from graph.model import Article, Changes, Corpus, Link, LinkClass, Occurrences, Problem, Resolution
from graph.parse import language_root
from graph.slugs import NOT_IN_SLUGS, TEMPLATE_SYNTAX, decode_path, page_path, site_address
from graph.text import LANGUAGE_FOLDERS, field_lang, shown

RESOLVED, MISSING, SELF = LinkClass.RESOLVED, LinkClass.MISSING, LinkClass.SELF
EXTERNAL, UNSAFE, TEMPLATE = LinkClass.EXTERNAL, LinkClass.UNSAFE, LinkClass.TEMPLATE
UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data", "file"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_WORDY = re.compile(r"[^\W_]")


class _Index:
    """Slug lookup: exact and case-folded, per language and across languages."""

    def __init__(self, articles: list[Article]) -> None:
        self.exact: dict[tuple[str | None, str], str] = {}
        self.folded: dict[tuple[str | None, str], str] = {}
        self.files: dict[str, str] = {}
        # Real slugs first, so an alias never shadows a concept's own slug.
        for keys in ((a.slug,) for a in articles), (a.aliases for a in articles):
            for article, slugs in zip(articles, keys):
                for key in slugs:
                    for lang in (article.lang, "*"):
                        self.exact.setdefault((lang, key), article.slug)
                        self.folded.setdefault((lang, key.casefold()), article.slug)
        for a in articles:
            self.files.setdefault(page_path(a.path), a.slug)

    def find(self, key: str, lang: str | None) -> str | None:
        folded = key.casefold()
        return (self.exact.get((lang, key)) or self.exact.get(("*", key))
                or self.folded.get((lang, folded)) or self.folded.get(("*", folded)))


class ResolveMemo:
    """What ``resolve`` keeps from one call to the next in a long-lived process (``--watch``).
    While no article's path, slug, language, language folder or aliases changed, the slug index
    is the same and every href resolves as before: an unchanged article keeps its links' classes
    and targets, and only the changed articles are classified again."""

    def __init__(self) -> None:
        self.names: tuple = ()
        """What the slug index was made of."""
        self.index: _Index | None = None
        """The slug index, once a call made it: the same while ``names`` is."""
        self.hrefs: dict = {}
        """(href, language, language folder, folder) -> (class, target, holds invisible characters)."""
        self.articles: dict[str, tuple] = {}
        """Path -> (article, its links' class codes, targets and problems) from the last call."""
        self.missing: dict[str, tuple] = {}
        """Path -> (article, its links' class codes and targets, what its missing links tell
        ``_missing``, the same grouped by target), for each article with a missing link, from the last call."""
        self.linking: dict[str, list[int]] = {}
        """Missing target -> the positions of the articles with a missing link to it, in order."""
        self.tallies: dict[str, _Tally] = {}
        """Missing target -> what its links tell (``_Tally``), for each target counted since the
        last whole count (the same positions)."""
        self.summary: tuple[dict, dict] = ({}, {})
        """The last call's missing labels and demand."""
        self.respelled = True
        """Whether the last call gave some missing target one spelling of several (or none ran)."""
        self.trimmed: dict[str, tuple[Article, Article]] = {}
        """Path -> (article, the same without its aliases that resolve elsewhere) from the last
        call: one record while the article is the same, which tells later stages' memos it is."""
        self.result: Resolution | None = None
        """The last call's resolution, which a call for the same files mends (``_resolve_again``)."""
        self.read: tuple[Article, ...] = ()
        """The last call's ``corpus.articles``, compared with the next call's by identity, in C."""
        self.kept: list[int] | None = None
        """The position in ``read`` of each article of ``result`` (None: every article was kept)."""
        self.name_problems: tuple[Problem, ...] = ()
        """The last call's duplicate and case-variant slug problems (they depend on the names alone)."""
        self.link_problems: dict[str, list[Problem]] = {}
        """Path -> the problems of its links, for each article that has some, from the last call."""
        self.alias_problems: dict[str, list[Problem]] = {}
        """Path -> the problems of its aliases, for each article that has some, from the last call."""


def resolve(corpus: Corpus, memo: ResolveMemo | None = None) -> Resolution:
    """Classify every link of the corpus and pick the article that defines each concept; ``memo``,
    kept by the caller across calls, spares classifying the links of unchanged articles again,
    and, while the files and their names are the same, walking the articles at all."""
    if memo is not None:
        again = _resolve_again(corpus, memo)
        if again is not None:
            return again
    problems = list(corpus.problems)
    articles = _deduplicate(corpus.articles, problems)
    _case_variants(articles, problems)
    name_problems = tuple(problems[len(corpus.problems):])
    names = tuple((a.path, a.slug, a.lang, a.site_dir, a.aliases) for a in corpus.articles)
    same = memo is not None and memo.names == names
    index = memo.index if same else None  # made when an article needs it
    hrefs = memo.hrefs if same else {}  # hrefs repeat a lot (popular targets): classify each spelling once per folder
    previous = memo.articles if same else {}
    kinds, targets = bytearray(), []  # per link: its class (index in LinkClass.ALL) and target
    resolved = {}
    link_problems = {}
    again = []  # positions of the articles classified again
    for i, article in enumerate(articles):
        entry = previous.get(article.path)
        if entry is not None and entry[0] is article:
            kinds += entry[1]
            targets += entry[2]
            problems += entry[3]
        else:
            again.append(i)
            index = index or _Index(articles)
            start, first_problem = len(targets), len(problems)
            _resolve_links(article, index, hrefs, kinds, targets, problems)
            if memo is not None:
                entry = (article, bytes(kinds[start:]), targets[start:], problems[first_problem:])
        if memo is not None:
            resolved[article.path] = entry
            if entry[3]:
                link_problems[article.path] = entry[3]
    untrimmed = articles
    if any(a.aliases for a in articles):
        index = index or _Index(articles)
        articles = _only_own_aliases(articles, index, problems, memo)
    elif memo is not None:
        memo.trimmed, memo.alias_problems = {}, {}
    if memo is not None:
        memo.names, memo.hrefs, memo.articles, memo.index = names, hrefs, resolved, index
        memo.link_problems, memo.name_problems = link_problems, name_problems
    respelled = _unify_missing_spellings(kinds, targets, _CODE[MISSING])
    occurrences = Occurrences(articles, bytes(kinds), targets)
    problems.sort(key=_PROBLEM_ORDER)
    # Only the articles classified again can tell something else about missing targets, while
    # the articles are the same files and no target was respelled (then or now).
    changed = again if memo is not None and same and not respelled and not memo.respelled else None
    if memo is not None:
        memo.respelled = respelled
    resolution = Resolution(corpus, tuple(articles), occurrences, tuple(problems),
                            *_missing(occurrences, memo, changed))
    if memo is not None:
        memo.result, memo.read = resolution, corpus.articles
        memo.kept = None
        if len(untrimmed) != len(corpus.articles):  # a duplicate was left out: the others' places
            places = {id(a): i for i, a in enumerate(corpus.articles)}
            memo.kept = [places[id(a)] for a in untrimmed]
    return resolution


def _PROBLEM_ORDER(p: Problem) -> tuple:
    return p.path, p.line, p.code


_NAMES = attrgetter("path", "slug", "lang", "site_dir", "aliases")


def _resolve_again(corpus: Corpus, memo: ResolveMemo) -> Resolution | None:
    """``resolve`` mended from the memo's last resolution, walking only the articles that are not
    the last call's records, when the files are the same, in the same order, with the same names
    (path, slug, language, language folder, aliases: the slug index, the duplicates and the
    aliases kept are then the same) and no missing target was or would be respelled; None
    otherwise. The other articles keep their links' classes and targets, and the resolution
    says which ones may differ (``Resolution.changes``), so the graph's memo mends only those."""
    last, before, now = memo.result, memo.read, corpus.articles
    if last is None or memo.respelled or len(now) != len(before):
        return None
    moved = list(compress(count(), map(is_not, now, before)))  # in C: the records that are not the last ones
    if any(_NAMES(now[i]) != _NAMES(before[i]) for i in moved):
        return None
    if memo.kept is None:
        positions = moved
    else:
        places = {i: j for j, i in enumerate(memo.kept)}
        positions = [places[i] for i in moved if i in places]  # a duplicate left out changes nothing
    untrimmed = now if memo.kept is None else [now[i] for i in memo.kept]  # as _deduplicate keeps them
    index, missing = memo.index, _CODE[MISSING]
    entries = []
    for j in positions:
        article = untrimmed[j]
        if index is None:
            index = _Index(list(untrimmed))
        kinds, targets, problems = bytearray(), [], []
        _resolve_links(article, index, memo.hrefs, kinds, targets, problems)
        entries.append((article, bytes(kinds), targets, problems))
    memo.index = index
    if _respelled_by(entries, positions, memo.linking, missing):
        return None
    articles = list(last.articles)
    old, starts = last.occurrences, last.occurrences.starts
    # The columns copied whole and mended in place, last change first (its places stay right):
    # a tuple of a million targets made from pieces took 0.05 s.
    all_kinds, all_targets = bytearray(old.kinds), list(old.targets)
    for j, (article, kinds, targets, _) in zip(reversed(positions), reversed(entries)):
        start = starts[j]
        stop = start + len(articles[j].links)
        all_kinds[start:stop], all_targets[start:stop] = kinds, targets
    aliased, shifts = [], []
    for j, entry in zip(positions, entries):
        article, kinds, targets, problems = entry
        path = article.path
        memo.articles[path] = entry
        if problems:
            memo.link_problems[path] = problems
        else:
            memo.link_problems.pop(path, None)
        if len(kinds) != len(articles[j].links):
            shifts.append((j, len(kinds) - len(articles[j].links)))
        if article.aliases:
            aliased.append(j)
        else:
            memo.trimmed.pop(path, None)
            memo.alias_problems.pop(path, None)
        articles[j] = article
    if aliased:  # each article's own aliases, as _only_own_aliases judges them
        claimants: dict = {}
        for j in aliased:
            article, alias_problems = articles[j], []
            articles[j] = _own_aliases(article, index, alias_problems, claimants, untrimmed, memo.trimmed,
                                       memo.trimmed)
            if articles[j] is article:
                memo.trimmed.pop(article.path, None)
            if alias_problems:
                memo.alias_problems[article.path] = alias_problems
            else:
                memo.alias_problems.pop(article.path, None)
    occurrences = Occurrences(articles, bytes(all_kinds), all_targets, _shifted(starts, shifts))
    problems = sorted(chain(corpus.problems, memo.name_problems, chain.from_iterable(memo.link_problems.values()),
                            chain.from_iterable(memo.alias_problems.values())), key=_PROBLEM_ORDER)
    resolution = Resolution(corpus, tuple(articles), occurrences, tuple(problems),
                            *_missing_again(occurrences, memo, positions), Changes(last.articles, tuple(positions)))
    memo.result, memo.read = resolution, now
    return resolution


def _shifted(starts: list[int], shifts: list[tuple[int, int]]) -> list[int]:
    """``starts`` (``Occurrences.starts``) after the articles at the given positions gained or lost
    links (position, how many more), ascending; the same list when none did."""
    if not shifts:
        return starts
    found, at, moved = starts[:shifts[0][0] + 1], shifts[0][0] + 1, 0
    for i, (j, more) in enumerate(shifts):
        moved += more
        stop = shifts[i + 1][0] + 1 if i + 1 < len(shifts) else len(starts)
        found += map(moved.__add__, starts[at:stop])  # in C
        at = stop
    return found


def _respelled_by(entries: list[tuple], positions: list[int], linking: dict[str, list[int]], missing: int) -> bool:
    """Whether the missing targets the ``entries`` (articles at ``positions`` classified again)
    link would give some target two spellings (``_unify_missing_spellings``), when none had
    two before: a new spelling whose case-folded form another one, still linked, has."""
    now = {t for _, kinds, targets, _ in entries for t in compress(targets, kinds.translate(_ONLY[missing]))}
    new = now - linking.keys()
    if not new:
        return False
    folded = {t.casefold(): t for t in linking}
    seen: set[str] = set()
    at = set(positions)
    for spelling in new:
        key = spelling.casefold()
        other = folded.get(key)
        if key in seen or (other is not None and (other in now or not at.issuperset(linking[other]))):
            return True
        seen.add(key)
    return False


_CODE = {kind: i for i, kind in enumerate(LinkClass.ALL)}


def _resolve_links(article: Article, index: _Index, memo: dict, kinds: bytearray, targets: list[str | None],
                   problems: list[Problem]) -> None:
    """Append the class codes, targets and problems of one article's links; ``memo`` is ``ResolveMemo.hrefs``."""
    path, slug, lang, site_dir = article.path, article.slug, article.lang, article.site_dir
    folder = posixpath.dirname(path)
    for link in article.links:
        # classify(), inlined: this loop runs once per link of the corpus.
        href = link.href
        key = (href, lang, site_dir, "" if href[:1] == "/" else folder)
        found = memo.get(key)
        if found is None:
            kind, target = _classify(href, lang, site_dir, key[3], index)
            found = memo[key] = (kind, target, (kind == RESOLVED or kind == MISSING) and invisible(href))
        kind, target, hidden = found
        if kind == SELF or (kind == RESOLVED and target == slug):
            kind, target = SELF, slug
        elif kind == UNSAFE or kind == TEMPLATE:
            problems.append(link_problem(path, link, kind, target))
            target = None
        elif hidden:
            problems.append(invisible_problem(path, link, target))
        kinds.append(_CODE[kind])
        targets.append(target)


def classify(article: Article, href: str, index: _Index, memo: dict | None = None) -> tuple[str, str | None]:
    """(class, target slug) of one href written in ``article``.

    For ``unsafe`` the second item says why, for the problem message.
    """
    folder = link_folder(href, article.path)
    key = (href, article.lang, article.site_dir, folder)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = _classify(href, article.lang, article.site_dir, folder, index)
        if memo is not None:
            memo[key] = found
    kind, target = found
    if kind == SELF or (kind == RESOLVED and target == article.slug):
        return SELF, article.slug
    return found


LOOKUP = "lookup"
"""``href_target``'s class for a path an index must look up (``resolved`` or ``missing``)."""


def href_target(href: str, site_dir: str, folder: str) -> tuple[str, str | None, str | None]:
    """(class, key, file key) of an href, decided without the index: a pure function, shared by
    the Spark engine's executors.

    For ``lookup`` the key is the slug to find; the file key, when not None, is tried first
    against the articles' own file paths (a relative link out of the language root). For
    ``unsafe`` the key says why; for the other classes it is None.
    """
    href = href.strip()
    if href[:2] == "[[" and href[-2:] == "]]":
        return _wikilink(href[2:-2], site_dir, folder)
    if TEMPLATE_SYNTAX.search(href):
        found = site_address(href)
        return (TEMPLATE, None, None) if found is None else _site_address(*found, site_dir, folder)
    scheme = _SCHEME.match(href)
    if scheme:
        name = scheme.group(1).lower()
        return ((UNSAFE, f"{name}: scheme", None) if name in UNSAFE_SCHEMES else (EXTERNAL, None, None))
    if "\\" in href:
        href = _windows_path(href)
    if href.startswith("//"):
        return EXTERNAL, None, None
    path = decode_path(href.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return SELF, None, None
    if path.startswith("/"):
        if _escapes(path.lstrip("/")):
            return UNSAFE, "'..' climbs above the site root", None
        if path[1:].partition("/")[0].lower() in LANGUAGE_FOLDERS:
            return _in_language(path, site_dir)
        return LOOKUP, page_path(path), None
    joined = posixpath.join(folder, path)
    if _escapes(joined):
        return UNSAFE, "'..' climbs above the corpus root", None
    joined = posixpath.normpath(joined)
    prefix = site_dir + "/" if site_dir else ""
    if joined.startswith(prefix) and (site_dir or not language_root(joined, "")[0]):
        return LOOKUP, page_path(joined[len(prefix):]), None
    # Out of the article's language root: the file itself if it exists, else the concept its
    # path names below the language root it enters (``../English/x.md`` -> ``x``), as that
    # file's slug would be; one missing concept, not one per language folder linked into.
    other_root, _, below = language_root(joined, "")
    return LOOKUP, page_path(below if other_root else joined), page_path(joined)


def _in_language(path: str, site_dir: str) -> tuple[str, str, str]:
    """``href_target`` of ``/en/x``: a multilingual site's address (Hugo's languages in subfolders,
    Docusaurus' and MkDocs' i18n), so the language root of that name beside the page's own (or at
    the corpus root, from a page above the language folders), then ``x``, as for
    ``../English/x.md``: the file itself when it exists, else the concept below the language root
    it enters."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(site_dir), path.lstrip("/")))
    _, _, below = language_root(joined + "/", "")  # "/": /en itself is that language's home page
    return LOOKUP, page_path(below), page_path(joined)


def _windows_path(href: str) -> str:
    """A path written with Windows' separators (``..\\guide\\setup.md``) as browsers read it: the
    WHATWG URL parser takes a backslash in a web address's path for "/" (so ``\\\\host\\x`` is
    ``//host/x``, another site); one in the ``?query`` or ``#fragment`` stays, as does ``%5C``."""
    end = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
    return href[:end].replace("\\", "/") + href[end:]


def _site_address(how: str, path: str, site_dir: str, folder: str) -> tuple[str, str | None, str | None]:
    """``href_target`` of the page a site generator's address (``graph.slugs.site_address``) names.

    Hugo's ``ref`` (gohugo.io/methods/page/ref): a path from the language root (``/docs/b``), or
    else first the file beside the page, then the page so named from the language root. Jekyll's
    ``link`` names a file from the site's (the corpus's) root and ``post_url`` a file of ``_posts``,
    each found by its path first, whatever its permalink; a ``relative_url`` is an address from
    the site root.
    """
    if _SCHEME.match(path) or path.startswith("#"):
        return href_target(path, site_dir, folder)
    if how == "ref" and not path.startswith("/"):
        kind, key, file_key = href_target(path, site_dir, folder)
        if kind != LOOKUP or path.startswith("."):
            return kind, key, file_key
        beside = page_path(posixpath.normpath(posixpath.join(folder, decode_path(path.split("#", 1)[0].split("?", 1)[0]))))
        return href_target("/" + path, site_dir, folder)[:2] + (beside,)
    if how == "post":
        path = "_posts/" + path.lstrip("/")
    kind, key, _ = href_target("/" + path.lstrip("/"), site_dir, folder)
    if kind != LOOKUP or how == "url" or how == "ref":
        return kind, key, None
    return kind, key, page_path(decode_path(path.lstrip("/").split("#", 1)[0].split("?", 1)[0]))  # from the corpus root


def _wikilink(name: str, site_dir: str, folder: str) -> tuple[str, str | None, str | None]:
    """``href_target`` of a ``[[name]]`` link (graph.links.WIKILINK), looked up as Obsidian does: a
    note's name is its file name, so first the file beside the page (``folder/name.md``), else the
    concept so named from the language root, which each page also answers to by its file name
    (an implied alias: ``ParseOptions.wikilinks``); ``./`` and ``../`` are read from the page's
    folder only. Otherwise as any href: ``[[#Heading]]`` is the page itself, a scheme is external
    or unsafe, ``..`` climbing out is unsafe. Whitespace runs (a line break inside the brackets)
    are one space, as a file name has them."""
    return _site_address("ref", " ".join(name.split()), site_dir, folder)


def link_folder(href: str, path: str) -> str:
    """Folder a relative href in the file at ``path`` is read from ('' for root-relative hrefs)."""
    return "" if href.startswith("/") else posixpath.dirname(path)


def _classify(href: str, lang: str | None, site_dir: str, folder: str, index: _Index) -> tuple[str, str | None]:
    kind, key, file_key = href_target(href, site_dir, folder)
    if kind != LOOKUP:
        return kind, key
    if file_key is not None and (target := index.files.get(file_key)) is not None:
        return RESOLVED, target
    target = index.find(key, lang)
    return (MISSING, key) if target is None else (RESOLVED, target)


def invisible(href: str) -> bool:
    """Whether an href holds invisible or control characters (dropped before lookup)."""
    return NOT_IN_SLUGS.search(href.strip()) is not None or ("%" in href and NOT_IN_SLUGS.search(decode_path(href).strip()) is not None)


def invisible_problem(path: str, link: Link, target: str | None) -> Problem:
    """The problem of a resolved or missing link whose href held invisible characters."""
    return Problem(path, link.line, "invisible-in-link",
                   f"link '{shown(link.href)}' holds invisible or control characters; "
                   f"they were dropped and it points at {target!r}")
def link_problem(path: str, link: Link, kind: str, why: str | None) -> Problem:
    """The problem an ``unsafe`` (``why``: the reason) or ``template`` link occurrence makes."""
    if kind == UNSAFE:
        return Problem(path, link.line, "unsafe-link", f"unsafe link {link.href!r} ({why}); no edge made")
    return Problem(path, link.line, "template-link",
                   f"link destination {link.href!r} is template syntax, not an address; no node or edge made")


def duplicate_problem(article: Article, first_path: str) -> Problem:
    """The problem of an article whose (slug, language) the article at ``first_path`` already defines."""
    return Problem(article.path, 1, "duplicate-slug",
                   f"slug {article.slug!r} ({article.lang or 'no language'}) is already "
                   f"defined by {first_path}; this file is left out of the graph")


def case_variant_problem(path: str, slug: str, first_slug: str, first_path: str) -> Problem:
    """The problem of an article whose slug differs only in case from the slug of an article
    before it (``first_path``): two concepts where one was likely meant (a twin spelt otherwise,
    ``FINRA.md`` beside ``finra.md``), and a link spelling neither exactly reaches one of them."""
    return Problem(path, 1, "case-variant-slug",
                   f"slug {slug!r} differs only in case from {first_slug!r} ({first_path}): they are two concepts, "
                   "and a link that spells neither exactly goes to one of them (docs/link-rules.md)")


def alias_conflict_problem(path: str, line: int, alias: str, winner: str, winner_path: str, is_slug: bool
                           ) -> Problem:
    """The problem of a front matter alias that links reach another concept by: ``winner``,
    whose slug it is or which claims it first (``winner_path``); it is no alias of this concept."""
    claim = "the slug" if is_slug else "already an alias"
    return Problem(path, line, "alias-conflict",
                   f"alias {alias!r} is {claim} of {winner!r} ({winner_path}), where links to it go; "
                   "it is left out of this concept's aliases (docs/link-rules.md)")


def case_variant_alias_problem(path: str, line: int, alias: str, other: str, winner: str, winner_path: str
                               ) -> Problem:
    """The problem of a front matter alias that differs only in case from ``other``, the slug or
    an earlier alias of another concept (``winner``, at ``winner_path``): a link that spells
    neither exactly reaches one of them."""
    claim = "the slug" if other == winner else "an alias"
    return Problem(path, line, "case-variant-alias",
                   f"alias {alias!r} differs only in case from {other!r}, {claim} of {winner!r} ({winner_path}): "
                   "a link that spells neither exactly goes to one of them (docs/link-rules.md)")


def anchor_lang(text: str, lang: str | None) -> tuple[bool, str | None]:
    """(whether the anchor text can label a missing target, its language) for a link in a
    ``lang`` article: only wordy text (a letter or digit) is a label."""
    return _WORDY.search(text) is not None, field_lang(text, lang)


def _escapes(path: str) -> bool:
    depth = 0
    for part in path.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def _deduplicate(articles: tuple[Article, ...], problems: list[Problem]) -> list[Article]:
    kept: dict[tuple[str, str | None], Article] = {}
    for article in articles:  # sorted by path: the first one wins
        first = kept.setdefault((article.slug, article.lang), article)
        if first is not article:
            problems.append(duplicate_problem(article, first.path))
    return [a for a in articles if kept[(a.slug, a.lang)] is a]


def _case_variants(articles: list[Article], problems: list[Problem]) -> None:
    """Report each article whose slug is another spelling, case aside, of an earlier one's."""
    first: dict[str, Article] = {}
    for article in articles:  # sorted by path, as _deduplicate keeps them
        earlier = first.setdefault(article.slug.casefold(), article)
        if earlier.slug != article.slug:
            problems.append(case_variant_problem(article.path, article.slug, earlier.slug, earlier.path))


def _only_own_aliases(articles: list[Article], index: _Index, problems: list[Problem],
                      memo: ResolveMemo | None) -> list[Article]:
    """The articles, each with only the aliases that resolve to it; a problem for each front
    matter alias that does not (another concept's slug, or an alias it claims first) and for each
    that differs only in case from another concept's slug or alias.

    An alias is judged where links look it up first: in its article's language (docs/link-rules.md).
    Language twins claim one alias for one concept; two concepts may each hold one spelling in
    their own languages, where each language's links reach their own.
    """
    last = memo.trimmed if memo is not None else {}
    trimmed: dict[str, tuple[Article, Article]] = {}
    alias_problems: dict[str, list[Problem]] = {}
    claimants: dict[tuple[str, str | None], Article] = {}  # made when a problem names one
    kept_articles = []
    for article in articles:
        if not article.aliases:
            kept_articles.append(article)
            continue
        first = len(problems)
        kept_articles.append(_own_aliases(article, index, problems, claimants, articles, last, trimmed))
        if len(problems) > first:
            alias_problems[article.path] = problems[first:]
    if memo is not None:
        memo.trimmed, memo.alias_problems = trimmed, alias_problems
    return kept_articles


def _own_aliases(article: Article, index: _Index, problems: list[Problem], claimants: dict, articles: list[Article],
                 last: dict[str, tuple[Article, Article]], trimmed: dict[str, tuple[Article, Article]]) -> Article:
    """``article`` with only the aliases that resolve to it (``_only_own_aliases``), one record
    while it is the same (``last``, the memo's; ``trimmed`` gets it); ``claimants`` is filled from
    ``articles`` (untrimmed) when a problem first names one."""
    slug, lang, lines = article.slug, article.lang, article.alias_lines
    kept = []
    for i, alias in enumerate(article.aliases):
        line = lines[i] if i < len(lines) else 1
        winner = index.exact[(lang, alias)]
        folded = winner if winner != slug else index.folded[(lang, alias.casefold())]
        if folded != slug and line:
            if not claimants:
                claimants.update({(a.slug, a.lang): a for a in articles})
            first = claimants[(folded, lang)]
            if winner != slug:
                problems.append(alias_conflict_problem(article.path, line, alias, winner, first.path,
                                                       alias == winner))
            else:
                other = folded if folded.casefold() == alias.casefold() else next(
                    x for x in first.aliases if x.casefold() == alias.casefold())
                problems.append(case_variant_alias_problem(article.path, line, alias, other, folded, first.path))
        if winner == slug:
            kept.append(i)
    if len(kept) == len(article.aliases):
        return article
    previous = last.get(article.path)
    aliases = tuple(article.aliases[i] for i in kept)
    if previous is None or previous[0] is not article or previous[1].aliases != aliases:
        previous = (article, replace(article, aliases=aliases,
                                     alias_lines=tuple(lines[i] for i in kept if i < len(lines))))
    trimmed[article.path] = previous
    return previous[1]


def _unify_missing_spellings(kinds: bytearray, targets: list[str | None], missing: int) -> bool:
    """Give case variants of one missing target (``/Series7``, ``/series7``) one spelling, in
    ``targets``; whether there were any."""
    counts = Counter(compress(targets, kinds.translate(_ONLY[missing])))  # in C: a million links
    if len({spelling.casefold() for spelling in counts}) == len(counts):  # no two spellings of one target
        return False
    best: dict[str, str] = {}
    for spelling, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        best.setdefault(spelling.casefold(), spelling)
    for i, (k, t) in enumerate(zip(kinds, targets)):
        if k == missing and t is not None:
            targets[i] = best[t.casefold()]
    return True


_ONLY = [bytes(int(i == code) for i in range(256)) for code in range(len(LinkClass.ALL))]
"""Per class code, the ``bytes.translate`` table that turns class codes into 1 for it, 0 otherwise."""


def _missing(occurrences: Occurrences, memo: ResolveMemo | None = None, changed: list[int] | None = None
             ) -> tuple[dict[str, dict[str | None, str]], dict[str, tuple[int, int]]]:
    """(missing slug -> language -> its most frequent wordy anchor text, first seen on ties;
    missing slug -> (its link occurrences, the concepts linking it)). An anchor's language is
    judged against the article it is written in. ``memo`` keeps what each article's missing
    links tell, while the article and its links' classes and targets are the same; with
    ``changed``, the positions of the only articles that may have changed since the memo's last
    call (the same files), only the targets they link or linked are counted again."""
    if memo is not None and changed is not None:
        return _missing_again(occurrences, memo, changed)
    missing = _CODE[MISSING]
    last = memo.missing if memo is not None else {}
    kept: dict[str, tuple] = {}
    judged: dict[tuple[str, str | None], tuple[str | None, str | None]] = {}  # (text, lang) -> (label lang, label)
    told = []  # (slug, (target, label language, label or None) of each missing link) per article
    linking: dict[str, list[int]] = defaultdict(list)
    for i, (article, kinds, targets) in enumerate(occurrences.by_article()):
        if missing not in kinds:  # most articles have no missing link
            continue
        entry = last.get(article.path)
        if entry is None or entry[0] is not article or entry[1] != kinds or entry[2] != targets:
            entry = (article, kinds, targets, *_told(article, kinds, targets, judged))
        kept[article.path] = entry
        told.append((article.slug, entry[3]))
        if memo is not None:
            for target in dict.fromkeys(target for target, _, _ in entry[3]):
                linking[target].append(i)
    # Counted in C; each (target, language, text) is counted in the order first seen, so the
    # first text seen wins a tie as Counter.most_common would pick it.
    counted = Counter(chain.from_iterable(found for _, found in told))
    best: dict[str, dict[str | None, tuple[str, int]]] = {}
    occurrences_of: Counter[str] = Counter()
    for (target, lang, text), n in counted.items():
        occurrences_of[target] += n
        per_lang = best.setdefault(target, {})
        if text is not None and (lang not in per_lang or n > per_lang[lang][1]):
            per_lang[lang] = (text, n)
    linked_from: dict[str, set[str]] = defaultdict(set)
    for slug, found in told:
        for target in {target for target, _, _ in found}:
            linked_from[target].add(slug)
    slugs = sorted(best)
    labels = {slug: _label(slug, best[slug]) for slug in slugs}
    demand = {slug: (occurrences_of[slug], len(linked_from[slug])) for slug in slugs}
    if memo is not None:
        memo.missing, memo.linking, memo.summary, memo.tallies = kept, dict(linking), (labels, demand), {}
    return labels, demand


def _missing_again(occurrences: Occurrences, memo: ResolveMemo, changed: list[int]
                   ) -> tuple[dict[str, dict[str | None, str]], dict[str, tuple[int, int]]]:
    """``_missing`` from the memo of the last call, counting again only the targets that the
    ``changed`` articles link or linked with other labels: a target's labels and demand depend on
    its links alone (in article order), so each is counted as the whole corpus would count it."""
    missing, starts = _CODE[MISSING], occurrences.starts
    judged: dict = {}
    touched: set[str] = set()
    for i in changed:
        article = occurrences.articles[i]
        start, stop = starts[i], starts[i] + len(article.links)
        kinds, targets = occurrences.kinds[start:stop], occurrences.targets[start:stop]
        old = memo.missing.pop(article.path, None)
        new = (article, kinds, targets, *_told(article, kinds, targets, judged)) if missing in kinds else None
        if new is not None:
            memo.missing[article.path] = new
        was, now = (entry[4] if entry else {} for entry in (old, new))
        for target in was.keys() - now.keys():
            memo.linking[target].remove(i)
        for target in now.keys() - was.keys():
            insort(memo.linking.setdefault(target, []), i)
        for target in was.keys() | now.keys():
            if was.get(target) == now.get(target):
                continue  # the same labels from the same place: the target's count is the same
            tally = memo.tallies.get(target)
            if tally is not None and not tally.move(i, article.slug, was.get(target, ()), now.get(target, ())):
                del memo.tallies[target]  # counted again below
            touched.add(target)
    labels, demand = (dict(d) for d in memo.summary)
    for target in touched:
        positions = memo.linking.get(target)
        if positions:
            labels[target], demand[target] = _count_target(target, positions, occurrences.articles, memo.missing,
                                                           memo.tallies)
        else:
            memo.linking.pop(target, None)
            memo.tallies.pop(target, None)
            labels.pop(target, None)
            demand.pop(target, None)
    if not labels.keys() <= memo.summary[0].keys():  # a new target, at the end: put in slug order
        labels, demand = ({slug: d[slug] for slug in sorted(d)} for d in (labels, demand))
    memo.summary = (labels, demand)
    return labels, demand


def _told(article: Article, kinds: bytes, targets: tuple, judged: dict
          ) -> tuple[tuple[tuple[str, str | None, str | None], ...], dict[str, tuple[tuple[str | None, str | None], ...]]]:
    """(target, label language, label or None) of each missing link of an article, in order; and
    the same grouped by target: target -> ((label language, label or None) of each of its links)."""
    missing, lang, found = _CODE[MISSING], article.lang, []
    by_target: dict[str, list] = {}
    for link, kind, target in zip(article.links, kinds, targets):
        if kind == missing and target is not None:
            label = judged.get((link.text, lang))
            if label is None:
                wordy, label_lang = anchor_lang(link.text, lang)
                label = judged[(link.text, lang)] = (label_lang, link.text) if wordy else (None, None)
            found.append((target, *label))
            by_target.setdefault(target, []).append(label)
    return tuple(found), {target: tuple(labels) for target, labels in by_target.items()}


def _count_target(target: str, positions: list[int], articles: tuple[Article, ...], told: dict[str, tuple],
                  tallies: dict[str, _Tally] | None = None) -> tuple[dict[str | None, str], tuple[int, int]]:
    """The labels and demand of one missing target, from what the articles at ``positions`` tell
    (``ResolveMemo.missing``: each one's labels grouped by target), through its tally in
    ``tallies`` when there is one (counted here and kept there otherwise)."""
    tally = tallies.get(target) if tallies is not None else None
    if tally is None:
        tally = _Tally()
        for i in positions:
            article = articles[i]
            tally.move(i, article.slug, (), told[article.path][4][target])
        if tallies is not None:
            tallies[target] = tally
    return tally.result(target)


class _Tally:
    """What the articles linking one missing target tell of it (``_missing``), kept to be
    corrected by an edit instead of counted again: ten thousand articles link the most wanted
    target of the 50,000-file corpus, and walking them after each edit of one was most of a
    rebuild's resolve stage. Each label's first place (article position, rank among that
    article's links to the target) is kept too: ties and the order of languages go to the
    label seen first, as when the whole corpus is counted in order."""

    __slots__ = ("counts", "first", "slugs")

    def __init__(self) -> None:
        self.counts: dict[tuple[str | None, str | None], int] = {}
        """(label language, label or None) -> its links."""
        self.first: dict[tuple[str | None, str | None], tuple[int, int]] = {}
        """(label language, label or None) -> its first place."""
        self.slugs: Counter[str] = Counter()
        """Slug -> how many of its articles link the target."""

    def move(self, at: int, slug: str, was: tuple, now: tuple) -> bool:
        """Correct for the article at position ``at`` (of ``slug``) whose links to the target told
        ``was`` and now tell ``now``; False when a label's first place can no longer be told (it
        was in this article, and is still in a later one): the target is then counted again."""
        counts, first = self.counts, self.first
        for key in was:
            n = counts[key] - 1
            if n:
                counts[key] = n
            else:
                del counts[key], first[key]
        if was:
            self.slugs[slug] -= 1
            if not self.slugs[slug]:
                del self.slugs[slug]
        ranks: dict = {}
        for rank, key in enumerate(now):
            counts[key] = counts.get(key, 0) + 1
            ranks.setdefault(key, rank)
        for key, rank in ranks.items():
            place = first.get(key)
            if place is None or place[0] >= at:  # at this article (then maybe another rank), or after it
                first[key] = (at, rank)
        if now:
            self.slugs[slug] += 1
        return not any(key in first and first[key][0] == at and key not in now for key in was)

    def result(self, target: str) -> tuple[dict[str | None, str], tuple[int, int]]:
        """(labels, demand) of the target, as ``_missing`` gives them."""
        best: dict[str | None, tuple[str, int, tuple[int, int]]] = {}
        lang_first: dict[str | None, tuple[int, int]] = {}
        for (lang, text), n in self.counts.items():
            if text is None:
                continue
            place = self.first[(lang, text)]
            found = best.get(lang)
            if found is None or n > found[1] or (n == found[1] and place < found[2]):
                best[lang] = (text, n, place)
            if lang not in lang_first or place < lang_first[lang]:
                lang_first[lang] = place
        ordered = {lang: best[lang][:2] for lang in sorted(best, key=lang_first.__getitem__)}
        return _label(target, ordered), (sum(self.counts.values()), len(self.slugs))


def _label(slug: str, best: dict[str | None, tuple[str, int]]) -> dict[str | None, str]:
    return {lang: text for lang, (text, _) in best.items()} or {None: slug.rpartition("/")[2]}
