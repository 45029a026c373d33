"""Bytes of one file -> an Article and its problems: the pure part of reading.

Nothing here touches the file system, a process pool or the cache: every function is a function
of the file's bytes (or text), its path relative to the input root, and one ``ParseOptions``
value. The local build's worker processes and the Spark engine's executors import this module
(and what it imports: links, slugs, text, model) and nothing else of the pipeline.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial

import yaml
from frontmatter.default_handlers import SafeLoader, YAMLHandler

from graph.links import find_links
from graph.model import Article, Link, Problem
from graph.slugs import decode_path, folder_page, page_path
from graph.text import LANGUAGE_FOLDERS, has_arabic_script, plain, valid_lang_tag

import tomllib

_YAML = YAMLHandler()  # python-frontmatter's loader: yaml.CSafeLoader when libyaml is present
_FENCE = YAMLHandler.FM_BOUNDARY
# The closing fence: a line of 3+ dashes or 3 dots, trailing blanks allowed (the line's own
# end is its newline, so [^\S\n] stands for the \s of a single line).
_CLOSE_LINE = re.compile(r"^(?:-{3,}|\.{3})[^\S\n]*$", re.MULTILINE)
# TOML front matter opens and closes with a line of exactly three pluses, as in Hugo.
_TOML_FENCE = re.compile(r"^\+{3}[^\S\n]*$", re.MULTILINE)
# JSON front matter: a first line that opens an object with a key, or an empty one. A body that
# merely starts with a brace (a shortcode '{{< x >}}', a template tag '{% raw %}', a kramdown
# attribute list '{: .note}') is not front matter (docs/link-rules.md).
_JSON_START = re.compile(r'\{[^\S\n]*(?:["}]|$)')
# The fast path of front matter (simple_yaml) takes only printable characters that YAML reads as
# themselves: no controls, tabs, NEL, LS, PS, BOM or characters outside the BMP.
_SIMPLE_CHARS = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
_SIMPLE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?: +(.*?))? *")
_SIMPLE_ITEM = re.compile(r"( *)- +(.*?) *")
_NOT_PLAIN = re.compile(r": |:$| #")  # a mapping inside the value, a trailing colon, a comment
_FLOW_ITEM = re.compile(r"[^\W\d_](?:[\w .()/-]*[\w.)])?")
_FLAT_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*?))?\s*$")
_LIST_ITEM = re.compile(r"^\s*-\s+(.*?)\s*$")
_YAML_SYNTAX = re.compile(r"^(?:!|\*[^\s*]+$|[|>][-+0-9]*$)")
# How a front matter line names a key, by the file's first character: YAML's 'key:'; TOML's
# 'key =' (quoted, dotted or as a '[key]' table too); JSON's '"key":' after a brace, a comma or
# nothing.
_KEY_LINE = {
    "-": r"^{0}\s*:",
    "+": r"""^\s*(?:\[+\s*)?(?:{0}|"{0}"|'{0}')\s*[=.\]]""",
    "{": r'(?:^|[{{,])\s*"{0}"\s*:',
}
_H1 = re.compile(r"^#\s+(.+?)(?:\s+#+)?\s*$", re.MULTILINE)
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
    max_yaml_depth: int = 100
    """Nesting depth of front matter given to the YAML, TOML or JSON loader; deeper front matter
    is read as flat lines. The loaders compose nested collections by recursion: libyaml's, in C,
    overflows the stack at ~25,000 levels (``title: [[[…``, 25 KB) and kills the process;
    PyYAML's own, tomllib and json raise RecursionError at a depth that depends on the caller's
    stack. For TOML a dotted key's parts count as levels (see ``_toml_too_deep``)."""


def too_large(rel: str, options: ParseOptions) -> Problem:
    """The problem of a file over ``options.max_file_bytes``, which is not read."""
    return Problem(rel, 0, "file-too-large",
                   f"file is larger than {options.max_file_bytes:,} bytes (docs/faults.md); not read")


def parse_bytes(data: bytes, rel: str, options: ParseOptions = ParseOptions()) -> tuple[Article | None, list[Problem]]:
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
    article, found = parse_article(text, rel, options)
    return article, problems + found


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

    def line_of(name: str) -> int:
        """The file line of a front matter key, for problems about its value (only problems ask)."""
        front = text.split("\n", body_line - 1)[: body_line - 1] if meta else []
        pattern = re.compile(_KEY_LINE.get(text[:1], _KEY_LINE["-"]).format(re.escape(name)))
        return next((n for n, line in enumerate(front, 1) if pattern.search(line)), 1)

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

    path_slug = page_path(site_path)
    slug = path_slug
    if fm_slug := field("slug"):
        slug = page_path(_join(posixpath.dirname(path_slug), fm_slug))
    elif fm_url := field("url"):
        slug = page_path(decode_path(fm_url.split("#")[0].split("?")[0]))
    aliases = [path_slug] if path_slug != slug else []
    if (folder := folder_page(site_path)) is not None:
        aliases.append(folder)
    aliases += _aliases(meta.get("aliases"), path_slug, lambda: Problem(path, line_of("aliases"), "bad-field", ""),
                        problems, options.max_aliases)

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
    lang = lang or folder_lang or ("ar" if has_arabic_script(title) else options.default_lang)

    links, link_problems = find_links(body, path, body_line, options.max_links)
    links = _few_targets(links, options.max_targets, path, link_problems)
    return Article(
        path=path,
        slug=slug,
        lang=lang,
        site_dir=site_dir,
        title=title,
        description=field("description") or field("summary"),
        keywords=_keywords(meta, lambda name: Problem(path, line_of(name), "bad-field", ""), problems,
                           options.max_keywords, options.max_field_chars),
        aliases=tuple(dict.fromkeys(a for a in aliases if a != slug)),
        links=tuple(links),
        body=body,
        body_line=body_line,
    ), problems + link_problems


def _join(folder: str, path: str) -> str:
    """Join a path to a folder; an absolute (``/``) path is taken from the site root."""
    return path if path.startswith("/") else f"{folder}/{path}"


def split_front_matter(text: str, path: str, max_depth: int = ParseOptions().max_yaml_depth
                       ) -> tuple[dict, str, int, list[Problem]]:
    """(metadata, body, file line where the body starts, problems) of a normalised text with YAML
    (``---``), TOML (``+++``) or JSON (``{``) front matter, or none; front matter nested deeper
    than ``max_depth`` is not given to a loader."""
    first = text.find("\n")
    opening = text if first < 0 else text[:first]
    if _FENCE.match(opening):
        fence, close, load = "---", _CLOSE_LINE, _yaml_meta
    elif _TOML_FENCE.match(opening):
        fence, close, load = "+++", _TOML_FENCE, _toml_meta
    elif _JSON_START.match(opening):
        return _json_front_matter(text, path, max_depth)
    else:
        return {}, text, 1, []
    found = close.search(text, first + 1) if first >= 0 else None
    if found is None:
        problem = Problem(path, 1, "unclosed-front-matter",
                          f"front matter opened with {fence!r} is never closed; whole file read as body")
        return {}, text[first + 1:] if first >= 0 else "", 2, [problem]
    end = text.count("\n", 0, found.start())  # the closing line's index
    block = text[first + 1:found.start() - 1] if end > 1 else ""
    meta, problems = load(block, path, max_depth)
    return meta, text[found.end() + 1:], end + 2, problems


def _yaml_meta(block: str, path: str, max_depth: int) -> tuple[dict, list[Problem]]:
    """The metadata of a YAML front matter block (file line 2 on) and its problems."""
    meta = simple_yaml(block)
    if meta is None:
        if (deep := _too_deep(block, max_depth)) is not None:
            problem = Problem(path, 2 + deep, "yaml-too-deep", f"front matter is nested more than {max_depth:,} "
                              "levels deep; read as flat 'key: value' lines")
            meta, refused = _flat_front_matter(block.split("\n"), path)
            return meta, [problem, *refused]
        try:
            meta = _YAML.load(block)
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: a value the loader cannot make (a
            # 13th month, an integer past int()'s 4,300 digits) escaped it and stopped the build
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = 2 + mark.line if mark is not None else 1
            reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
            problem = Problem(path, line, "yaml-error",
                              f"front matter is not valid YAML ({reason}); read as flat 'key: value' lines")
            meta, refused = _flat_front_matter(block.split("\n"), path)
            return meta, [problem, *refused]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problem = Problem(path, 2, "front-matter-not-mapping",
                          f"front matter is a YAML {type(meta).__name__}, not a mapping; ignored")
        return {}, [problem]
    return {str(k): v for k, v in meta.items()}, []


def _toml_meta(block: str, path: str, max_depth: int) -> tuple[dict, list[Problem]]:
    """The metadata of a TOML front matter block (file line 2 on) and its problems. TOML has
    no other top level than a table, so there is no front-matter-not-mapping here."""
    if (deep := _toml_too_deep(block, max_depth)) is not None:
        problem = Problem(path, 2 + deep, "toml-too-deep", f"front matter is nested more than {max_depth:,} "
                          "levels deep; read as flat 'key = value' lines")
        return _flat_toml(block, max_depth), [problem]
    try:
        return tomllib.loads(block), []
    except ValueError as exc:  # TOMLDecodeError, or an integer longer than int() takes
        at = _TOML_AT.search(str(exc))
        if at is None:
            line = 1  # int()'s error has no place
        elif at.group(1) is None:
            line = 2 + block.count("\n")  # 'at end of document': the block's last line
        else:
            line = 1 + int(at.group(1))
        reason = _TOML_AT.sub("", str(exc)).strip()
        problem = Problem(path, line, "toml-error",
                          f"front matter is not valid TOML ({reason}); read as flat 'key = value' lines")
        return _flat_toml(block, max_depth), [problem]


def _json_front_matter(text: str, path: str, max_depth: int) -> tuple[dict, str, int, list[Problem]]:
    """split_front_matter for a text whose first line opens a JSON object: the object, then the
    body from the line after its closing brace (text after the brace on that line is body, as
    in Hugo)."""
    close, deep = _json_extent(text, max_depth)
    if close is None:
        problem = Problem(path, 1, "unclosed-front-matter",
                          "front matter opened with '{' is never closed; whole file read as body")
        return {}, text, 1, [problem]
    end = text.count("\n", 0, close)  # the closing line's index
    rest = text.find("\n", close)
    if rest < 0:
        rest = len(text)
    if text[close:rest].strip():
        body, body_line = text[close:], end + 1
    else:
        body, body_line = text[rest + 1:], end + 2
    if deep is not None:
        problem = Problem(path, 1 + deep, "json-too-deep", f"front matter is nested more than {max_depth:,} "
                          "levels deep; read as flat '\"key\": value' lines")
        return _flat_json(text[:close], max_depth), body, body_line, [problem]
    try:
        meta, _ = json.JSONDecoder().raw_decode(text[:close])
    except ValueError as exc:  # JSONDecodeError, or an integer longer than int() takes
        line = getattr(exc, "lineno", 1)
        reason = getattr(exc, "msg", str(exc))
        problem = Problem(path, line, "json-error",
                          f"front matter is not valid JSON ({reason}); read as flat '\"key\": value' lines")
        return _flat_json(text[:close], max_depth), body, body_line, [problem]
    return meta, body, body_line, []


_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)")
# What a nesting scan skips (strings and comments, where brackets are text) and counts: brackets,
# and the dots of dotted keys, which nest tables too (a float's dot may count: the limit is a
# bound on the work, not a grammar). An unclosed string or comment runs to the end, so each
# scan is one pass.
_TOML_TOKEN = re.compile(r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)'
                         r'|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?|#[^\n]*|[][{}.\n]')
_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[][{}\n]')
_OPENERS = frozenset("[{")
_CLOSERS = frozenset("]}")


def _toml_too_deep(block: str, limit: int) -> int | None:
    """The line (0-based) where TOML front matter nests deeper than ``limit``, else None.
    tomllib parses nested arrays and inline tables by recursion (RecursionError at a depth that
    depends on the caller's stack), and its work on one dotted key grows with the square of the
    key's parts (100,000 parts: gigabytes): it is given neither."""
    if 1 + sum(map(block.count, "[{.")) <= limit:
        return None  # too few nesting characters to reach the limit: not scanned
    depth, dots = 1, 0  # the page's own table is a level, as YAML's and JSON's top mapping are
    for token in _TOML_TOKEN.finditer(block):
        t = token.group()
        if t in _OPENERS:
            depth += 1
        elif t in _CLOSERS:
            depth -= 1
        elif t == ".":
            dots += 1  # a dotted key is one line: its parts are the dots since the line began
        elif "\n" in t:
            dots = 0
        if depth + dots > limit:
            return block.count("\n", 0, token.start())
    return None


def _json_extent(text: str, limit: int) -> tuple[int | None, int | None]:
    """(offset just past the brace that closes the object opening ``text``, or None if none
    does; the line (0-based) where it nests deeper than ``limit``, or None). json's decoder
    recurses per level, as tomllib does (``_toml_too_deep``); this scan does not."""
    depth, deep = 0, None
    for token in _JSON_TOKEN.finditer(text):
        t = token.group()
        if t in _OPENERS:
            depth += 1
            if depth > limit and deep is None:
                deep = text.count("\n", 0, token.start())
        elif t in _CLOSERS:
            depth -= 1
            if depth == 0:
                return token.end(), deep
    return None, deep


_TOML_KEY = re.compile(r"[^\S\n]*[A-Za-z0-9_-]+[^\S\n]*=")
_JSON_KEY = re.compile(r'[^\S\n]*[{,]?[^\S\n]*("(?:[^"\\\n]|\\.)*")[^\S\n]*:[^\S\n]*(.*?)[,}\s]*$')


def _flat_toml(block: str, max_depth: int) -> dict[str, object]:
    """What can be read of TOML front matter that does not load: each ``key = value`` line
    above the first ``[table]`` that is valid TOML on its own. A value over several lines is
    left out with the rest; the file's problem already names the line where TOML failed."""
    meta: dict[str, object] = {}
    for line in block.split("\n"):
        if line.lstrip().startswith("["):
            break  # below a table header, keys belong to the table, not to the page
        if _TOML_KEY.match(line) and sum(map(line.count, "[{.")) <= max_depth:
            try:
                meta.update(tomllib.loads(line))
            except ValueError:
                continue
    return meta


def _flat_json(block: str, max_depth: int) -> dict[str, object]:
    """What can be read of a JSON object that does not load: each ``"key": value`` line whose
    value is valid JSON on its own (a trailing comma or brace aside)."""
    meta: dict[str, object] = {}
    for line in block.split("\n"):
        if (m := _JSON_KEY.match(line)) is None or sum(map(m.group(2).count, "[{")) > max_depth:
            continue
        try:
            key, value = json.loads(m.group(1)), json.loads(m.group(2))
        except ValueError:
            continue
        meta[key] = value
    return meta


_NESTING = ("[", "{", "-", "?", ":")
"""Every level of YAML nesting opens with one of these: a flow sequence or mapping, a block
sequence's dash, a key's question mark or colon."""


def _too_deep(block: str, limit: int) -> int | None:
    """The line (0-based, in ``block``) where YAML collections nest deeper than ``limit``, else
    None. libyaml's parser hands out events without recursion, so reading them is safe at any
    depth; the loader that composes them recurses. A block with fewer nesting indicators than
    the limit cannot reach it and is not parsed twice."""
    if sum(map(block.count, _NESTING)) <= limit:
        return None
    depth = 0
    try:
        for event in yaml.parse(block, Loader=_LOADER):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > limit:
                    return event.start_mark.line
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return None  # the loader reports it (no deeper than what was read before the error)
    return None


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def simple_yaml(block: str) -> dict[str, object] | None:
    """What the YAML loader makes of ``block`` when it is front matter of the common shape, else
    None (then the loader is asked): ``key: value`` lines at the margin, each value a plain word
    or sentence, a quoted string without escapes, a flow list of plain words (``[a, b]``) or
    nothing, followed by ``- item`` lines at one indentation. Anything YAML could read otherwise
    (a value that resolves to a number, a date, a boolean or null; a comment; a continued line;
    a tab; a character YAML forbids or treats as a line break) is left to the loader, so the
    result is always the loader's (tests/test_parse.py checks it against PyYAML)."""
    if _SIMPLE_CHARS.fullmatch(block) is None:
        return None
    meta: dict[str, object] = {}
    listed = None  # the key whose items may follow
    indent = -1
    for line in block.split("\n"):
        if not line:
            continue
        if (m := _SIMPLE_KEY.fullmatch(line)) is not None:
            key, value = m.groups()
            if _implicit(key):
                return None
            if not value:
                meta[key] = None
                listed, indent = key, -1
                continue
            value = _flow_list(value) if value[0] == "[" else _scalar(value)
            if value is None:
                return None
            meta[key] = value
            listed = None
        elif listed is not None and (m := _SIMPLE_ITEM.fullmatch(line)) is not None:
            if indent < 0:
                indent = len(m.group(1))
            item = _scalar(m.group(2))
            if item is None or len(m.group(1)) != indent:
                return None
            items = meta[listed]
            if items is None:
                meta[listed] = [item]
            else:
                items.append(item)
        else:
            return None
    return meta or None  # an empty document is null, not an empty mapping: the loader says so


def _implicit(plain: str) -> bool:
    """True when YAML resolves this plain scalar to something other than a string (a number, a
    boolean, null, a date...): the loader's own implicit resolvers are asked."""
    resolvers = SafeLoader.yaml_implicit_resolvers  # read each time: a library may add resolvers
    for _, pattern in (*resolvers.get(plain[0], ()), *resolvers.get(None, ())):
        if pattern.match(plain):
            return True
    return False


def _scalar(value: str) -> str | None:
    """The string a one-line YAML value stands for, if it is a plain scalar starting with a
    letter or a quoted string without escapes; None for anything else."""
    if not value:
        return None
    if value[0] == '"' or value[0] == "'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != value[0] or value[0] in inner or "\\" in inner:
            return None
        return inner
    if not value[0].isalpha() or _NOT_PLAIN.search(value) or _implicit(value):
        return None
    return value


def _flow_list(value: str) -> list[str] | None:
    """The strings of a one-line flow list of plain words (``[a, b c]``), else None."""
    if value[-1] != "]":
        return None
    inner = value[1:-1]
    if not inner.strip(" "):
        return []
    items = [item.strip(" ") for item in inner.split(",")]
    if not all(_FLOW_ITEM.fullmatch(item) and not _implicit(item) for item in items):
        return None
    return items


def _flat_front_matter(lines: list[str], path: str) -> tuple[dict[str, object], list[Problem]]:
    """Recover ``key: value`` lines (and ``- item`` lists) from front matter YAML rejects.

    A value that is YAML syntax rather than text (a ``!tag``, an ``*alias``, a ``|`` or ``>``
    block scalar) is refused and reported: recovery reads text the author wrote, never markup
    YAML would have interpreted. (``&amp;`` stays text: it is an HTML entity far more often
    than an anchor, and an anchor only names a value.)
    """
    meta: dict[str, object] = {}
    problems: list[Problem] = []
    key = None
    for n, line in enumerate(lines, 2):
        if (m := _FLAT_LINE.match(line)) is not None:
            key, value = m.group(1), m.group(2) or ""
            if _YAML_SYNTAX.match(value):
                problems.append(Problem(path, n, "yaml-syntax-value", f"front matter {key!r} is YAML syntax "
                                        f"({value[:40]!r}), not text; ignored"))
                meta[key], key = None, None  # nor take the items below it
                continue
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[key] = value or None
        elif key is not None and (item := _LIST_ITEM.match(line)) is not None:
            if _YAML_SYNTAX.match(item.group(1)):
                problems.append(Problem(path, n, "yaml-syntax-value", f"an item of front matter {key!r} is YAML "
                                        f"syntax ({item.group(1)[:40]!r}), not text; ignored"))
                continue
            existing = meta.get(key)
            meta[key] = (existing if isinstance(existing, list) else []) + [item.group(1).strip("'\"")]
    return meta, problems


def language_root(path: str, root_name: str) -> tuple[str, str | None, str]:
    """(language root prefix, its language, path below it) for a file path."""
    parts = path.split("/")
    if root_name.lower() in LANGUAGE_FOLDERS:
        return "", LANGUAGE_FOLDERS[root_name.lower()], path
    for i, part in enumerate(parts[:-1]):
        if part.lower() in LANGUAGE_FOLDERS:
            return "/".join(parts[: i + 1]), LANGUAGE_FOLDERS[part.lower()], "/".join(parts[i + 1:])
    return "", None, path


def _aliases(value: object, path_slug: str, at: Callable[[], Problem], problems: list[Problem],
             limit: int) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        problems.append(replace(at(), message="front matter 'aliases' is not a list of strings; ignored"))
        return []
    folder = posixpath.dirname(path_slug)
    found = dict.fromkeys(page_path(_join(folder, decode_path(a.split("#")[0].split("?")[0])))
                          for a in items if a.strip())
    if len(found) > limit:
        problems.append(replace(at(), code="too-many-aliases",
                                message=f"more than {limit:,} aliases; the rest are left out"))
    return list(found)[:limit]


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

