"""Worker processes that never outlive the build that started them."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys

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
            libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    # The parent may have died before the request was made: then nobody would send the signal.
    if os.getppid() != parent:
        os._exit(1)
