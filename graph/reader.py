"""Files -> corpus: discover the Markdown files, read them (in worker processes, through the
parse cache) and parse each with ``graph.parse``, the pure part that tests feed strings.

A bad file is recorded as a ``Problem`` and the reading goes on (pelican style).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from graph.cache import FileCache, content_digest
from graph.errors import UsageError
from graph.model import Article, Corpus, Problem, article_from_tuple, article_to_tuple
from graph.parse import ParseOptions, parse_bytes

MARKDOWN_SUFFIXES = (".md", ".markdown")


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[Path, list[Path]]:
    """The input root (common folder of the inputs) and every Markdown file, in sorted order.

    Hidden folders (``.git``) are skipped. Paths are sorted by their POSIX form relative to
    the root so the order, and every output, is the same on every machine.
    """
    inputs = [Path(p).resolve() for p in paths]
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    root = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in inputs]))
    found: set[Path] = set()
    for p in inputs:
        if p.is_file():
            found.add(p)
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            found.update(Path(dirpath, f) for f in filenames if f.lower().endswith(MARKDOWN_SUFFIXES))
    return root, sorted(found, key=lambda f: f.relative_to(root).as_posix())


def read_corpus(
    paths: Iterable[str | os.PathLike[str]],
    options: ParseOptions = ParseOptions(),
    jobs: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Corpus:
    """Read every Markdown file under ``paths`` into a Corpus, in sorted path order.

    ``options.root_name`` is filled in from the discovered root. ``jobs`` > 1 parses in that many
    processes; ``cache_dir`` reuses what an earlier build parsed from unchanged files (see
    graph.cache); ``progress(done, total)`` is called as files are read.
    """
    root, files = discover(paths)
    options = replace(options, root_name=root.name)
    cache = FileCache.open(cache_dir, root, options) if cache_dir is not None else None
    results: list[tuple[Article | None, list[Problem]] | None] = [None] * len(files)
    tasks = []
    stale = {}
    for i, file in enumerate(files):
        rel = file.relative_to(root).as_posix()
        hit = cache.lookup(rel, file) if cache is not None else None
        if hit is not None and hit.fresh:
            results[i] = (hit.article, list(hit.problems))
        else:
            if hit is not None:
                stale[rel] = hit
            tasks.append((i, str(file), rel, options, hit.digest if hit else None))
    done = len(files) - len(tasks)
    for i, rel, stamp, digest, parsed in _map(_read_task, tasks, jobs):
        if parsed is None:  # content unchanged since the cache entry: only its stamp moved
            parsed = cache.reuse(rel, stamp, stale[rel])
        else:
            packed = None
            if isinstance(parsed[0], tuple):  # from a worker process: see _read_task
                packed = parsed[0]
                parsed = (article_from_tuple(packed), parsed[1])
            if cache is not None:
                cache.store(rel, stamp, digest, *parsed, packed=packed)
        results[i] = parsed
        done += 1
        if progress is not None:
            progress(done, len(files))
    if cache is not None:
        cache.save(keep=[f.relative_to(root).as_posix() for f in files])
    articles = [a for a, _ in results if a is not None]
    problems = [p for _, found in results for p in found]
    return Corpus(tuple(articles), tuple(problems), len(files), options.default_lang)


def _map(function, tasks: list, jobs: int) -> Iterator:
    """``map`` over tasks in order, in ``jobs`` processes when that pays off."""
    if jobs <= 1 or len(tasks) < 64:
        yield from map(function, tasks)
        return
    # fork shares the loaded modules with the workers; elsewhere the platform default.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with multiprocessing.get_context(method).Pool(jobs) as pool:
        yield from pool.imap(function, tasks, chunksize=max(1, min(256, len(tasks) // (jobs * 16))))


def _read_task(task: tuple) -> tuple:
    """Worker: read, hash and (unless the content is the cached one) parse one file."""
    i, file, rel, options, cached_digest = task
    try:
        stat = os.stat(file)
        data = Path(file).read_bytes()
    except OSError as exc:
        return i, rel, None, None, (None, [Problem(rel, 0, "unreadable", f"cannot read file: {exc.strerror}")])
    digest = content_digest(data)
    stamp = (stat.st_size, stat.st_mtime_ns)
    if digest == cached_digest:
        return i, rel, stamp, digest, None
    article, problems = parse_bytes(data, rel, options)
    if article is not None and multiprocessing.parent_process() is not None:
        # Pickling a dataclass costs a Python call per object; plain tuples are pickled in C.
        return i, rel, stamp, digest, (article_to_tuple(article), problems)
    return i, rel, stamp, digest, (article, problems)
