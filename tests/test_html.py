"""The HTML explorer file: self-contained, complete, safe and deterministic (no browser here;
tests/test_html_browser.py drives it in Chromium)."""

import json
import math
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from graph.model import EdgeKind
LINKS_TO = EdgeKind.LINKS_TO
from graph.exporters import EXPORTERS, html
from graph.normalize import RULES, normalize
from graph.pipeline import build
from graph.related_index import name_key, name_keys
from tests.conftest import FIXTURES, written_file

EXPLORER = FIXTURES / "explorer" / "Texts"
NORMALIZE_JS = Path(html.__file__).parent / "html_assets" / "normalize.js"
# Spellings a reader types, and the rules' corners: tashkeel, hamza, taa marbuta, alef maqsura,
# Persian letters, tatweel, ligatures, Arabic-Indic digits, full-width Latin, casefold, parentheses.
CASES = [
    "إدارة الأصول", "اداره الاصول", "هيئة", "هيئه", "إِسْتِثْمَار", "مُسْتَشَارٌ", "مصطفى", "ی ک",
    "مـــال", "ﻻ ﷲ", "١٢٣ ۴۵", "Ｆｕｌｌ  Width", "Straße ΣΊΣΥΦΟΣ", "FINRA (هيئة تنظيم)", "e\u0301 café",
    "  spaced\tout\n", "snake_case-slug", "Asset Management (AM)", "שָׁלוֹם עוֹלָם", "",
]


def page_data(text: str) -> dict:
    """The JSON block the page embeds."""
    m = re.search(r'<script id="lg-data" type="application/json">(.*?)</script>', text, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def explorer_build(tmp_path_factory):
    return build([EXPLORER], tmp_path_factory.mktemp("explorer"), formats=["html"])


def page_text(result) -> str:
    return written_file(result, "graph.html").read_text(encoding="utf-8")


def test_html_is_a_default_format():
    assert EXPORTERS["html"].filename == "graph.html"


def test_one_file_with_nothing_to_fetch(explorer_build):
    text = page_text(explorer_build)
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "default-src 'none'" in text  # the page's own policy forbids any fetch
    assert not re.search(r"""<(link|img|iframe)\b|\bsrc=|https?://|url\(|@import|fetch\(|XMLHttpRequest""", text)


def test_data_holds_every_node_edge_and_field(explorer_build):
    G = explorer_build.graph
    data = page_data(page_text(explorer_build))
    assert data["counts"]["nodes"] == len(data["nodes"]) == G.number_of_nodes()
    links = [(u, v) for u, v, k in G.edges(data="kind") if k == LINKS_TO]
    assert data["counts"]["links"] == len(data["links"]) // 3 == len(links)
    slugs = [row[0] for row in data["nodes"]]
    assert {(slugs[a], slugs[b]) for a, b in zip(data["links"][::3], data["links"][1::3])} == \
        {(G.nodes[u]["slug"], G.nodes[v]["slug"]) for u, v in links}
    row = dict(zip(slugs, data["nodes"]))["asset-management"]
    slug, kind, x, y, in_links, lang, labels, descriptions, aliases, keywords = row
    assert data["kinds"][kind] == "article" and in_links == 2
    assert dict(labels) == {"ar": "إدارة الأصول", "en": "Asset Management"}
    assert dict(descriptions)["en"] == "Asset management is investing clients' money on their behalf."
    assert sorted(slugs[k] for k in keywords) == ["investing", "أسهم", "استثمار"]
    assert all(0 <= r[2] <= html.LAYOUT_SIZE and 0 <= r[3] <= html.LAYOUT_SIZE for r in data["nodes"])
    assert data["rules"] == RULES


def test_related_terms_with_reasons_from_the_related_feature(explorer_build):
    data = page_data(page_text(explorer_build))
    slugs = [row[0] for row in data["nodes"]]
    related = {slugs[int(i)]: [(slugs[j], score, reasons) for j, score, reasons in rows]
               for i, rows in data["related"].items()}
    articles = {row[0] for row in data["nodes"] if data["kinds"][row[1]] == "article"}
    assert set(related) == articles and data["related_info"]["computed"] == len(articles)
    top, score, reasons = related["asset-management"][0]
    assert top in {"portfolio", "broker"} and score > 0
    assert any("link to each other" in r for r in reasons)


def test_text_cannot_close_the_script(explorer_build):
    text = page_text(explorer_build)
    assert "<script>alert(1)" not in text
    descriptions = {row[0]: dict(row[7]) for row in page_data(text)["nodes"]}
    assert "<script>alert(1)</script>" in descriptions["hedge-fund"]["ar"]


def test_layout_is_seeded_and_hands_igraph_its_generator_back(explorer_build):
    import igraph

    G = explorer_build.graph
    order = list(G)
    ids = {node: i for i, node in enumerate(order)}
    random.seed(1)
    first = html.layout(G, order, ids)
    random.seed(2)
    assert html.layout(G, order, ids) == first
    graphs = []
    for _ in range(2):  # igraph draws from Python's random module again, as by default
        random.seed(5)
        graphs.append(igraph.Graph.Erdos_Renyi(n=30, p=0.2).get_edgelist())
    assert graphs[0] == graphs[1]


def test_empty_graph(tmp_path):
    (tmp_path / "in").mkdir()
    result = build([tmp_path / "in"], tmp_path / "out", formats=["html"])
    assert page_data(page_text(result))["nodes"] == []


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed: cannot run the explorer's JavaScript")
def test_javascript_normalisation_agrees_with_python():
    script = (f"const {{makeNormalizer}} = require({json.dumps(str(NORMALIZE_JS))});"
              f"const n = makeNormalizer({json.dumps(RULES)});"
              f"console.log(JSON.stringify({json.dumps(CASES)}.map(c => [n.normalize(c), n.nameKey(c), n.nameKeys(c)])));")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [[normalize(c), name_key(c), name_keys(c)] for c in CASES]


def reference_graph_data(G) -> str:
    """``html._graph_data`` as it was before 6 December 2026 (``graph.fields.node_fields`` per
    node, ``json.dumps`` per row, the layout's edges listed in Python): the path the faster one
    must give the same bytes as."""
    import igraph
    from graph.fields import node_fields
    from graph.model import NodeKind

    def dumps(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")

    order = list(G)
    ids = {node: i for i, node in enumerate(order)}
    g = igraph.Graph(n=len(order), edges=[(ids[u], ids[v]) for u, out in G._succ.items() for v in out], directed=False)
    g.simplify()
    igraph.set_random_number_generator(random.Random(html.LAYOUT_SEED))
    try:
        coords = g.layout_fruchterman_reingold(niter=500 if len(order) <= 5000 else 150, grid=len(order) > 1000).coords
    finally:
        igraph.set_random_number_generator(random)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    x0, y0 = min(xs), min(ys)
    scale = html.LAYOUT_SIZE / max(max(xs) - x0, max(ys) - y0, 1e-9)
    positions = [(round((x - x0) * scale, 1), round((y - y0) * scale, 1)) for x, y in zip(xs, ys)]
    parts = ['{"nodes":[\n']
    for i, node in enumerate(order):
        data = G.nodes[node]
        fields = node_fields(G, node)
        keywords = [ids[k] for k in G.successors(node) if G.nodes[k]["kind"] == NodeKind.KEYWORD]
        row = [fields["slug"], html.KINDS.index(data["kind"]), *positions[i], fields["in_links"], fields["lang"],
               [[lang or "", text] for lang, text in data["labels"].items()],
               [[lang or "", text] for lang, text in data["descriptions"].items()],
               list(data["aliases"]), keywords]
        parts.append(("," if i else "") + dumps(row) + "\n")
    parts.append('],"links":[')
    parts.append(",".join(f"{ids[u]},{ids[v]},{e['weight']}" for u, out in G._succ.items() for v, e in out.items()
                          if e["kind"] == LINKS_TO))
    return "".join(parts)


def test_graph_data_is_the_bytes_of_the_path_before(explorer_build, tmp_path):
    """The node rows read directly, one encoder, the layout's edges from numpy: the same bytes as
    before, on the explorer's fixture (two languages, keywords, missing targets, ``<`` in text) and
    on a generated corpus past 1,000 nodes (the layout's grid variant), its nodes out of slug order."""
    import networkx as nx
    from tests.benchmarks.gen_corpus import generate
    assert html._graph_data(explorer_build.graph) == reference_graph_data(explorer_build.graph)
    H = nx.DiGraph(explorer_build.graph)
    H.graph["label_order"] = tuple(reversed(H.graph["label_order"]))  # English first: not each label dict's first
    assert html._graph_data(H) == reference_graph_data(H)
    generate(1100, tmp_path / "in", seed=9)
    G = build([tmp_path / "in"], tmp_path / "out", formats=["turtle"]).graph
    assert len(G) > 1000 and list(G) != sorted(G)
    assert html._graph_data(G) == reference_graph_data(G)


def rows(text: str) -> dict[str, list]:
    """The page's node rows by slug."""
    return {row[0]: row for row in page_data(text)["nodes"]}


def test_a_watch_keeps_its_picture_and_places_new_nodes_by_the_rule(tmp_path, monkeypatch):
    """Under a watch's memo the layout is made once: a new title or a new link keeps every
    position (the page is a cold build's but for positions, and its bytes while the edges are
    the same), a new node goes near its neighbours (two of one article apart) or, with none, to a
    free cell, and once more nodes were placed so than RELAYOUT_MIN the page is laid out again,
    the cold build's bytes."""
    import igraph
    from graph.exporters import html_layout
    from graph.memo import Memo
    from tests.conftest import snapshot, unplaced
    made = []
    fr = igraph.Graph.layout_fruchterman_reingold
    monkeypatch.setattr(igraph.Graph, "layout_fruchterman_reingold", lambda g, *a, **k: made.append(1) or fr(g, *a, **k))
    monkeypatch.setattr(html_layout, "RELAYOUT_MIN", 3)
    corpus = tmp_path / "in"
    shutil.copytree(EXPLORER, corpus)
    memo, out = Memo(), tmp_path / "out"
    broker = corpus / "Arabic" / "broker.md"
    pages = []

    def rebuilt(layouts: int, cold_bytes: bool) -> dict[str, list]:
        made.clear()
        page = page_text(build([corpus], out, formats=["html"], jobs=1, memo=memo))
        assert len(made) == layouts
        cold = tmp_path / f"cold{len(pages)}"
        build([corpus], cold, formats=["html"], jobs=1)
        assert (page == page_text_of(cold)) is cold_bytes
        assert unplaced(snapshot(out)) == unplaced(snapshot(cold))
        if pages and not layouts:  # every node still there is where it was
            assert {slug: row[2:4] for slug, row in rows(page).items() if slug in pages[-1]} == \
                {slug: row[2:4] for slug, row in pages[-1].items() if slug in rows(page)}
        pages.append(rows(page))
        return pages[-1]

    rebuilt(1, True)
    broker.write_text(broker.read_text(encoding="utf-8").replace("title:", "title: Renamed", 1), encoding="utf-8")
    rebuilt(0, True)  # same nodes, same edges: the cold positions
    text = broker.read_text(encoding="utf-8")
    assert "(/hedge-fund)" not in text
    broker.write_text(text + "\nSee [a fund](/hedge-fund).\n", encoding="utf-8")
    rebuilt(0, False)  # one edge more: the same positions
    rebuilt(0, False)
    broker.write_text(broker.read_text(encoding="utf-8") + "\n[one](/new-one) [two](/new-two)\n", encoding="utf-8")
    page = rebuilt(0, False)
    at = page["broker"][2:4]
    for slug in ("new-one", "new-two"):  # one neighbour: OFFSET from it, in its slug's direction
        turn = 2 * math.pi * html_layout._turn(slug)
        assert page[slug][2:4] == [round(at[0] + html_layout.OFFSET * math.cos(turn), 1),
                                   round(at[1] + html_layout.OFFSET * math.sin(turn), 1)]
    assert len({tuple(row[2:4]) for row in page.values()}) == len(page)  # none stacked
    (corpus / "English" / "alone.md").write_text("---\ntitle: Alone\n---\nNo links.\n", encoding="utf-8")
    page = rebuilt(0, False)  # no neighbour: the centre of a cell no node is in
    side = math.isqrt(2 * len(page)) + 1
    cell = html_layout.LAYOUT_SIZE / side
    i, j = (int(v / cell) for v in page["alone"][2:4])
    assert page["alone"][2:4] == [round((i + 0.5) * cell, 1), round((j + 0.5) * cell, 1)]
    assert [slug for slug, row in page.items() if (int(row[2] / cell), int(row[3] / cell)) == (i, j)] == ["alone"]
    (corpus / "English" / "more.md").write_text("---\ntitle: More\n---\nNo links.\n", encoding="utf-8")
    rebuilt(1, True)  # a fourth node placed so, over RELAYOUT_MIN: laid out again
    (corpus / "English" / "more.md").unlink()
    page = rebuilt(0, False)  # a node fewer, the others where they were
    (corpus / "English" / "alone.md").rename(corpus / "English" / "alone-b.md")
    was = page["alone"][2:4]
    page = rebuilt(0, False)  # the same edges, a new node in the same place of the order: placed by the rule
    i, j = (int(v / cell) for v in page["alone-b"][2:4])
    assert page["alone-b"][2:4] == [round((i + 0.5) * cell, 1), round((j + 0.5) * cell, 1)] != was


def page_text_of(folder) -> str:
    return (folder / "graph.html").read_text(encoding="utf-8")


def test_a_one_shot_build_after_a_watch_writes_the_cold_page(tmp_path):
    """The positions a watch kept are in its piece's key: a build without the memo into its
    folder lays the page out as a cold build does, copying none of them."""
    from graph.memo import Memo
    from tests.conftest import snapshot
    corpus = tmp_path / "in"
    shutil.copytree(EXPLORER, corpus)
    memo, out = Memo(), tmp_path / "out"
    build([corpus], out, formats=["html"], jobs=1, memo=memo)
    broker = corpus / "Arabic" / "broker.md"
    broker.write_text(broker.read_text(encoding="utf-8") + "\nSee [a fund](/hedge-fund).\n", encoding="utf-8")
    build([corpus], out, formats=["html"], jobs=1, memo=memo)
    build([corpus], out, formats=["html"], jobs=1)
    build([corpus], tmp_path / "cold", formats=["html"], jobs=1)
    assert snapshot(out) == snapshot(tmp_path / "cold")


@pytest.mark.parametrize("seed", [3, 8])
def test_the_rows_a_watch_keeps_are_those_rendered_afresh(tmp_path, monkeypatch, seed):
    """Under a watch's memo each node's row and links are taken from the last graph data while
    their inputs are the same: after each of a seeded series of edits (new targets and files
    move every later id), the memo's graph data equals the plain path's at the same positions
    (some moved each time, new nodes at new ones), and a link edit renders two rows afresh."""
    import networkx as nx

    import graph.cache as cache_module
    from graph.memo import Memo
    from tests.test_memo import EDITS, _corpus, _edit
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    rng = random.Random(seed)
    root = tmp_path / "in"
    slugs = _corpus(rng, root)
    memo, kept = Memo(), Memo().write
    at: dict[str, tuple[float, float]] = {}
    rendered = []
    encode = html._json
    monkeypatch.setattr(html, "_json", lambda value: rendered.append(1) or encode(value))
    for kind in ["prose", *rng.sample(EDITS, len(EDITS)), "add-link", "add-link", "retitle"]:
        _edit(rng, root, slugs, kind)
        G = build([root], tmp_path / "out", formats=["turtle"], jobs=1, memo=memo).graph
        for node in G:
            if node not in at or rng.random() < 0.1:
                at[node] = (round(rng.uniform(0, 1000), 1), round(rng.uniform(0, 1000), 1))
        positions = [at[node] for node in G]
        rendered.clear()
        kept_data = html._graph_data((G, kept, positions))
        if kind == "add-link":
            assert len(rendered) <= 2 + sum(at[node] is not before.get(node) for node in G)
        with monkeypatch.context() as m:
            m.setattr(html, "layout", lambda G, order, ids: positions)
            assert kept_data == html._graph_data(G), kind
        before = dict(at)
    # Another label order (the languages' counts changed): every row's preferred label may be another.
    H = nx.DiGraph(G)
    H.graph["label_order"] = tuple(reversed(H.graph["label_order"]))
    kept_data = html._graph_data((H, kept, positions))
    with monkeypatch.context() as m:
        m.setattr(html, "layout", lambda G, order, ids: positions)
        assert kept_data == html._graph_data(H)


