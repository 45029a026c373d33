"""Names in code: where an article writes a concept's name as inline code.

Documentation names what it documents in code spans (`` `GetPage` ``, `` `collections.Where` ``,
`` `{{ .Title }}` ``), linked or not, and prose mentions (``graph.mentions``) skip code. A code
span names a concept when its text, or the last part of a dotted or slashed path in it
(`` `.Page.GetPage` `` → ``getpage``), equals, without regard to case, the concept's title or
the last segment of its slug, or the last part of either. Only spans written like an identifier
count (no spaces once ``{{ }}``, a leading ``.`` or ``$`` and a trailing ``()`` are taken off):
a span of prose or a command line names nothing. A name several concepts share counts 1/n for
each; one shared by more than ``MAX_OWNERS`` names none (it would say little, and ``overview``
written in thousands of articles, naming thousands of pages, would cost their product). Code
inside link text counts too: ``related`` leaves out what the asking article already links to,
and the build's fit, hiding a link, must see what its anchor would say once unlinked.

The spans are found while the parser reads the links (``graph.links.find_links``), in the whole
body (its first ``ParseOptions.max_links`` spans, as many as links are read), and kept on the
article (``Article.code``): a build keeps only the lead of each body, and API names sit anywhere
in a reference page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graph.model import Article

Named = dict[str, dict[str, tuple[int, float]]]
"""Concept -> concept it names in code -> (line of the first such span, 1 / concepts sharing the name)."""

MAX_OWNERS = 32
"""A name shared by more concepts names none of them (a bound on cost: the real corpora's most
shared, ``page`` in the Hugo docs, names 7)."""

_IDENTIFIER = re.compile(r"[\w.\-/:$]*[^\W\d_][\w.\-/:$]*")  # at least one letter
_PARTS = re.compile(r"[./:]")


def keys(text: str) -> tuple[str, ...]:
    """What a code span or a name is looked up by: its whole text, then its last part; () when it is no identifier."""
    t = text.strip()
    if t.startswith("{{") and t.endswith("}}"):
        t = t[2:-2].strip(" -")  # Go templates' {{- .Title -}}
    t = t.removesuffix("()").lstrip(".$").casefold()
    if not _IDENTIFIER.fullmatch(t):
        return ()
    last = _PARTS.split(t)[-1]
    return (t, last) if last != t and _IDENTIFIER.fullmatch(last) else (t,)


def code_keys(spans: Iterable[tuple[int, str]]) -> tuple[tuple[int, str], ...]:
    """(line, whole key) of the first span of each key among (line, text) of a body's code spans, in order."""
    first: dict[str, int] = {}
    for line, text in spans:
        found = keys(text)
        if found:
            first.setdefault(found[0], line)
    return tuple((line, key) for key, line in first.items())


class CodeMemo:
    """What a long-lived process (``--watch``) keeps of the last build's names in code."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, ...]] = {}
        """Each title's and slug segment's ``keys``, of the last build."""
        self.named: Named = {}
        """The last answer, whose rows are lent where equal: a rebuild's index finds them unchanged by identity."""


def name_owners(articles: Iterable[Article], memo: CodeMemo | None = None) -> dict[str, tuple[str, ...]]:
    """Lookup key -> the concepts (slugs, sorted) whose title or slug's last segment it is (or the
    last part of), for keys of at most ``MAX_OWNERS`` concepts."""
    known = memo.keys if memo is not None else {}
    made: dict[str, tuple[str, ...]] = {}
    owners: dict[str, set[str]] = {}
    for a in articles:
        for text in (a.title, a.slug.rpartition("/")[2]):
            found = made.get(text)
            if found is None:
                found = made[text] = known.get(text) or keys(text)
            for key in found:
                owners.setdefault(key, set()).add(a.slug)
    if memo is not None:
        memo.keys = made
    return {key: tuple(sorted(slugs)) for key, slugs in owners.items() if len(slugs) <= MAX_OWNERS}


def code_names(articles: tuple[Article, ...], memo: CodeMemo | None = None) -> Named:
    """Per concept, the concepts its articles name in code (not itself), the first span of each
    target kept (articles in path order, spans in line order)."""
    found: Named = {}
    if any(a.code for a in articles):
        owners = name_owners(articles, memo)
        for a in sorted(articles, key=lambda a: a.path):
            row = found.setdefault(a.slug, {})
            for line, key in a.code:
                if key not in owners:  # the whole span first, then its last part
                    key = _PARTS.split(key)[-1]
                for target in owners.get(key, ()):
                    if target != a.slug and target not in row:
                        row[target] = (line, 1 / len(owners[key]))
        found = {slug: row for slug, row in found.items() if row}
    if memo is not None:
        last = memo.named
        found = {slug: last[slug] if last.get(slug) == row else row for slug, row in found.items()}
        memo.named = found
    return found
