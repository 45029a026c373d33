"""Files -> corpus: discover the Markdown files, read them (in worker processes, through the
parse cache) and parse each with ``graph.parse``, the pure part that tests feed strings.

A bad file is recorded as a ``Problem`` and the reading goes on (pelican style). What is read
and what is refused is the policy of docs/faults.md, "What linkgraph promises under faults and
hostile input": nothing outside the input root, no FIFO, socket or device, at most
``ParseOptions.max_file_bytes`` per file.
"""

from __future__ import annotations

import os
import re
import stat
import time
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, replace
from functools import partial
from itertools import chain, compress, repeat
from operator import is_not, itemgetter
from pathlib import Path
from sys import intern
from typing import NamedTuple

from graph.cache import FileCache, content_digest, file_stamp
from graph.errors import UsageError
from graph.model import Article, Corpus, Link, Problem, new_record
from graph.parse import ParseOptions, parse_bytes, too_large
from graph.slugs import MARKDOWN_SUFFIXES
from graph.textindex import body_chars as lead_chars
from graph.workers import pool, release_free_memory

# O_NOFOLLOW: a file swapped for a symlink after discovery is refused, not followed;
# O_NONBLOCK: a file swapped for a FIFO cannot block the open (fstat then refuses it).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class Source(NamedTuple):
    """One Markdown file to read."""

    rel: str
    """Its name in every output: the path relative to the input root, POSIX, NFC, with
    undecodable bytes and control characters spelled ``\\xNN`` (docs/faults.md)."""
    path: str
    """What to open: the file itself, or the target of a symbolic link that stays inside the root."""


@dataclass(frozen=True, slots=True)
class Discovery:
    """The input root, the files to read (sorted by ``rel``) and every entry refused, as problems."""

    root: Path
    files: tuple[Source, ...]
    problems: tuple[Problem, ...]
    linked: tuple[str, ...] = ()
    """The names of the files read through a symbolic link (their ``path`` is its target)."""



def _preferred(path: str) -> tuple[bool, str]:
    """Sort key of two spellings of one file's path: the one in NFC first, then by code point."""
    return not unicodedata.is_normalized("NFC", path), path


def _form(path: str) -> str:
    """How a file's path is written, for a problem about two paths that print alike."""
    if unicodedata.is_normalized("NFC", path):
        return "composed (NFC)"
    if unicodedata.is_normalized("NFD", path):
        return "decomposed (NFD, as macOS writes names)"
    return "in neither NFC nor NFD"


def discover(paths: Iterable[str | os.PathLike[str]]) -> Discovery:
    """The input root (common folder of the inputs), every Markdown file under it, and what was refused.

    Hidden folders (``.git``) are skipped. A symbolic link to a file is followed only when its
    target is a regular file inside the root; links to folders are not followed; FIFOs, sockets
    and devices are never opened. Each refused entry is a Problem naming it. An input path that
    does not exist, is not a file or folder, or is a file without a Markdown suffix is a UsageError.
    """
    inputs = [Path(p).resolve() for p in paths]
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    for p in inputs:
        if not (p.is_dir() or p.is_file()):
            raise UsageError(f"{p} is not a regular file or a folder")
        if p.is_file() and not p.name.lower().endswith(MARKDOWN_SUFFIXES):
            raise UsageError(f"{p} is not a Markdown file ({', '.join(MARKDOWN_SUFFIXES)})")
    root = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in inputs]))
    found: dict[str, Source] = {}
    problems: list[Problem] = []
    under = os.path.join(str(root), "")  # every entry walked starts so: the inputs are resolved

    def relative(entry: str) -> str:
        # A slice, not os.path.relpath, which normalises both paths on each call (half of
        # discovering 50,000 files).
        rel = entry[len(under):] if entry.startswith(under) else os.path.relpath(entry, root)
        return rel.replace(os.sep, "/")

    def refuse(entry: str, code: str, message: str) -> None:
        problems.append(Problem(safe_name(relative(entry))[0], 0, code, message))

    def add(file: str, target: str) -> None:
        rel, exact = safe_name(relative(file))
        if not exact:
            problems.append(unsafe_name(rel))
        first = found.setdefault(rel, Source(rel, target))
        if first.path != target:
            # Which one is read must not hang on the order a folder lists them in: the name already
            # in NFC (what links are compared in), else the first by code point; both print alike,
            # so the problem says how the other one is written.
            if _preferred(target) < _preferred(first.path):
                found[rel], target = Source(rel, target), first.path
            problems.append(Problem(rel, 0, "duplicate-file-name", "another file has the same name once "
                                    f"Unicode-normalised (NFC) and safely spelled; the one written {_form(target)} "
                                    "is not read"))

    for p in inputs:
        if p.is_file():
            add(str(p), str(p))
            continue
        # os.scandir, not os.walk: an entry's type comes with the listing (d_type), so a regular
        # file costs no lstat here (the reader stats it once); os.walk's order is kept.
        folders = [str(p)]
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError as exc:
                refuse(exc.filename or folder, "unreadable-folder", f"cannot list folder: {exc.strerror}; skipped")
                continue
            below = []
            for entry in entries:
                try:
                    is_dir = entry.is_dir()  # a link to a folder counts as one, as in os.walk
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_symlink():
                        refuse(entry.path, "symlink-folder", "symbolic link to a folder; not followed")
                    else:
                        below.append(entry.path)
                elif entry.name.lower().endswith(MARKDOWN_SUFFIXES):
                    if entry.is_file(follow_symlinks=False):
                        add(entry.path, entry.path)
                        continue
                    target, refusal = _check_entry(entry.path, root)
                    if refusal is None:
                        add(entry.path, target)
                    else:
                        refuse(entry.path, *refusal)
            folders.extend(reversed(below))  # depth first, in listing order, as os.walk goes
    files = tuple(sorted(found.values()))
    linked = tuple(source.rel for source in files if source.path != under + source.rel.replace("/", os.sep))
    return Discovery(root, files, tuple(sorted(problems, key=lambda q: (q.path, q.code))), linked)


def rediscover(paths: Iterable[str | os.PathLike[str]], last: Discovery,
               touched: Iterable[str]) -> tuple[Discovery, frozenset[str]] | None:
    """``discover(paths)`` from ``last`` and the paths a watcher reported changed (``touched``),
    without listing a folder or stat-ing an unchanged file, with the names of the files that may
    have changed; None when only ``discover`` can tell (a folder, a link or a special file
    appeared, a name needs escaping, an entry ``last`` refused changed, an input went), as it
    does for everything else: a file added, changed or removed, a folder removed with its files."""
    inputs = [Path(p).resolve() for p in paths]
    if not all(p.is_dir() or p.is_file() for p in inputs) or \
            Path(os.path.commonpath([p if p.is_dir() else p.parent for p in inputs])) != last.root:
        return None
    folders = [os.path.join(str(p), "") for p in inputs if p.is_dir()]
    under = os.path.join(str(last.root), "")
    files = _Listing(last.files)
    refused = {problem.path for problem in last.problems}
    linked: dict[str, list[str]] = {}  # a symbolic link's target -> the names read through it
    for name in last.linked:
        linked.setdefault(files[name].path, []).append(name)
    names = set()
    for reported in touched:
        # The watcher may report a path through a link to the root, or a relative one.
        path = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(reported))), os.path.basename(reported))
        folder = next((f for f in folders if path.startswith(f)), None)
        if folder is None:
            continue  # not under an input folder: discover reads only the input files there
        if any(part.startswith(".") for part in path[len(folder):].split(os.sep)[:-1]):
            continue  # inside a hidden folder, which discover never enters
        rel = path[len(under):].replace(os.sep, "/")
        name, exact = safe_name(rel)
        if not exact or name != rel or name in refused:
            return None
        names.update(linked.get(path, ()))  # read through a link: changed with its target
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if path in linked:
                return None  # a link left dangling, which discover refuses
            gone = [name] if name in files else files.below(name + "/")
            for f in gone:
                del files[f]
            names.update(gone)
            continue
        except OSError:
            return None
        if not name.lower().endswith(MARKDOWN_SUFFIXES):
            if stat.S_ISDIR(st.st_mode):
                return None  # a folder moved in: its files are discover's to list
            continue  # a file discover does not read (an editor's temporary file)
        if not stat.S_ISREG(st.st_mode) or files.setdefault(name, Source(name, path)).path != path:
            return None
        names.add(name)
    if not files.changed:  # no file came or went: the last listing, as it was
        return last, frozenset(names)
    return Discovery(last.root, files.sorted(), last.problems,
                     tuple(name for name in last.linked if name in files)), frozenset(names)


class _Listing:
    """A listing's files by name, as ``rediscover`` changes them, without a dict of every file:
    the last listing's sorted files are searched by name (bisect), and only the names added or
    removed are held apart; 50,000 files are copied only when one came or went."""

    def __init__(self, files: tuple[Source, ...]) -> None:
        self.files = files
        self.added: dict[str, Source] = {}
        self.removed: set[str] = set()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def _last(self, name: str) -> Source | None:
        i = bisect_left(self.files, (name,))  # (name,) sorts right before the Source named so
        return self.files[i] if i < len(self.files) and self.files[i].rel == name else None

    def get(self, name: str) -> Source | None:
        if name in self.added:
            return self.added[name]
        return None if name in self.removed else self._last(name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, name: str) -> Source:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __delitem__(self, name: str) -> None:
        self.added.pop(name, None)
        if self._last(name) is not None:
            self.removed.add(name)

    def setdefault(self, name: str, source: Source) -> Source:
        found = self.get(name)
        if found is None:  # new, or removed before: held apart either way
            found = self.added[name] = source
        return found

    def below(self, prefix: str) -> list[str]:
        """The names that start with ``prefix`` (a folder's, ending with ``/``)."""
        start = bisect_left(self.files, (prefix,))
        stop = bisect_left(self.files, (prefix[:-1] + chr(ord(prefix[-1]) + 1),))
        return [s.rel for s in self.files[start:stop] if s.rel not in self.removed] + [
            name for name in self.added if name.startswith(prefix)]

    def sorted(self) -> tuple[Source, ...]:
        kept = [s for s in self.files if s.rel not in self.removed] if self.removed else list(self.files)
        return tuple(sorted(kept + list(self.added.values())))


def unreported(paths: Iterable[str | os.PathLike[str]], last: Discovery,
               known: Mapping[str, tuple]) -> frozenset[str] | None:
    """What changed under ``paths`` since ``last`` and ``known`` (``read_corpus``'s) were made
    that a watcher should have reported: the names of files added, removed or with a new stamp;
    None when what ``discover`` refuses changed. Empty when nothing did. A stamp made racy by
    a read right after a save (``graph.cache.file_stamp``) is compared without its mark: the
    watcher reports a second save in the same clock tick, and this is the check for lost reports."""
    found = discover(paths)
    if found.root != last.root or found.problems != last.problems:
        return None
    before = {source.rel for source in last.files}
    now = {source.rel for source in found.files}
    changed = before ^ now
    for rel, file in found.files:
        entry = known.get(rel)
        if entry is not None:
            stamp = _stamp(file)
            if stamp is None or entry[0][:len(stamp)] != stamp:
                changed.add(rel)
    return frozenset(changed)


def _check_entry(file: str, root: Path) -> tuple[str, tuple[str, str] | None]:
    """(path to open, None) for a readable entry, else (file, (problem code, message)); never opens it."""
    try:
        st = os.lstat(file)
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(file)
            if os.path.commonpath([target, root]) != str(root):
                return file, ("outside-root", "symbolic link to a file outside the input root; not read")
            st = os.stat(target)
            file = target
    except OSError as exc:
        return file, ("unreadable", f"cannot read entry: {exc.strerror}; skipped")
    except ValueError:  # commonpath of paths on different drives (Windows)
        return file, ("outside-root", "symbolic link to a file outside the input root; not read")
    if not stat.S_ISREG(st.st_mode):
        return file, ("not-a-file", f"{_file_type(st.st_mode)}, not a regular file; not opened")
    return file, None


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def safe_name(rel: str) -> tuple[str, bool]:
    """(the spelling of a relative path used in outputs, whether it is the name itself).

    NFC, so a file stored in NFD (macOS) resolves from links typed in NFC; bytes that are not
    UTF-8 (which os.fsdecode keeps as lone surrogates) and control characters become ``\\xNN``
    (U+FFFE and U+FFFF, which XML forbids, ``\\ufffe``),
    so no output, XML or CSV or terminal, ever receives them raw.
    """
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        rel = os.fsencode(rel).decode("utf-8", "backslashreplace")
        exact = False
    else:
        exact = True
    if _UNSAFE_NAME.search(rel):
        rel = _UNSAFE_NAME.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                               else f"\\u{ord(m.group()):04x}", rel)
        exact = False
    return unicodedata.normalize("NFC", rel), exact


def read_corpus(
    paths: Iterable[str | os.PathLike[str]] | Discovery,
    options: ParseOptions = ParseOptions(),
    jobs: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    lead_only: bool = False,
    known: MutableMapping[str, tuple] | None = None,
    touched: Collection[str] | None = None,
) -> Corpus:
    """Read every Markdown file under ``paths`` (or of a finished ``discover``) into a Corpus, in sorted path order.

    ``options.root_name`` is filled in from the discovered root. ``jobs`` > 1 parses in that many
    processes (never more than the cores); ``cache_dir`` reuses what an earlier build parsed from
    unchanged files (see graph.cache); ``progress(done, total)`` is called as files are read. A parse cache that cannot be
    used is a warning in ``Corpus.warnings``, never a failure. ``lead_only`` keeps of each body only
    the start a build reads (``graph.textindex.body_chars`` of the file count), to save memory.
    ``known``, kept by a long-lived caller (``--watch``), holds what the last read made of each
    file with its stamp (``graph.cache.file_stamp``): a file whose stamp is unchanged is taken
    from it without opening the file or the cache, as the cache itself would (it is updated to this read).
    ``touched``, with ``known``: the names of the only files that may have changed since (a
    watcher's report, ``rediscover``); the others are taken from ``known`` without a stat.
    """
    found = paths if isinstance(paths, Discovery) else discover(paths)
    root, files = found.root, found.files
    options = replace(options, root_name=root.name)
    body_chars = lead_chars(len(files)) if lead_only else None
    cache = FileCache.open(cache_dir, root, options) if cache_dir is not None else None
    results: list[tuple[Article | None, list[Problem]] | None] = [None] * len(files)
    tasks = []
    stale = {}
    lean = partial(unpack, body_chars=body_chars)
    stamps: list[tuple[int, ...] | None] = [None] * len(files)
    again = _known_again(files, known, touched, body_chars) if known is not None and touched is not None else None
    for i in range(len(files)) if again is None else again[1]:
        rel, file = files[i]
        if known is not None:
            entry = known.get(rel)
            if touched is not None and entry is not None and rel not in touched and entry[1] == body_chars:
                stamps[i] = entry[0]
                results[i] = (entry[2], list(entry[3]))
                continue
            stamps[i] = stamp = _stamp(file)
            if entry is not None and stamp is not None and entry[:2] == (stamp, body_chars):
                results[i] = (entry[2], list(entry[3]))
                continue
        hit = cache.lookup(rel, Path(file), lean) if cache is not None else None
        if hit is not None and hit.fresh:
            results[i] = (hit.article, list(hit.problems))
        else:
            if hit is not None:
                stale[rel] = hit
            tasks.append((i, file, rel, options, hit.digest if hit else None))
    done = len(files) - len(tasks)
    for i, rel, stamp, digest, parsed in _map(_read_task, tasks, jobs):
        stamps[i] = stamp
        if parsed is None:  # content unchanged since the cache entry: only its stamp moved
            results[i] = cache.reuse(rel, stamp, stale[rel])
        else:
            packed, problems = parsed
            article = lean(packed)
            if cache is not None:
                cache.store(rel, stamp, digest, _with_shared_strings(packed, article), problems)
            results[i] = (article, problems)
        done += 1
        if progress is not None:
            progress(done, len(files))
    gone = ()
    if again is not None:  # the known entries, with those of the files read again
        entries, todo, gone, rels = again
        for i in todo:
            article, problems = results[i]
            entries[i] = (stamps[i], body_chars, article, tuple(problems))
            if stamps[i] is not None:
                known[rels[i]] = entries[i]
            else:
                known.pop(rels[i], None)
        for rel in gone:
            del known[rel]
        found_articles = list(map(_ARTICLE, entries))
        articles = list(compress(found_articles, map(is_not, found_articles, repeat(None))))  # in C
        problems = list(found.problems) + list(chain.from_iterable(map(_PROBLEMS, entries)))
    else:
        rels = [rel for rel, _ in files]
        if known is not None:
            gone = known.keys() - set(rels)
            kept = {rel: (stamp, body_chars, article, tuple(problems))
                    for rel, stamp, (article, problems) in zip(rels, stamps, results)
                    if stamp is not None}
            known.clear()
            known.update(kept)
        articles = [a for a, _ in results if a is not None]
        problems = list(found.problems) + [p for _, found_here in results for p in found_here]
    warnings = ()
    if cache is not None:
        cache.save(keep=rels, gone=gone)
        warnings = tuple(cache.warnings)
        cache = stale = None  # its rows, every file's whole parse, are the largest thing a build allocates
    release_free_memory()
    return Corpus(tuple(articles), tuple(problems), len(files), options.default_lang, warnings)


_REL, _ARTICLE, _PROBLEMS = itemgetter(0), itemgetter(2), itemgetter(3)


def _known_again(files: tuple[Source, ...], known: Mapping[str, tuple], touched: Collection[str],
                 body_chars: int | None) -> tuple[list, list[int], set[str], list[str]] | None:
    """What ``read_corpus`` needs to read when told the only files that may have changed
    (``touched``): (each file's ``known`` entry, None for those to read; the positions of those;
    the names known that are gone; the files' names), when every other file is known, read with
    ``body_chars``, and nothing else is known; else None (every file is looked at). A rebuild of a
    watch then walks its 50,000 files only in C."""
    rels = list(map(_REL, files))
    entries = list(map(known.get, rels))
    todo = sorted({i for name in touched if (i := bisect_left(rels, name)) < len(rels) and rels[i] == name})
    held = sum(entries[i] is not None for i in todo)
    for i in todo:
        entries[i] = None
    gone = {name for name in touched if name in known} - {rels[i] for i in todo}
    if entries.count(None) != len(todo) or len(known) != len(rels) - len(todo) + held + len(gone):
        return None
    if len(todo) < len(rels) and set(map(_BODY_CHARS, filter(None, entries))) != {body_chars}:
        return None
    return entries, todo, gone, rels


_BODY_CHARS = itemgetter(1)


def _stamp(file: str) -> tuple[int, ...] | None:
    """The stamp of a file now (``graph.cache.file_stamp``); None if it cannot be read."""
    try:
        return file_stamp(os.stat(file))
    except OSError:
        return None


def _with_shared_strings(packed: tuple | None, article: Article | None) -> tuple | None:
    """``packed`` with the link columns of its lean article: the parse cache holds every file's
    row until it is saved, and the links' own string copies were half of it (the lean article has
    one object per distinct href, anchor text and section in the corpus)."""
    if packed is None or article is None or not article.links:
        return packed
    return (*packed[:8], *zip(*article.links), *packed[13:])


def pack(article: Article | None) -> tuple | None:
    """An Article as plain tuples, its links as five columns: what a worker sends and the parse
    cache stores. Pickle and marshal handle such tuples in C, and building them (``zip``) makes no
    Python call per link."""
    if article is None:
        return None
    columns = tuple(zip(*article.links)) if article.links else ((),) * 5
    return (article.path, article.slug, article.lang, article.site_dir, article.title, article.description,
            article.keywords, article.aliases, *columns, article.body, article.body_line, article.alias_lines,
            article.code)


def unpack(packed: tuple | None, body_chars: int | None = None) -> Article | None:
    """The Article of ``pack``, as a build holds it: one string object per distinct href, anchor
    text and section in the whole corpus (each file's results arrive with copies of their own: a
    quarter of the memory of a million links), and only the first ``body_chars`` characters of its
    body if given. The links are made without a Python call each (a corpus has millions)."""
    if packed is None:
        return None
    path, slug, lang, site_dir, title, description, keywords, aliases, hrefs, texts, lines, sections, syntaxes, \
        body, body_line, alias_lines, code = packed
    links = tuple(map(new_record, repeat(Link), zip(map(intern, hrefs), map(intern, texts), lines,
                                                    map(intern, sections), map(intern, syntaxes))))
    return Article(path, slug, lang, site_dir, title, description, tuple(keywords), tuple(aliases), links,
                   body if body_chars is None else body[:body_chars], body_line, tuple(alias_lines),
                   tuple(map(tuple, code)))



def usable_jobs(jobs: int) -> int:
    """``jobs`` capped to the cores this process may use: more processes only compete for them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(jobs, cores))


def _map(function, tasks: list, jobs: int) -> Iterator:
    """``map`` over tasks in order, in ``jobs`` processes when that pays off."""
    jobs = usable_jobs(jobs)
    if jobs <= 1 or len(tasks) < 64:
        yield from map(function, tasks)
        return
    # fork shares the loaded modules with the workers; elsewhere the platform default.
    with pool(jobs) as workers:
        yield from workers.imap(function, tasks, chunksize=max(1, min(256, len(tasks) // (jobs * 16))))


def read_bounded(file: str, limit: int) -> tuple[os.stat_result, bytes]:
    """The stat and bytes of a regular file of at most ``limit`` bytes.

    Opened without following a symbolic link and without blocking, checked to be a regular file
    before any read, and never read past ``limit`` + 1 bytes, so a device, a FIFO or a file that
    grows while read cannot exhaust memory or hang. OSError otherwise (``ValueError`` when too large).
    """
    fd = os.open(file, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IsADirectoryError(0, f"{_file_type(st.st_mode)}, not a regular file; not read")
        if st.st_size > limit:
            raise ValueError(st.st_size)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise ValueError(size)
        return st, b"".join(chunks)
    finally:
        os.close(fd)


def unsafe_name(rel: str) -> Problem:
    """The problem of a file whose name ``safe_name`` spelled otherwise than it is written."""
    return Problem(rel, 0, "unsafe-file-name", "file name is not valid UTF-8 or holds control characters; "
                   "read under the name shown (such bytes written as \\xNN)")


def read_article(file: str, rel: str, options: ParseOptions) -> tuple[Article | None, list[Problem]]:
    """One file read as a build reads it (never through a symbolic link, at most the size
    ``options`` allow) and parsed: what ``graph.spark`` runs on its executors for local inputs."""
    try:
        _, data = read_bounded(file, options.max_file_bytes)
    except (ValueError, OSError) as exc:
        return None, [_unread(rel, options, exc)]
    return parse_bytes(data, rel, options)


def _unread(rel: str, options: ParseOptions, exc: ValueError | OSError) -> Problem:
    if isinstance(exc, ValueError):
        return too_large(rel, options)
    return Problem(rel, 0, "unreadable", f"cannot read file: {exc.strerror}")


def _read_task(task: tuple) -> tuple:
    """Worker: read, hash and (unless the content is the cached one) parse one file."""
    i, file, rel, options, cached_digest = task
    read_ns = time.time_ns()  # before the stat: a stamp is racy sooner, never later
    try:
        st, data = read_bounded(file, options.max_file_bytes)
    except (ValueError, OSError) as exc:
        return i, rel, None, None, (None, [_unread(rel, options, exc)])
    digest = content_digest(data)
    recorded = file_stamp(st, read_ns)
    if digest == cached_digest:
        return i, rel, recorded, digest, None
    article, problems = parse_bytes(data, rel, options)
    return i, rel, recorded, digest, (pack(article), problems)
