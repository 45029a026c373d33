"""``linkgraph build --watch``: build, then rebuild whenever the input files change.

Changes come from watchfiles (inotify on Linux, FSEvents on macOS, polling where neither
works), grouped until the input has been quiet for ``quiet_ms``, so an editor's save through
a temporary file and a rename is one rebuild. Each rebuild is an ordinary build through the
parse cache, so its outputs are byte-identical to a cold build of the same files; it lists and
stats only the files the watcher reported, and once it is published, a listing of every file
finds what the watcher missed, which is rebuilt at once. While a
changed file has problems it did not have in the last published build (a half-typed front
matter, say; a file renamed or moved brings its own along), the outputs are left as they were
and the problems are reported; the next save that fixes it publishes again.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import LinkgraphError, UsageError
from graph.model import Problem, Resolution
from graph.memo import Memo
from graph.output import drop_spare
from graph.pipeline import BuildResult, build
from graph.reader import unreported
from graph.slugs import MARKDOWN_SUFFIXES


@dataclass(frozen=True, slots=True)
class Rebuild:
    """One build of a watch: what changed, how long it took, what came of it."""

    changed: tuple[str, ...]
    """Paths that changed, relative to the input root (empty for the first build)."""
    seconds: float
    result: BuildResult | None
    """None when the build failed (``error``)."""
    published: bool
    """False: a changed file broke, or the build failed; the previous outputs stay."""
    new_problems: tuple[Problem, ...] = ()
    """Problems of the changed files that the last published build did not have."""
    error: str | None = None
    """Why a rebuild failed (an unwritable folder, an input folder gone); the watch goes on."""


def watch_build(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    on_build: Callable[[Rebuild], None],
    stop: threading.Event | None = None,
    quiet_ms: int = 100,
    **options,
) -> None:
    """Build ``paths`` into ``out_dir``, then rebuild after each group of changes until ``stop``
    is set (or Ctrl-C); ``on_build`` hears of each build. ``options`` go to ``pipeline.build``."""
    import watchfiles  # only --watch pays for it

    paths = [Path(p) for p in paths]
    inputs = [p.resolve() for p in paths]
    root = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in inputs]))
    out = Path(os.path.realpath(out_dir))
    for folder in (p if p.is_dir() else p.parent for p in inputs):
        if out == folder or out in folder.parents:
            # Each build puts a new folder in the output's place (graph.output): the watcher
            # would watch the first build's input folder, gone, and never rebuild again.
            raise UsageError(f"--watch cannot write into {out}: it holds the input folder {folder}, and each build "
                             "replaces the output folder; choose an output folder outside the input with -o")
    ignored = (out, out.parent / f".{out.name}.linkgraph-staging")
    published: dict[str, Counter] = {}  # problem codes per file in the outputs now published
    departed: Counter = Counter()  # problem codes of the files the last published build saw go
    memo = Memo()  # what one build computed that the next can reuse (the same bytes either way)

    def run(changed: tuple[str, ...], touched: frozenset[str] | None = None, first: bool = False) -> None:
        start = time.perf_counter()
        verdict: dict[str, object] = {"ok": False, "new": ()}

        def publish(resolution: Resolution) -> bool:
            now = _problem_codes(resolution)
            gone = _gone(resolution, now, published)
            grown = _grown(now, published, changed, gone + departed)
            fresh = tuple(p for p in resolution.problems if p.code in grown.get(p.path, ()))
            verdict.update(new=fresh, ok=not (changed and fresh))
            if verdict["ok"]:
                departed.clear()  # kept one build: a rename's two names may come in two batches
                departed.update(gone)
                published.clear()
                published.update(now)
            return bool(verdict["ok"])

        try:
            result = build(paths, out_dir, publish=publish, memo=memo, touched=touched, **options)
        except LinkgraphError as exc:
            if first:
                raise  # nothing to keep watching for
            on_build(Rebuild(changed, time.perf_counter() - start, None, False, error=str(exc)))
            return
        on_build(Rebuild(changed, time.perf_counter() - start, result, bool(verdict["ok"]), verdict["new"]))

    def wanted(change: object, path: str) -> bool:
        p = _real(path)
        if any(p == folder or folder in p.parents for folder in ignored):
            return False
        parts = p.relative_to(root).parts if root in p.parents else p.parts[-1:]
        if any(part.startswith(".") for part in parts):
            return False  # hidden files and folders: editors' swap files, .git
        # Markdown files, and anything without a suffix: a folder moved or deleted whole.
        return p.name.lower().endswith(MARKDOWN_SUFFIXES) or not p.suffix

    # The watcher starts before the first build and queues what changes meanwhile, so an
    # edit made while a build runs (the first one too) is rebuilt right after it.
    halt = stop if stop is not None else threading.Event()
    batches: queue.Queue = queue.Queue()
    ready = threading.Event()

    def listen() -> None:
        try:
            # yield_on_timeout: an empty first batch says the watcher is in place.
            for changes in watchfiles.watch(*paths, watch_filter=wanted, step=quiet_ms, stop_event=halt,
                                            yield_on_timeout=True, rust_timeout=500, raise_interrupt=False):
                ready.set()
                if changes:
                    batches.put({path for _, path in changes})
        finally:
            ready.set()
            batches.put(None)

    listener = threading.Thread(target=listen, name="linkgraph-watch", daemon=True)
    listener.start()
    try:
        ready.wait()
        run((), first=True)
        check_at = None  # when to look for changes the watcher did not report
        while True:
            wait = 0.5 if check_at is None else min(0.5, max(0.0, check_at - time.monotonic()))
            try:
                batch = batches.get(timeout=wait)  # a timeout keeps the main thread open to Ctrl-C
            except queue.Empty:
                if check_at is not None and time.monotonic() >= check_at:
                    check_at = None
                    missed = _missed(paths, memo)
                    if missed is None or missed:
                        run(tuple(sorted(missed or ())))  # every file checked
                continue
            while batch is not None and not batches.empty():
                more = batches.get()
                batch = None if more is None else batch | more
            if batch is None:
                return
            run(tuple(sorted({_relative(path, root) for path in batch})), frozenset(batch))
            check_at = time.monotonic() + SETTLE_SECONDS
    finally:
        halt.set()
        listener.join(timeout=5)
        drop_spare(out, memo.spare)  # what the builds kept for the next one (graph.output.Spare)


SETTLE_SECONDS = 2.0
"""A rebuild reads only the files the watcher reported. This long after it, with nothing reported
since, every file is listed and stat-ed to find what the watcher did not report (events lost
when the kernel's queue overflows, files it ignores that a build reads), which is rebuilt at once.
Longer than watchfiles' longest grouping of a burst (1.6 s), so a save still on its way is not
taken for a lost one; the listing costs about 0.35 s at 50,000 files."""


def _missed(paths: list[Path], memo: Memo) -> frozenset[str] | None:
    """The files changed since the memo's build; None when only a whole new listing can say."""
    if memo.listing is None:
        return None
    try:
        return unreported(paths, memo.listing[1], memo.files)
    except LinkgraphError:
        return None  # an input gone: the rebuild says so


def _problem_codes(resolution: Resolution) -> dict[str, Counter]:
    codes: dict[str, Counter] = {}
    for p in resolution.problems:
        codes.setdefault(p.path, Counter())[p.code] += 1
    return codes


def _gone(resolution: Resolution, now: dict[str, Counter], published: dict[str, Counter]) -> Counter:
    """The problem codes of the files in the published build that this one no longer reads."""
    articles = {article.path for article in resolution.corpus.articles}
    gone = Counter()
    for path in published.keys() - now.keys() - articles:
        gone += published[path]
    return gone


def _grown(now: dict[str, Counter], published: dict[str, Counter], changed: tuple[str, ...],
           gone: Counter) -> dict[str, Counter]:
    """Per changed file, the problem codes it has more of than in the published build. A file
    that was not there then is compared with the problems of the files ``gone`` since (a rename or
    a move, ``git mv`` of a folder): the problems it brought along are not new."""
    grown = {}
    for path in sorted(now.keys() & set(changed)):
        more = now[path] - published.get(path, Counter())
        if path not in published:
            moved = more & gone
            gone -= moved
            more -= moved
        if more:
            grown[path] = more
    return grown


def _real(path: str) -> Path:
    """A reported path with its folder's symbolic links resolved: the watcher reports paths through
    the link a watch was given, and the root, the output folder and the problems' paths are resolved.
    (Compared unresolved, a watch through a link wrote into an output folder inside its input and
    was woken by its own writes, rebuilding without end, and took changed files for others.)"""
    return Path(os.path.realpath(os.path.dirname(os.path.abspath(path)))) / os.path.basename(path)


def _relative(path: str, root: Path) -> str:
    """A changed path as problems name it: relative to the input root, POSIX separators."""
    try:
        return _real(path).relative_to(root).as_posix()
    except ValueError:
        return path
