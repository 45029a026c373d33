"""Per-file limits (ParseOptions) and linear-time keyword handling (issue 10, point 11)."""

from __future__ import annotations

import os

from graph.build import build_graph
from graph.model import Article, Corpus
from graph.front_matter import key_line
from graph.parse import ParseOptions, parse_article
from graph.reader import usable_jobs
from graph.resolve import resolve


def codes(problems) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in problems]


def test_links_past_the_limit_are_skipped_and_reported_at_the_first_one_left_out():
    body = "\n".join(f"[l{i}](/t{i})" for i in range(30))
    article, problems = parse_article(body, "a.md", ParseOptions(max_links=10))
    assert [link.href for link in article.links] == [f"/t{i}" for i in range(10)]
    assert codes(problems) == [(11, "too-many-links")]


def test_link_like_texts_count_against_the_limit_too():
    body = "\n\n".join(f"[l{i}](/t {i})" for i in range(30))  # a space: not a link, a problem each
    _, problems = parse_article(body, "a.md", ParseOptions(max_links=5))
    assert [p.code for p in problems] == ["not-a-link"] * 5 + ["too-many-links"]


def test_links_to_destinations_past_the_limit_are_skipped_repeats_kept():
    body = "[a](/a) [b](/b)\n[a again](/a)\n[c](/c)\n[b again](/b) [d](/d)\n"
    article, problems = parse_article(body, "a.md", ParseOptions(max_targets=2))
    assert [link.text for link in article.links] == ["a", "b", "a again", "b again"]
    assert codes(problems) == [(3, "too-many-targets")]


def test_keywords_past_the_limit_are_skipped_and_reported():
    keywords = ", ".join(f"k{i}" for i in range(100_000))
    article, problems = parse_article(f"---\ntitle: T\nkeywords: {keywords}\n---\n", "a.md")
    assert article.keywords == tuple(f"k{i}" for i in range(1_000))
    assert codes(problems) == [(3, "too-many-keywords")]


def test_aliases_past_the_limit_are_skipped_and_reported():
    aliases = "\n".join(f"  - /a{i}" for i in range(50)) + "\n  - /a3"
    text = f"---\ntitle: T\naliases:\n{aliases}\n---\n"
    article, problems = parse_article(text, "a.md", ParseOptions(max_aliases=20))
    assert article.aliases == tuple(f"a{i}" for i in range(20))
    assert codes(problems) == [(3, "too-many-aliases")]
    article, problems = parse_article(text, "a.md", ParseOptions(max_aliases=50))
    assert len(article.aliases) == 50 and problems == []  # a repeat is one alias


def test_long_keywords_are_cut_and_reported():
    article, problems = parse_article(f"---\ntitle: T\ntags: [short, {'k' * 50}]\n---\n", "a.md",
                                      ParseOptions(max_field_chars=20))
    assert article.keywords == ("short", "k" * 20) and codes(problems) == [(3, "field-too-long")]


def test_long_fields_are_cut_and_reported():
    article, problems = parse_article(f"---\ntitle: T\ndescription: {'d' * 50}\n---\n", "a.md",
                                      ParseOptions(max_field_chars=20))
    assert article.description == "d" * 20 and codes(problems) == [(3, "field-too-long")]


class CountingStr(str):
    """A keyword that counts how often it is case-folded."""

    calls = 0

    def casefold(self) -> str:
        CountingStr.calls += 1
        return super().casefold()


def test_keyword_deduplication_is_linear():
    """20,000 keywords in one article: a constant number of case-folds per keyword (the old
    de-duplication folded every earlier keyword again for each one: 200 million calls)."""
    n = 20_000
    keywords = tuple(CountingStr(f"Keyword {i}") for i in range(n)) + (CountingStr("KEYWORD 7"),)
    article = Article(path="a.md", slug="a", lang="en", site_dir="", title="A", description="",
                      keywords=keywords, aliases=(), links=(), body="")
    CountingStr.calls = 0
    G = build_graph(resolve(Corpus((article,), (), 1)))
    assert CountingStr.calls <= 4 * len(keywords)
    assert len(G.nodes["a"]["keywords"]) == n  # the case variant is one keyword


def test_jobs_are_capped_to_the_cores():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert usable_jobs(1000) == cores and usable_jobs(1) == 1 and usable_jobs(0) == 1


def test_problems_about_many_items_of_one_field_find_its_line_once(monkeypatch):
    """A list of 2,000 items that are not text: a problem each, all at the key's line, which is
    looked up once (each looked it up again over the whole front matter: 32,000 such items in a
    300 KB file took 88 s, and the 8 MiB a file may hold, hours)."""
    import graph.parse
    calls = []
    monkeypatch.setattr(graph.parse, "key_line", lambda *a: calls.append(a) or key_line(*a))
    text = "---\ntitle: T\ntags:\n" + "- {a: b}\n" * 2000 + "keywords:\n" + "- [x]\n" * 2000 + "---\nbody\n"
    _, problems = parse_article(text, "a.md")
    assert codes(problems) == [(2004, "bad-field")] * 2000 + [(3, "bad-field")] * 2000  # keywords, then tags
    assert len(calls) <= 2
