"""Bytes of one file -> an Article and its problems: the pure part of reading.

Nothing here touches the file system, a process pool or the cache: every function is a function
of the file's bytes (or text), its path relative to the input root, and one ``ParseOptions``
value. The local build's worker processes and the Spark engine's executors import this module
(and what it imports: front_matter, links, slugs, text, model) and nothing else of the pipeline.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice

from graph.code_names import code_keys
from graph.front_matter import MAX_DEPTH, item_lines, key_line, split_front_matter
from graph.links import find_links
from graph.model import Article, Link, Problem
from graph.slugs import JEKYLL_PLACEHOLDER, TEMPLATE_SYNTAX, decode_path, folder_page, page_path
from graph.text import LANGUAGE_FOLDERS, has_arabic_script, plain, written_lang

_KEYWORD_SPLIT = re.compile("[,\u060c]")
_KEYWORD_FIELDS = ("keywords", "tags", "categories")


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Everything besides a file's bytes and path that decides what it parses to.

    One value, so a new option changes this class and the code that reads it, and the parse
    cache (which keys on it) and the Spark engine (which ships it to executors) follow.
    """

    default_lang: str | None = None
    """Language of files whose front matter, folder and title script do not tell (None: untagged)."""
    root_name: str = ""
    """Name of the input root folder (set by discovery): a root called ``English`` is a language root."""
    max_file_bytes: int = 8 * 1024 * 1024
    """A larger file is reported and not read (docs/faults.md, "Limits")."""
    max_links: int = 10_000
    """Links (and link-like texts) read from one file; the rest of the file's body is skipped."""
    max_targets: int = 5_000
    """Distinct link destinations kept from one file; links to further ones are skipped."""
    max_keywords: int = 1_000
    """Keywords, tags and categories kept from one file."""
    max_aliases: int = 1_000
    """Aliases kept from one file (merging a concept's aliases is linear, but each is a lookup
    key of the whole corpus: 300,000 in one file took 10 s of a build)."""
    max_field_chars: int = 10_000
    """Characters kept of one front matter text field (title, description, slug…)."""
    max_yaml_depth: int = MAX_DEPTH
    """Nesting depth of front matter given to the YAML, TOML or JSON loader; deeper front matter
    is read as flat lines. The loaders compose nested collections by recursion: libyaml's, in C,
    overflows the stack at ~25,000 levels (``title: [[[…``, 25 KB) and kills the process;
    PyYAML's own, tomllib and json raise RecursionError at a depth that depends on the caller's
    stack. For TOML a dotted key's parts count as levels (``graph.front_matter``)."""
    wikilinks: bool = False
    """Read ``[[Page]]`` links (Obsidian, Foam, Dendron), and let each page also answer to its file's
    name, as such a link names it (docs/link-rules.md). Off by default: ``[[module.mounts]]`` is
    a TOML table in Hugo's docs, not a link."""


def too_large(rel: str, options: ParseOptions) -> Problem:
    """The problem of a file over ``options.max_file_bytes``, which is not read."""
    return Problem(rel, 0, "file-too-large",
                   f"file is larger than {options.max_file_bytes:,} bytes (docs/faults.md); not read")


# Byte order marks of the encodings besides UTF-8 a text editor writes (Windows PowerShell 5
# writes UTF-16LE with its BOM), the longer first: UTF-32LE's starts with UTF-16LE's.
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
              (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def parse_bytes(data: bytes, rel: str, options: ParseOptions = ParseOptions()) -> tuple[Article | None, list[Problem]]:
    """Decode the bytes of the file at ``rel`` and parse them; binary files are refused. UTF-8,
    or UTF-16 or UTF-32 when the file starts with its byte order mark."""
    problems: list[Problem] = []
    wide = next(((bom, codec) for bom, codec in _WIDE_BOMS if data.startswith(bom)), None)
    if wide is not None:
        text = _decode_wide(data, rel, *wide, problems)
        if "\x00" in text[:8192]:
            return None, [Problem(rel, 0, "binary-file", "file contains NUL characters (binary, not Markdown); skipped")]
        article, found = parse_article(text, rel, options)
        return article, problems + found
    if b"\x00" in data[:8192]:
        return None, [Problem(rel, 0, "binary-file", "file contains NUL bytes (binary, not Markdown); skipped")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(rel, line, "invalid-utf8",
                                f"invalid UTF-8 at byte {exc.start}; undecodable bytes replaced by U+FFFD"))
        text = data.decode("utf-8", errors="replace")
    article, found = parse_article(text, rel, options)
    return article, problems + found


def _decode_wide(data: bytes, rel: str, bom: bytes, codec: str, problems: list[Problem]) -> str:
    """The text of UTF-16 or UTF-32 ``data`` after its ``bom``; what cannot be decoded is U+FFFD and a problem."""
    body = data[len(bom):]
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        line = body[:exc.start].decode(codec, errors="replace").count("\n") + 1
        problems.append(Problem(rel, line, "invalid-encoding", f"invalid {codec[:6].upper()} at byte "
                                f"{len(bom) + exc.start}; undecodable bytes replaced by U+FFFD"))
        return body.decode(codec, errors="replace")


def parse_article(text: str, path: str, options: ParseOptions = ParseOptions()) -> tuple[Article | None, list[Problem]]:
    """Parse the text of the file at ``path`` (relative to the input root) into an Article."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text or text.isspace():
        return None, [Problem(path, 0, "empty-file", "file is empty; no concept made")]
    meta, body, body_line, problems = split_front_matter(text, path, options.max_yaml_depth)
    if path.casefold().endswith(".mdx"):
        body = _without_esm(body)
    site_dir, folder_lang, site_path = language_root(path, options.root_name)

    lines: dict[str, int] = {}

    def line_of(name: str) -> int:
        """The file line of a front matter key, for problems about its value (only problems ask).
        Kept per key: a list of many items that are not text asks once per item, and each search
        reads the front matter (quadratic: 32,000 such items took 88 s)."""
        if name not in lines:
            lines[name] = key_line(text, body_line, name) if meta else 1
        return lines[name]

    def field(name: str) -> str:
        value = meta.get(name)
        if value is None:
            return ""
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = plain(str(value))
            if len(text) > options.max_field_chars:
                problems.append(Problem(path, line_of(name), "field-too-long", f"front matter {name!r} is longer "
                                        f"than {options.max_field_chars:,} characters; the rest is left out"))
                text = text[:options.max_field_chars]
            return text
        problems.append(Problem(path, line_of(name), "bad-field",
                                f"front matter {name!r} is a {type(value).__name__}, not text; ignored"))
        return ""

    def address(name: str) -> str:
        """Front matter ``slug``, ``url`` or ``permalink``, unless it is template syntax."""
        value = field(name)
        if TEMPLATE_SYNTAX.search(value) or name == "permalink" and JEKYLL_PLACEHOLDER.search(value):
            problems.append(Problem(path, line_of(name), "template-field", f"front matter {name!r} is template "
                                    "syntax a site generator fills in, not an address; ignored"))
            return ""
        return value

    path_slug = page_path(site_path)
    slug = path_slug
    if fm_slug := address("slug"):
        slug = page_path(_join(posixpath.dirname(path_slug), _below_language(fm_slug)))
    elif fm_url := address("url") or address("permalink"):  # permalink: Jekyll's and Eleventy's url
        slug = page_path(_below_language(_url_path(fm_url)))
    # Alias -> its front matter line; 0 for those the path implies, which are never reported:
    # a README's folder is meant to lose to the folder's index file (docs/link-rules.md).
    aliases = dict.fromkeys([path_slug] if path_slug != slug else [], 0)
    if (folder := folder_page(site_path)) is not None:
        aliases.setdefault(folder, 0)
    if options.wikilinks:  # [[name]] names a note by its file name, wherever it is (docs/link-rules.md)
        aliases.setdefault(page_path(posixpath.basename(site_path)), 0)
    for key in ("aliases", "redirect_from"):  # redirect_from: Jekyll's aliases (jekyll-redirect-from)
        written = _aliases(meta.get(key), key, path_slug, lambda: Problem(path, line_of(key), "bad-field", ""),
                           problems, options.max_aliases)
        for alias, line in zip(written, item_lines(text, body_line, key, list(written.values())) if written else ()):
            aliases[alias] = aliases.get(alias) or line
    aliases.pop(slug, None)  # a page's own address is no alias of it

    spans: list[tuple[int, str]] = []
    links, link_problems, heading = find_links(body, path, body_line, options.max_links, options.wikilinks, spans)
    links = _few_targets(links, options.max_targets, path, link_problems)
    title = field("title") or field("linkTitle") or heading or slug.rpartition("/")[2]

    lang = None
    for name in ("lang", "language"):
        if meta.get(name) is not None:
            lang = written_lang(meta[name])
            if lang is None:
                problems.append(Problem(path, line_of(name), "bad-lang", f"front matter {name}: {meta[name]!r} is not a language tag; ignored"))
    lang = lang or folder_lang or ("ar" if has_arabic_script(title) else options.default_lang)
    return Article(
        path=path,
        slug=slug,
        lang=lang,
        site_dir=site_dir,
        title=title,
        description=field("description") or field("summary"),
        keywords=_keywords(meta, lambda name: Problem(path, line_of(name), "bad-field", ""), problems,
                           options.max_keywords, options.max_field_chars),
        aliases=tuple(aliases),
        links=tuple(links),
        body=body,
        body_line=body_line,
        alias_lines=tuple(aliases.values()),
        code=code_keys(spans),
    ), problems + link_problems


def _url_path(url: str) -> str:
    """The site path a front matter url or alias names: without query and fragment, and of an absolute
    url (``https://example.com/x/``, ``//example.com/x/``) its path, not its scheme and host."""
    if (parts := urlsplit(url)).netloc:
        url = parts.path
    return decode_path(url.split("#")[0].split("?")[0])


def _below_language(path: str) -> str:
    """A front matter address from the site root under a language folder (``/en/x``, as
    multilingual Hugo, Docusaurus and MkDocs sites write them) as the address below it (``/x``):
    slugs start at the language root, and a link ``/en/x`` is read so too (``graph.resolve``), so
    ``aliases: [/en/old/]`` is reached by the links ``/en/old/`` and ``/old/`` in its language."""
    first, _, rest = path[1:].partition("/") if path.startswith("/") else ("", "", "")
    return "/" + rest if first.lower() in LANGUAGE_FOLDERS else path


def _join(folder: str, path: str) -> str:
    """Join a path to a folder; an absolute (``/``) path is taken from the site root."""
    return path if path.startswith("/") else f"{folder}/{path}"


def language_root(path: str, root_name: str) -> tuple[str, str | None, str]:
    """(language root prefix, its language, path below it) for a file path."""
    parts = path.split("/")
    if root_name.lower() in LANGUAGE_FOLDERS:
        return "", LANGUAGE_FOLDERS[root_name.lower()], path
    for i, part in enumerate(parts[:-1]):
        if part.lower() in LANGUAGE_FOLDERS:
            return "/".join(parts[: i + 1]), LANGUAGE_FOLDERS[part.lower()], "/".join(parts[i + 1:])
    return "", None, path


def _aliases(value: object, key: str, path_slug: str, at: Callable[[], Problem], problems: list[Problem],
             limit: int) -> dict[str, str]:
    """Front matter aliases (the list ``key``) as slugs -> the text each was first written as."""
    if value is None:
        return {}
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        problems.append(replace(at(), message=f"front matter {key!r} is not a list of strings; ignored"))
        return {}
    if any(TEMPLATE_SYNTAX.search(a) for a in items):
        problems.append(replace(at(), code="template-field", message=f"front matter {key!r} holds template "
                                "syntax a site generator fills in, not an address; those aliases are left out"))
        items = [a for a in items if not TEMPLATE_SYNTAX.search(a)]
    folder = posixpath.dirname(path_slug)
    found: dict[str, str] = {}
    for a in items:
        if a.strip():
            found.setdefault(page_path(_join(folder, _below_language(_url_path(a)))), a.strip())
    if len(found) > limit:
        problems.append(replace(at(), code="too-many-aliases",
                                message=f"more than {limit:,} {key}; the rest are left out"))
        found = dict(islice(found.items(), limit))
    return found


def _keywords(meta: dict, at: Callable[[str], Problem], problems: list[Problem], limit: int,
              chars: int) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for name in _KEYWORD_FIELDS:
        for item in _as_items(meta.get(name), name, partial(at, name), problems):
            for k in _KEYWORD_SPLIT.split(item):
                k = plain(k)
                if len(k) > chars:  # as any text field: a keyword is a label in every output
                    problems.append(replace(at(name), code="field-too-long", message=f"a keyword in {name!r} is "
                                            f"longer than {chars:,} characters; the rest is left out"))
                    k = k[:chars]
                if k and k not in found:
                    if len(found) == limit:
                        problems.append(replace(at(name), code="too-many-keywords", message=f"more than {limit:,} "
                                                "keywords, tags and categories; the rest are left out"))
                        return tuple(found)
                    found[k] = None
    return tuple(found)


def _few_targets(links: list[Link], limit: int, path: str, problems: list[Problem]) -> list[Link]:
    """The links to the first ``limit`` distinct destinations; one problem if any were left out."""
    if len(links) <= limit:
        return links
    seen: set[str] = set()
    for i, link in enumerate(links):
        if link.href not in seen:
            if len(seen) == limit:
                problems.append(Problem(path, link.line, "too-many-targets", f"links to more than {limit:,} "
                                        "distinct destinations in one file; links to further ones left out"))
                return links[:i] + [x for x in links[i + 1:] if x.href in seen]
            seen.add(link.href)
    return links


def _as_items(value: object, name: str, at: Callable[[], Problem], problems: list[Problem]) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, (str, int, float)):
        yield str(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (str, int, float)):
                yield str(item)
            elif item is not None:
                problems.append(replace(at(), message=f"front matter {name!r} holds a {type(item).__name__}; item ignored"))
    else:
        problems.append(replace(at(), message=f"front matter {name!r} is a {type(value).__name__}; ignored"))


_ESM = re.compile(r"(?:import|export)(?=[\s{*])")
_CODE_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def _without_esm(body: str) -> str:
    """An MDX body with its ``import``/``export`` statements blanked (lines kept, so links keep
    their lines): JavaScript, neither prose nor links. As MDX reads them: a block that starts a
    paragraph with either word, up to the next blank line, outside fenced code."""
    if "import" not in body and "export" not in body:
        return body
    lines = body.split("\n")
    fence: str | None = None
    statement = False
    for i, line in enumerate(lines):
        if statement:
            statement = bool(line.strip())
            lines[i] = "" if statement else line
        elif fence is not None:
            found = _CODE_FENCE.match(line)
            if found and found[1][0] == fence[0] and len(found[1]) >= len(fence) and not line[found.end():].strip():
                fence = None
        elif found := _CODE_FENCE.match(line):
            fence = found[1]
        elif _ESM.match(line) and (i == 0 or not lines[i - 1].strip()):
            statement, lines[i] = True, ""
    return "\n".join(lines)

