"""The progress line: silent for quick builds, throttled, cleared at the end, never on a pipe."""

import io
import sys

import pytest

import graph.progress
from graph.cli import main
from graph.progress import Progress
from tests.conftest import GLOSSARY


class Clock:
    """Stands in for the ``time`` module, so tests decide how long a build has taken."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(graph.progress, "time", fake)
    return fake


def test_quick_builds_show_nothing(clock):
    out = io.StringIO()
    progress = Progress(out, delay=0.5)
    for stage in ("read", "resolve", "graph"):
        clock.now += 0.1
        progress(stage)
    progress("done")
    assert out.getvalue() == ""


def test_after_the_delay_one_line_is_redrawn_in_place(clock):
    out = io.StringIO()
    progress = Progress(out, delay=0.5)
    clock.now += 0.6
    progress("read", 1234, 5000)
    assert out.getvalue() == "\r\x1b[Kread 1,234/5,000 files (25%)  0.6s"
    clock.now += 0.5
    progress("resolve")
    assert out.getvalue().endswith("\r\x1b[Kresolve  1.1s")
    progress("done")
    assert out.getvalue().endswith("\r\x1b[K")  # the line is erased, so the summary starts clean


def test_file_counts_are_drawn_at_most_ten_times_a_second_but_the_last_always(clock):
    out = io.StringIO()
    progress = Progress(out, delay=0)
    clock.now += 1
    for done in range(1, 11):
        clock.now += 0.01
        progress("read", done, 10)
    lines = out.getvalue().split("\r\x1b[K")[1:]
    assert [line.split()[1] for line in lines] == ["1/10", "10/10"]
    clock.now += 0.01
    progress("write")  # a new stage is drawn at once
    assert out.getvalue().endswith("write  1.1s")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Ticking(Clock):
    """A clock where every reading is a second later: every build is slow enough to show progress."""

    def monotonic(self) -> float:
        self.now += 1
        return self.now


@pytest.mark.parametrize("stderr, args, shown", [
    (Terminal(), [], True),
    (io.StringIO(), [], False),  # a pipe or a log file
    (Terminal(), ["-q"], False),
], ids=["terminal", "pipe", "quiet"])
def test_the_cli_shows_progress_only_on_a_terminal_and_not_with_quiet(monkeypatch, tmp_path, stderr, args, shown):
    monkeypatch.setattr(graph.progress, "time", Ticking())
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["build", str(GLOSSARY), "-o", str(tmp_path), "-j", "1", *args]) == 0
    text = stderr.getvalue()
    assert ("\x1b[K" in text) == shown
    assert not shown or "\r\x1b[Kread" in text
