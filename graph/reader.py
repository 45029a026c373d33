"""Files -> articles: discover, decode, split front matter, decide identity and language.

Text functions (``parse_article``, ``parse_bytes``) sit apart from file functions
(``discover``, ``read_corpus``) so tests can feed strings. A bad file is recorded as a ``Problem`` and the reading goes on (pelican style).
"""

from __future__ import annotations

import multiprocessing
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from graph.cache import FileCache, content_digest
from graph.errors import UsageError
from graph.links import find_links
from graph.model import Article, Corpus, Problem, article_from_tuple, article_to_tuple
from graph.slugs import decode, page_path
from graph.text import LANGUAGE_FOLDERS, has_arabic_script, plain, valid_lang_tag

MARKDOWN_SUFFIXES = (".md", ".markdown")
_YAML = YAMLHandler()  # python-frontmatter's loader: yaml.CSafeLoader when libyaml is present
_FENCE = YAMLHandler.FM_BOUNDARY
_CLOSE = re.compile(r"^(-{3,}|\.{3})\s*$")
_FLAT_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*?))?\s*$")
_LIST_ITEM = re.compile(r"^\s*-\s+(.*?)\s*$")
_H1 = re.compile(r"^#\s+(.+?)(?:\s+#+)?\s*$", re.MULTILINE)
_KEYWORD_SPLIT = re.compile("[,\u060c]")
_KEYWORD_FIELDS = ("keywords", "tags", "categories")


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
    default_lang: str | None = None,
    jobs: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Corpus:
    """Read every Markdown file under ``paths`` into a Corpus, in sorted path order.

    ``jobs`` > 1 parses in that many processes; ``cache_dir`` reuses what an earlier build parsed
    from unchanged files (see graph.cache); ``progress(done, total)`` is called as files are read.
    """
    root, files = discover(paths)
    cache = FileCache.open(cache_dir, root, default_lang) if cache_dir is not None else None
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
            tasks.append((i, str(file), rel, root.name, default_lang, hit.digest if hit else None))
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
    return Corpus(tuple(articles), tuple(problems), len(files), default_lang)


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
    i, file, rel, root_name, default_lang, cached_digest = task
    try:
        stat = os.stat(file)
        data = Path(file).read_bytes()
    except OSError as exc:
        return i, rel, None, None, (None, [Problem(rel, 0, "unreadable", f"cannot read file: {exc.strerror}")])
    digest = content_digest(data)
    stamp = (stat.st_size, stat.st_mtime_ns)
    if digest == cached_digest:
        return i, rel, stamp, digest, None
    article, problems = parse_bytes(data, rel, default_lang, root_name)
    if article is not None and multiprocessing.parent_process() is not None:
        # Pickling a dataclass costs a Python call per object; plain tuples are pickled in C.
        return i, rel, stamp, digest, (article_to_tuple(article), problems)
    return i, rel, stamp, digest, (article, problems)


def parse_bytes(data: bytes, rel: str, default_lang: str | None = None,
                root_name: str = "") -> tuple[Article | None, list[Problem]]:
    """Decode the bytes of the file at ``rel`` and parse them; binary files are refused."""
    if b"\x00" in data[:8192]:
        return None, [Problem(rel, 0, "binary-file", "file contains NUL bytes (binary, not Markdown); skipped")]
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(rel, line, "invalid-utf8",
                                f"invalid UTF-8 at byte {exc.start}; undecodable bytes replaced by U+FFFD"))
        text = data.decode("utf-8", errors="replace")
    article, found = parse_article(text, rel, default_lang, root_name)
    return article, problems + found


def parse_article(
    text: str, path: str, default_lang: str | None = None, root_name: str = ""
) -> tuple[Article | None, list[Problem]]:
    """Parse the text of the file at ``path`` (relative to the input root) into an Article."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return None, [Problem(path, 0, "empty-file", "file is empty; no concept made")]
    meta, body, body_line, problems = split_front_matter(text, path)
    site_dir, folder_lang, site_path = _language_root(path, root_name)
    front = text.split("\n", body_line - 1)[: body_line - 1] if meta else []

    def line_of(name: str) -> int:
        """The file line of a front matter key, for problems about its value."""
        pattern = re.compile(rf"^{re.escape(name)}\s*:")
        return next((n for n, line in enumerate(front, 1) if pattern.match(line)), 1)

    def field(name: str) -> str:
        value = meta.get(name)
        if value is None:
            return ""
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return plain(str(value))
        problems.append(Problem(path, line_of(name), "bad-field",
                                f"front matter {name!r} is a {type(value).__name__}, not text; ignored"))
        return ""

    path_slug = page_path(site_path)
    slug = path_slug
    if fm_slug := field("slug"):
        slug = page_path(_join(posixpath.dirname(path_slug), fm_slug))
    elif fm_url := field("url"):
        slug = page_path(decode(fm_url.split("#")[0].split("?")[0]))
    aliases = [path_slug] if path_slug != slug else []
    aliases += _aliases(meta.get("aliases"), path_slug, Problem(path, line_of("aliases"), "bad-field", ""), problems)

    title = field("title") or field("linkTitle")
    if not title:
        h1 = _H1.search(body)
        title = plain(h1.group(1)) if h1 else slug.rpartition("/")[2]

    lang = None
    for name in ("lang", "language"):
        if meta.get(name) is not None:
            lang = valid_lang_tag(meta[name])
            if lang is None:
                problems.append(Problem(path, line_of(name), "bad-lang", f"front matter {name}: {meta[name]!r} is not a language tag; ignored"))
    lang = lang or folder_lang or ("ar" if has_arabic_script(title) else default_lang)

    links, link_problems = find_links(body, path, body_line)
    return Article(
        path=path,
        slug=slug,
        lang=lang,
        site_dir=site_dir,
        title=title,
        description=field("description") or field("summary"),
        keywords=_keywords(meta, lambda name: Problem(path, line_of(name), "bad-field", ""), problems),
        aliases=tuple(dict.fromkeys(a for a in aliases if a != slug)),
        links=tuple(links),
        body=body,
    ), problems + link_problems


def _join(folder: str, path: str) -> str:
    """Join a path to a folder; an absolute (``/``) path is taken from the site root."""
    return path if path.startswith("/") else f"{folder}/{path}"


def split_front_matter(text: str, path: str) -> tuple[dict, str, int, list[Problem]]:
    """(metadata, body, file line where the body starts, problems) of a normalised text."""
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        return {}, text, 1, []
    end = next((i for i in range(1, len(lines)) if _CLOSE.match(lines[i])), None)
    if end is None:
        problem = Problem(path, 1, "unclosed-front-matter",
                          "front matter opened with '---' is never closed; whole file read as body")
        return {}, "\n".join(lines[1:]), 2, [problem]
    block = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    try:
        meta = _YAML.load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = 2 + mark.line if mark is not None else 1
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
        problem = Problem(path, line, "yaml-error",
                          f"front matter is not valid YAML ({reason}); read as flat 'key: value' lines")
        return _flat_front_matter(lines[1:end]), body, end + 2, [problem]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problem = Problem(path, 2, "front-matter-not-mapping",
                          f"front matter is a YAML {type(meta).__name__}, not a mapping; ignored")
        return {}, body, end + 2, [problem]
    return {str(k): v for k, v in meta.items()}, body, end + 2, []


def _flat_front_matter(lines: list[str]) -> dict[str, object]:
    """Recover ``key: value`` lines (and ``- item`` lists) from front matter YAML rejects."""
    meta: dict[str, object] = {}
    key = None
    for line in lines:
        if (m := _FLAT_LINE.match(line)) is not None:
            key, value = m.group(1), m.group(2) or ""
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[key] = value or None
        elif key is not None and (item := _LIST_ITEM.match(line)) is not None:
            existing = meta.get(key)
            meta[key] = (existing if isinstance(existing, list) else []) + [item.group(1).strip("'\"")]
    return meta


def _language_root(path: str, root_name: str) -> tuple[str, str | None, str]:
    """(language root prefix, its language, path below it) for a file path."""
    parts = path.split("/")
    if root_name.lower() in LANGUAGE_FOLDERS:
        return "", LANGUAGE_FOLDERS[root_name.lower()], path
    for i, part in enumerate(parts[:-1]):
        if part.lower() in LANGUAGE_FOLDERS:
            return "/".join(parts[: i + 1]), LANGUAGE_FOLDERS[part.lower()], "/".join(parts[i + 1:])
    return "", None, path


def _aliases(value: object, path_slug: str, at: Problem, problems: list[Problem]) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        problems.append(replace(at, message="front matter 'aliases' is not a list of strings; ignored"))
        return []
    folder = posixpath.dirname(path_slug)
    return [page_path(_join(folder, decode(a.split("#")[0].split("?")[0]))) for a in items if a.strip()]


def _keywords(meta: dict, at: Callable[[str], Problem], problems: list[Problem]) -> tuple[str, ...]:
    found: list[str] = []
    for name in _KEYWORD_FIELDS:
        for item in _as_items(meta.get(name), name, at(name), problems):
            found.extend(plain(k) for k in _KEYWORD_SPLIT.split(item))
    return tuple(dict.fromkeys(k for k in found if k))


def _as_items(value: object, name: str, at: Problem, problems: list[Problem]) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, (str, int, float)):
        yield str(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (str, int, float)):
                yield str(item)
            elif item is not None:
                problems.append(replace(at, message=f"front matter {name!r} holds a {type(item).__name__}; item ignored"))
    else:
        problems.append(replace(at, message=f"front matter {name!r} is a {type(value).__name__}; ignored"))
