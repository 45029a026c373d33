"""The output folder, all or nothing: a build writes every file into a private staging folder,
then swaps it with the output folder in one step, so a reader sees the whole previous build or
the whole new one, never a mixture (see docs/faults.md#the-output-folder).

Layout beside the output folder ``OUT``::

    OUT.parent/.OUT.name.linkgraph-staging/
        lock      flock()ed by the build that owns OUT; a second build is refused
        new/      the build being written; after the swap it holds the previous build, removed
        spare-*/  (``--watch`` only) files of earlier builds that no output shares any more, each
                  removed right before the watch writes a file of its name (``Spare``)

On Linux the swap is ``renameat2(RENAME_EXCHANGE)``; where that is missing (other systems, some
network file systems) each file is moved with ``os.replace`` and the manifest goes last, so a
folder without a current manifest is known to be mid-swap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import secrets
import shutil
import stat
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import TextIO, TypeVar

from graph.errors import OutputError
from graph.reader import read_bounded

T = TypeVar("T")

STATE_DIR = ".linkgraph"
"""Inside the output folder: what describes the outputs (manifest, rebuild state), so it always
matches them."""
MANIFEST = "manifest.json"
_STAGING_SUFFIX = ".linkgraph-staging"


def write_file(path: Path, write: Callable[[TextIO], None], shown: Path | None = None) -> None:
    """Call ``write`` on ``path`` opened as a new UTF-8 text file (LF line ends); the staging
    folder is private, so no temporary name is needed. OutputError names ``shown`` (the final
    path) when it cannot be written."""
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            write(out)
    except OSError as exc:
        raise OutputError(f"cannot write {shown or path}: {exc.strerror or exc}") from None


class Spare:
    """What a long-lived process (``--watch``) keeps between its builds into one folder: at each
    swap, the files of the build swapped out that no output shares (one link, ``st_nlink`` 1) are
    moved into its own ``spare-*`` folder in the staging folder instead of being removed, and each
    is removed only right before the next build writes bytes into a file of the same name (in a
    thread, while the writer starts: ``OutputFolder.free``). Freed memory is
    handed back to a VM's host within seconds (free page reporting), and a file written into
    fresh pages then costs a host fault per page: 1.87 s for the 286 MB GEXF at 50,000 files
    instead of 0.07 s (docs/performance.md#the-watch-keeps-its-last-outputs-memory). Spare files
    are only ever unlinked, never written: a reader holding one open keeps its bytes."""

    def __init__(self) -> None:
        self.name = f"spare-{secrets.token_hex(8)}"
        """Its folder's name: another (a crashed watch's) is swept like any leftover."""
        self.kept = False
        """True once a build has kept files there (until the watch drops them)."""


class OutputFolder:
    """One build's hold on an output folder: ``with OutputFolder(out, names) as folder:`` locks
    it, sweeps what crashed builds left, checks that it holds nothing the swap cannot carry over, and gives
    ``folder.staging``, where every file is written; ``folder.commit()`` swaps it in. Leaving the
    block without a commit (an error, Ctrl-C) removes the staging folder and keeps OUT as it was.
    ``spare`` (``--watch``): keep the previous build's files to free right before writing (``Spare``).
    """

    def __init__(self, out: str | os.PathLike[str], names: Iterable[str], folders: Iterable[str] = (),
                 spare: Spare | None = None) -> None:
        # A symlinked output folder is written where it points: swapping the link itself away
        # would surprise its owner.
        self.out = Path(os.path.realpath(out))
        self.names = frozenset(names) | {STATE_DIR}
        self.folders = frozenset(folders)
        """Outputs that are folders (the Spark engine's part-file folders)."""
        self.root = self.out.parent / f".{self.out.name}{_STAGING_SUFFIX}"
        self.staging = self.root / "new"
        self.warnings: tuple[str, ...] = ()
        """What was wrong with the previous build's state (ignored, then replaced)."""
        self.reusable: frozenset[str] = frozenset()
        """The files of OUT that the manifest lists with their sizes, which a rebuild may
        splice from (``graph.splice`` checks each piece it copies)."""
        self.spare = spare
        self._lock_fd: int | None = None
        self._freeing = None  # the thread removing spare files (``free``)
        self._free_lock = threading.Lock()  # ``free`` is called by the build and by ``beside``'s thread
        self._beside = None  # the thread of ``beside``
        self._pid = os.getpid()

    def __enter__(self) -> OutputFolder:
        if self.out.exists() and not self.out.is_dir():
            raise OutputError(f"cannot write to {self.out}: it is not a folder")
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise OutputError(f"cannot write to {self.out}: {exc.filename} is not a folder") from None
        except OSError as exc:
            raise OutputError(f"cannot write to {self.out}: {exc.strerror or exc}") from None
        self._lock()
        try:
            self._sweep()
            self.check()
            self.warnings, self.reusable = self._check_state()
            self.staging.mkdir()
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._finish()
            self._rescue()
            _remove(self.staging)
        finally:
            self._release()

    def check(self) -> list[os.DirEntry]:
        """The entries of OUT linkgraph did not write, which the swap carries over: plain files only.
        OutputError names the first entry that is anything else (a folder, a symlink, a folder
        named like an output): the swap replaces the whole folder, and it will not move those."""
        foreign = [entry for entry in _entries(self.out) if not self._ours(entry)]
        for entry in foreign:
            if not entry.is_file(follow_symlinks=False) or entry.name in self.names:
                raise OutputError(f"{self.out} holds {entry.name!r}, which linkgraph did not write and "
                                  "cannot carry over (only plain files are kept); choose an empty or new "
                                  "output folder with -o (nothing was changed)")
        return foreign

    def commit(self) -> None:
        """Write the manifest, swap the staging folder in for OUT in one step, carry the files
        linkgraph did not write over, and remove the previous build."""
        self._finish()
        foreign = self.check()  # again: someone may have put something there during the build
        new = self.staging
        swapped = False
        try:
            _write_manifest(new)  # before the carried files: it lists outputs only
            # A hard link keeps a foreign file in OUT across the swap with no moment without it,
            # and writers holding it open (``build -o OUT > OUT/log``) keep writing to it.
            for entry in foreign:
                try:
                    os.link(entry.path, new / entry.name, follow_symlinks=False)
                except OSError:
                    pass  # another owner's file (protected_hardlinks): _carry moves it back
            if self.out.is_dir():
                mode = stat.S_IMODE(self.out.stat().st_mode)
                os.chmod(new, mode)
            if not self.out.exists():
                os.rename(new, self.out)
            elif _exchange(new, self.out):
                self._carry(new)
                swapped = True
            else:
                self._replace_each(new)  # replaced files are unlinked there: nothing to keep
            _fsync_dir(self.out.parent)
        except OSError as exc:
            raise OutputError(f"cannot replace {self.out}: {exc.strerror or exc}") from None
        if swapped and self.spare is not None:
            self._keep(new)
        # ``new`` now holds the previous build (or what is left of it): gone in __exit__.

    def free(self, path: Path) -> None:
        """Before bytes are written to ``path`` in the staging folder: remove the spare file of
        the same name, so that the memory its pages held is reused at once (``Spare``). The
        removal runs in a thread of this process while the writer goes on (unlinking a 280 MB
        file on ext4 takes tens of milliseconds of the kernel's time), finished by ``settle``."""
        if self.spare is None:
            return
        try:
            spare = self.root / self.spare.name / path.relative_to(self.staging)
        except ValueError:
            return
        if not FREE_IN_BACKGROUND or os.getpid() != self._pid:
            _unlink(spare)  # a forked writer has no thread of ours to hand it to
            return
        with self._free_lock:
            if self._freeing is None:
                from concurrent.futures import ThreadPoolExecutor  # a watch's builds only

                self._freeing = ThreadPoolExecutor(1, thread_name_prefix="linkgraph-free")
            self._freeing.submit(_unlink, spare)

    def beside(self, work: Callable[[], T]) -> Future[T]:
        """Run ``work``, which writes into the staging folder, in a thread of this process while
        the build goes on; the folder is committed or removed only once it ended, even when the
        build fails."""
        from concurrent.futures import ThreadPoolExecutor

        if self._beside is None:
            self._beside = ThreadPoolExecutor(1, thread_name_prefix="linkgraph-write")
        return self._beside.submit(work)

    def settle(self) -> None:
        """Wait until the spare files handed to ``free`` are removed: before the swap keeps the
        files it swaps out in their place (``Spare``), and before the build ends."""
        with self._free_lock:
            freeing, self._freeing = self._freeing, None
        if freeing is not None:
            freeing.shutdown(wait=True)

    def _finish(self) -> None:
        """Wait for the writes handed to ``beside``, then for the removals they asked for (``settle``)."""
        if self._beside is not None:
            self._beside.shutdown(wait=True)
            self._beside = None
        self.settle()

    def _keep(self, old: Path) -> None:
        # A file with another link is still an output (linked whole into this build): removing
        # this name frees nothing, so the older spare of that name, if any, stays instead.
        spare = self.root / self.spare.name
        try:
            for folder, into in ((old, spare), (old / STATE_DIR, spare / STATE_DIR)):
                into.mkdir(exist_ok=True)
                for entry in _entries(folder):
                    if (folder != old or entry.name in self.names) and entry.is_file(follow_symlinks=False) \
                            and entry.stat(follow_symlinks=False).st_nlink == 1:
                        os.replace(entry.path, into / entry.name)
            self.spare.kept = True
        except (OSError, OutputError):
            self.spare.kept = False  # what was kept is swept by the next build, like any leftover

    def _carry(self, old: Path) -> None:
        # The foreign files as they are in the previous folder at this moment win over the links
        # made before the swap: one may have been replaced or removed in between.
        previous = {e.name for e in _entries(old) if not self._ours(e)}
        for entry in _entries(self.out):
            if not self._ours(entry) and entry.name not in previous:
                _remove(Path(entry.path))
        for name in sorted(previous):
            os.replace(old / name, self.out / name)

    def _replace_each(self, new: Path) -> None:
        # No atomic exchange here: move file by file, the manifest last, then drop the files
        # of the previous build that this one does not write.
        state = new / STATE_DIR
        moved = {e.name for e in _entries(new) if self._ours(e)}
        for entry in sorted(new.iterdir(), key=lambda p: p.name == STATE_DIR):
            if entry.name == STATE_DIR or entry.name not in moved:
                continue  # the carried files' links: their originals stay where they are
            if entry.name in self.folders:  # os.replace cannot replace a folder that holds files
                _remove(self.out / entry.name)
            os.replace(entry, self.out / entry.name)
        if state.exists():
            (self.out / STATE_DIR).mkdir(exist_ok=True)
            kept = {p.name for p in state.iterdir()}
            for entry in _entries(self.out / STATE_DIR):  # a previous build's tables go first
                if entry.name not in kept:
                    _remove(Path(entry.path))
            for entry in sorted(state.iterdir(), key=lambda p: p.name == MANIFEST):
                target = self.out / STATE_DIR / entry.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(entry, target)
        for entry in _entries(self.out):
            if entry.name not in moved and self._ours(entry):
                _remove(Path(entry.path))

    def _ours(self, entry: os.DirEntry) -> bool:
        name = entry.name
        if name.startswith(".") and name.endswith(".tmp"):
            return entry.is_file(follow_symlinks=False)
        if name == STATE_DIR:
            return True  # whatever it holds is ours to replace (a damaged one is a warning)
        if name in self.folders and entry.is_dir(follow_symlinks=False):
            return True
        return name in self.names and entry.is_file(follow_symlinks=False)

    def _check_state(self) -> tuple[tuple[str, ...], frozenset[str]]:
        # The state describes the outputs beside it; one that does not is ignored (this build
        # replaces it), but the user is told: something other than linkgraph wrote there.
        state = self.out / STATE_DIR
        if not os.path.lexists(state):
            return (), frozenset()  # a first build, or outputs of a version before the state folder
        try:
            manifest = json.loads(read_state_file(state / MANIFEST).decode("utf-8"))
            files = manifest["files"]
            same = manifest["version"] == 1 and all(
                os.stat(self.out / name, follow_symlinks=False).st_size == size for name, size in files.items())
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            same, why = False, getattr(exc, "strerror", None) or type(exc).__name__
        else:
            why = "its files do not match the outputs"
        if same:
            return (), frozenset(files)
        return (f"{state} is damaged or not linkgraph's ({why}): ignored, and replaced by this build",), frozenset()

    def _sweep(self) -> None:
        # We hold the lock, so anything in the staging folder but the lock is a crashed build's.
        self._rescue()
        for entry in _entries(self.root):
            if entry.name != "lock" and not self._kept(entry):
                _remove(Path(entry.path))
        for entry in _entries(self.out):  # temporary files of writers of older versions
            if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                _remove(Path(entry.path))

    def _kept(self, entry: os.DirEntry) -> bool:
        spare = self.spare
        return spare is not None and spare.kept and entry.name == spare.name and entry.is_dir(follow_symlinks=False)

    def _rescue(self) -> None:
        # A build stopped between its swap and _carry (killed, Ctrl-C) left the previous folder
        # in the staging folder, holding the originals of the files it carries over: those go
        # back to OUT, never away with the staging folder.
        if not self.out.is_dir():
            return
        for entry in _entries(self.staging):
            if not self._ours(entry) and entry.is_file(follow_symlinks=False) \
                    and not os.path.lexists(self.out / entry.name):
                try:
                    os.replace(entry.path, self.out / entry.name)
                except OSError as exc:
                    raise OutputError(f"cannot move {entry.name} back into {self.out}: "
                                      f"{exc.strerror or exc} (it is in {self.staging})") from None

    def _lock(self) -> None:
        lock = self.root / "lock"
        for _ in range(100):
            try:
                self.root.mkdir(exist_ok=True)
                fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except FileNotFoundError:
                continue  # the previous holder removed the folder between our two steps
            except OSError as exc:
                raise OutputError(f"cannot write to {self.out}: {exc.strerror or exc} ({self.root})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise OutputError(f"{self.out} is being written by another linkgraph build "
                                      f"(it holds {lock}); try again when it ends") from None
                raise OutputError(f"cannot lock {lock}: {exc.strerror or exc}") from None
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock_fd = fd
                return
            os.close(fd)  # we locked a file its holder had just removed: take the new one
        raise OutputError(f"cannot lock {lock}: it keeps being replaced")

    def _release(self) -> None:
        if self._lock_fd is None:
            return
        # Unlink while holding the lock: a build that opened the old file sees it is gone (the
        # inode check in _lock) and takes a fresh one.
        try:
            (self.root / "lock").unlink(missing_ok=True)
            self.root.rmdir()
        except OSError:
            pass  # another build is already waiting in it, or it is not ours to clean
        finally:
            os.close(self._lock_fd)
            self._lock_fd = None


FREE_IN_BACKGROUND = True
"""``OutputFolder.free`` removes spare files in a thread (False: before it returns)."""


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # none kept (or not removable: the next sweep tries again)


def drop_spare(out: str | os.PathLike[str], spare: Spare) -> None:
    """Remove what ``spare`` kept beside ``out`` (a watch ending); when another build holds the
    folder, that build has swept it already."""
    if not spare.kept:
        return
    spare.kept = False
    folder = OutputFolder(out, ())
    try:
        folder._lock()
    except OutputError:
        return
    try:
        _remove(folder.root / spare.name)
    finally:
        folder._release()


def _write_manifest(folder: Path) -> None:
    """``.linkgraph/manifest.json``: each output file and its size, so the next build can tell
    that the state beside the outputs describes them. No times: the same input gives the same
    state, so ``exports/.linkgraph/`` can be committed."""
    files = {e.name: e.stat(follow_symlinks=False).st_size for e in _entries(folder) if e.name != STATE_DIR}
    (folder / STATE_DIR).mkdir(exist_ok=True)
    text = json.dumps({"version": 1, "files": files}, ensure_ascii=False, indent=1) + "\n"
    write_file(folder / STATE_DIR / MANIFEST, lambda f: f.write(text))


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise OutputError(f"cannot read {folder}: {exc.strerror or exc}") from None


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(f"cannot remove {path}: {exc.strerror or exc}") from None


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2() -> Callable | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2  # glibc 2.28+
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically; False when this system or file system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


MAX_STATE_BYTES = 1 << 30
"""A larger file in the state folder is not read (the chunk table of a 50,000-file graph is ~20 MB)."""


def read_state_file(path: Path) -> bytes:
    """The bytes of a file of the state folder, opened as the reader opens inputs: never through a
    symbolic link, never a FIFO or device (a build would hang on one left there), never past
    MAX_STATE_BYTES. OSError (ValueError when too large) otherwise: the callers treat it as damage."""
    return read_bounded(str(path), MAX_STATE_BYTES)[1]
