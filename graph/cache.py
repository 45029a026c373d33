"""The parse cache: what a build parsed from each file, reused while the file is unchanged.

A file is *fresh* when its size and modification time equal the recorded ones (no read at
all); otherwise it is read and hashed, and re-parsed only when its content hash differs, so a
``touch`` costs a read, not a parse. Added files are parsed, deleted and renamed ones are
dropped from the cache when it is saved. The cache is keyed by the input root, the default
language and a fingerprint of the parsing code, so an upgrade never serves stale results.

Entries are stored as plain tuples with ``marshal`` (about twice as fast as pickling the
dataclasses, and it cannot run code when read back); the file is written atomically.
"""

from __future__ import annotations

import hashlib
import os
import marshal
from dataclasses import dataclass
from pathlib import Path

from graph.model import Article, Problem, article_from_tuple, article_to_tuple

CACHE_ENV = "LINKGRAPH_CACHE_DIR"
_FORMAT = 2
# Modules whose code decides what a file parses to: any change to them invalidates the cache.
_PARSING_MODULES = ("reader.py", "links.py", "text.py", "slugs.py", "model.py", "cache.py")


def default_cache_dir() -> Path:
    """``$LINKGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/linkgraph``, else ``~/.cache/linkgraph``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "linkgraph"


def content_digest(data: bytes) -> bytes:
    """Hash of a file's content (BLAKE2b, 16 bytes: fast, and collisions are not a concern here)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def _fingerprint() -> str:
    code = hashlib.blake2b(str(_FORMAT).encode(), digest_size=16)
    here = Path(__file__).parent
    for name in _PARSING_MODULES:
        code.update((here / name).read_bytes())
    return code.hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """What one file parsed to, with the stamp and content hash it had then."""

    stamp: tuple[int, int]
    """(size in bytes, modification time in ns)."""
    digest: bytes
    article: Article | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    fresh: bool
    """True when the file's stamp is unchanged: the entry can be used without reading the file."""
    digest: bytes
    article: Article | None
    problems: tuple[Problem, ...]


class FileCache:
    """Per-file parse results of one corpus (input root + default language)."""

    def __init__(self, path: Path, entries: dict[str, Entry]) -> None:
        self.path = path
        self.entries = entries
        self.changed = False

    @classmethod
    def open(cls, cache_dir: str | os.PathLike[str], root: Path, default_lang: str | None) -> FileCache:
        """The cache of this corpus in ``cache_dir``; empty when absent, unreadable or outdated."""
        key = hashlib.blake2b(f"{root}\0{default_lang}\0{_fingerprint()}".encode(), digest_size=12).hexdigest()
        path = Path(cache_dir) / f"corpus-{key}.marshal"
        try:
            with open(path, "rb") as f:
                entries = {rel: _unpack(row) for rel, row in marshal.load(f).items()}
        except (OSError, EOFError, ValueError, TypeError, AttributeError, KeyError):
            entries = {}  # absent, from another Python version, or damaged: start afresh
        return cls(path, entries)

    def lookup(self, rel: str, file: Path) -> Hit | None:
        """The cached entry of a file, if any, and whether its stamp says it is unchanged."""
        entry = self.entries.get(rel)
        if entry is None:
            return None
        try:
            stat = file.stat()
        except OSError:
            return None
        fresh = entry.stamp == (stat.st_size, stat.st_mtime_ns)
        return Hit(fresh, entry.digest, entry.article, entry.problems)

    def reuse(self, rel: str, stamp: tuple[int, int]) -> tuple[Article | None, list[Problem]]:
        """The cached result of a file whose content is unchanged; record its new stamp."""
        entry = self.entries[rel]
        self.entries[rel] = Entry(stamp, entry.digest, entry.article, entry.problems)
        self.changed = True
        return entry.article, list(entry.problems)

    def store(self, rel: str, stamp: tuple[int, int] | None, digest: bytes | None,
              article: Article | None, problems: list[Problem]) -> None:
        """Record what a file parsed to (unreadable files are not cached)."""
        if stamp is not None and digest is not None:
            self.entries[rel] = Entry(stamp, digest, article, tuple(problems))
            self.changed = True

    def save(self, keep: list[str]) -> None:
        """Write the cache atomically, without the files that are gone (deleted or renamed)."""
        kept = set(keep)
        if any(rel not in kept for rel in self.entries):
            self.entries = {rel: e for rel, e in self.entries.items() if rel in kept}
            self.changed = True
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                marshal.dump({rel: _pack(e) for rel, e in self.entries.items()}, f)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        self.changed = False


def _pack(entry: Entry) -> tuple:
    article = None if entry.article is None else article_to_tuple(entry.article)
    return entry.stamp, entry.digest, article, tuple((p.path, p.line, p.code, p.message) for p in entry.problems)


def _unpack(row: tuple) -> Entry:
    stamp, digest, article, problems = row
    article = None if article is None else article_from_tuple(article)
    return Entry(tuple(stamp), digest, article, tuple(Problem(*p) for p in problems))
