from pathlib import Path

import pytest

from graph.errors import UsageError
from graph.parse import ParseOptions, parse_article
import os

from graph.reader import discover, read_corpus, rediscover, unreported
from tests.conftest import BAD_FILES, write_files


def parse(text: str, path: str = "a.md", **kw):
    return parse_article(text, path, ParseOptions(**kw))


def test_front_matter_fields():
    article, problems = parse("---\ntitle: T\ndescription: D\nkeywords: A, B،C\n---\n# H\n")
    assert problems == []
    assert (article.slug, article.title, article.description, article.keywords) == ("a", "T", "D", ("A", "B", "C"))


@pytest.mark.parametrize("value, expected", [
    ("[x, y]", ("x", "y")), ("'x, y'", ("x", "y")), ("401", ("401",)), ("", ()), ("[]", ()),
    ("[1, null, z]", ("1", "z")),
])
def test_keyword_shapes(value, expected):
    article, problems = parse(f"---\ntitle: T\nkeywords: {value}\n---\n")
    assert article.keywords == expected and problems == []


def test_keywords_tags_and_categories_merge_without_duplicates():
    article, _ = parse("---\ntags: [A]\nkeywords: A,B\ncategories: C\n---\n")
    assert article.keywords == ("A", "B", "C")


def test_keyword_mapping_is_reported_with_its_line():
    article, problems = parse("---\ntitle: T\nkeywords: {a: 1}\n---\n")
    assert article.keywords == ()
    assert [(p.line, p.code) for p in problems] == [(3, "bad-field")]


def test_yaml_that_breaks_is_read_line_by_line_and_reported():
    article, problems = parse("---\ntitle: Cash flow\ndescription: the key: value trap\n---\n")
    assert (article.title, article.description) == ("Cash flow", "the key: value trap")
    assert [(p.line, p.code) for p in problems] == [(3, "yaml-error")]


def test_ampersand_description_read_as_text():
    article, problems = parse("---\ntitle: HNWI\ndescription: &amp; quot; rich\n---\n")
    assert article.description == "& quot; rich"
    assert problems[0].code == "yaml-error"


def test_yaml_tags_never_construct_objects(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    article, problems = parse("---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---\nx\n")
    assert not (tmp_path / "pwned").exists()
    assert problems[0].code == "yaml-error"
    assert article is not None


@pytest.mark.parametrize("front, line", [
    ("title: !!python/object/apply:os.system ['touch pwned']", 2),
    ("description: ok: x\ntitle: !custom thing", 3),
    ("description: a: b\ntitle: *anchor", 3),
    ("description: a: b\ntitle: |", 3),
    ("description: a: b\ntitle: >-", 3),
    ("description: a: b\nkeywords:\n  - fine\n  - !!str evil", 5),
])
def test_flat_recovery_never_takes_yaml_syntax_as_a_value(front, line):
    """Issue 10, point 10: when YAML fails, recovery reads text, not tags, aliases or block markers."""
    article, problems = parse(f"---\n{front}\n---\n# Heading\n")
    assert "!" not in article.title and "*" not in article.title and article.title in ("Heading", "a")
    assert not any("!" in k for k in article.keywords)
    assert [p.code for p in problems] == ["yaml-error", "yaml-syntax-value"] and problems[1].line == line


def test_unclosed_front_matter_is_reported_and_body_kept():
    article, problems = parse("---\ntitle: x\n\n# Heading\n[a](/b)\n")
    assert problems[0].code == "unclosed-front-matter" and problems[0].line == 1
    assert article.title == "Heading"
    assert [(link.href, link.line) for link in article.links] == [("/b", 5)]


def test_no_front_matter_takes_title_from_h1():
    article, problems = parse("Intro\n\n# The Title #\n")
    assert (article.title, problems) == ("The Title", [])


def test_title_falls_back_to_slug():
    assert parse("just text", "folder/some-slug.md")[0].title == "some-slug"


def test_empty_file_is_reported_not_an_article():
    article, problems = parse("  \n")
    assert article is None and problems[0].code == "empty-file"


def test_bom_and_crlf_keep_line_numbers():
    article, problems = parse("\ufeff---\r\ntitle: W\r\n---\r\n\r\ntext\r\n[c](/c)\r\n")
    assert problems == [] and article.title == "W"
    assert article.links[0].line == 6


def test_front_matter_that_is_not_a_mapping():
    article, problems = parse("---\n- a\n- b\n---\n# L\n")
    assert article.title == "L" and problems[0].code == "front-matter-not-mapping"


def test_slug_url_and_aliases():
    article, _ = parse("---\nslug: Nice\naliases: [/old/x, rel]\n---\n", "docs/sec/file.md")
    assert article.slug == "docs/sec/Nice"
    assert article.aliases == ("docs/sec/file", "old/x", "docs/sec/rel")
    assert parse("---\nurl: /a/b/\n---\n", "z.md")[0].slug == "a/b"


@pytest.mark.parametrize("front, slug", [
    ("permalink: /finance/finra/", "finance/finra"),  # Jekyll's and Eleventy's url
    ("url: /a/\npermalink: /b/", "a"),
    ("slug: s\npermalink: /b/", "docs/s"),
    ("url: https://example.com/docs/full-page/?x=1#top", "docs/full-page"),  # an absolute url: its path
    ("permalink: //example.com/b/", "b"),
    ("url: /a%20b/#x", "a b"),
    ("permalink: /wiki/Help:Contents/", "wiki/Help:Contents"),  # a colon is no placeholder
    ("url: /:title/", ":title"),  # Hugo's url is the address, as written
])
def test_permalink_is_a_url_and_a_url_names_a_path(front, slug):
    article, problems = parse(f"---\n{front}\n---\n", "docs/x.md")
    assert (article.slug, problems) == (slug, [])


@pytest.mark.parametrize("text, line, slug", [
    ("---\ntitle: T\nslug: '{{ .Name }}'\n---\n", 3, "docs/x"),
    ("---\nurl: /{{ page.fileSlug }}/\n---\n", 2, "docs/x"),
    ("---\npermalink: '/{% raw %}x/'\n---\n", 2, "docs/x"),
    ("---\nslug: '{{ x }}'\nurl: /kept/\n---\n", 2, "kept"),  # the next address is read
    ('+++\ntitle = "T"\nslug = "{{ .Name }}"\n+++\n', 3, "docs/x"),
    # Jekyll's placeholders: every post with this permalink had one slug, and all but the first
    # were left out of the graph as duplicates.
    ("---\npermalink: /:categories/:year/:month/:day/:title/\n---\n", 2, "docs/x"),
    ("---\ntitle: T\npermalink: /docs/:basename:output_ext\n---\n", 3, "docs/x"),
])
def test_template_syntax_in_an_address_field_is_ignored_and_reported(text, line, slug):
    article, problems = parse(text, "docs/x.md")
    assert article.slug == slug and [(p.line, p.code) for p in problems] == [(line, "template-field")]


def test_template_syntax_in_aliases_leaves_those_aliases_out():
    article, problems = parse("---\ntitle: T\naliases: [/old, '/{{ .Name }}/', '/{% x %}']\n---\n", "docs/x.md")
    assert article.aliases == ("old",) and [(p.line, p.code) for p in problems] == [(3, "template-field")]


@pytest.mark.parametrize("body, title", [
    ("# [FINRA](/finra) **rules** `x`\n", "FINRA rules x"),  # its text, not its Markdown
    ("The Title\n=========\n\nbody\n", "The Title"),  # a setext heading
    ("```bash\n# install it\n```\n\n# Real\n", "Real"),  # a '#' line in code is no heading
    ("## Sub\n\n# Main #\n", "Main"),
    ("text only\n", "x"),  # no heading: the slug's last segment
])
def test_without_a_title_the_first_level_1_heading_names_the_page(body, title):
    assert parse(body, "docs/x.md")[0].title == title


def test_index_files_name_their_folder():
    assert parse("# F", "content/en/functions/_index.md")[0].slug == "functions"
    assert parse("# F", "content/en/bundle/index.md")[0].slug == "bundle"
    assert parse("# Home", "content/en/_index.md")[0].slug == "index"


@pytest.mark.parametrize("path, slug, aliases", [
    ("docs/guide/README.md", "docs/guide/README", ("docs/guide",)),
    ("docs/readme.markdown", "docs/readme", ("docs",)),
    ("README.md", "README", ("index",)),  # the input root's README is the home page
    ("content/en/api/ReadMe.md", "api/ReadMe", ("api",)),  # below the language root
    ("docs/README-first.md", "docs/README-first", ()),
    ("docs/readmes.md", "docs/readmes", ()),
])
def test_a_readme_also_answers_to_its_folder(path, slug, aliases):
    article = parse("# R", path)[0]
    assert (article.slug, article.aliases) == (slug, aliases)


def test_a_readme_with_a_slug_keeps_its_path_and_its_folder_as_aliases():
    article = parse("---\nslug: start\n---\n", "docs/README.md")[0]
    assert (article.slug, article.aliases) == ("docs/start", ("docs/README", "docs"))


def test_language_from_front_matter_folder_script_default():
    assert parse("---\nlang: fr\ntitle: x\n---\n", "Arabic/a.md")[0].lang == "fr"
    article = parse("---\ntitle: x\n---\n", "Texts/Arabic/finra.md")[0]
    assert (article.lang, article.slug, article.site_dir) == ("ar", "finra", "Texts/Arabic")
    assert parse("---\ntitle: وسيط\n---\n", "a.md")[0].lang == "ar"
    assert parse("---\ntitle: Broker\n---\n", "a.md")[0].lang is None
    assert parse("---\ntitle: Broker\n---\n", "a.md", default_lang="en")[0].lang == "en"
    assert parse("# x", "finra.md", root_name="English")[0].lang == "en"


@pytest.mark.parametrize("value, lang", [
    ("ar", "ar"), ("en-US", "en-us"), ("ar_SA", "ar-sa"), ("en_US.UTF-8", "en-us"),  # POSIX locales
    ("Arabic", "ar"), (" english ", "en"),  # names, as language folders are named
])
def test_a_language_is_read_as_people_write_it(value, lang):
    article, problems = parse(f"---\ntitle: x\nlang: '{value}'\n---\n")
    assert (article.lang, problems) == (lang, [])


def test_bad_language_tag_is_reported():
    article, problems = parse("---\ntitle: x\nlang: not a tag\n---\n")
    assert article.lang is None and [(p.line, p.code) for p in problems] == [(3, "bad-lang")]


def test_every_bad_file_is_read_or_reported(bad_corpus: Path):
    corpus = read_corpus([bad_corpus])
    paths = {a.path for a in corpus.articles} | {p.path for p in corpus.problems}
    assert paths == set(BAD_FILES)  # nothing silently dropped
    codes = {p.path: p.code for p in corpus.problems}
    assert codes["binary.md"] == "binary-file" and codes["empty.md"] == "empty-file"
    assert codes["invalid-utf8.md"] == "invalid-utf8"
    invalid = next(p for p in corpus.problems if p.path == "invalid-utf8.md")
    assert invalid.line == 2
    titles = {a.path: a.title for a in corpus.articles}
    assert titles["invalid-utf8.md"] == "Latin-1 \ufffdt\ufffd"
    assert titles["bad title.md"] == 'Q"uote \\ back newctl'  # controls gone, text kept


def test_discover_is_sorted_and_skips_hidden(tmp_path: Path):
    for name in ("b.md", "a/c.md", ".git/x.md", "A.markdown", "notes.txt", "d.MDX", "e.mdown", "f.MKD", "g.mkdn",
                 "h.mdwn", "i.mkdown", "j.mdtext", "k.md.bak"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# x")
    found = discover([tmp_path])
    assert found.root == tmp_path.resolve()
    # GitHub's Markdown extensions, in any case; nothing else
    assert [f.rel for f in found.files] == ["A.markdown", "a/c.md", "b.md", "d.MDX", "e.mdown", "f.MKD", "g.mkdn",
                                            "h.mdwn", "i.mkdown"]
    assert found.problems == ()
    with pytest.raises(UsageError):
        discover([tmp_path / "nope"])


MDX = """---
title: Tabs
---
import Tabs from '@theme/Tabs';
import {Item,
  Other} from './x';

export const meta = {a: 1};

# Using tabs

<Tabs>

[setup](./setup.mdx) and [guide](../guide/README.mdx)

</Tabs>

```js
import React from 'react';
[not](/a-link)
```
the import of goods, and
export duties [here](/duties)

````md
```

import X from 'y';
````
"""


def test_mdx_is_markdown_without_its_import_and_export_statements():
    article, problems = parse(MDX, "docs/tabs.mdx")
    assert problems == [] and article.slug == "docs/tabs" and article.title == "Tabs"
    assert "@theme" not in article.body and "Other}" not in article.body and "meta" not in article.body
    # fenced code is kept as written (and never read for links), up to a fence as long as its own
    assert "import React" in article.body and "import X" in article.body
    assert "the import of goods" in article.body and "export duties" in article.body  # mid-paragraph: prose
    assert article.body.count("\n") == MDX.count("\n") - 3  # lines kept, so links keep theirs
    assert [(x.href, x.line) for x in article.links] == [("./setup.mdx", 14), ("../guide/README.mdx", 14),
                                                         ("/duties", 23)]
    # The same text in a .md file is read as written: only MDX has statements.
    assert "@theme" in parse(MDX, "docs/tabs.md")[0].body


def _watched(tmp_path: Path) -> Path:
    return write_files(tmp_path / "in", {"a.md": b"# A\n", "docs/b.md": b"# B\n", "docs/deep/c.md": b"# C\n",
                                         ".hidden/h.md": b"# H\n"})


@pytest.mark.parametrize("edit", ["change", "add", "delete", "delete folder", "temporary file", "hidden folder",
                                  "outside the inputs"])
def test_rediscover_lists_what_discover_lists(tmp_path: Path, edit: str):
    root = _watched(tmp_path)
    last = discover([root / "docs", root / "a.md"])
    touched = {
        "change": [root / "docs/b.md"],
        "add": [root / "docs/new.md", root / "docs/deep/new2.md"],
        "delete": [root / "docs/deep/c.md"],
        "delete folder": [root / "docs/deep"],
        "temporary file": [root / "docs/4913", root / "docs/.b.md.swp"],
        "hidden folder": [root / "docs/.git/x.md"],
        "outside the inputs": [root / "other.md"],
    }[edit]
    for path in touched:
        if edit == "change" or edit == "add" or edit == "hidden folder" or edit == "outside the inputs":
            write_files(path.parent, {path.name: b"# new\n"})
    if edit == "delete":
        (root / "docs/deep/c.md").unlink()
    if edit == "delete folder":
        (root / "docs/deep/c.md").unlink()
        (root / "docs/deep").rmdir()
    found, names = rediscover([root / "docs", root / "a.md"], last, map(str, touched))
    assert found == discover([root / "docs", root / "a.md"])
    assert names == {"change": {"docs/b.md"}, "add": {"docs/new.md", "docs/deep/new2.md"},
                     "delete": {"docs/deep/c.md"}, "delete folder": {"docs/deep/c.md"}}.get(edit, set())


def test_rediscover_names_the_links_read_through_a_changed_file(tmp_path: Path):
    root = _watched(tmp_path)
    (root / "docs/link.md").symlink_to(root / "a.md")
    last = discover([root])
    (root / "a.md").write_bytes(b"# A, again\n")
    found, names = rediscover([root], last, [str(root / "a.md")])
    assert found == discover([root]) and names == {"a.md", "docs/link.md"}
    (root / "a.md").unlink()  # the link now dangles: only discover can say what it is
    assert rediscover([root], last, [str(root / "a.md")]) is None


@pytest.mark.parametrize("edit", ["folder moved in", "symbolic link", "name to escape", "input gone"])
def test_rediscover_leaves_to_discover_what_only_a_listing_can_tell(tmp_path: Path, edit: str):
    root = _watched(tmp_path)
    last = discover([root])
    if edit == "folder moved in":
        write_files(tmp_path / "elsewhere", {"d.md": b"# D\n"}).rename(root / "moved")
        touched = root / "moved"
    elif edit == "symbolic link":
        touched = root / "link.md"
        touched.symlink_to(root / "a.md")
    elif edit == "name to escape":
        touched = root / "bad\x01name.md"
        touched.write_bytes(b"# x\n")
    else:
        touched = root / "a.md"
        os.rename(root, tmp_path / "gone")
    assert rediscover([root], last, [str(touched)]) is None


def test_unreported_finds_each_change_a_watcher_missed(tmp_path: Path):
    root = _watched(tmp_path)
    last = discover([root])
    known: dict = {}
    read_corpus(last, known=known)
    assert unreported([root], last, known) == set()
    (root / "docs/b.md").write_bytes(b"# B, longer\n")
    (root / "docs/deep/c.md").unlink()
    write_files(root, {"new.md": b"# N\n"})
    assert unreported([root], last, known) == {"docs/b.md", "docs/deep/c.md", "new.md"}
    (root / "link.md").symlink_to(tmp_path)  # refused by discover: only a new listing can say
    assert unreported([root], last, known) is None


def test_rediscover_follows_a_report_of_files_gone_and_back_and_keeps_an_unchanged_listing(tmp_path: Path):
    root = _watched(tmp_path)
    last = discover([root])
    (root / "docs/b.md").write_bytes(b"# B, again\n")
    found, names = rediscover([root], last, [str(root / "docs/b.md")])
    assert found is last and names == {"docs/b.md"}  # no file came or went: nothing copied
    # One report: a folder deleted, a file added, a file deleted and written again (named twice).
    (root / "docs/deep/c.md").unlink()
    (root / "docs/deep").rmdir()
    write_files(root / "docs", {"new.md": b"# N\n"})
    (root / "a.md").unlink()
    reported = [root / "docs/deep", root / "docs/new.md", root / "a.md"]
    found, names = rediscover([root], last, map(str, reported))
    assert found == discover([root]) and names == {"docs/deep/c.md", "docs/new.md", "a.md"}
    write_files(root, {"a.md": b"# A again\n"})
    found, names = rediscover([root], last, map(str, reported + [root / "a.md"]))
    assert found == discover([root]) and names == {"docs/deep/c.md", "docs/new.md", "a.md"}


def test_a_read_told_what_changed_gives_a_full_read_s_corpus_and_known_files(tmp_path: Path, monkeypatch):
    # Told the files that changed, read_corpus walks the others' known entries only in C; the
    # corpus, the files it knows and the parse cache are those of a read that looks at every file.
    import graph.cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    root = write_files(tmp_path / "in", {f"{i}.md": f"# {i}\n[x](/{i + 1})\n".encode() for i in range(8)})
    known: dict = {}
    last = discover([root])
    read_corpus(last, cache_dir=tmp_path / "cache", known=known)
    for change in [{"3.md": b"# three\n"}, {"9.md": b"# nine\n"}, {"5.md": None}, {"1.md": b"---\ntitle: [\n"},
                   {"0.md": b"# 0 again\n", "2.md": None, "10.md": b"# ten\n"}, {}]:
        before = {a.path: a for a in read_corpus(last, known=dict(known)).articles}
        for name, data in change.items():
            (root / name).unlink() if data is None else (root / name).write_bytes(data)
        last, names = rediscover([root], last, [str(root / name) for name in change])
        told = read_corpus(last, cache_dir=tmp_path / "cache", known=known, touched=names)
        everything: dict = {}
        full = read_corpus(discover([root]), known=everything)
        assert told == full and known.keys() == everything.keys()
        assert [a.path for a in told.articles if before.get(a.path) is a] == [
            a.path for a in told.articles if a.path not in change and a.path in before]
        assert read_corpus(last, cache_dir=tmp_path / "cache").articles == full.articles
