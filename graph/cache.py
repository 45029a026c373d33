"""The parse cache: what a build parsed from each file, reused while the file is unchanged.

A file is *fresh* when its stamp (``file_stamp``: size, modification and change times, inode)
equals the recorded one (no read at all); otherwise it is read and hashed, and re-parsed only
when its content hash differs, so a ``touch`` costs a read, not a parse. Added files are
parsed, deleted and renamed ones are dropped from the cache when it is saved. The cache is keyed by the input root, the default
language and a fingerprint of the parsing code, so an upgrade never serves stale results, and a
build that saves its cache removes the ones no build of its version reads (``_drop_stale``).

Rows are plain tuples (the article as ``graph.reader.pack`` gives it) stored with ``marshal``
(about twice as fast as pickling the dataclasses, and it cannot run code when read back) in 256
shard files per corpus, each
written atomically; only shards holding a changed file are rewritten.

The cache is disposable (docs/faults.md, "The parse cache"): ``marshal`` trusts its input and
hostile bytes can make it allocate gigabytes, so a shard is only unmarshalled after its header,
length and checksum match what this module wrote; a damaged shard, or a cache folder that cannot
be read or written, becomes a warning in ``FileCache.warnings`` and the build goes on without it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graph.code_digest import code_digest
from graph.model import Article, Problem

if TYPE_CHECKING:
    from graph.parse import ParseOptions

CACHE_ENV = "LINKGRAPH_CACHE_DIR"
_FORMAT = 5
_MAGIC = b"LGcache5"
_HEADER = len(_MAGIC) + 8 + 16  # magic, payload length (8 bytes, big-endian), BLAKE2b-128 of the payload
MAX_SHARD_BYTES = 256 * 1024 * 1024
"""A larger shard is not read: 256 shards of this size would hold millions of articles."""
# Modules whose code decides what a file parses to: any change to them invalidates the cache.
_PARSING_MODULES = ("graph.parse", "graph.front_matter", "graph.reader", "graph.links", "graph.text", "graph.slugs",
                    "graph.model", "graph.cache")


_FOLDER = re.compile(r"corpus-([0-9a-f]{24})(?:-([0-9a-f]{24}))?")
"""A corpus's cache folder: ``corpus-<root and options>-<format and parsing code>``; one with a
single key was named so before versions were told apart."""
_OURS = re.compile(r"\.?[0-9a-f]{2}\.marshal(?:\.\d+\.tmp)?")
"""The files a cache folder holds: shards and shards being written."""
MAX_IDLE_SECONDS = 30 * 24 * 3600
"""Another corpus's cache that no build has opened for this long is removed: each holds about as
much as its corpus, and folders built once (a download, a temporary copy) would stay forever."""


def default_cache_dir() -> Path:
    """``$LINKGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/linkgraph``, else ``~/.cache/linkgraph``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "linkgraph"


RACY_NS = 2_000_000_000
"""A file changed less than this before it was read may be changed again within the same tick
of its file system's clock (a few milliseconds on ext4, two seconds on FAT) and keep its size
and times: its stamp cannot tell, so it is recorded *racy* (``file_stamp``), as git does with
"racily clean" index entries, and the next read hashes the content again."""
_RACY = (-1,)


def file_stamp(st: os.stat_result, read_ns: int | None = None) -> tuple[int, ...]:
    """What tells that a file changed without reading it: size, modification and change times,
    inode. The change time moves whenever the content is written, even when the modification
    time is set back (``touch -r``, ``tar -x``, ``rsync -t``), and a save through a new file
    has a new inode. With ``read_ns``, when the file was about to be read: a stamp to record,
    made racy (equal to no stamp of a file) when the file changed less than RACY_NS before."""
    found = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if read_ns is not None and read_ns - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS:
        return found + _RACY
    return found


def content_digest(data: bytes) -> bytes:
    """Hash of a file's content (BLAKE2b, 16 bytes: fast, and collisions are not a concern here)."""
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Hit:
    fresh: bool
    """True when the file's stamp is unchanged: the entry can be used without reading the file."""
    digest: bytes
    article: Article | None
    problems: tuple[Problem, ...]


# A cache row, as stored: (stamp, digest, graph.reader.pack(article) or None, problems).
Row = tuple


class FileCache:
    """Per-file parse results of one corpus (input root + default language).

    Rows stay packed (plain tuples, as marshal reads them) until a file asks for its own, and
    they are spread over 256 shard files by path hash, so a rebuild after one change rewrites
    one small shard instead of the whole cache. A shard is read when a file of it is first looked
    up: a build that already holds most articles (``--watch``) reads only the changed files' shards.
    """

    def __init__(self, folder: Path, shards: set[str], warnings: list[str] | None = None) -> None:
        self.folder = folder
        self.rows: dict[str, Row] = {}
        """The rows of the shards read so far."""
        self.dirty: set[str] = set()
        self.warnings: list[str] = warnings or []
        """What went wrong with the cache (one line each); the results are right regardless."""
        self._unread = shards
        """Shards on disk not read yet."""
        self._damaged: list[str] = []

    @classmethod
    def open(cls, cache_dir: str | os.PathLike[str], root: Path, options: ParseOptions) -> FileCache:
        """The cache of this corpus read with ``options`` in ``cache_dir``; empty when absent, unreadable or outdated."""
        code = code_digest(*_PARSING_MODULES).hex()
        owner = hashlib.blake2b(f"{root}\0{options!r}".encode(), digest_size=12).hexdigest()
        version = hashlib.blake2b(f"{_FORMAT}\0{code}".encode(), digest_size=12).hexdigest()
        folder = Path(cache_dir) / f"corpus-{owner}-{version}"
        try:
            shards = {p.stem for p in folder.glob("*.marshal")} if folder.is_dir() else set()
            if shards:
                os.utime(folder)  # opened: not idle (MAX_IDLE_SECONDS), though a build may rewrite no shard
        except OSError as exc:
            return cls(folder, set(), [f"cache folder {folder} cannot be read ({exc.strerror}); building without it"])
        return cls(folder, shards)

    def read_all(self) -> FileCache:
        """Read every shard now (what a build that looks up every file does anyway); returns the cache."""
        for name in sorted(self._unread):
            self._read(name)
        return self

    def _read(self, name: str) -> None:
        if name in self._unread:
            self._unread.discard(name)
            loaded = _read_shard(self.folder / f"{name}.marshal")
            if isinstance(loaded, dict):
                self.rows.update(loaded)
            else:
                self._damaged.append(f"{name}.marshal")
                self.dirty.add(name)  # rewritten with what it should hold, so the damage is reported once

    def lookup(self, rel: str, file: Path, unpack: Callable[[tuple], Article]) -> Hit | None:
        """The cached entry of a file, if any, and whether its stamp says it is unchanged;
        ``unpack`` makes the article of a stored one (``graph.reader.unpack``)."""
        self._read(_shard(rel))
        row = self.rows.get(rel)
        if row is None:
            return None
        try:
            recorded, digest, article, problems = row
            fresh = tuple(recorded) == file_stamp(file.stat())
            return Hit(fresh, digest, unpack(article) if article is not None else None,
                       tuple(Problem(*p) for p in problems))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # unreadable file or a row of another shape: parse the file again

    def reuse(self, rel: str, stamp: tuple[int, ...], hit: Hit) -> tuple[Article | None, list[Problem]]:
        """The cached result of a file whose content is unchanged; record its new stamp."""
        recorded, digest, article, problems = self.rows[rel]
        if tuple(recorded) != stamp:  # a racy stamp read again, still racy, rewrites no shard
            self._set(rel, (stamp, digest, article, problems))
        return hit.article, list(hit.problems)

    def store(self, rel: str, stamp: tuple[int, ...] | None, digest: bytes | None,
              packed: tuple | None, problems: list[Problem]) -> None:
        """Record what a file parsed to: its article packed by ``graph.reader.pack`` (unreadable
        files are not cached)."""
        if stamp is not None and digest is not None:
            self._set(rel, (stamp, digest, packed, tuple((p.path, p.line, p.code, p.message) for p in problems)))

    def save(self, keep: list[str], gone: Iterable[str] = ()) -> None:
        """Write the shards that changed, without the files that are gone (deleted or renamed):
        every file not in ``keep`` of the shards read, and ``gone`` (files of unread shards)."""
        kept = set(keep)
        unused = set(self._unread)
        for rel in keep:  # a few thousand names reach every shard: 50,000 were hashed each rebuild
            if not unused:
                break
            unused.discard(_shard(rel))
        for name in sorted(unused):
            self._read(name)  # holds only files that are gone
        for rel in gone:
            self._read(_shard(rel))
        if self._damaged:
            names = self._damaged
            self.warnings.append(f"{len(names)} damaged cache shard(s) in {self.folder} ({', '.join(names[:3])}"
                                 f"{', …' if len(names) > 3 else ''}) ignored; their files are parsed again")
            self._damaged = []
        for rel in [rel for rel in self.rows if rel not in kept]:
            del self.rows[rel]
            self.dirty.add(_shard(rel))
        if not self.dirty:
            return
        shards: dict[str, dict[str, Row]] = {name: {} for name in self.dirty}
        for rel, row in self.rows.items():
            name = _shard(rel)
            if name in shards:
                shards[name][rel] = row
        self.dirty.clear()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.warnings.append(f"cache folder {self.folder} cannot be made ({exc.strerror}); nothing cached")
            return
        failed: list[str] = []
        for name, rows in sorted(shards.items()):
            path = self.folder / f"{name}.marshal"
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            payload = marshal.dumps(rows)
            try:
                with open(tmp, "wb") as f:
                    f.write(_MAGIC + len(payload).to_bytes(8, "big") + _checksum(payload) + payload)
                os.replace(tmp, path)
            except OSError as exc:
                failed.append(f"{path.name} ({exc.strerror})")
            finally:
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass
        if failed:
            self.warnings.append(f"{len(failed)} cache shard(s) in {self.folder} could not be written "
                                 f"({', '.join(failed[:3])}{', …' if len(failed) > 3 else ''}); "
                                 "those files will be parsed again next time")
        self._drop_stale()

    def _drop_stale(self) -> None:
        """Remove the cache folders beside this one that no build of this version reads: this
        corpus's from other versions of the parsing code or format (an upgrade would otherwise
        leave one as large as the corpus behind each time), those named before versions were told
        apart, and other corpora's idle for MAX_IDLE_SECONDS. Another installed version's cache
        of this corpus goes too: it costs that version one full parse, never a wrong result."""
        owner = self.folder.name.split("-")[1]
        idle = time.time() - MAX_IDLE_SECONDS
        try:
            entries = [e for e in os.scandir(self.folder.parent) if e.name != self.folder.name]
        except OSError:
            return
        for entry in entries:
            found = _FOLDER.fullmatch(entry.name)
            try:
                if found and entry.is_dir(follow_symlinks=False) and (
                        found[2] is None or found[1] == owner or entry.stat(follow_symlinks=False).st_mtime < idle):
                    _remove_cache_folder(Path(entry.path))
            except OSError:
                pass  # disposable either way: whatever could not be removed stays

    def _set(self, rel: str, row: Row) -> None:
        self.rows[rel] = row
        self.dirty.add(_shard(rel))


def _remove_cache_folder(folder: Path) -> None:
    """Remove a cache folder holding only what this module writes; anything else keeps it."""
    names = os.listdir(folder)
    if all(_OURS.fullmatch(name) for name in names):
        for name in names:
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=16).digest()


def _read_shard(path: Path) -> dict | None:
    """The rows of a shard this module wrote, or None for anything else, never reading more than
    ``MAX_SHARD_BYTES`` or unmarshalling bytes whose length and checksum do not match."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > MAX_SHARD_BYTES:
                return None
            head = f.read(_HEADER)
            if len(head) != _HEADER or not head.startswith(_MAGIC):
                return None
            length = int.from_bytes(head[len(_MAGIC):len(_MAGIC) + 8], "big")
            if length > MAX_SHARD_BYTES:
                return None
            payload = f.read(length + 1)
        if len(payload) != length or _checksum(payload) != head[-16:]:
            return None
        rows = marshal.loads(payload)
    except (OSError, EOFError, ValueError, TypeError):
        return None  # unreadable, a folder, or from another Python version: its files are parsed again
    return rows if isinstance(rows, dict) else None


def _shard(rel: str) -> str:
    return hashlib.blake2b(rel.encode(), digest_size=1).hexdigest()
