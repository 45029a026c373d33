"""A one-line progress display for the CLI (the library only reports stages to an observer).

It shows nothing for builds that finish within ``delay`` seconds, redraws at most ten times a
second, and is only used when stderr is a terminal, so logs and pipes stay clean.
"""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """An observer for ``graph.pipeline.build`` that draws ``stage done/total`` on one line."""

    def __init__(self, stream: TextIO, delay: float = 0.5) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.delay = delay
        self.last = 0.0
        self.drawn = False

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        now = time.monotonic()
        if stage == "done":
            if self.drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            return
        if now - self.start < self.delay or (now - self.last < 0.1 and done and done != total):
            return
        self.last = now
        count = f" {done:,}/{total:,} files ({done / total:.0%})" if total else ""
        self.stream.write(f"\r\x1b[K{stage}{count}  {now - self.start:.1f}s")
        self.stream.flush()
        self.drawn = True
