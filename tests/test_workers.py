"""Worker processes and the memory figures that decide how many the write stage forks."""

import platform

import pytest

from graph.workers import memory_used, release_free_memory


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
