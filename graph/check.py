"""The link audit as a gate for corpus editors: which links are broken (missing target) or
unsafe, and whether that should fail a CI job. Reads and resolves like a build; writes nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

from graph.mentions import MIN_CONFIDENCE, Mention, all_mentions, format_mentions
from graph.parse import ParseOptions
from graph.reader import discover, read_corpus
from graph.model import LinkClass, Problem, Resolution
from graph.resolve import resolve
from graph.text import shown

MISSING, UNSAFE = LinkClass.MISSING, LinkClass.UNSAFE


@dataclass(frozen=True, slots=True)
class BadLink:
    """One link occurrence a reader cannot follow."""

    path: str
    """File, relative to the current folder when inside it (so editors and CI can open it)."""
    line: int
    href: str
    """As written in the file."""
    kind: str
    """``missing`` (no article has that slug) or ``unsafe``."""
    target: str | None
    """Slug of the missing target; None for unsafe links."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Every bad link, in file and line order, and whether the gate fails."""

    files: int
    links: int
    """Link occurrences checked."""
    bad: tuple[BadLink, ...]
    missing: int
    unsafe: int
    failed: bool
    """Unsafe links always fail; missing ones fail unless allowed or within the threshold."""
    mentions: tuple[Mention, ...] = ()
    """Unlinked mentions, when asked for (they never fail the check)."""
    problems: tuple[Problem, ...] = ()
    """The input's problems, as a build reports them (paths as ``bad``'s); they do not fail the
    check: a file it could not read is said, not passed over in silence."""


def check_links(
    paths: Iterable[str | os.PathLike[str]],
    allow_missing: bool = False,
    max_missing: int | None = None,
    default_lang: str | None = None,
    mentions: bool = False,
    wikilinks: bool = False,
) -> CheckResult:
    """Audit the links of the Markdown files under ``paths``; ``max_missing`` tolerates that many;
    ``mentions`` also lists unlinked mentions; ``wikilinks`` reads ``[[Page]]`` links too."""
    root, resolution = _read(paths, default_lang, wikilinks)
    listed = _mentions(resolution, root, MIN_CONFIDENCE) if mentions else ()
    bad = tuple(BadLink(_at(root, o.path), o.link.line, o.link.href, o.kind, o.target if o.kind == MISSING else None)
                for o in resolution.occurrences if o.kind in (MISSING, UNSAFE))
    missing = sum(1 for b in bad if b.kind == MISSING)
    unsafe = len(bad) - missing
    missing_fails = not allow_missing and missing > (max_missing or 0)
    problems = tuple(replace(p, path=_at(root, p.path)) for p in resolution.problems)
    return CheckResult(resolution.corpus.files, len(resolution.occurrences), bad, missing, unsafe,
                       failed=bool(unsafe) or missing_fails, mentions=listed, problems=problems)


def _at(root: str, path: str) -> str:
    """A path relative to the input root as an editor in the current folder opens it."""
    return os.path.join(root, path) if root != "." else path


def find_mentions(paths: Iterable[str | os.PathLike[str]], default_lang: str | None = None,
                  min_confidence: float | None = None, wikilinks: bool = False) -> tuple[Mention, ...]:
    """Unlinked mentions in the Markdown files under ``paths``, with paths an editor can open
    (``wikilinks``: ``[[Page]]`` links are links, not prose)."""
    root, resolution = _read(paths, default_lang, wikilinks)
    return _mentions(resolution, root, MIN_CONFIDENCE if min_confidence is None else min_confidence)


def _read(paths: Iterable[str | os.PathLike[str]], default_lang: str | None,
          wikilinks: bool = False) -> tuple[str, Resolution]:
    """(the input root as shown to an editor, the resolved corpus) of the files under ``paths``."""
    found = discover(paths)
    return _shown(found.root), resolve(read_corpus(found, ParseOptions(default_lang, wikilinks=wikilinks)))


def _mentions(resolution: Resolution, root: str, min_confidence: float) -> tuple[Mention, ...]:
    found = all_mentions(resolution, min_confidence)
    return found if root == "." else tuple(replace(m, path=_at(root, m.path)) for m in found)


def _shown(root) -> str:
    relative = os.path.relpath(root)
    return str(root) if relative.startswith("..") else relative


def format_check(result: CheckResult, fmt: str = "text") -> str:
    """One ``path:line: href (kind)`` line per bad link (control and invisible characters
    escaped: text.shown), or the whole result as JSON."""
    if fmt == "json":
        return json.dumps(asdict(result), ensure_ascii=False, indent=1)
    lines = "\n".join(shown(f"{b.path}:{b.line}: {b.href} ({b.kind})") for b in result.bad)
    return "\n".join(filter(None, (lines, format_mentions(result.mentions))))


def verdict(result: CheckResult) -> str:
    """One line: what was checked and the verdict."""
    verdict = "FAIL" if result.failed else "ok"
    mentions = f", {len(result.mentions)} unlinked mentions" if result.mentions else ""
    return (f"{result.files} files, {result.links} links: {result.missing} missing, "
            f"{result.unsafe} unsafe{mentions} -> {verdict}")
