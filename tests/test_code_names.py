"""Names in code (``graph.code_names``): which code spans name which concepts, and where."""

import pytest

import graph.code_names as code_names_module
from graph.code_names import CodeMemo, code_names, keys, name_owners
from graph.parse import ParseOptions, parse_article
from graph.reader import read_corpus


def article(path: str, text: str):
    found, problems = parse_article(text, path)
    assert problems == []
    return found


@pytest.mark.parametrize("text, expected", [
    ("GetPage", ("getpage",)),
    (".Page.GetPage", ("page.getpage", "getpage")),
    ("fmt.Erroridf()", ("fmt.erroridf", "erroridf")),
    ("{{ .Title }}", ("title",)),
    ("{{- .Site.Params -}}", ("site.params", "params")),
    ("$page", ("page",)),
    ("config/production", ("config/production", "production")),
    ("hugo server --minify", ()),  # a command line names nothing
    ("a + b", ()),
    ("2024", ()),  # no letter
    ("v1.2", ("v1.2",)),  # its last part, 2, has no letter
])
def test_keys_are_the_whole_identifier_then_its_last_part(text, expected):
    assert keys(text) == expected


BODY = """Use `where` and [`GetPage`](/methods/getpage) here, `where` again.

```go
{{ `not` }}
```

    indented `code block`

!!! note
    An admonition's `Body` is Markdown.

# A `Heading`

`hugo server --minify` is a command. ![an `image`](/i.png)
"""


def test_the_parse_keeps_the_first_span_of_each_key_of_prose_link_text_admonitions_and_headings():
    a = article("guide.md", "---\ntitle: Guide\n---\n" + BODY)
    assert a.code == ((4, "where"), (4, "getpage"), (13, "body"), (15, "heading"))


def test_spans_past_the_lead_a_build_keeps_are_kept(tmp_path):
    (tmp_path / "long.md").write_text("---\ntitle: Long\n---\n" + "word " * 2000 + "\n\n`far`\n", encoding="utf-8")
    corpus = read_corpus([tmp_path], lead_only=True)
    assert len(corpus.articles[0].body) < 10_000 and corpus.articles[0].code == ((6, "far"),)


def test_a_concept_is_named_by_its_title_or_the_last_segment_of_its_slug_not_by_itself():
    articles = (
        article("functions/collections/Where.md", "---\ntitle: collections.Where\n---\nSee `where` and `First`.\n"),
        article("functions/collections/First.md", "---\ntitle: collections.First\n---\nLike `collections.Where`.\n"),
        article("methods/page/GetPage.md", "---\ntitle: Page method\n---\nCall `.Site.GetPage` or `Where`.\n"),
    )
    assert name_owners(articles)["where"] == ("functions/collections/Where",)
    assert code_names(articles) == {
        "functions/collections/Where": {"functions/collections/First": (4, 1.0)},
        "functions/collections/First": {"functions/collections/Where": (4, 1.0)},
        "methods/page/GetPage": {"functions/collections/Where": (4, 1.0)},
    }


def test_a_name_shared_by_concepts_counts_one_share_for_each_and_the_whole_span_comes_first():
    articles = (
        article("a/Data.md", "---\ntitle: Data\n---\nx\n"),
        article("b/data.md", "---\ntitle: Data files\n---\nx\n"),
        article("c/params.md", "---\ntitle: site.Params\n---\nx\n"),
        article("guide.md", "---\ntitle: Guide\n---\nRead `Data`.\n\nThen `.Site.Params`.\n"),
    )
    assert code_names(articles) == {"guide": {"a/Data": (4, 0.5), "b/data": (4, 0.5), "c/params": (6, 1.0)}}


def test_the_first_span_of_a_target_is_kept_over_a_concepts_articles_in_path_order():
    articles = (
        article("en/x.md", "---\ntitle: X\nlang: en\n---\nline\n`y`\n"),
        article("ar/x.md", "---\ntitle: س\n---\n`y` first\n"),
        article("y.md", "---\ntitle: Y\n---\nx\n"),
    )
    assert code_names(sorted(articles, key=lambda a: a.path)) == {"x": {"y": (4, 1.0)}}


def test_a_memo_lends_the_rows_that_are_equal_and_keeps_the_keys_of_the_names():
    one = (article("a.md", "---\ntitle: A\n---\n`b`\n"), article("b.md", "---\ntitle: B\n---\n`a`\n"))
    memo = CodeMemo()
    first = code_names(one, memo)
    two = (article("a.md", "---\ntitle: A\n---\n\n`b` moved\n"), one[1])
    again = code_names(two, memo)
    assert again == code_names(two) == {"a": {"b": (5, 1.0)}, "b": {"a": (4, 1.0)}}
    assert again["b"] is first["b"] and again["a"] is not first["a"]
    assert memo.keys == {"A": ("a",), "a": ("a",), "B": ("b",), "b": ("b",)}


def test_a_name_shared_by_more_than_max_owners_concepts_names_none(monkeypatch):
    monkeypatch.setattr(code_names_module, "MAX_OWNERS", 2)
    articles = tuple(article(f"{folder}/overview.md", "---\ntitle: Overview\n---\nx\n") for folder in "abc")
    guide = article("guide.md", "---\ntitle: Guide\n---\n`overview` and `a/overview`\n")
    assert code_names(articles + (guide,)) == {}  # 3 concepts; `a/overview`'s last part is that name too
    assert code_names(articles[:2] + (guide,)) == {"guide": {"a/overview": (4, 0.5), "b/overview": (4, 0.5)}}


def test_only_the_first_max_links_spans_of_a_body_are_read():
    body = "".join(f"`name{i}` " for i in range(30))
    found, _ = parse_article("---\ntitle: Many\n---\n" + body, "many.md", ParseOptions(max_links=20))
    assert [key for _, key in found.code] == [f"name{i}" for i in range(20)]
