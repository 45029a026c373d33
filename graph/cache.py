"""The parse cache: what a build parsed from each file, reused while the file is unchanged.

A file is *fresh* when its size and modification time equal the recorded ones (no read at
all); otherwise it is read and hashed, and re-parsed only when its content hash differs, so a
``touch`` costs a read, not a parse. Added files are parsed, deleted and renamed ones are
dropped from the cache when it is saved. The cache is keyed by the input root, the default
language and a fingerprint of the parsing code, so an upgrade never serves stale results.

Rows are plain tuples stored with ``marshal`` (about twice as fast as pickling the
dataclasses, and it cannot run code when read back) in 256 shard files per corpus, each
written atomically; only shards holding a changed file are rewritten.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graph.model import Article, Problem, article_from_tuple, article_to_tuple

if TYPE_CHECKING:
    from graph.parse import ParseOptions

CACHE_ENV = "LINKGRAPH_CACHE_DIR"
_FORMAT = 3
# Modules whose code decides what a file parses to: any change to them invalidates the cache.
_PARSING_MODULES = ("parse.py", "reader.py", "links.py", "text.py", "slugs.py", "model.py", "cache.py")


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
class Hit:
    fresh: bool
    """True when the file's stamp is unchanged: the entry can be used without reading the file."""
    digest: bytes
    article: Article | None
    problems: tuple[Problem, ...]


# A cache row, as stored: ((size, mtime_ns), digest, article_to_tuple(...) or None, problems).
Row = tuple


class FileCache:
    """Per-file parse results of one corpus (input root + default language).

    Rows stay packed (plain tuples, as marshal reads them) until a file asks for its own, and
    they are spread over 256 shard files by path hash, so a rebuild after one change rewrites
    one small shard instead of the whole cache.
    """

    def __init__(self, folder: Path, rows: dict[str, Row]) -> None:
        self.folder = folder
        self.rows = rows
        self.dirty: set[str] = set()

    @classmethod
    def open(cls, cache_dir: str | os.PathLike[str], root: Path, options: ParseOptions) -> FileCache:
        """The cache of this corpus read with ``options`` in ``cache_dir``; empty when absent, unreadable or outdated."""
        key = hashlib.blake2b(f"{root}\0{options!r}\0{_fingerprint()}".encode(), digest_size=12).hexdigest()
        folder = Path(cache_dir) / f"corpus-{key}"
        rows: dict[str, Row] = {}
        for shard in sorted(folder.glob("*.marshal")) if folder.is_dir() else ():
            try:
                with open(shard, "rb") as f:
                    loaded = marshal.load(f)
                if isinstance(loaded, dict):
                    rows.update(loaded)
            except (OSError, EOFError, ValueError, TypeError):
                pass  # damaged or from another Python version: those files are parsed again
        return cls(folder, rows)

    def lookup(self, rel: str, file: Path) -> Hit | None:
        """The cached entry of a file, if any, and whether its stamp says it is unchanged."""
        row = self.rows.get(rel)
        if row is None:
            return None
        try:
            stat = file.stat()
            stamp, digest, article, problems = row
            fresh = tuple(stamp) == (stat.st_size, stat.st_mtime_ns)
            return Hit(fresh, digest, article_from_tuple(article) if article is not None else None,
                       tuple(Problem(*p) for p in problems))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # unreadable file or a row of another shape: parse the file again

    def reuse(self, rel: str, stamp: tuple[int, int], hit: Hit) -> tuple[Article | None, list[Problem]]:
        """The cached result of a file whose content is unchanged; record its new stamp."""
        _, digest, article, problems = self.rows[rel]
        self._set(rel, (stamp, digest, article, problems))
        return hit.article, list(hit.problems)

    def store(self, rel: str, stamp: tuple[int, int] | None, digest: bytes | None,
              article: Article | None, problems: list[Problem], packed: tuple | None = None) -> None:
        """Record what a file parsed to (unreadable files are not cached); ``packed`` is the
        article as ``article_to_tuple`` gives it, when the caller already has it."""
        if stamp is not None and digest is not None:
            if packed is None and article is not None:
                packed = article_to_tuple(article)
            self._set(rel, (stamp, digest, packed, tuple((p.path, p.line, p.code, p.message) for p in problems)))

    def save(self, keep: list[str]) -> None:
        """Write the shards that changed, without the files that are gone (deleted or renamed)."""
        kept = set(keep)
        for rel in [rel for rel in self.rows if rel not in kept]:
            del self.rows[rel]
            self.dirty.add(_shard(rel))
        if not self.dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        shards: dict[str, dict[str, Row]] = {name: {} for name in self.dirty}
        for rel, row in self.rows.items():
            name = _shard(rel)
            if name in shards:
                shards[name][rel] = row
        for name, rows in sorted(shards.items()):
            path = self.folder / f"{name}.marshal"
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                with open(tmp, "wb") as f:
                    marshal.dump(rows, f)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        self.dirty.clear()

    def _set(self, rel: str, row: Row) -> None:
        self.rows[rel] = row
        self.dirty.add(_shard(rel))


def _shard(rel: str) -> str:
    return hashlib.blake2b(rel.encode(), digest_size=1).hexdigest()
