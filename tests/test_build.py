from collections import Counter

from graph.build import build_graph, concept_attrs
from graph.model import keyword_key as keyword_node
from tests.conftest import write_files
from graph.parse import ParseOptions, parse_article
from graph.reader import read_corpus
from graph.resolve import resolve
from tests.conftest import GLOSSARY, PROJECT


def kinds(G):
    return Counter(kind for _, kind in G.nodes(data="kind")), Counter(kind for *_, kind in G.edges(data="kind"))


def test_seed_graph_matches_the_design():
    G = build_graph(resolve(read_corpus([PROJECT / "seeds"])))
    nodes, edges = kinds(G)
    assert nodes == {"article": 1, "missing": 4, "keyword": 1}
    assert edges == {"links_to": 4, "has_keyword": 1}
    assert set(G.successors("account-executive")) == {
        "finra", "broker-dealer", "investmentadvisor", "primebrokerage", keyword_node("Careers")}
    assert G.nodes["finra"]["labels"] == {None: "FINRA"}  # from its anchor text, English: untagged
    assert G.nodes["broker-dealer"]["labels"] == {"ar": "الوسطاء والمتعاملين"}
    assert G.nodes[keyword_node("careers")]["labels"] == {None: "Careers"}  # not @ar


def test_language_twins_are_one_concept():
    G = build_graph(resolve(read_corpus([GLOSSARY])))
    broker = G.nodes["broker"]
    assert broker["kind"] == "article"
    assert broker["labels"] == {"ar": 'سمسار "الأوراق"', "en": "Broker"}
    assert set(broker["descriptions"]) == {"ar", "en"}
    assert broker["sources"] == ("Arabic/broker.md", "English/broker.md")


def test_glossary_nodes_edges_and_weights():
    G = build_graph(resolve(read_corpus([GLOSSARY])))
    nodes, edges = kinds(G)
    assert nodes == {"article": 3, "missing": 3, "keyword": 5}
    assert edges == {"links_to": 10, "has_keyword": 6}
    assert G.edges["broker", "regulator"]["weight"] == 2  # once in Arabic, once in English
    assert G.edges["exchange", "regulator"]["anchors"] == ("للهيئة",)
    assert G.nodes["margin-account"]["labels"] == {"ar": "حسابات الهامش", "en": "margin"}
    assert not G.has_edge("broker", "broker")  # self links are counted, not drawn
    assert G.nodes[keyword_node("Careers")]["labels"] == {"en": "Careers"}  # untagged duplicate dropped


def test_build_is_deterministic():
    a = build_graph(resolve(read_corpus([GLOSSARY])))
    b = build_graph(resolve(read_corpus([GLOSSARY])))
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(data=True)) == list(b.edges(data=True))


def test_a_link_spelled_like_a_keyword_key_keeps_its_missing_node(tmp_path):
    # Before keyword keys were given a prefix no slug can have, the keyword node replaced the
    # missing target `keyword:careers` and its links_to edge, while the report still counted it.
    root = write_files(tmp_path, {"a.md": b"---\ntitle: A\nkeywords: Careers\n---\n[k](/keyword:careers)\n"})
    G = build_graph(resolve(read_corpus([root])))
    assert G.nodes["keyword:careers"]["kind"] == "missing"
    assert G.edges["a", "keyword:careers"]["kind"] == "links_to"
    assert G.nodes[keyword_node("Careers")]["kind"] == "keyword"
    assert kinds(G) == ({"article": 1, "missing": 1, "keyword": 1}, {"links_to": 1, "has_keyword": 1})


def test_edges_with_equal_attributes_share_one_dict(tmp_path):
    # A million edges have a few hundred thousand distinct attribute sets: one dict each.
    root = write_files(tmp_path, {"c.md": b"---\ntitle: C\n---\n[Zed](/z) [Zed](/z)\n",
                                  "a.md": b"---\ntitle: A\n---\n[Zed](/z) [Y](/y)\n",
                                  "b.md": b"---\ntitle: B\n---\n[Zed](/z) [y](/y)\n"})
    G = build_graph(resolve(read_corpus([root])))
    assert G.edges["a", "z"] is G.edges["b", "z"]
    assert G.edges["a", "z"] == {"kind": "links_to", "weight": 1, "anchors": ("Zed",)}
    assert G.edges["c", "z"] == {"kind": "links_to", "weight": 2, "anchors": ("Zed",)}
    assert G.edges["a", "y"]["anchors"] == ("Y",) and G.edges["b", "y"]["anchors"] == ("y",)
    assert list(G.pred["z"]) == ["a", "b", "c"] and list(G.succ["a"]) == ["y", "z"]


def test_a_memo_builds_the_graph_a_fresh_call_builds(tmp_path):
    from graph.build import GraphMemo
    from graph.resolve import ResolveMemo

    def shape(G):
        """Everything a writer can see, in insertion order."""
        return (list(G.nodes(data=True)), [(u, list(row.items())) for u, row in G._succ.items()],
                [(v, list(row.items())) for v, row in G._pred.items()], G.graph)

    files = {"Arabic/a.md": "---\ntitle: أ\n---\n[ب](/b) [م](/m)", "English/a.md": "---\ntitle: A\n---\n[B](/b) [B](/b)",
             "Arabic/b.md": "[أ](/a) [ن](/n)", "English/c.md": "[A](/a) [M](/m)"}
    root = write_files(tmp_path / "in", {path: text.encode() for path, text in files.items()})
    known: dict = {}
    resolved, graph = ResolveMemo(), GraphMemo()
    for change in [
        {},
        {"English/a.md": "---\ntitle: A\n---\n[B](/b) [Bee](/b)"},  # a twin's anchor text
        {"Arabic/m.md": "# م"},  # a missing target becomes an article: a.md and c.md link it
        {"Arabic/b.md": None},  # deleted: b goes missing
        {"English/c.md": "---\nkeywords: [Risk, Bond]\n---\n[A](/a) [M](/m)"},  # keywords: new nodes, new rows
        {"Arabic/aa.md": "[م](/m) [أ](/a)\n"},  # a new source sorts between a and c in the rows of m and a
        {"English/c.md": "---\nkeywords: [Bond]\n---\n[A](/a)"},  # a keyword and a link dropped
        {"English/c.md": "---\nkeywords: [Equity]\n---\n[A](/a)"},  # other keywords, the same links
        {"Arabic/aa.md": None, "Arabic/b.md": "---\nkeywords: [bond]\n---\n[ن](/n)"},
    ]:
        for path, text in change.items():
            (root / path).unlink() if text is None else (root / path).write_text(text, encoding="utf-8")
        with_memo = build_graph(resolve(read_corpus([root], known=known), resolved), memo=graph)
        assert shape(with_memo) == shape(build_graph(resolve(read_corpus([root]))))


def test_aliases_of_twins_merge_in_order_once_each_however_many():
    # Each alias was looked up in the list merged so far: 300,000 aliases in one file took hours.
    many = tuple(f"/a{i}" for i in range(30_000))
    ar = parse_article("---\ntitle: أ\naliases: [" + ", ".join(many + ("/x",)) + "]\n---\nx\n", "ar/p.md",
                       ParseOptions(max_aliases=len(many) + 1))[0]  # past the default limit: concepts merge many
    en = parse_article("---\ntitle: P\naliases: [/x, /y, /a7]\n---\nx\n", "en/p.md")[0]
    slugs = [a[1:] for a in many]  # an alias is kept as a slug
    assert concept_attrs("p", [ar, en])["aliases"] == [*slugs, "x", "y"]
    assert concept_attrs("p", [en, ar])["aliases"][:4] == ["x", "y", "a7", "a0"]


def test_the_graph_holds_no_view_of_itself():
    # networkx keeps its edge and degree views in the graph, each holding the graph: a cycle
    # that reference counting cannot free, and a watch's builds leave no cyclic collector to.
    import gc
    import weakref

    G = build_graph(resolve(read_corpus([PROJECT / "seeds"])))
    G.degree, G.in_degree, G.out_degree, G.edges, G.in_edges, G.out_edges, G.nodes, G.adj, G.succ, G.pred
    last = weakref.ref(G)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del G
        assert last() is None
    finally:
        if enabled:
            gc.enable()


def _random_article(rng, slugs: list[str], keywords: str = "", aliases: str = "") -> str:
    """An article whose links reach articles, missing targets (spelled in two cases now and then),
    itself, an unsafe address or a twin, with anchors from few words (ties between labels)."""
    words = ["bank", "Bank", "مال", "سوق", "risk", "!"]
    links = []
    for _ in range(rng.randint(0, 5)):
        target = rng.choice(slugs + ["gone", "gone", "Gone", "far", "javascript:x", "https://e.org"])
        links.append(f"[{rng.choice(words)}]({target if ':' in target else '/' + target})")
    head = "".join(f"{k}: {v}\n" for k, v in (("keywords", keywords), ("aliases", aliases)) if v)
    return f"---\ntitle: {rng.choice(words)}\n{head}---\n" + " ".join(links) + "\n"


def test_memos_mend_the_last_resolution_and_graph_as_fresh_calls_make_them():
    # Seeded random edits of links, anchors, keywords, aliases and files, each read again with the
    # unchanged files' very Article records (as the reader's memo gives them): the resolution and
    # the graph made through the memos (mended from the last ones when the names are the same:
    # Resolution.changes) equal fresh calls, in every order a writer reads.
    import random

    from graph.build import GraphMemo
    from graph.model import Corpus
    from graph.resolve import ResolveMemo

    def shape(G):
        return (list(G.nodes(data=True)), [(u, list(row.items())) for u, row in G._succ.items()],
                [(v, list(row.items())) for v, row in G._pred.items()], G.graph)

    rng = random.Random(7)
    slugs = ["a", "b", "c", "d", "e", "f"]
    files = {f"{lang}/{slug}.md": _random_article(rng, slugs) for slug in slugs for lang in ("ar", "en")
             if lang == "ar" or rng.random() < 0.4}
    files["en/dup.md"] = "---\nslug: a\n---\n[x](/gone)\n"  # a duplicate of en/a.md, or of nothing
    parsed: dict = {}
    resolved, graph = ResolveMemo(), GraphMemo()
    mended = 0
    for step in range(120):
        kind = rng.choice(["links"] * 8 + ["keywords", "aliases", "new", "delete", "respell"])
        path = rng.choice(sorted(files))
        if kind == "links":
            head = files[path].split("---\n")[1]
            files[path] = "---\n" + head + "---\n" + _random_article(rng, slugs).split("---\n")[2]
        elif kind == "keywords":
            files[path] = _random_article(rng, slugs, keywords=rng.choice(["Risk", "risk, Bank", "سوق"]))
        elif kind == "aliases":
            files[path] = _random_article(rng, slugs, aliases=rng.choice(["[gone]", "[b]", "[far, x]"]))
        elif kind == "new":
            files[f"{rng.choice(['ar', 'en'])}/{rng.choice(slugs + ['gone', 'far'])}.md"] = _random_article(rng, slugs)
        elif kind == "delete" and len(files) > 4:
            del files[path]
        elif kind == "respell":
            files[path] = files[path].replace("/gone", "/GONE", 1)
        articles = []
        for name in sorted(files):
            if (name, files[name]) not in parsed:
                parsed[name, files[name]] = parse_article(files[name], name)[0]
            articles.append(parsed[name, files[name]])
        corpus = Corpus(tuple(articles), (), len(files))
        kept, fresh = resolve(corpus, resolved), resolve(corpus)
        mended += kept.changes is not None
        assert kept == fresh, step
        assert list(kept.missing_labels.items()) == list(fresh.missing_labels.items()), step
        assert list(kept.missing_demand.items()) == list(fresh.missing_demand.items()), step
        assert [(p.path, p.line, p.code, p.message) for p in kept.problems] == [
            (p.path, p.line, p.code, p.message) for p in fresh.problems], step
        assert kept.occurrences.starts == fresh.occurrences.starts, step
        assert shape(build_graph(kept, "ar", graph)) == shape(build_graph(fresh, "ar")), step
    assert mended > 60  # most steps took the mended way
