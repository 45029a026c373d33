"""graph.parse's three front matter formats: TOML (``+++``) and JSON (``{``) front matter make the
article the same YAML (``---``) makes; their errors, fences and nesting limits are reported with
their lines like YAML's; a body that merely starts with a brace stays body."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from graph.cli import main
from graph.front_matter import split_front_matter
from graph.parse import ParseOptions, parse_article
from tests.conftest import PROJECT, write_files

# One page in each format, the front matter on the same lines, so that lines agree too.
PAGE = {
    "yaml": "---\ntitle: Toml Page\nkeywords: [a, b]\naliases: [/old]\nslug: page\nlang: en\n---\n",
    "toml": '+++\ntitle = "Toml Page"\nkeywords = ["a", "b"]\naliases = ["/old"]\nslug = "page"\nlang = "en"\n+++\n',
    "json": '{\n  "title": "Toml Page",\n  "keywords": ["a", "b"],\n  "aliases": ["/old"],\n  "slug": "page",\n'
            '  "lang": "en"\n}\n',
}
BODY = "See [x](/x) and\n[y](/y z).\n"  # '/y z' is not a link: a problem with its line


def codes(problems) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in problems]


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def bom(text: str) -> str:
    return "\ufeff" + text


@pytest.mark.parametrize("variant", [str, crlf, bom], ids=["lf", "crlf", "bom"])
@pytest.mark.parametrize("kind", ["toml", "json"])
def test_toml_and_json_front_matter_make_the_article_yaml_makes(kind, variant):
    expected, expected_problems = parse_article(variant(PAGE["yaml"] + BODY), "p.md")
    article, problems = parse_article(variant(PAGE[kind] + BODY), "p.md")
    assert article == expected and problems == expected_problems
    assert (article.title, article.keywords, article.aliases, article.slug, article.lang) == (
        "Toml Page", ("a", "b"), ("p", "old"), "page", "en")
    assert article.body_line == 8 and [(link.href, link.line) for link in article.links] == [("/x", 8)]
    assert codes(problems) == [(9, "not-a-link")]


def test_the_equivalence_holds_for_the_cli_too(tmp_path, capsys):
    """The TOML title reaches graph.nt; broken TOML is printed as path:line and fails --strict."""
    root = write_files(tmp_path / "in", {"t.md": (PAGE["toml"] + BODY).encode(),
                                         "j.md": PAGE["json"].replace("page", "jpage").encode()})
    assert main(["build", str(root), "-o", str(tmp_path / "out"), "--no-cache", "-q"]) == 0
    triples = (tmp_path / "out" / "graph.nt").read_text(encoding="utf-8")
    assert triples.count('"Toml Page"@en') == 2  # the TOML page and the JSON one, each its own concept
    (root / "t.md").write_text('+++\ntitle = "Toml Page"\nkeywords = ["a" "b"]\n+++\n[x](/x)\n')
    capsys.readouterr()
    assert main(["build", str(root), "-o", str(tmp_path / "out2"), "--no-cache", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "t.md:3: front matter is not valid TOML" in err
    assert '"Toml Page"' in (tmp_path / "out2" / "graph.nt").read_text(encoding="utf-8")  # read as flat lines


@pytest.mark.parametrize("text, title, expected", [
    # TOML: tomllib's line, the flat 'key = value' lines above it and below it kept
    ('+++\ntitle = "T"\nkeywords = ["a", "b"\ndescription = "D"\n+++\n', "T", [(4, "toml-error")]),
    ('+++\ntitle = "T"\nslug = x\n+++\n', "T", [(3, "toml-error")]),
    ('+++\ntitle = "T"\ntitle = "again"\n+++\n', "again", [(3, "toml-error")]),  # the last, as for YAML
    ('+++\ntitle = "T"\nw = [1,\n+++\n', "T", [(3, "toml-error")]),  # at end of document: its last line
    ('+++\ntitle = "T"\n[params]\nx = \n+++\n', "T", [(4, "toml-error")]),
    ('+++\n[params]\ntitle = "in a table"\nx = \n+++\n', "p", [(4, "toml-error")]),  # a table's key is not the page's
    ('+++\ntitle = "T"\nw = ' + "1" * 5000 + '\n+++\n', "T", [(1, "toml-error")]),  # too long for int(): no place
    # JSON: json's line, the flat '"key": value' lines kept
    ('{\n  "title": "T",\n  "slug": "s"\n  "lang": "en"\n}\n', "T", [(4, "json-error")]),
    ('{\n  "title": "T",\n}\n', "T", [(3, "json-error")]),
    ('{\n  title: "T"\n}\n', "p", [(2, "json-error")]),
    ('{\n  "title": "T",\n  "w": ' + "1" * 5000 + '\n}\n', "T", [(1, "json-error")]),
    # unclosed: the whole file is body, as for YAML
    ('+++\ntitle = "T"\n', "p", [(1, "unclosed-front-matter")]),
    ('{\n  "title": "T"\n', "p", [(1, "unclosed-front-matter")]),
    ('{"title": "T"\n', "p", [(1, "unclosed-front-matter")]),
])
def test_invalid_toml_and_json_are_reported_at_their_line_and_read_as_flat_lines(text, title, expected):
    article, problems = parse_article(text + "[x](/x)\n", "p.md")
    assert codes(problems) == expected and article.title == title
    line = text.count("\n") + 1
    unclosed = expected[0][1] == "unclosed-front-matter"
    assert [link.line for link in article.links] == [line]
    assert (article.body == text[text.index("\n") + 1 if text[0] == "+" else 0:] + "[x](/x)\n") == unclosed


def test_the_flat_reading_of_broken_toml_takes_valid_lines_only():
    text = '+++\ntitle = "T"\nkeywords = ["a", "b"]\naliases = ["/old",\n  "/older"]\nslug = ok\n+++\n'
    article, problems = parse_article(text, "p.md")
    assert (article.title, article.keywords, article.aliases, article.slug) == ("T", ("a", "b"), (), "p")
    assert codes(problems) == [(6, "toml-error")]  # where tomllib stopped: the array went on


@pytest.mark.parametrize("text", [
    "{{< note >}}\nSee [x](/x).\n{{< /note >}}\n",  # a Hugo shortcode
    "{{% notice %}}\nSee [x](/x).\n",
    "{% raw %}\nSee [x](/x).\n{% endraw %}\n",  # Liquid / Jinja
    "{: .note}\nSee [x](/x).\n",  # a kramdown attribute list
    "{x} is a set.\nSee [x](/x).\n",
    "{ not json }\nSee [x](/x).\n",
    '["a", "b"]\nSee [x](/x).\n',  # a JSON array is not front matter
    "++++\ntitle = \"T\"\n++++\nSee [x](/x).\n",  # four pluses are not Hugo's fence
    " +++\ntitle = \"T\"\n+++\nSee [x](/x).\n",
    ' {"title": "T"}\nSee [x](/x).\n',
])
def test_a_body_that_merely_starts_with_a_brace_or_pluses_is_body(text):
    meta, body, body_line, problems = split_front_matter(text, "p.md")
    assert (meta, body, body_line, problems) == ({}, text, 1, [])


@pytest.mark.parametrize("text, line", [
    ("{\nSee [x](/x).\n}\n", 2),  # a first line '{' opens JSON front matter: reported, not body
    ("{  \n  title: T\n}\n", 2),
    ('{"title": "T" "lang": "en"}\n', 1),
    ('{ "title": "T",, }\n', 1),
])
def test_a_first_line_that_opens_a_json_object_is_front_matter_even_when_broken(text, line):
    _, _, body_line, problems = split_front_matter(text, "p.md")
    assert codes(problems) == [(line, "json-error")] and body_line == text.count("\n") + 1


@pytest.mark.parametrize("text, meta, body, body_line", [
    ("+++  \ntitle = 'T'\n+++\t \nbody\n", {"title": "T"}, "body\n", 4),  # trailing blanks on both fences
    ("+++\n+++\nbody", {}, "body", 3),
    ("+++\ntitle = 'T'\n+++", {"title": "T"}, "", 4),
    ("+++\ns = \'\'\'\n+++\n\'\'\'\n+++\nb\n", None, None, None),
    ("{}\nbody\n", {}, "body\n", 2),
    ('{"title": "T"}\nbody\n', {"title": "T"}, "body\n", 2),
    ('{"title": "T"}  \nbody\n', {"title": "T"}, "body\n", 2),
    ('{"title": "T"} and [x](/x)\nbody\n', {"title": "T"}, " and [x](/x)\nbody\n", 1),  # Hugo: the rest is body
    ('{\n "a": {"b": "}"},\n "c": "{"\n}\nbody', {"a": {"b": "}"}, "c": "{"}, "body", 5),  # braces in strings
    ('{"title": "T"}', {"title": "T"}, "", 2),
])
def test_fences_and_the_end_of_a_json_object(text, meta, body, body_line):
    found = split_front_matter(text, "p.md")
    if meta is None:  # TOML's fence is a line, as YAML's: a multi-line string cannot hold one
        assert [p.code for p in found[3]] == ["toml-error"]
        return
    assert found == (meta, body, body_line, [])


@pytest.mark.parametrize("kind, front", [
    ("toml", '+++\ntitle = 1979-05-27\ndescription = true\nkeywords = ["k", 1979-05-27T07:32:00Z, 3]\n'
             'slug = 12\n[lang]\nx = 1\n+++\n'),
    ("json", '{\n"title": {"a": 1},\n"description": true,\n"keywords": ["k", {"a": 1}, 3],\n"slug": 12,\n'
             '"lang": {"x": 1}\n}\n'),
])
def test_values_that_are_not_text_are_bad_fields_at_their_line(kind, front):
    article, problems = parse_article(front + "# Heading\n", "p.md")
    assert (article.title, article.description, article.keywords, article.slug) == ("Heading", "", ("k", "3"), "12")
    assert sorted(codes(problems)) == [(2, "bad-field"), (3, "bad-field"), (4, "bad-field"), (6, "bad-lang")]


def test_problems_point_at_quoted_dotted_and_one_line_keys():
    _, problems = parse_article('+++\nx = 1\n"title" = true\ndescription.a = "b"\n+++\n', "p.md")
    assert codes(problems) == [(3, "bad-field"), (4, "bad-field")]
    _, problems = parse_article('{"x": 1, "title": false,\n "description": {}}\n', "p.md")
    assert codes(problems) == [(1, "bad-field"), (2, "bad-field")]


@pytest.mark.parametrize("kind", ["toml", "json"])
def test_the_per_file_limits_hold(kind):
    many = [f"/a{i}" for i in range(30)]
    front = {"toml": f'+++\ntitle = "{"t" * 50}"\naliases = {json.dumps(many)}\nkeywords = {json.dumps(many)}\n+++\n',
             "json": f'{{\n"title": "{"t" * 50}",\n"aliases": {json.dumps(many)},\n'
                     f'"keywords": {json.dumps(many)}\n}}\n'}
    article, problems = parse_article(front[kind], "p.md",
                                      ParseOptions(max_field_chars=20, max_aliases=10, max_keywords=5))
    assert (len(article.title), len(article.aliases), len(article.keywords)) == (20, 10, 5)
    assert sorted(codes(problems)) == [(2, "field-too-long"), (3, "too-many-aliases"), (4, "too-many-keywords")]


DEEP = {  # front matter nested past any limit, each a level per byte or two
    "toml arrays": ('+++\ntitle = "T"\nk = ' + "[" * 100_000 + "]" * 100_000 + "\n+++\n", 3, "toml-too-deep"),
    "toml unclosed arrays": ('+++\ntitle = "T"\nk = ' + "[" * 100_000 + "\n+++\n", 3, "toml-too-deep"),
    "toml inline tables": ('+++\ntitle = "T"\nk = ' + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n+++\n", 3,
                           "toml-too-deep"),
    # tomllib makes a dotted key's tables in time and memory quadratic in its parts: gigabytes
    "toml dotted key": ('+++\ntitle = "T"\n' + "a." * 100_000 + "b = 1\n+++\n", 3, "toml-too-deep"),
    "toml table header": ('+++\ntitle = "T"\n\n[' + "a." * 100_000 + "b]\n+++\n", 4, "toml-too-deep"),
    "json arrays": ('{\n"title": "T",\n"k": ' + "[" * 100_000 + "]" * 100_000 + "\n}\n", 3, "json-too-deep"),
    "json objects": ('{\n"title": "T",\n"k":\n' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "\n}\n", 4,
                     "json-too-deep"),
}


@pytest.mark.parametrize("shape", DEEP)
def test_front_matter_nested_too_deep_is_read_as_flat_lines_not_loaded(shape):
    # a loader's recursion or tomllib's memory could end the process: the parse runs in a child
    # with its address space capped, so a regression fails this test instead of the run
    text, line, code = DEEP[shape]
    child = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
             "from graph.parse import parse_article\n"
             "a, problems = parse_article(sys.stdin.read(), 'a.md')\n"
             "print(a.title, a.body_line, [(p.line, p.code) for p in problems])")
    run = subprocess.run([sys.executable, "-c", child], input=text + "[x](/x)\n", capture_output=True, text=True,
                         cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=60)
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.strip() == f"T {text.count(chr(10)) + 1} [({line}, '{code}')]"


@pytest.mark.parametrize("kind", ["toml arrays", "toml inline tables", "toml dotted", "json arrays", "json objects"])
def test_the_depth_limit_refuses_exactly_what_nests_deeper(kind):
    def front(levels: int) -> str:
        """Front matter nested ``levels`` deep, the page's own mapping (or table) counted, as for YAML."""
        n = levels - 1
        return {
            "toml arrays": "+++\nk = " + "[" * n + "1" + "]" * n + "\n+++\n",
            "toml inline tables": "+++\nk = " + "{a = " * n + "1" + "}" * n + "\n+++\n",
            "toml dotted": "+++\n" + "a." * n + "b = 1\n+++\n",
            "json arrays": '{"k": ' + "[" * n + "1" + "]" * n + "}\n",
            "json objects": '{"k": ' + '{"a": ' * n + "1" + "}" * n + "}\n",
        }[kind]

    for limit in (1, 2, 5, 20):
        loads = split_front_matter(front(limit), "p.md", limit)[3]
        refused = split_front_matter(front(limit + 1), "p.md", limit)[3]
        assert loads == [] and [p.code for p in refused] == [f"{kind.split()[0]}-too-deep"], limit


def test_brackets_dots_and_braces_inside_strings_and_comments_do_not_count():
    text = ('+++\ntitle = "' + "[" * 300 + '"\nd = \'' + "." * 300 + "'\n# " + "{" * 300 + '\nm = """\n'
            + "[" * 300 + '\n"""\n+++\n')
    meta, _, _, problems = split_front_matter(text, "p.md")
    assert problems == [] and meta["title"] == "[" * 300
    meta, _, _, problems = split_front_matter('{"title": "' + "[{" * 300 + '"}\n', "p.md")
    assert problems == [] and meta["title"] == "[{" * 300


@pytest.mark.parametrize("text, items, lines", [
    ("---\naliases: [/a, '/b', \"c\"]\n---\n", ["/a", "/b", "c"], [2, 2, 2]),
    ("---\ntitle: x\naliases:\n  - /a\n  # a comment\n  - /a/b\n---\n", ["/a/b", "/a"], [6, 4]),
    ('+++\naliases = [\n  "/a",\n  "/b"]\n+++\n', ["/a", "/b"], [3, 4]),
    ('{\n  "title": "/a",\n  "aliases": ["/a",\n    "/b c"]\n}\n', ["/a", "/b c"], [3, 3]),  # not between bounds: the key's
    ("---\naliases: ['\\u00e9']\n---\n", ["é"], [2]),  # written escaped: the key's line
])
def test_item_lines_point_at_each_list_item_else_the_key(text, items, lines):
    from graph.front_matter import item_lines
    body_line = text.count("\n", 0, text.rindex("\n", 0, len(text) - 1)) + 2
    assert item_lines(text, body_line, "aliases", items) == lines


@pytest.mark.parametrize("written", ["yes", "No", "on", "1.10", "010", "0x1F", "12:30", "1e3", "2024-01-02", ".inf",
                                     "1_000"])
def test_yaml_plain_values_are_the_text_written_not_a_number_date_or_boolean(written):
    # YAML 1.1 reads these as True, 1.1, 8, 31, 750, 1000.0, a date...: a title, keyword or slug
    # would show another text than the author's ("Yes" as "True"), silently; docs/link-rules.md.
    page = "---\ntitle: {0}\nkeywords: [{0}, x]\ntags:\n  - {0}\nslug: {0}\n---\nbody\n"
    plain, problems = parse_article(page.format(written), "p.md", ParseOptions())
    assert (plain.title, set(plain.keywords), problems) == (written, {written, "x"}, [])
    assert plain == parse_article(page.format(f'"{written}"'), "p.md", ParseOptions())[0]  # as if quoted


def test_yaml_nulls_are_still_no_value():
    article, problems = parse_article("---\ntitle: ~\ndescription: null\nkeywords: Null\n---\n# Heading\n", "p.md",
                                      ParseOptions())
    assert (article.title, article.description, article.keywords, problems) == ("Heading", "", (), [])
