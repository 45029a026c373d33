"""Shared fixtures: paths, the shared corpora (skipped when absent), a corpus of bad input."""

from __future__ import annotations

import gc
import json
import os
import re
from pathlib import Path

import pytest

from graph.pipeline import build

HERE = Path(__file__).parent
PROJECT = HERE.parent
FIXTURES = HERE / "fixtures"
GLOSSARY = FIXTURES / "glossary" / "Texts"
SHARED = PROJECT.parent / "shared"
INVESTORSWIKI = SHARED / "corpora" / "investorswiki" / "Texts"
HUGO = SHARED / "corpora" / "hugo-docs-en" / "content" / "en"
GRAPHML_XSD = SHARED / "schemas" / "graphml" / "graphml.xsd"


def need(path: Path) -> Path:
    """Skip the test, saying why, when ../shared (not part of a user's clone) is not there."""
    if not path.exists():
        pytest.skip(f"{path} not found: the shared corpora and schemas sit beside the project "
                    "(../shared) on developer and CI machines only")
    return path


# Each entry is one kind of bad input (issue 2, point 7), as raw bytes.
BAD_FILES: dict[str, bytes] = {
    "malformed-yaml.md": b"---\ntitle: Cash flow\ndescription: the key: value trap\nkeywords: A\n---\nBody [x](/good)\n",
    "anchor-yaml.md": b"---\ntitle: HNWI\ndescription: &amp; quot; rich people\n---\nBody\n",
    "unclosed.md": b"---\ntitle: Never closed\n\n# Unclosed heading\n[a](/good)\n",
    "no-front-matter.md": b"# Plain Title\n\nSee [good](/good).\n",
    "empty.md": b"",
    "bom.md": b"\xef\xbb\xbf---\ntitle: With BOM\n---\n[b](/good)\n",
    "crlf.md": b"---\r\ntitle: Windows\r\n---\r\n\r\nline two\r\n[c](/good)\r\n",
    "invalid-utf8.md": b"---\ntitle: Latin-1 \xe9t\xe9\n---\n[d](/good)\n",
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    "python-tag.md": b"---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---\nx\n",
    "keywords-number.md": b"---\ntitle: Numbers\nkeywords: 401\n---\n",
    "keywords-null.md": b"---\ntitle: Nothing\nkeywords:\n---\n",
    "keywords-mapping.md": b"---\ntitle: Mapping\nkeywords: {a: 1}\n---\n",
    "not-mapping.md": b"---\n- just\n- a list\n---\n# Listy\n",
    "hrefs.md": (
        "---\ntitle: Hrefs\n---\n"
        "[space](/has space) [quote](/a\"b) [gt](</x>y>) [pct](/%D8%A8%D9%86%D9%83) [raw](/بنك)\n"
        "[js](javascript:alert(1)) [data](data:text/html,x) [up](../../etc/passwd) [root](/../x)\n"
    ).encode(),
    "good.md": b"---\ntitle: Good\n---\nfine\n",
    "template-slug.md": b"---\ntitle: Templated\nslug: '{{ .Name }}'\npermalink: /templated/\n---\n[g](/good)\n",
    "zz-dup.md": b"---\nslug: good\ntitle: Good again\n---\nsame slug, same language\n",
    "toml.md": b'+++\ntitle = "Toml"\nkeywords = ["t1", 1979-05-27]\naliases = ["/toml-old"]\n+++\n[t](/good)\n',
    "broken-toml.md": b'+++\ntitle = "Broken Toml"\nslug = broken toml\n+++\n[bt](/good)\n',
    "json.md": b'{\n  "title": "Json",\n  "tags": ["j1", {"a": 1}]\n}\n[j](/good)\n',
    "broken-json.md": b'{\n  "title": "Broken Json",\n  "lang": "en"\n  "slug": "bj"\n}\n[bj](/good)\n',
    "shortcode.md": b'{{< note >}}\n[s](/good)\n{{< /note >}}\n',
    "bad title.md": '---\ntitle: "Q\\"uote \\\\ back\\nnew\\x01ctl\\u0007"\n---\n'.encode(),
}


def write_files(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def written_file(result, name: str) -> Path:
    """The file called ``name`` that a build wrote (``BuildResult.written``)."""
    found = [p for p in result.written if p.name == name]
    assert found, f"the build wrote no {name}: {[p.name for p in result.written]}"
    return found[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, hidden ones too, by relative path: a build's whole output."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


_PLACE = re.compile(rb'^(,?\["(?:[^"\\\n]|\\.)*",\d+,)-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?,', re.M)


def unplaced(files: dict[str, bytes]) -> dict[str, bytes]:
    """A ``snapshot`` with the explorer's node positions taken out: under --watch graph.html keeps
    its last picture (docs/performance.md#the-explorer-in-a-rebuild), so a watch's page equals a
    cold build's but for them. Its chunk table (offsets and checksums of those bytes) and its size
    in the manifest go with them; every other byte stays."""
    found = dict(files)
    page = found.get("graph.html")
    if page is not None:
        start, end = page.index(b'{"nodes":[\n'), page.index(b'],"links":[')
        rows, n = _PLACE.subn(rb"\1", page[start:end])
        assert n == page[start:end].count(b"\n") - 1, "a node row without a position"
        found["graph.html"] = page[:start] + rows + page[end:]
        found.pop(".linkgraph/graph.html.chunks", None)
        found[".linkgraph/manifest.json"] = re.sub(rb'"graph\.html": \d+', b'"graph.html": 0',
                                                   found[".linkgraph/manifest.json"])
    return found


def read_links(result) -> list[dict]:
    """The per-link audit a build wrote (links.jsonl), each line parsed on its own."""
    with written_file(result, "links.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def assert_same_files(*results) -> None:
    """Builds wrote the same file names with the same bytes."""
    first, *others = results
    for other in others:
        assert [p.name for p in other.written] == [p.name for p in first.written]
        for a, b in zip(first.written, other.written):
            assert a.read_bytes() == b.read_bytes(), a.name


# Links whose edges carry every kind of anchor text a writer's fast path must render as its
# generic path does: none, markup characters, quotes, several per edge, Arabic.
ODD_ANCHORS: dict[str, bytes] = {
    "a.md": ("---\ntitle: A\nkeywords: k1, <k2>\n---\n[](/b) [x & y](/b) [\\<tag\\> \"q\"](/c) [سوق](/d)\n"
             "<a href='/e'>a &amp; b</a> [](/e) [a | b](/f) [=SUM(1)](/g) [-x](/g)\n").encode(),
    "b.md": b"---\ntitle: B\n---\n[back](/a) [again](/a)\n",
    "c.md": b"---\ntitle: C & co\ntags: [t]\n---\nno links\n",
}


def odd_anchor_graph(root: Path):
    """The graph of ODD_ANCHORS, with related pairs (as ``build --related`` adds them)."""
    from graph.build import build_graph
    from graph.reader import read_corpus
    from graph.resolve import resolve

    G = build_graph(resolve(read_corpus([write_files(root, ODD_ANCHORS)])))
    G.graph["related"] = {"a": [("c", 0.5), ("b", 0.25)], "b": [("a", 1.0)]}
    return G


def rendered_both_ways(module, G, monkeypatch) -> str:
    """The graph file of exporter ``module`` (GraphML, GEXF), rendered with its writer's own
    edge_run and with the generic one; asserts they are the same text and returns it."""
    from graph.exporters import ExportOptions
    from graph.numbered import IdLines
    from graph.splice import render

    fast = "".join(render(module.pieces(G, ExportOptions("https://example.org/"))))
    monkeypatch.setattr(module._Writer, "edge_run", IdLines.edge_run)
    assert fast == "".join(render(module.pieces(G, ExportOptions("https://example.org/"))))
    return fast


@pytest.fixture
def bad_corpus(tmp_path: Path) -> Path:
    return write_files(tmp_path / "bad", BAD_FILES)


@pytest.fixture(scope="session")
def glossary_build(tmp_path_factory):
    return build([GLOSSARY], tmp_path_factory.mktemp("glossary"), base_iri="https://example.org/terms/")


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory):
    """Builds run by tests (also in subprocesses) keep their parse cache out of ~/.cache."""
    from graph.cache import CACHE_ENV
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("parse-cache"))


@pytest.fixture(autouse=True)
def _unfrozen():
    """A watch's build freezes what is alive for the collector (graph.pipeline._no_cyclic_gc):
    after each test, the test process's objects are the collector's again."""
    yield
    gc.unfreeze()


@pytest.fixture
def upgrade(monkeypatch):
    """``upgrade(*modules)``: from then on the source of these modules reads as changed to
    ``graph.code_digest``, as after an upgrade of linkgraph (the files themselves are not touched)."""
    import graph.code_digest as code

    changed: set[str] = set()
    read = code._source
    monkeypatch.setattr(code, "_source", lambda name: read(name) + b"\n# upgraded\n" * (name in changed))

    def upgrade(*modules: str) -> None:
        changed.update(modules)
        code.code_digest.cache_clear()

    code.code_digest.cache_clear()
    yield upgrade
    code.code_digest.cache_clear()  # no digest of the changed source outlives the test
