"""Worker processes and the memory figure that decides how many the write stage forks."""

from graph.workers import memory_used


def test_memory_used_is_this_process_resident_set():
    before = memory_used()
    block = bytearray(64 << 20)  # zero-filled pages are touched when written, not before
    block[::4096] = b"x" * len(block[::4096])
    assert memory_used() - before >= 60 << 20
    assert block[0] == ord("x")
