"""Worker processes that never outlive the build that started them."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.pool
from multiprocessing.connection import Connection
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence

_PR_SET_PDEATHSIG = 1


def fork_available() -> bool:
    """True where workers can be forked (they then share the parent's memory copy-on-write)."""
    return "fork" in multiprocessing.get_all_start_methods()


def memory_used() -> int:
    """Bytes of memory this process holds now (its resident set; where /proc is missing, its peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
    except ImportError:  # Windows, where writers are not forked either
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def release_free_memory() -> None:
    """Give the pages malloc holds free back to the system (glibc's ``malloc_trim``; elsewhere
    nothing). Freed memory between live blocks otherwise stays in the process for good, and
    Python's small objects, allocated apart, never reuse it: after the read stage of 50,000
    files, the parse cache's rows leave 280 MB of it."""
    try:
        # The process's own symbols: find_library("c") would run ldconfig in a forked process.
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def pool(processes: int) -> multiprocessing.pool.Pool:
    """A process pool (forked where possible) whose workers are killed when the build dies,
    even by SIGKILL, instead of writing on into a dead pipe."""
    method = "fork" if fork_available() else None
    return multiprocessing.get_context(method).Pool(processes, initializer=_die_with_parent,
                                                    initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and ends the pool, so a
    # worker must not print a KeyboardInterrupt traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            # The process's own symbols: find_library("c") runs ldconfig, a process forked from this one.
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    # The parent may have died before the request was made: then nobody would send the signal.
    if os.getppid() != parent:
        os._exit(1)


SHARE_MEMORY_BUDGET = 1_000_000_000
"""Bytes a build may hold, counting every process, when it shares a stage's work with forked
processes (``share_jobs``): as the write stage's budget (``graph.pipeline.WRITE_MEMORY_BUDGET``)."""
COPIED_SHARE = 1 / 3
"""Of the build's memory, what a forked process copies as it reads (a reference count is a write):
measured for the writers (``graph.pipeline.COPIED_SHARE``)."""


def share_jobs(jobs: int, used: int | None = None, load: float | None = None) -> int:
    """How many processes may share a stage's work (``Sharing``) when the build holds ``used``
    bytes (None: ``memory_used()``) and the machine's load average is ``load`` (None: the last
    minute's): up to ``jobs``, as many as SHARE_MEMORY_BUDGET allows (at 50,000 files, ~800 MB,
    none is forked) and as there are cores the load leaves idle (one, this process, at least),
    1 where workers cannot be forked. Sharing costs ~15% more CPU in all (pickling, pages copied
    after the fork): where no core idles it only slows the build down."""
    if jobs <= 1 or not fork_available():
        return 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:  # unknown: as if idle
            load = 0.0
    jobs = min(jobs, max(1, 1 + round((os.cpu_count() or 1) - load)))
    used = memory_used() if used is None else used
    while jobs > 1 and used * (1 + (jobs - 1) * COPIED_SHARE) > SHARE_MEMORY_BUDGET:
        jobs -= 1
    return jobs


class Sharing:
    """Processes forked now that share the work of one stage with this one: ``map(name, items)``
    gives ``[functions[name](item) for item in items]`` in order, run by this process on a share
    of the items and by each worker on another. The functions need not be picklable (closures):
    the workers are forked with them and with what they read (the graph, shared copy-on-write);
    only items and results are pickled, through one pipe per worker (no pool: its threads made
    four hand-offs of each share where a pipe makes two, each a wait for a core on a busy
    machine). The workers die with the build (``_die_with_parent``) and are killed when the
    ``with`` block leaves, even on Ctrl-C or an error. The results do not depend on how the
    items are shared: each is one call of a function of the same data."""

    def __init__(self, processes: int, functions: Mapping[str, Callable]) -> None:
        self.processes, self.functions = processes, functions
        self._workers: list[tuple[int, Connection]] = []

    @property
    def forked(self) -> bool:
        """Whether workers share the work (else ``map`` runs in this process alone)."""
        return bool(self._workers)

    def __enter__(self) -> Sharing:
        # A pool's worker (daemonic) may not have workers of its own: there the work is done alone.
        if self.processes > 1 and fork_available() and not multiprocessing.current_process().daemon:
            try:
                for _ in range(self.processes - 1):
                    self._workers.append(self._fork())
            except BaseException:
                self.__exit__()
                raise
        return self

    def _fork(self) -> tuple[int, Connection]:
        mine, theirs = multiprocessing.Pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: it never returns from here
            code = 1
            try:
                mine.close()
                _die_with_parent(parent)
                _serve(theirs, self.functions)
                code = 0
            finally:
                os._exit(code)  # no atexit, no flush of the parent's buffers
        theirs.close()
        return pid, mine

    def __exit__(self, *exc) -> None:
        workers, self._workers = self._workers, []
        for pid, conn in workers:
            conn.close()
            try:
                os.kill(pid, signal.SIGKILL)  # idle, or busy with a share no one will read
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)

    def map(self, name: str, items: Sequence) -> list:
        """``[functions[name](item) for item in items]``, shared: the items alternate between this
        process and the workers (neighbours in the list often cost alike), and are put back in order."""
        fn = self.functions[name]
        if not self._workers or len(items) < 2:
            return [fn(item) for item in items]
        shares = len(self._workers) + 1
        for k, (_, conn) in enumerate(self._workers, 1):
            conn.send((name, list(items[k::shares])))
        done = [[fn(item) for item in items[::shares]]]
        for _, conn in self._workers:
            ok, result = conn.recv()
            if not ok:
                raise result  # a worker's error fails the stage
            done.append(result)
        return [done[i % shares][i // shares] for i in range(len(items))]


def _serve(conn: Connection, functions: Mapping[str, Callable]) -> None:
    """A worker's loop: each share received is answered with its results, or the error raised."""
    while True:
        try:
            name, items = conn.recv()
        except EOFError:  # the build closed its end
            return
        try:
            reply = True, [functions[name](item) for item in items]
        except Exception as exc:
            reply = False, exc
        try:
            conn.send(reply)
        except Exception as exc:  # an error or result that does not pickle
            conn.send((False, RuntimeError(f"a shared task failed: {exc!r}")))
