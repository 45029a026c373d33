"""The HTML explorer file: self-contained, complete, safe and deterministic (no browser here;
tests/test_html_browser.py drives it in Chromium)."""

import json
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
    "  spaced\tout\n", "snake_case-slug", "Asset Management (AM)", "",
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


def test_a_watch_keeps_its_layout_while_the_edge_list_is_the_same(tmp_path, monkeypatch):
    """Under a watch's memo the layout is made again only when the node count or the edge list
    changed: a new title keeps it, a new link between two articles (same nodes) does not. Each
    page is the bytes of a cold build of the same files."""
    import igraph
    from graph.memo import Memo
    made = []
    fr = igraph.Graph.layout_fruchterman_reingold
    monkeypatch.setattr(igraph.Graph, "layout_fruchterman_reingold", lambda g, *a, **k: made.append(1) or fr(g, *a, **k))
    corpus = tmp_path / "in"
    shutil.copytree(EXPLORER, corpus)
    memo, out = Memo(), tmp_path / "out"
    broker = corpus / "Arabic" / "broker.md"

    def rebuilt_as_cold(n: int) -> None:
        made.clear()
        page = page_text(build([corpus], out, formats=["html"], jobs=1, memo=memo))
        layouts = len(made)
        cold = build([corpus], tmp_path / f"cold{len(list(tmp_path.iterdir()))}", formats=["html"], jobs=1)
        assert page == page_text(cold)
        assert layouts == n

    rebuilt_as_cold(1)
    broker.write_text(broker.read_text(encoding="utf-8").replace("title:", "title: Renamed", 1), encoding="utf-8")
    rebuilt_as_cold(0)  # same nodes, same edges: the layout is the last one
    text = broker.read_text(encoding="utf-8")
    assert "(/hedge-fund)" not in text
    broker.write_text(text + "\nSee [a fund](/hedge-fund).\n", encoding="utf-8")
    rebuilt_as_cold(1)  # same nodes, one edge more
    rebuilt_as_cold(0)
