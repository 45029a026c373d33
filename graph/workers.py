"""Worker processes that never outlive the build that started them."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.pool
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


def share_jobs(jobs: int, used: int | None = None) -> int:
    """How many processes may share a stage's work (``shared_map``) when the build holds ``used``
    bytes (None: ``memory_used()``): up to ``jobs``, as many as SHARE_MEMORY_BUDGET allows, 1
    where workers cannot be forked. At 50,000 files (~800 MB) none is forked."""
    if jobs <= 1 or not fork_available():
        return 1
    used = memory_used() if used is None else used
    while jobs > 1 and used * (1 + (jobs - 1) * COPIED_SHARE) > SHARE_MEMORY_BUDGET:
        jobs -= 1
    return jobs


class Sharing:
    """Processes forked now that share the work of one stage with this one: ``map(fn, items)``
    gives ``[fn(item) for item in items]`` in order, ``fn`` run by this process on a share of
    the items and by each worker on another. ``fn`` need not be picklable (a closure): it is
    handed over by a global the workers read after the fork, with what it reads (the graph,
    shared copy-on-write); the items and results are pickled. The workers die with the build
    (``pool``) and are ended when the ``with`` block leaves, even on Ctrl-C or an error. The
    results do not depend on how the items are shared: each is one call of ``fn``."""

    def __init__(self, processes: int, functions: Mapping[str, Callable]) -> None:
        self.processes, self.functions = processes, functions
        self._pool = None

    def __enter__(self) -> Sharing:
        global _SHARED
        # A worker (daemonic) may not have workers of its own: there the work is done alone.
        if self.processes > 1 and not multiprocessing.current_process().daemon:
            _SHARED = self.functions  # read by the forked workers
            try:
                self._pool = pool(self.processes - 1)
            except BaseException:
                _SHARED = {}
                raise
        return self

    def __exit__(self, *exc) -> None:
        global _SHARED
        if self._pool is not None:
            _SHARED = {}
            self._pool.terminate()  # nothing is left running: every map waited for its results
            self._pool.join()
            self._pool = None

    def map(self, name: str, items: Sequence) -> list:
        """``[functions[name](item) for item in items]``, shared: the items alternate between this
        process and the workers (neighbours in the list often cost alike), and are put back in order."""
        fn = self.functions[name]
        if self._pool is None or len(items) < 2:
            return [fn(item) for item in items]
        shares = self.processes
        theirs = [(name, list(items[k::shares])) for k in range(1, shares)]
        pending = self._pool.map_async(_shared_task, theirs, chunksize=1)
        mine = [fn(item) for item in items[::shares]]
        done = [mine, *pending.get()]  # a worker's exception is raised here
        return [done[i % shares][i // shares] for i in range(len(items))]


_SHARED: Mapping[str, Callable] = {}


def _shared_task(task: tuple[str, list]) -> list:
    name, items = task
    fn = _SHARED[name]
    return [fn(item) for item in items]
