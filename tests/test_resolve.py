import pytest

from graph.model import Corpus
from graph.parse import parse_article
from graph.resolve import resolve


def corpus(files: dict[str, str]) -> Corpus:
    articles, problems = [], []
    for path in sorted(files):
        article, found = parse_article(files[path], path)
        articles.append(article)
        problems += found
    return Corpus(tuple(articles), tuple(problems), len(files))


def reread(files: dict[str, str], parsed: dict) -> Corpus:
    """The corpus of ``files`` read again, each unchanged file keeping the Article it was read as
    before (kept in ``parsed``), as the reader's memo gives them: a ResolveMemo compares by identity."""
    articles = []
    for path in sorted(files):
        if (path, files[path]) not in parsed:
            parsed[path, files[path]] = parse_article(files[path], path)[0]
        articles.append(parsed[path, files[path]])
    return Corpus(tuple(articles), (), len(files))


SITE = {
    "Texts/Arabic/finra.md": "---\ntitle: فينرا\n---\n",
    "Texts/Arabic/bank.md": "---\ntitle: بنك\n---\n",
    "Texts/Arabic/sub/deep.md": "---\ntitle: عميق\n---\n",
    "Texts/English/finra.md": "---\ntitle: FINRA\n---\n",
    "Texts/English/Series7.md": "---\ntitle: Series 7\n---\n",
    "Texts/Arabic/بنك-مركزي.md": "---\ntitle: بنك مركزي\n---\n",
}


@pytest.mark.parametrize("href, kind, target", [
    ("/finra", "resolved", "finra"),
    ("/FINRA/", "resolved", "finra"),
    ("/finra#history", "resolved", "finra"),
    ("/finra?x=1", "resolved", "finra"),
    ("finra.md", "resolved", "finra"),
    ("sub/deep.md", "resolved", "sub/deep"),
    ("../English/Series7.md", "resolved", "Series7"),
    ("../English/nowhere.md", "missing", "nowhere"),  # the concept below the language root, as /nowhere
    ("../images/nowhere.md", "missing", "Texts/images/nowhere"),  # no language root: the path from the corpus root
    ("/series7", "resolved", "Series7"),
    ("/%D8%A8%D9%86%D9%83-%D9%85%D8%B1%D9%83%D8%B2%D9%8A", "resolved", "بنك-مركزي"),
    ("/بنك-مركزي", "resolved", "بنك-مركزي"),
    ("/bank.html", "resolved", "bank"),
    ("/nowhere", "missing", "nowhere"),
    ("/a\"b", "missing", "a\"b"),
    ("/writer", "self", "writer"),
    ("#top", "self", "writer"),
    ("", "self", "writer"),
    ("https://x.org/finra", "external", None),
    ("//cdn.example/x", "external", None),
    ("mailto:a@b.c", "external", None),
    ("javascript:alert(1)", "unsafe", None),
    ("JavaScript:void(0)", "unsafe", None),
    ("data:text/html,hi", "unsafe", None),
    ("file:///etc/passwd", "unsafe", None),
    ("../../../etc/passwd", "unsafe", None),
    ("/../../x", "unsafe", None),
    ("/%2e%2e/%2e%2e/x", "unsafe", None),
    ("{{% eturl alias %}}", "template", None),
    ("_common/{{% relref \"x.md\" %}}", "template", None),
    ("{{ .Site.BaseURL }}/finra", "template", None),
    ("https://{{ site.host }}/x", "template", None),
    ("{% url 'finra' %}", "template", None),
    ("/a{b}", "missing", "a{b}"),
    # A path written on Windows: browsers (the WHATWG URL parser) read a backslash as "/" in an
    # address's path, so these are the links they follow, and "..\\" climbing out is unsafe.
    ("sub\\deep.md", "resolved", "sub/deep"),
    (".\\sub\\deep.md#h", "resolved", "sub/deep"),
    ("..\\English\\Series7.md", "resolved", "Series7"),
    ("/\\\\cdn.example/x", "external", None),  # Markdown's escaped backslash: the href /\h is //h, https://h
    ("../../..\\etc\\passwd", "unsafe", None),  # (a Markdown "..\.." is "...." as "\." is an escaped ".")
    ("sub%5Cdeep.md", "missing", "sub\\deep"),  # an escaped backslash stays one
    ("/finra#a\\b", "resolved", "finra"),
])
def test_link_classes(href, kind, target):
    files = dict(SITE)
    files["Texts/Arabic/writer.md"] = f"---\ntitle: كاتب\n---\n[x](<{href}>)\n"
    resolution = resolve(corpus(files))
    occurrence, = resolution.occurrences
    assert (occurrence.kind, occurrence.target) == (kind, target)
    assert any(p.code == "unsafe-link" and p.line == 4 for p in resolution.problems) == (kind == "unsafe")
    assert any(p.code == "template-link" and p.line == 4 for p in resolution.problems) == (kind == "template")


@pytest.mark.parametrize("href, kind, target", [
    ('{{< ref "finra" >}}', "resolved", "finra"),
    ('{{% relref "sub/deep.md#h" %}}', "resolved", "sub/deep"),
    ('{{< ref path="/bank" lang="ar" >}}', "resolved", "bank"),
    ('{{<ref `../English/Series7.md`>}}', "resolved", "Series7"),
    ('{{< ref "nowhere" >}}', "missing", "nowhere"),
    ('{{< ref "#top" >}}', "self", "writer"),
    ('{{< relref "https://x.org/" >}}', "external", None),
    ('{{< ref "../../../etc/passwd" >}}', "unsafe", None),
    ("{% link Texts/Arabic/sub/deep.md %}", "resolved", "sub/deep"),  # Jekyll: a file from the site's root
    ("{{ site.baseurl }}/bank#x", "resolved", "bank"),  # and addresses from the site root
    ("{{site.url}}{{site.baseurl}}/finra/", "resolved", "finra"),
    ("{{ 'bank' | relative_url }}", "resolved", "bank"),
    ("{% post_url 2024-01-02-hi %}", "missing", "_posts/2024-01-02-hi"),
    # An anchor or query after the tag is on the page's address, as Jekyll writes it out.
    ("{% link Texts/Arabic/sub/deep.md %}#part", "resolved", "sub/deep"),
    ("{{ site.baseurl }}{% link Texts/Arabic/bank.md %}?x=1#y", "resolved", "bank"),
    ("{{ '/bank/' | relative_url }}#z", "resolved", "bank"),
    ('{{< ref "finra" >}}#history', "resolved", "finra"),
    ("{{ site.baseurl }}/../../x", "unsafe", None),
])
def test_a_site_generator_address_as_destination_is_the_link_the_site_makes(href, kind, target):
    files = dict(SITE)
    files["Texts/Arabic/writer.md"] = f"---\ntitle: كاتب\n---\n[x]({href})\n"
    resolution = resolve(corpus(files))
    occurrence, = resolution.occurrences
    assert (occurrence.kind, occurrence.target, occurrence.link.href, occurrence.link.line) == (kind, target, href, 4)
    assert [p.code for p in resolution.problems] == (["unsafe-link"] if kind == "unsafe" else [])



@pytest.mark.parametrize("href, kind, target", [
    ("/en/london/", "resolved", "london"),  # a multilingual site's address: the language, then the page
    ("/ru/piter", "resolved", "piter"),  # the page's own language
    ("/EN/London", "resolved", "london"),
    ("/fr/paris", "missing", "paris"),  # a language the corpus does not have: the page below it
    ("/en/nowhere", "missing", "nowhere"),
    ("/piter", "resolved", "piter"),
    ("/english/london", "resolved", "london"),
    ("/docs/x", "missing", "docs/x"),  # no language name: from the page's language root, as before
    ("/en/", "missing", "index"),  # that language's home page
    ("/en/../ru/piter", "resolved", "piter"),
])
def test_an_address_starting_with_a_language_folder_is_that_languages_page(href, kind, target):
    # Hugo (defaultContentLanguageInSubdir), Docusaurus and MkDocs i18n sites write /en/x: it was a
    # missing target en/x from every language folder.
    files = {"content/ru/moskva.md": f"# M\n[x]({href})\n", "content/ru/piter.md": "# P\n",
             "content/en/london.md": "# L\n"}
    occurrence, = resolve(corpus(files)).occurrences
    assert (occurrence.kind, occurrence.target) == (kind, target)



@pytest.mark.parametrize("href, kind, target", [
    ("/en/old-london/", "resolved", "london"),  # an alias written with its language, as the link is
    ("/old-london", "resolved", "london"),
    ("/en/city/", "resolved", "city"),  # a url written so
    ("/city", "resolved", "city"),
    ("/ru/staryi-piter", "resolved", "piter"),
])
def test_a_front_matter_address_starting_with_a_language_folder_is_read_as_such_a_link(href, kind, target):
    # aliases: [/en/old-london/] and url: /en/city/ made the slugs en/old-london and en/city, which
    # the link /en/old-london/ (read below the language root) no longer reached.
    files = {"content/ru/moskva.md": f"# M\n[x]({href})\n",
             "content/ru/piter.md": "---\ntitle: P\naliases: [/ru/staryi-piter]\n---\n",
             "content/en/london.md": "---\ntitle: L\naliases: [/en/old-london/]\n---\n",
             "content/en/town.md": "---\ntitle: T\nurl: /en/city/\n---\n"}
    occurrence, = resolve(corpus(files)).occurrences
    assert (occurrence.kind, occurrence.target) == (kind, target)


@pytest.mark.parametrize("href, kind, target", [
    ("en/london.md", "resolved", "london"),  # into a language folder, from a page above them all
    ("./ru/piter.md#x", "resolved", "piter"),
    ("ru/nowhere.md", "missing", "nowhere"),  # the concept below the language root it enters
    ("/en/london/", "resolved", "london"),
    ("docs/x.md", "missing", "docs/x"),
    ("README.md", "self", "README"),
])
def test_a_page_above_the_language_folders_links_into_them(href, kind, target):
    # A repository's README.md beside en/ and ru/: its links into them were missing targets en/london.
    files = {"README.md": f"# Read me\n[x]({href})\n", "ru/piter.md": "# P\n", "en/london.md": "# L\n"}
    occurrence, = resolve(corpus(files)).occurrences
    assert (occurrence.kind, occurrence.target) == (kind, target)


def test_a_hugo_ref_is_looked_up_beside_the_page_first_then_from_the_language_root():
    files = {"content/en/docs/a.md": '# A\n[b]({{< ref "b" >}}) [g]({{< ref "guide/setup.md" >}}) [r]({{< ref "/b" >}})'
                                     ' [up]({{< ref "../b" >}})\n',
             "content/en/docs/b.md": "# Docs B\n", "content/en/b.md": "# Root B\n",
             "content/en/guide/setup.md": "# Setup\n"}
    res = resolve(corpus(files))
    # "b" beside docs/a.md is docs/b.md, not the root's b.md; guide/setup.md is not beside it, so
    # it is read from the root; "/b" and "../b" are the root's.
    assert [(o.kind, o.target) for o in res.occurrences] == [("resolved", "docs/b"), ("resolved", "guide/setup"),
                                                              ("resolved", "b"), ("resolved", "b")]


def test_jekyll_link_and_post_url_find_the_file_whatever_its_permalink():
    files = {"index.md": "# Home\n[p]({% post_url 2024-01-02-hi %}) [d]({% link docs/x.md %}) [b]({{ '/blog/hi/' | relative_url }})"
                         " [n]({% link docs/nope.md %})\n",
             "_posts/2024-01-02-hi.md": "---\ntitle: Hi\npermalink: /blog/hi/\n---\n",
             "docs/x.md": "---\ntitle: X\npermalink: /x.html\n---\n"}
    res = resolve(corpus(files))
    assert [(o.kind, o.target) for o in res.occurrences] == [("resolved", "blog/hi"), ("resolved", "x"),
                                                              ("resolved", "blog/hi"), ("missing", "docs/nope")]


def test_lookup_prefers_the_article_language_then_any_language():
    files = {
        "x/en/only-en.md": "# E",
        "x/ar/page.md": "---\ntitle: ص\n---\n[a](/only-en) [b](/page)",
    }
    occurrences = resolve(corpus(files)).occurrences
    assert [(o.kind, o.target) for o in occurrences] == [("resolved", "only-en"), ("self", "page")]


def test_duplicate_slug_in_one_language_is_reported_first_path_wins():
    files = {"a.md": "---\ntitle: A\n---\n[x](/z)", "b.md": "---\nslug: a\ntitle: B\n---\n[y](/w)"}
    resolution = resolve(corpus(files))
    assert [a.path for a in resolution.articles] == ["a.md"]
    assert [(p.path, p.code) for p in resolution.problems] == [("b.md", "duplicate-slug")]
    assert "a.md" in resolution.problems[0].message


def test_missing_target_case_variants_share_the_most_common_spelling():
    files = {"a.md": "[x](/Series7) [y](/series7) [z](/series7)"}
    assert {o.target for o in resolve(corpus(files)).occurrences} == {"series7"}


def test_missing_labels_come_from_the_most_frequent_wordy_anchor():
    files = {"Arabic/a.md": "[.](/m) [FINRA](/m) [هيئة](/m) [هيئة](/m) [الهيئة](/m)\n[،](/n)"}
    labels = resolve(corpus(files)).missing_labels
    assert labels["m"] == {None: "FINRA", "ar": "هيئة"}
    assert labels["n"] == {None: "n"}  # only punctuation: fall back to the slug


def test_missing_demand_counts_occurrences_and_the_concepts_linking():
    # a language twin links as its concept: finra's two files are one concept linking /x
    files = {"Arabic/finra.md": "[x](/x) [x](/x) [y](/y)", "English/finra.md": "[X](/x)", "Arabic/bank.md": "[x](/x)"}
    assert resolve(corpus(files)).missing_demand == {"x": (4, 2), "y": (1, 1)}


def test_missing_labels_and_demand_kept_by_the_memo_are_those_of_a_fresh_call():
    from graph.resolve import ResolveMemo

    memo = ResolveMemo()
    a = "[one](/m) [two](/m) [three](/n)"  # never edited: what it tells changes with the others
    b = "[two](/m) [one](/m) [one](/m)"
    steps = [{"a.md": a, "b.md": "[two](/m)"},
             {"a.md": a, "b.md": b},  # b's labels outvote a's
             {"a.md": a, "b.md": "[one](/M) [two](/M) [two](/M)"},  # a's target is spelled /M, written more often
             {"a.md": a, "b.md": b},
             {"a.md": a, "b.md": b, "m.md": "# M"},  # a's /m resolves to m: the same target, another class
             {"a.md": a, "b.md": "---\naliases: [m]\n---\n"}]  # a's /m resolves to b
    articles = {}
    for files in steps:
        parsed = corpus(files)
        # an unchanged file is the same article, as the parse cache gives it
        parsed = parsed.__class__(tuple(articles.get((a.path, files[a.path]), a) for a in parsed.articles),
                                  parsed.problems, parsed.files)
        articles = {(a.path, files[a.path]): a for a in parsed.articles}
        kept, fresh = resolve(parsed, memo), resolve(parsed)
        assert (kept.missing_labels, kept.missing_demand) == (fresh.missing_labels, fresh.missing_demand)


def test_a_link_edit_counts_again_only_the_targets_it_touches_and_gives_a_fresh_calls_labels(monkeypatch):
    import graph.resolve as module
    from graph.resolve import ResolveMemo

    counted: list[str] = []
    count_target = module._count_target

    def spy(target, *args):
        counted.append(target)
        return count_target(target, *args)

    monkeypatch.setattr(module, "_count_target", spy)
    memo = ResolveMemo()
    # Twins (one concept: two files linking /t count once), ties won by the first text seen, and
    # targets that come (/m, in the middle of the slug order) and go (/z) with one edit.
    files = {"Arabic/a.md": "[first](/t) [x](/z)", "English/a.md": "[first](/t)", "b.md": "[second](/t) [y](/u)",
             "c.md": "[y](/u)"}
    steps = [({}, None),
             ({"b.md": "[second](/t) [second](/t) [y](/u)"}, {"t"}),  # the second text wins now; b's /u is the same
             ({"Arabic/a.md": "[first](/t) [first](/t) [m](/m)"}, {"t", "m"}),  # a tie again, /z gone, /m new
             ({"c.md": "[y](/u) [m](/m) [later](/z)"}, {"m", "z"}),  # /z back, labelled by c
             ({"c.md": "no links"}, {"u", "m"}),  # /z gone again
             ({"b.md": "[Second](/T)"}, None)]  # /T and /t: one spelling for both, counted whole
    articles: dict = {}
    for change, touched in steps:
        files.update(change)
        parsed = corpus(files)
        parsed = parsed.__class__(tuple(articles.get((a.path, files[a.path]), a) for a in parsed.articles),
                                  parsed.problems, parsed.files)
        articles = {(a.path, files[a.path]): a for a in parsed.articles}
        counted.clear()
        kept, fresh = resolve(parsed, memo), resolve(parsed)
        assert list(kept.missing_labels.items()) == list(fresh.missing_labels.items())
        assert list(kept.missing_demand.items()) == list(fresh.missing_demand.items())
        assert (set(counted) if touched is not None else None) == touched
    assert fresh.missing_demand["t"] == (4, 2)  # a's twins and b


def test_missing_label_language_is_judged_against_the_linking_file():
    # finra has an English twin, but the Latin anchor is written in the Arabic file: untagged, not @en.
    files = {"Arabic/finra.md": "[SEC](/sec)", "English/finra.md": "# FINRA"}
    assert resolve(corpus(files)).missing_labels["sec"] == {None: "SEC"}


def test_alias_resolves_but_never_shadows_a_slug():
    files = {
        "new.md": "---\naliases: [/old, /other]\n---\n",
        "other.md": "# other",
        "w.md": "[a](/old) [b](/other)",
    }
    assert [o.target for o in resolve(corpus(files)).occurrences] == ["new", "other"]


def test_a_memo_resolves_as_a_fresh_call_and_classifies_only_changed_articles(monkeypatch):
    import graph.resolve as module
    from graph.resolve import ResolveMemo

    classified: list[str] = []
    original = module._resolve_links

    def spy(article, *args):
        classified.append(article.path)
        return original(article, *args)

    monkeypatch.setattr(module, "_resolve_links", spy)
    files = {"a.md": "[b](/b) [M](/Missing) [js](javascript:x)", "b.md": "[a](/a) [m](/missing)",
             "c.md": "[m](/missing) [gone](/nowhere)"}
    parsed: dict = {}  # unchanged files keep their Article, as the reader's memo gives them

    memo = ResolveMemo()
    everything = ["a.md", "b.md", "c.md", "d.md"]
    for change, again in [
        ({}, ["a.md", "b.md", "c.md"]),  # first call
        ({"c.md": "[a](/a) [M](/Missing) [M](/Missing)"}, ["c.md"]),  # /Missing outnumbers /missing now: b.md's link is respelled
        ({"d.md": "# d"}, everything),  # a new slug: another index
        ({"b.md": "---\naliases: [/nowhere]\n---\n[a](/a)"}, everything),  # a new alias
        ({"d.md": "[gone](/nowhere)"}, ["d.md"]),  # resolves through the alias
    ]:
        files.update(change)
        fresh = resolve(reread(files, parsed))
        classified.clear()
        assert resolve(reread(files, parsed), memo) == fresh
        assert classified == again


def test_a_folder_link_reaches_its_readme_unless_an_index_claims_the_folder():
    files = {"docs/guide/README.md": "# Guide\n[s](setup.md)\n",
             "docs/guide/setup.md": "# Setup\n[a](./) [b](../guide/) [c](/docs/guide) [d](README.md)\n",
             "docs/README.md": "# Docs\n", "docs/index.md": "# Docs index\n", "docs/guide/x.md": "[e](../)\n"}
    res = resolve(corpus(files))
    found = {(o.source, o.link.href): (o.kind, o.target) for o in res.occurrences}
    for href in ("./", "../guide/", "/docs/guide", "README.md"):
        assert found[("docs/guide/setup", href)] == ("resolved", "docs/guide/README")
    # MkDocs' rule: the folder's index.md is its page, its README keeps only its own slug.
    assert found[("docs/guide/x", "../")] == ("resolved", "docs")


def test_mdx_files_and_links_to_them_name_one_concept():
    files = {"docs/a.mdx": "# A\n[b](b.mdx) [B](/docs/B.MDX) [g](./guide/)\n", "docs/b.md": "# B\n",
             "docs/guide/README.mdx": "# G\n"}
    res = resolve(corpus(files))
    assert [(o.kind, o.target) for o in res.occurrences] == [("resolved", "docs/b")] * 2 + [
        ("resolved", "docs/guide/README")]


def test_every_markdown_suffix_names_the_file_s_concept():
    files = {"a.mkd": "# A\n[b](b.mdown) [b](/b.MARKDOWN) [c](./c.mkdn) [d](d.mdwn) [e](e.mkdown) [x](x.txt)\n",
             "b.mdown": "# B\n", "c.mkdn": "# C\n", "d.mdwn": "# D\n", "e.mkdown": "# E\n"}
    res = resolve(corpus(files))
    assert [a.slug for a in res.articles] == ["a", "b", "c", "d", "e"]
    assert [(o.kind, o.target) for o in res.occurrences] == [("resolved", t) for t in "bbcde"] + [("missing", "x.txt")]


def test_slugs_that_differ_only_in_case_are_two_concepts_and_reported():
    files = {"Texts/Arabic/finra.md": "# فينرا\n", "Texts/English/FINRA.md": "# FINRA\n",
             "Texts/English/Bank.md": "# Bank\n", "Texts/English/bank.md": "# bank\n",
             "Texts/English/a.md": "# A\n[x](/Finra) [y](/BANK) [z](/bank)\n", "Texts/Arabic/bank.md": "# بنك\n"}
    res = resolve(corpus(files))
    found = [(p.path, p.line, p.code) for p in res.problems]
    # English bank.md is the twin of Arabic bank.md (one slug); Bank.md is another spelling of it.
    assert found == [("Texts/English/Bank.md", 1, "case-variant-slug"),
                     ("Texts/English/FINRA.md", 1, "case-variant-slug")]
    first = next(p for p in res.problems if p.path == "Texts/English/FINRA.md")
    assert "'finra' (Texts/Arabic/finra.md)" in first.message
    # Both stay concepts; a link that spells neither exactly reaches its language's first, else the first.
    assert {a.slug for a in res.articles} == {"finra", "FINRA", "Bank", "bank", "a"}
    assert [(o.link.href, o.target) for o in res.occurrences] == [("/Finra", "FINRA"), ("/BANK", "Bank"),
                                                                  ("/bank", "bank")]


# The corpus: 'shared' claimed by two concepts, 'beta' an alias of alpha and beta's slug.
CLAIMED = {
    "alpha.md": "---\ntitle: Alpha\naliases: [shared, beta]\n---\nA [b](/beta) [s](/shared)\n",
    "beta.md": "---\ntitle: Beta\naliases: [shared]\n---\nB\n",
    "gamma.md": "---\ntitle: Gamma\n---\nG [s](/shared)\n",
}


def alias_problems(res) -> list[tuple[str, int, str]]:
    return [(p.path, p.line, p.code) for p in res.problems if "alias" in p.code]


def test_an_alias_another_concept_claims_first_is_reported_where_written_and_left_out():
    res = resolve(corpus(CLAIMED))
    assert alias_problems(res) == [("alpha.md", 3, "alias-conflict"), ("beta.md", 3, "alias-conflict")]
    slug_claim, alias_claim = (p.message for p in res.problems)
    assert "alias 'beta' is the slug of 'beta' (beta.md)" in slug_claim
    assert "alias 'shared' is already an alias of 'alpha' (alpha.md)" in alias_claim
    # Links go where they went; each concept keeps only the aliases that reach it.
    assert [(o.source, o.target) for o in res.occurrences] == [("alpha", "beta"), ("alpha", "alpha"),
                                                               ("gamma", "alpha")]
    assert {a.slug: a.aliases for a in res.articles} == {"alpha": ("shared",), "beta": (), "gamma": ()}
    assert [a.alias_lines for a in res.articles] == [(3,), (), ()]


def test_an_alias_is_reported_at_its_own_line_of_a_block_list_in_any_front_matter_format():
    files = {"a.md": "---\ntitle: A\naliases:\n  - /mine\n  # moved\n  - /b\n---\n", "b.md": "# B\n",
             "c.md": '+++\naliases = [\n  "/mine",\n]\n+++\n', "d.md": '{\n  "aliases": ["/b"]\n}\n'}
    assert alias_problems(resolve(corpus(files))) == [("a.md", 6, "alias-conflict"), ("c.md", 3, "alias-conflict"),
                                                      ("d.md", 2, "alias-conflict")]


def test_an_alias_that_differs_only_in_case_from_another_concept_s_is_kept_and_reported():
    files = {"a.md": "---\naliases: [Old, B, b-alias]\n---\n[x](/OLD) [y](/old) [z](/B)", "b.md": "# B\n",
             "c.md": "---\naliases: [old]\n---\n", "d.md": "---\naliases: [B-Alias]\n---\n"}
    res = resolve(corpus(files))
    assert alias_problems(res) == [("a.md", 2, "case-variant-alias"), ("c.md", 2, "case-variant-alias"),
                                   ("d.md", 2, "case-variant-alias")]
    b, old, b_alias = (p.message for p in res.problems)
    assert "'B' differs only in case from 'b', the slug of 'b' (b.md)" in b
    assert "'old' differs only in case from 'Old', an alias of 'a' (a.md)" in old
    assert "'B-Alias' differs only in case from 'b-alias', an alias of 'a' (a.md)" in b_alias
    # Each spelling reaches its own concept exactly, and stays its alias; others reach the first.
    assert {a.slug: a.aliases for a in res.articles} == {"a": ("Old", "B", "b-alias"), "b": (), "c": ("old",),
                                                         "d": ("B-Alias",)}
    assert [o.target for o in res.occurrences] == ["a", "c", "a"]


def test_aliases_are_judged_in_their_article_s_language():
    files = {
        # language twins claim one alias for one concept: no conflict
        "ar/finra.md": "---\ntitle: فينرا\naliases: [regulator]\n---\n[r](/regulator) [l](/lend)\n",
        "en/finra.md": "---\ntitle: FINRA\naliases: [regulator]\n---\n[r](/regulator) [l](/lend)\n",
        # two concepts, one spelling in two languages: each language's links reach their own
        "ar/loan.md": "---\ntitle: قرض\naliases: [lend]\n---\n",
        "en/lender.md": "---\ntitle: Lender\naliases: [lend]\n---\n",
        # a language that claims neither reaches the first by path, as for any key
        "fr/pret.md": "---\ntitle: Prêt\n---\n[l](/lend)\n",
        # an English alias that is an Arabic-only concept's slug: English links reach the alias
        "en/bank-en.md": "---\ntitle: Bank\naliases: [bank]\n---\n[b](/bank)\n",
        "ar/bank.md": "---\ntitle: بنك\n---\n[b](/bank)\n",
    }
    res = resolve(corpus(files))
    assert alias_problems(res) == []
    assert {a.path: a.aliases for a in res.articles if a.aliases} == {
        "ar/finra.md": ("regulator",), "en/finra.md": ("regulator",), "ar/loan.md": ("lend",),
        "en/lender.md": ("lend",), "en/bank-en.md": ("bank",)}
    assert [(o.path, o.link.href, o.kind, o.target) for o in res.occurrences] == [
        ("ar/bank.md", "/bank", "self", "bank"),
        ("ar/finra.md", "/regulator", "self", "finra"), ("ar/finra.md", "/lend", "resolved", "loan"),
        ("en/bank-en.md", "/bank", "self", "bank-en"),
        ("en/finra.md", "/regulator", "self", "finra"), ("en/finra.md", "/lend", "resolved", "lender"),
        ("fr/pret.md", "/lend", "resolved", "loan")]


def test_aliases_the_path_implies_lose_silently_and_are_left_out():
    files = {
        # a README answers to its folder unless the folder's index claims it (MkDocs' rule)
        "docs/README.md": "# Docs readme\n", "docs/index.md": "# Docs\n",
        # the path before a front matter slug, which another file's slug is
        "moved.md": "---\nslug: elsewhere\n---\n", "moved/index.md": "# Moved\n",
        # an alias equal to the page's own slug names nothing more
        "self.md": "---\naliases: [/self, self/]\n---\n",
        # a written alias that a README's folder claims first is reported
        "z.md": "---\naliases: [guide]\n---\n", "guide/README.md": "# Guide\n",
    }
    res = resolve(corpus(files))
    assert alias_problems(res) == [("z.md", 2, "alias-conflict")]
    assert "alias 'guide' is already an alias of 'guide/README' (guide/README.md)" in res.problems[0].message
    assert {a.path: a.aliases for a in res.articles} == {
        "docs/README.md": (), "docs/index.md": (), "guide/README.md": ("guide",), "moved.md": (),
        "moved/index.md": (), "self.md": (), "z.md": ()}


def test_a_memo_gives_the_alias_problems_and_aliases_of_a_fresh_call_as_conflicts_come_and_go():
    from graph.resolve import ResolveMemo

    files = dict(CLAIMED)
    parsed: dict = {}

    memo = ResolveMemo()
    for change in [
        {},
        {"aardvark.md": "---\naliases: [shared]\n---\n"},  # a new first claim: alpha, unchanged, loses it too
        {"aardvark.md": None},  # and it goes
        {"beta.md": "---\ntitle: Beta\n---\nB\n"},  # beta no longer claims 'shared'
        {"alpha.md": "---\ntitle: Alpha\naliases: [shared]\n---\n\nA [b](/beta) [s](/shared)\n"},  # and alpha no 'beta'
        {"beta.md": "---\ntitle: Beta\n\naliases: [shared]\n---\nB\n"},  # the conflict again, a line lower
        {"gamma.md": "---\ntitle: Gamma\n---\nG [s](/shared) [a](/alpha)\n"},  # no alias changed
    ]:
        files.update(change)
        files = {path: text for path, text in files.items() if text is not None}
        fresh = resolve(reread(files, parsed))
        kept = resolve(reread(files, parsed), memo)
        assert kept == fresh
        assert [(p.path, p.line, p.message) for p in kept.problems] == [(p.path, p.line, p.message)
                                                                         for p in fresh.problems]
    # An article that lost an alias is one record while it is unchanged (later stages' memos see it unchanged).
    again = resolve(reread(files, parsed), memo)
    assert [a for a in again.articles if a.path == "beta.md"][0] is [a for a in kept.articles
                                                                     if a.path == "beta.md"][0]


def vault(files: dict[str, str], wikilinks: bool = True):
    """Resolve a corpus read with ``ParseOptions(wikilinks=...)``."""
    from graph.parse import ParseOptions
    articles, problems = [], []
    for path in sorted(files):
        article, found = parse_article(files[path], path, ParseOptions(wikilinks=wikilinks))
        articles.append(article)
        problems += found
    return resolve(Corpus(tuple(articles), tuple(problems), len(files)))


VAULT = {
    "notes/a.md": "# A\n",
    "notes/Page.md": "# Notes page\n",
    "Page.md": "# Root page\n",
    "deep/sub/Only Here.md": "# Only here\n",
    "other/Twin.md": "# Other twin\n", "deep/Twin.md": "# Deep twin\n",
    "x/y.md": "# Y\n", "x/index.md": "# X\n",
}


@pytest.mark.parametrize("link, kind, target", [
    ("[[Page]]", "resolved", "notes/Page"),  # the file beside the page first
    ("[[page]]", "resolved", "Page"),  # the file beside is matched exactly, then names without regard to case
    ("[[a#Heading|shown]]", "self", "notes/a"),
    ("[[#Heading]]", "self", "notes/a"),
    ("[[Only Here]]", "resolved", "deep/sub/Only Here"),  # anywhere in the vault, by its file name
    ("[[Only Here.md]]", "resolved", "deep/sub/Only Here"),
    ("[[deep/sub/Only Here]]", "resolved", "deep/sub/Only Here"),  # a path from the vault's root
    ("[[/Page]]", "resolved", "Page"),
    ("[[../Page]]", "resolved", "Page"),  # ./ and ../ from the page's folder only
    ("[[./Twin]]", "missing", "notes/Twin"),
    ("[[Twin]]", "resolved", "deep/Twin"),  # two notes of one name: the first by path, silently
    ("[[x]]", "resolved", "x"),
    ("[[index]]", "resolved", "x"),  # x/index.md's file name
    ("[[Nowhere]]", "missing", "Nowhere"),
    ("[[ Obs  Page ]]", "missing", "Obs Page"),
    ("[[https://x.org/]]", "external", None),
    ("[[javascript:alert(1)]]", "unsafe", None),
    ("[[../../../etc/passwd]]", "unsafe", None),
    ("[[{{ .Site }}]]", "template", None),
])
def test_a_wikilink_names_a_note_by_its_file_name_beside_the_page_then_anywhere(link, kind, target):
    res = vault({**VAULT, "notes/a.md": f"# A\n{link}\n"})
    occurrence, = res.occurrences
    assert (occurrence.kind, occurrence.target, occurrence.link.syntax) == (kind, target, "wikilink")
    # file names are implied aliases: never reported, even two notes of one name
    assert [p.code for p in res.problems] == (["unsafe-link"] if kind == "unsafe" else
                                              ["template-link"] if kind == "template" else [])


def test_a_file_name_loses_to_a_slug_is_first_by_path_among_aliases_and_is_an_alias_only_with_wikilinks():
    files = {"a.md": "[[Page]] [[old]] [[Deep]] [[Mid]]\n", "sub/Page.md": "# Sub page\n", "Page.md": "# Root\n",
             "z/old.md": "# Z old\n", "w.md": "---\naliases: [old]\n---\n", "q/Deep.md": "# Deep\n",
             "b/Mid.md": "# Mid\n", "c.md": "---\naliases: [Mid]\n---\n"}
    res = vault(files)
    assert [(o.kind, o.target) for o in res.occurrences] == [("resolved", "Page"), ("resolved", "w"),
                                                             ("resolved", "q/Deep"), ("resolved", "b/Mid")]
    aliases = {a.path: a.aliases for a in res.articles}
    # sub/Page's and z/old's names resolve elsewhere: not published as theirs, no problem; c.md's
    # written alias comes after b/Mid.md's name by path: reported, as after a README's folder
    assert aliases == {"Page.md": (), "a.md": (), "b/Mid.md": ("Mid",), "c.md": (), "q/Deep.md": ("Deep",),
                       "sub/Page.md": (), "w.md": ("old",), "z/old.md": ()}
    assert [(p.path, p.line, p.code) for p in res.problems] == [("c.md", 2, "alias-conflict")]
    off = vault(files, wikilinks=False)
    assert off.occurrences.kinds == b"" and {a.path: a.aliases for a in off.articles if a.aliases} == {
        "c.md": ("Mid",), "w.md": ("old",)}


def test_a_memo_keeps_the_missing_labels_of_a_fresh_call_as_anchors_come_and_go_in_any_article():
    # What each article's links tell a missing target is tallied and corrected by each edit
    # (graph.resolve._Tally): ties go to the label seen first and languages come in the order
    # first seen, so an edit of the article holding a label's first place, or of one before it,
    # moves what a fresh count gives. Seeded random anchor edits, each compared with a fresh call.
    import random

    from graph.resolve import ResolveMemo

    rng = random.Random(3)
    words = ["bank", "fund", "loan", "مال", "سوق", "بنك", "?"]  # untagged or English, Arabic, not wordy

    def body() -> str:
        return "x " + " ".join(f"[{rng.choice(words)}](/{rng.choice(['m', 'm', 'n'])})" for _ in range(rng.randint(0, 3)))

    files = {f"{lang}/p{i:02d}.md": body() for i in range(30) for lang in ("ar", "en") if lang == "ar" or i % 3 == 0}
    parsed: dict = {}
    memo = ResolveMemo()
    resolve(reread(files, parsed), memo)
    for step in range(300):
        path = rng.choice(sorted(files))
        files[path] = body()
        kept, fresh = resolve(reread(files, parsed), memo), resolve(reread(files, parsed))
        assert kept.changes is not None
        assert list(kept.missing_labels.items()) == list(fresh.missing_labels.items()), step
        assert list(kept.missing_demand.items()) == list(fresh.missing_demand.items()), step
    assert memo.tallies  # the targets were tallied, not counted whole each time


@pytest.mark.parametrize("steps, labels", [
    # A label gone and back in the first article, whose place comes before another language's:
    # that language comes first again.
    ([{"ar/p1.md": "[مال](/m)", "ar/p2.md": "x", "ar/p3.md": "[bank](/m)"}, {"ar/p2.md": "[bank](/m)"},
      {"ar/p1.md": "x"}, {"ar/p1.md": "[مال](/m)"}], {"ar": "مال", None: "bank"}),
    # Two labels tied, both first seen in one article, swapped there: the one now first wins.
    ([{"ar/p1.md": "[bank](/m) [fund](/m)", "ar/p2.md": "x", "ar/p3.md": "[bank](/m) [fund](/m)"},
      {"ar/p2.md": "y [z](/m)"}, {"ar/p1.md": "[fund](/m) [bank](/m)"}], {None: "fund"}),
])
def test_a_tally_gives_the_first_place_of_a_label_moved_within_or_before_its_first_article(steps, labels):
    from graph.resolve import ResolveMemo

    files: dict = {}
    parsed: dict = {}
    memo = ResolveMemo()
    for change in steps:
        files.update(change)
        kept, fresh = resolve(reread(files, parsed), memo), resolve(reread(files, parsed))
        assert list(kept.missing_labels.items()) == list(fresh.missing_labels.items())
    assert list(kept.missing_labels["m"].items()) == list(labels.items()) and memo.tallies
