"""Worker processes, the memory figures that decide how many the write stage forks, and work shared with them."""

import os
import platform
from pathlib import Path

import pytest

from graph import workers
from graph.workers import Sharing, memory_used, release_free_memory, share_jobs


def test_memory_used_is_this_process_resident_set():
    before = memory_used()
    block = bytearray(64 << 20)  # zero-filled pages are touched when written, not before
    block[::4096] = b"x" * len(block[::4096])
    assert memory_used() - before >= 60 << 20
    assert block[0] == ord("x")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's; elsewhere it does nothing")
def test_release_free_memory_gives_freed_blocks_between_live_ones_back():
    blocks = [bytearray(b"x" * 65536) for _ in range(2000)]  # 128 MB in malloc's heap, below its mmap size
    kept = blocks[::10]
    del blocks
    before = memory_used()
    release_free_memory()
    assert before - memory_used() >= 64 << 20
    assert len(kept) == 200


def _children() -> set[int]:
    """This process's children (Linux: ``Sharing`` forks them itself, unseen by multiprocessing).
    Other tests may leave servers running (a SPARQL store, Spark): compare with a set taken before."""
    return {int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()}


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="children are listed from /proc")
def test_shared_work_is_the_one_process_s_in_order_and_its_workers_end_with_it():
    before, seen = _children(), []

    def square(x: int) -> tuple[int, int]:
        seen.append(x)  # in this process only: the workers' appends stay in theirs
        return x * x, os.getpid()

    with Sharing(3, {"square": square}) as sharing:
        done = sharing.map("square", list(range(11)))
        assert [x for x, _ in done] == [x * x for x in range(11)]
        mine = {i for i, (_, pid) in enumerate(done) if pid == os.getpid()}
        assert mine == set(range(0, 11, 3))  # this process took every third item, the workers the others
        assert sorted(seen) == list(range(0, 11, 3))
        assert len(_children() - before) == 2
        assert sharing.map("square", [4]) == [(16, os.getpid())]  # one item: no worker asked
    assert _children() == before


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="children are listed from /proc")
def test_a_worker_s_error_is_raised_and_no_worker_is_left():
    before = _children()
    def fail(x: int) -> int:
        if x == 1:
            raise ValueError("no one")
        return x

    with pytest.raises(ValueError, match="no one"):
        with Sharing(2, {"fail": fail}) as sharing:
            sharing.map("fail", [0, 1, 2])  # 1 is the worker's
    assert _children() == before


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="children are listed from /proc")
def test_one_process_a_full_budget_or_a_busy_machine_forks_nothing(monkeypatch):
    before = _children()
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert share_jobs(1, 0, 0.0) == 1
    assert share_jobs(2, 100, 0.0) == 2
    assert share_jobs(4, 100, 1.2) == 4  # three cores idle, this process on the fourth
    assert share_jobs(4, 100, 2.9) == 2
    assert share_jobs(4, 100, 3.6) == 1  # no core idles: a worker would only slow the build
    monkeypatch.setattr(workers, "SHARE_MEMORY_BUDGET", 1000)
    assert share_jobs(2, 800, 0.0) == 1  # 800 × (1 + 1/3) > 1000
    assert share_jobs(4, 700, 0.0) == 2  # 700 × (1 + 2/3) > 1000 >= 700 × (1 + 1/3)
    with Sharing(1, {"f": abs}) as sharing:
        assert sharing.map("f", [-1, -2]) == [1, 2]
        assert _children() == before


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="children are listed from /proc")
def test_ctrl_c_in_this_process_s_share_ends_the_workers():
    before = _children()
    def stop(x: int) -> int:
        if x == 0:  # this process's first item
            raise KeyboardInterrupt
        return x

    with pytest.raises(KeyboardInterrupt):
        with Sharing(2, {"stop": stop}) as sharing:
            sharing.map("stop", [0, 1, 2, 3])
    assert _children() == before
