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
from itertools import chain, compress

from graph.model import Article, Corpus, Link, LinkClass, Occurrences, Problem, Resolution
from graph.parse import language_root
from graph.slugs import TEMPLATE_SYNTAX, decode_path, page_path, site_address
from graph.text import INVISIBLE, field_lang, shown

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
        ``_missing``), for each article with a missing link, from the last call."""
        self.linking: dict[str, list[int]] = {}
        """Missing target -> the positions of the articles with a missing link to it, in order."""
        self.summary: tuple[dict, dict] = ({}, {})
        """The last call's missing labels and demand."""
        self.respelled = True
        """Whether the last call gave some missing target one spelling of several (or none ran)."""
        self.trimmed: dict[str, tuple[Article, Article]] = {}
        """Path -> (article, the same without its aliases that resolve elsewhere) from the last
        call: one record while the article is the same, which tells later stages' memos it is."""


def resolve(corpus: Corpus, memo: ResolveMemo | None = None) -> Resolution:
    """Classify every link of the corpus and pick the article that defines each concept; ``memo``,
    kept by the caller across calls, spares classifying the links of unchanged articles again."""
    problems = list(corpus.problems)
    articles = _deduplicate(corpus.articles, problems)
    _case_variants(articles, problems)
    names = tuple((a.path, a.slug, a.lang, a.site_dir, a.aliases) for a in corpus.articles)
    same = memo is not None and memo.names == names
    index = memo.index if same else None  # made when an article needs it
    hrefs = memo.hrefs if same else {}  # hrefs repeat a lot (popular targets): classify each spelling once per folder
    previous = memo.articles if same else {}
    kinds, targets = bytearray(), []  # per link: its class (index in LinkClass.ALL) and target
    resolved = {}
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
    if any(a.aliases for a in articles):
        index = index or _Index(articles)
        articles = _only_own_aliases(articles, index, problems, memo)
    elif memo is not None:
        memo.trimmed = {}
    if memo is not None:
        memo.names, memo.hrefs, memo.articles, memo.index = names, hrefs, resolved, index
    respelled = _unify_missing_spellings(kinds, targets, _CODE[MISSING])
    occurrences = Occurrences(articles, bytes(kinds), targets)
    problems.sort(key=lambda p: (p.path, p.line, p.code))
    # Only the articles classified again can tell something else about missing targets, while
    # the articles are the same files and no target was respelled (then or now).
    changed = again if memo is not None and same and not respelled and not memo.respelled else None
    if memo is not None:
        memo.respelled = respelled
    return Resolution(corpus, tuple(articles), occurrences, tuple(problems), *_missing(occurrences, memo, changed))


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
    if href.startswith("//"):
        return EXTERNAL, None, None
    path = decode_path(href.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return SELF, None, None
    if path.startswith("/"):
        if _escapes(path.lstrip("/")):
            return UNSAFE, "'..' climbs above the site root", None
        return LOOKUP, page_path(path), None
    joined = posixpath.join(folder, path)
    if _escapes(joined):
        return UNSAFE, "'..' climbs above the corpus root", None
    joined = posixpath.normpath(joined)
    prefix = site_dir + "/" if site_dir else ""
    if joined.startswith(prefix):
        return LOOKUP, page_path(joined[len(prefix):]), None
    # Out of the article's language root: the file itself if it exists, else the concept its
    # path names below the language root it enters (``../English/x.md`` -> ``x``), as that
    # file's slug would be; one missing concept, not one per language folder linked into.
    other_root, _, below = language_root(joined, "")
    return LOOKUP, page_path(below if other_root else joined), page_path(joined)


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
        beside = page_path(posixpath.normpath(posixpath.join(folder, decode_path(path.split("#", 1)[0]))))
        return href_target("/" + path, site_dir, folder)[:2] + (beside,)
    if how == "post":
        path = "_posts/" + path.lstrip("/")
    kind, key, _ = href_target("/" + path.lstrip("/"), site_dir, folder)
    if kind != LOOKUP or how == "url" or how == "ref":
        return kind, key, None
    return kind, key, page_path(decode_path(path.lstrip("/").split("#", 1)[0]))  # from the corpus root


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
    return INVISIBLE.search(href.strip()) is not None or ("%" in href and INVISIBLE.search(decode_path(href).strip()) is not None)


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
    claimants: dict[tuple[str, str | None], Article] | None = None  # made when a problem names one
    kept_articles = []
    for article in articles:
        if not article.aliases:
            kept_articles.append(article)
            continue
        slug, lang, lines = article.slug, article.lang, article.alias_lines
        kept = []
        for i, alias in enumerate(article.aliases):
            line = lines[i] if i < len(lines) else 1
            winner = index.exact[(lang, alias)]
            folded = winner if winner != slug else index.folded[(lang, alias.casefold())]
            if folded != slug and line:
                if claimants is None:
                    claimants = {(a.slug, a.lang): a for a in articles}
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
            kept_articles.append(article)
            continue
        previous = last.get(article.path)
        aliases = tuple(article.aliases[i] for i in kept)
        if previous is None or previous[0] is not article or previous[1].aliases != aliases:
            previous = (article, replace(article, aliases=aliases,
                                         alias_lines=tuple(lines[i] for i in kept if i < len(lines))))
        trimmed[article.path] = previous
        kept_articles.append(previous[1])
    if memo is not None:
        memo.trimmed = trimmed
    return kept_articles


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
            entry = (article, kinds, targets, _told(article, kinds, targets, judged))
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
        memo.missing, memo.linking, memo.summary = kept, dict(linking), (labels, demand)
    return labels, demand


def _missing_again(occurrences: Occurrences, memo: ResolveMemo, changed: list[int]
                   ) -> tuple[dict[str, dict[str | None, str]], dict[str, tuple[int, int]]]:
    """``_missing`` from the memo of the last call, counting again only the targets that the
    ``changed`` articles link or linked: a target's labels and demand depend on its links alone
    (in article order), so each is counted as the whole corpus would count it."""
    missing, starts = _CODE[MISSING], occurrences.starts
    judged: dict = {}
    touched: set[str] = set()
    for i in changed:
        article = occurrences.articles[i]
        start, stop = starts[i], starts[i] + len(article.links)
        kinds, targets = occurrences.kinds[start:stop], occurrences.targets[start:stop]
        old = memo.missing.pop(article.path, None)
        new = (article, kinds, targets, _told(article, kinds, targets, judged)) if missing in kinds else None
        if new is not None:
            memo.missing[article.path] = new
        was, now = (dict.fromkeys(t for t, _, _ in entry[3]) if entry else {} for entry in (old, new))
        for target in was.keys() - now.keys():
            memo.linking[target].remove(i)
        for target in now.keys() - was.keys():
            insort(memo.linking.setdefault(target, []), i)
        touched.update(was, now)
    labels, demand = (dict(d) for d in memo.summary)
    for target in touched:
        positions = memo.linking.get(target)
        if positions:
            labels[target], demand[target] = _count_target(target, positions, occurrences.articles, memo.missing)
        else:
            memo.linking.pop(target, None)
            labels.pop(target, None)
            demand.pop(target, None)
    if not labels.keys() <= memo.summary[0].keys():  # a new target, at the end: put in slug order
        labels, demand = ({slug: d[slug] for slug in sorted(d)} for d in (labels, demand))
    memo.summary = (labels, demand)
    return labels, demand


def _told(article: Article, kinds: bytes, targets: tuple, judged: dict
          ) -> tuple[tuple[str, str | None, str | None], ...]:
    """(target, label language, label or None) of each missing link of an article, in order."""
    missing, lang, found = _CODE[MISSING], article.lang, []
    for link, kind, target in zip(article.links, kinds, targets):
        if kind == missing and target is not None:
            label = judged.get((link.text, lang))
            if label is None:
                wordy, label_lang = anchor_lang(link.text, lang)
                label = judged[(link.text, lang)] = (label_lang, link.text) if wordy else (None, None)
            found.append((target, *label))
    return tuple(found)


def _count_target(target: str, positions: list[int], articles: tuple[Article, ...], told: dict[str, tuple]
                  ) -> tuple[dict[str | None, str], tuple[int, int]]:
    """The labels and demand of one missing target, from what the articles at ``positions`` tell."""
    counted: Counter[tuple[str | None, str | None]] = Counter()
    slugs = set()
    for i in positions:
        article = articles[i]
        counted.update((lang, text) for t, lang, text in told[article.path][3] if t == target)
        slugs.add(article.slug)
    best: dict[str | None, tuple[str, int]] = {}
    for (lang, text), n in counted.items():
        if text is not None and (lang not in best or n > best[lang][1]):
            best[lang] = (text, n)
    return _label(target, best), (sum(counted.values()), len(slugs))


def _label(slug: str, best: dict[str | None, tuple[str, int]]) -> dict[str | None, str]:
    return {lang: text for lang, (text, _) in best.items()} or {None: slug.rpartition("/")[2]}
