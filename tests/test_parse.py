"""graph.parse's fast paths give what the slow ones give: ``simple_yaml`` what the YAML loader
makes of the same front matter, ``split_front_matter`` the fences a line-by-line reading finds."""

import os
import random
import re
import subprocess
import sys

import pytest
import yaml

from graph.front_matter import _too_deep, load_yaml, simple_yaml, split_front_matter
from graph.parse import parse_article
from tests.conftest import PROJECT


def loaded(block: str):
    """The loader's reading (what parse.py falls back to), or the exception type it raises."""
    try:
        return load_yaml(block)
    except yaml.YAMLError as exc:
        return type(exc)


# The shapes most front matter has: each must take the fast path and agree with the loader.
COMMON = [
    "title: Bank rate\ndescription: The rate a central bank charges.\nkeywords: rates, banks",
    "title: سعر الفائدة\ndescription: ما يدفعه المقترض\nkeywords:\n  - فائدة\n  - بنوك",
    'title: "Yield: the return"\nslug: \'yield\'\ntags: [finance, bond market, x-y]',
    "tags:\n- a\n- b\ntitle: After a list\n\ncategories: []\nempty:",
    "title: http://example.org/a#b\nlinkTitle: M&amp;A (mergers)",
]

# Each is read by the loader as something else than plain text, fails, or is merely unusual:
# the fast path must either give the loader's result or step aside (None).
ODD = [
    "title: yes", "title: No", "title: on", "title: OFF", "title: null", "title: Null", "title: ~",
    "title: 2024-01-02", "title: 1e3", "title: 0x1F", "title: 1:20", "title: .inf", "title: -", "title: <<",
    "yes: x", "null: x", "On: x", "title: =", "title: a: b", "title: a:", "title: a #comment", "title: a#b",
    "title: a\n  continued", "title: a\n\n  continued after a blank", "title:\n  nested: map",
    "title: 'it''s'", 'title: "esc\\"aped"', 'title: "a" "b"', "title: 'a' # c", 'title: "a', "title: '",
    "title: \"\"", "title: ''", "title: a\tb", "title:\tb", "\ttitle: b", "title : b", "title:b",
    "tags: [a, b,]", "tags: [a, [b]]", "tags: [a: b]", "tags: [yes, no]", "tags: [a] # c", "tags: [ a , b ]",
    "tags: [a, 'b']", "tags: [1, 2]", "tags: [a, null]", "tags: [a #b]", "tags: [ ]", "tags: [a,b]",
    "tags:\n- a\n  - b", "tags:\n  - a\n- b", "tags:\n-", "tags:\n- ", "tags:\n- - a", "tags:\n- a: b",
    "tags:\n- yes", "tags:\n- 'q'", "tags:\n-a", "tags: x\n- a", "- a\n- b", "title: a\n- b",
    "# comment only", "title: a # c", "--- x", "... x", "%YAML 1.1", "&anchor a", "title: &a x",
    "title: *a", "title: !tag x", "title: |\n  block", "title: >\n  folded", "title: @x", "title: `x",
    "title: a\u2028b", "title: a\x85b", "title: \ufeffa", "title: a\x00b", "title: a\x1fb", "title: 😀",
    "title: a\xa0", "title: \xa0a", "title: ab\u200bc", "title: café", "title: e\u0301", "title: \u0627\u064e",
    "title: x\ntitle: y", "tags:\n- a\ntags:\n- b", "tags: [a]\ntags:\n- b", "a-b_c: d", "_x: y", "x" * 200 + ": y",
    "title: " + "a" * 5000, "title:   spaced   ", "title: two  spaces", "title: a - b", "title: a -", "title: [a",
    "title: {a: b}", "title: a, b", "title: a]", "title: a}", "title: ? a", "title: a ?", "title: 'a'b'",
    "", "\n", "\n\n", "   ", "title: a\n   ", "title: a\n\n\n", "url: /a/b/",
]


@pytest.mark.parametrize("block", COMMON)
def test_common_front_matter_takes_the_fast_path_and_agrees(block):
    assert simple_yaml(block) is not None
    assert simple_yaml(block) == loaded(block)


@pytest.mark.parametrize("block", ODD)
def test_odd_front_matter_agrees_with_the_loader_or_is_left_to_it(block):
    fast = simple_yaml(block)
    assert fast is None or fast == loaded(block)


def test_values_yaml_reads_as_other_types_are_left_to_the_loader():
    for block in ("title: yes", "title: null", "yes: x", "title: 2024-01-02", "tags: [a, no]", "tags:\n- off"):
        assert simple_yaml(block) is None


_WORDS = ["title", "tags", "a", "b c", "word", "سوق", "x-y", "on", "http://x.org/a", "(b)", "e\u0301", "Q"]
_ODD_BITS = [":", ": ", " #", "#", "'", '"', "[", "]", ", ", ",", "{", "}", "- ", "-", "  ", " ", "\t", "1",
             "2024-01-02", "~", "&", "*", "!", "|", ">", "?", "%", "@", "\\", "\u2028", "\xa0", "\ufeff", "yes",
             "null", ".", "...", "---", "😀", "\n", "\n  "]


def _random_block(rng: random.Random) -> str:
    """Front matter lines in the common shapes, with odd bits spliced in."""
    def value() -> str:
        parts = [rng.choice(_WORDS if rng.random() < 0.7 else _ODD_BITS) for _ in range(rng.randint(1, 3))]
        text = "".join(parts)
        shape = rng.random()
        return f'"{text}"' if shape < 0.1 else f"'{text}'" if shape < 0.2 else f"[{text}]" if shape < 0.3 else text

    lines = []
    for _ in range(rng.randint(1, 5)):
        key = rng.choice(["title", "tags", "description", "yes", "k_1", "x-y"])
        if rng.random() < 0.3:
            lines.append(f"{key}:")
            indent = rng.choice(["", "  "])
            lines += [f"{indent}- {value()}" for _ in range(rng.randint(1, 3))]
        else:
            lines.append(f"{key}: {value()}")
        if rng.random() < 0.1:
            lines.append("")
    return "\n".join(lines)


def test_random_front_matter_agrees_with_the_loader():
    rng = random.Random(11)
    taken = 0
    for _ in range(3000):
        block = _random_block(rng)
        fast = simple_yaml(block)
        if fast is not None:
            taken += 1
            assert fast == loaded(block), repr(block)
    assert taken > 300  # the fast path was exercised, not only refused


def _split_by_lines(text: str):
    """An independent reading of the fences: the first line is '---'-like, the next line of
    3+ dashes or 3 dots closes; (block, body, body line) or None when unopened or unclosed."""
    lines = text.split("\n")
    if not re.match(r"-{3,}\s*$", lines[0]):
        return None
    for i in range(1, len(lines)):
        if re.match(r"(-{3,}|\.{3})\s*$", lines[i]):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    return None


@pytest.mark.parametrize("text", [
    "---\ntitle: a\n---\nbody\n", "---\n---\nbody", "---\ntitle: a\n---", "---\ntitle: a\n...\nbody",
    "----  \ntitle: a\n---\t \nbody\n---\nmore", "---\ntitle: a\n--- x\n---\nbody", "---\n\n\n---\n\n",
    "---\ntitle: a\n ---\n---\nb", "---\ntitle: a\n....\n---\nb", "---\ntitle: a\n---\x0b\nb",
])
def test_fences_are_found_as_a_line_by_line_reading_finds_them(text):
    meta, body, body_line, problems = split_front_matter(text, "a.md")
    block, expected_body, expected_line = _split_by_lines(text)
    assert (body, body_line) == (expected_body, expected_line)
    assert meta == (loaded(block) or {}) or problems


@pytest.mark.parametrize("text, body", [("---\ntitle: a\n", "title: a\n"), ("---", ""), ("---\n", "")])
def test_an_unclosed_fence_reads_the_rest_as_body(text, body):
    meta, found, line, problems = split_front_matter(text, "a.md")
    assert (meta, found, line, [p.code for p in problems]) == ({}, body, 2, ["unclosed-front-matter"])


def test_problem_lines_point_at_their_key_after_the_fast_path():
    article, problems = parse_article("---\ntitle: T\n\naliases: !!int 3\ntags:\n- ok\n---\n", "a.md")
    assert article.keywords == ("ok",)
    assert [(p.line, p.code) for p in problems] == [(4, "bad-field")]


DEEP = {  # front matter nested past any limit: each shape a level per few bytes
    "flow sequences": ("title: " + "[" * 30_000 + "]" * 30_000, 2),
    "unclosed flow sequences": ("title: " + "[" * 30_000, 2),
    "flow mappings": ("title: " + "{a: " * 30_000, 2),
    "block sequences on one line": ("title: T\nkeywords:\n" + "- " * 30_000 + "k", 4),
}


@pytest.mark.parametrize("shape", DEEP)
def test_front_matter_nested_too_deep_is_read_as_flat_lines_not_loaded(shape):
    # libyaml's loader recurses per level in C and kills the process at ~25,000 levels, so the
    # parse runs in a child: a regression fails this test instead of ending the test run.
    block, line = DEEP[shape]
    code = ("import sys; from graph.parse import parse_article\n"
            "a, problems = parse_article(sys.stdin.read(), 'a.md')\n"
            "print(repr(a.title[:3]), [(p.line, p.code) for p in problems if p.code != 'field-too-long'])")
    run = subprocess.run([sys.executable, "-c", code], input=f"---\n{block}\n---\nbody\n", capture_output=True,
                         text=True, cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=60)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.split(" ", 1)[1].strip() == f"[({line}, 'yaml-too-deep')]"


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def test_the_depth_limit_refuses_exactly_what_nests_deeper_and_loads_the_rest():
    rng = random.Random(5)

    def nested(levels):
        if not levels:
            return rng.choice(["x", "y z", "3"])
        return rng.choice([lambda v: [v, "s"], lambda v: {"k": v, "j": "1"}, lambda v: [{"m": v}][0]])(nested(levels - 1))

    for _ in range(300):
        meta = {"title": "T", "keywords": nested(rng.randint(0, 12))}
        block = yaml.safe_dump(meta, default_flow_style=rng.choice([True, False, None]), allow_unicode=True).strip()
        depth, limit = _depth(meta), rng.randint(1, 12)
        # the count of nesting indicators skips the event reading only where it cannot be deeper
        assert (_too_deep(block, limit) is not None) == (depth > limit), block
        meta_read, _, _, problems = split_front_matter(f"---\n{block}\n---\n", "a.md", limit)
        if depth <= limit:
            assert meta_read == meta and not problems
        else:
            assert [p.code for p in problems][:1] == ["yaml-too-deep"]


@pytest.mark.parametrize("value", ["!!timestamp 2020-13-45", "!!int " + "1" * 5000],
                         ids=["impossible date", "5,000-digit integer"])
def test_a_value_the_yaml_loader_cannot_make_is_a_yaml_error_not_a_crash(value):
    # the loader's constructors raise ValueError (an impossible date, an integer past int()'s
    # digit limit) past its own YAMLError: it stopped the whole build (plain values are text now:
    # only a tag asks for a date or an integer)
    article, problems = parse_article(f"---\ntitle: T\ndate: {value}\n---\n[x](/x)\n", "a.md")
    assert [(p.line, p.code) for p in problems] == [(1, "yaml-error"), (3, "yaml-syntax-value")]
    assert article.title == "T" and [link.line for link in article.links] == [5]


def test_alias_lines_are_front_matter_lines_and_0_for_aliases_the_path_implies():
    article = parse_article("---\nslug: new\naliases:\n  - /x\n  - /docs\n---\n", "docs/README.md")[0]
    # the path before the slug and the README's folder, then the written ones; written beats implied
    assert (article.aliases, article.alias_lines) == (("docs/README", "docs", "x"), (0, 5, 4))


def test_jekyll_redirect_from_is_read_as_aliases_with_its_lines():
    text = "---\ntitle: T\nredirect_from:\n  - /old-name/\n  - /x\naliases: [/x, /y]\n---\n"
    article = parse_article(text, "posts/new.md")[0]
    assert (article.aliases, article.alias_lines) == (("x", "y", "old-name"), (6, 6, 4))
    article, problems = parse_article("---\nredirect_from: !!int 3\n---\n", "a.md")
    assert [(p.line, p.code, p.message) for p in problems] == [
        (2, "bad-field", "front matter 'redirect_from' is not a list of strings; ignored")]


def test_with_wikilinks_a_page_also_answers_to_its_file_name_an_implied_alias():
    from graph.parse import ParseOptions
    on = ParseOptions(wikilinks=True)
    deep = parse_article("# Note\n[[Other]]\n", "notes/sub/My Note.md", on)[0]
    assert (deep.slug, deep.aliases, deep.alias_lines) == ("notes/sub/My Note", ("My Note",), (0,))
    assert [(x.href, x.syntax) for x in deep.links] == [("[[Other]]", "wikilink")]
    assert parse_article("# Note\n", "My Note.md", on)[0].aliases == ()  # its slug already
    # a written alias of that name is reported like any (its line); README keeps its folder
    written = parse_article("---\naliases: [/My Note]\n---\n", "notes/My Note.md", on)[0]
    assert (written.aliases, written.alias_lines) == (("My Note",), (2,))
    readme = parse_article("# R\n", "docs/README.md", on)[0]
    assert (readme.aliases, readme.alias_lines) == (("docs", "README"), (0, 0))
    off = parse_article("# Note\n[[Other]]\n", "notes/sub/My Note.md")[0]
    assert (off.aliases, off.links) == ((), ())


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_file_in_utf16_or_utf32_with_its_bom_is_read_as_its_text(codec):
    # Windows PowerShell 5 writes UTF-16LE with a BOM (`"# Note" > note.md`, Out-File): it was
    # refused as binary (its NUL bytes), and the page was missing from the graph.
    from graph.parse import parse_bytes

    text = "---\ntitle: سوق Note\n---\nSee [b](/b).\r\n"
    data = ("\ufeff" + text).encode(codec) if codec != "utf-16" else text.encode(codec)
    article, problems = parse_bytes(data, "a.md")
    assert (article.title, [link.href for link in article.links], problems) == ("سوق Note", ["/b"], [])
    broken, problems = parse_bytes(data[:-1] if codec != "utf-32" else data[:-2], "a.md")
    assert broken.title == "سوق Note" and [p.code for p in problems] == ["invalid-encoding"]


def test_nul_bytes_without_a_utf16_or_utf32_bom_are_still_a_binary_file():
    from graph.parse import parse_bytes

    assert [p.code for p in parse_bytes("# A".encode("utf-16-le"), "a.md")[1]] == ["binary-file"]
    assert [p.code for p in parse_bytes(b"\xff\xfe\x00\x00\xff\xff\x11\x00", "a.md")[1]] == ["invalid-encoding"]
