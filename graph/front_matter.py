"""A normalised text -> its front matter (YAML ``---``, TOML ``+++`` or JSON ``{``), its body and
the problems of reading it: the front matter half of ``graph.parse``, as pure as it is.

Each loader is guarded by what is known to break it (nesting depth, values it cannot make), and
front matter no loader takes is read as flat ``key: value`` lines with a problem at its line
(docs/link-rules.md, docs/faults.md).
"""

from __future__ import annotations

import json
import re
import tomllib

import yaml
from frontmatter.default_handlers import SafeLoader, YAMLHandler

from graph.model import Problem

MAX_DEPTH = 100
"""Nesting depth of front matter given to a loader by default (``ParseOptions.max_yaml_depth``)."""



class _TextLoader(SafeLoader):
    """python-frontmatter's safe loader (yaml.CSafeLoader when libyaml is present) reading a plain
    scalar as the text written: YAML 1.1 would make ``title: Yes`` True, ``1.10`` 1.1, ``010`` 8,
    ``12:30`` 750 and ``2024-01-02`` a date, and every field linkgraph reads is text, so the label
    would silently say what the author did not write (docs/link-rules.md). Nulls (``~``, ``null``,
    an empty value) stay no value and ``<<`` still merges; a tag (``!!int 5``) still makes its type."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers
                if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
        for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
    }


def load_yaml(block: str) -> object:
    """What front matter YAML ``block`` holds, its plain scalars as text (``_TextLoader``)."""
    return yaml.load(block, Loader=_TextLoader)


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
_ITEM_BOUNDS = re.compile(r"[\s\[\],'\"]+")  # what stands between list items, in any of the formats
_YAML_SYNTAX = re.compile(r"^(?:!|\*[^\s*]+$|[|>][-+0-9]*$)")
# How a front matter line names a key, by the file's first character: YAML's 'key:'; TOML's
# 'key =' (quoted, dotted or as a '[key]' table too); JSON's '"key":' after a brace, a comma or
# nothing.
_KEY_LINE = {
    "-": r"^{0}\s*:",
    "+": r"""^\s*(?:\[+\s*)?(?:{0}|"{0}"|'{0}')\s*[=.\]]""",
    "{": r'(?:^|[{{,])\s*"{0}"\s*:',
}


def key_line(text: str, body_line: int, name: str) -> int:
    """The file line of front matter key ``name`` in a normalised text whose body starts on file
    line ``body_line`` (``split_front_matter``), found as the text's format writes a key; 1 if absent."""
    front = text.split("\n", body_line - 1)[: body_line - 1]
    pattern = re.compile(_KEY_LINE.get(text[:1], _KEY_LINE["-"]).format(re.escape(name)))
    return next((n for n, line in enumerate(front, 1) if pattern.search(line)), 1)


def item_lines(text: str, body_line: int, name: str, items: list[str]) -> list[int]:
    """The file line of each of ``items``, the texts of front matter list ``name``: the first line
    from the key's on where the text stands alone between blanks, brackets, commas or quotes (a
    flow list, a block list's ``- item``, a JSON or TOML array over lines), else the key's line (an
    item written escaped or holding such a character). Each line is read once, and no further
    than the list could reach (an item a line, a few comments), however long the front matter."""
    start = key_line(text, body_line, name)
    front = text.split("\n", body_line - 1)[start - 1: min(body_line - 1, start + len(items) + 10)]
    first: dict[str, int] = {}
    for n, line in enumerate(front, start):
        for token in _ITEM_BOUNDS.split(line):
            first.setdefault(token, n)
    return [first.get(item, start) for item in items]


def split_front_matter(text: str, path: str, max_depth: int = MAX_DEPTH
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
            meta = load_yaml(block)
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
    """True when YAML 1.1 resolves this plain scalar to something other than a string (a number, a
    boolean, null, a date...): PyYAML's own implicit resolvers are asked, and such a value is left
    to the loader (``_TextLoader``, which keeps all but null as the text written)."""
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
