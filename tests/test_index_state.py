"""A one-shot rebuild whose index stage would read what the previous build's read reads that
build's related index back instead of computing it (``graph.index_state``); every other rebuild,
and every damaged or foreign state, runs the stage, and the bytes are a cold build's either way."""

import shutil

import pytest

import graph.pipeline as pipeline
import graph.textindex as textindex
from graph.index_state import INDEX_STATE
from graph.memo import Memo
from graph.related_index import INDEX_VERSION
from graph.pipeline import build
from tests.conftest import snapshot, unplaced
from tests.test_incremental import BASE, CASES, edit, write_files


@pytest.fixture
def corpus(tmp_path):
    return write_files(tmp_path / "in", {k: v.encode() for k, v in BASE.items()})


@pytest.fixture
def runs(monkeypatch):
    """How many times the index stage ran."""
    ran = []
    index = pipeline._index
    monkeypatch.setattr(pipeline, "_index", lambda *a, **k: ran.append(1) or index(*a, **k))
    return ran


def rebuild(tmp_path, corpus, change, **options):
    """Build, ``change``, rebuild into the same folder; the rebuild's result once its bytes are
    checked against a cold ``--no-cache`` build of the changed input."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build([corpus], out, cache_dir=cache, **options)
    change(corpus)
    warm = build([corpus], out, cache_dir=cache, **options)
    build([corpus], tmp_path / "cold", cache_dir=None, **options)
    assert snapshot(out) == snapshot(tmp_path / "cold")
    return warm


@pytest.mark.parametrize("options", [{}, {"related": 3}, {"formats": ["related", "html"]}],
                         ids=["default", "related", "explorer"])
def test_an_unchanged_input_reads_the_index_back(tmp_path, corpus, runs, options):
    warm = rebuild(tmp_path, corpus, CASES["touch-only"], **options)
    assert len(runs) == 2  # the first build and the cold one
    assert warm.warnings == () and warm.model is not None


def test_prose_past_the_indexed_lead_reads_the_index_back(tmp_path, corpus, runs, monkeypatch):
    monkeypatch.setattr(textindex, "BODY_CHARS", 12)
    rebuild(tmp_path, corpus, edit("ar/broker.md", "و[المستشار](/adviser).", "و[المستشار](/adviser). نص"))
    assert len(runs) == 2


@pytest.mark.parametrize("case", [c for c in CASES if c != "touch-only"])
def test_a_change_the_index_reads_runs_it(tmp_path, corpus, runs, case):
    warm = rebuild(tmp_path, corpus, CASES[case])
    assert len(runs) == 3 and warm.warnings == ()


def test_other_options_run_it(tmp_path, corpus, runs):
    out, cache = tmp_path / "out", tmp_path / "cache"
    build([corpus], out, cache_dir=cache)
    build([corpus], out, cache_dir=cache, default_lang="en")
    build([corpus], tmp_path / "cold", cache_dir=None, default_lang="en")
    assert snapshot(out) == snapshot(tmp_path / "cold") and len(runs) == 3


def test_without_the_index_file_there_is_no_state_and_the_stage_runs(tmp_path, corpus, runs):
    out, cache = tmp_path / "out", tmp_path / "cache"
    for _ in range(2):
        build([corpus], out, cache_dir=cache, formats=["html"])
    assert not (out / ".linkgraph" / INDEX_STATE).exists() and len(runs) == 2


def test_an_index_too_large_to_read_back_leaves_no_state_and_the_build_goes_on(tmp_path, corpus, runs, monkeypatch):
    read = pipeline.read_state_file

    def bounded(path):
        if path.name == pipeline.INDEX_FILE:
            raise ValueError("larger than MAX_STATE_BYTES")
        return read(path)
    monkeypatch.setattr(pipeline, "read_state_file", bounded)
    warm = rebuild(tmp_path, corpus, CASES["touch-only"])
    assert not (tmp_path / "out" / ".linkgraph" / INDEX_STATE).exists()
    assert len(runs) == 3 and warm.warnings == ()


@pytest.mark.parametrize("damage, warned", [
    ("garbage", True), ("truncated", True), ("foreign", True), ("other-inputs", False),
    ("index-edited", False), ("index-edited-same-size", False), ("index-truncated", False), ("gone", False),
])
def test_a_damaged_foreign_or_stale_state_runs_the_stage(tmp_path, corpus, runs, damage, warned):
    def spoil(root):
        state = tmp_path / "out" / ".linkgraph" / INDEX_STATE
        index = tmp_path / "out" / "related-index.json"
        text = state.read_bytes()
        if damage == "garbage":
            state.write_bytes(b"\x00\xff{not json")
        elif damage == "truncated":
            state.write_bytes(text[:len(text) // 2])
        elif damage == "foreign":
            state.write_bytes(b'{"version": 1, "inputs": 7}')
        elif damage == "other-inputs":
            state.write_bytes(text.replace(b'"inputs": "', b'"inputs": "0'))
        elif damage == "index-edited":
            version = f'"index_version":{INDEX_VERSION}'.encode()
            index.write_bytes(index.read_bytes().replace(version, version + b',"x":1', 1))
        elif damage == "index-edited-same-size":
            data = index.read_bytes()
            at = data.index(b'"labels"') + 20
            index.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
        elif damage == "index-truncated":
            index.write_bytes(index.read_bytes()[:100])
        else:
            state.unlink()

    warm = rebuild(tmp_path, corpus, spoil)
    assert len(runs) == 3
    assert any(f"{INDEX_STATE} is damaged or not linkgraph's" in w for w in warm.warnings) == warned


# The fit's modules count here alone: the related model is read back with the index.
@pytest.mark.parametrize("module", ["graph.related_fit", "graph.related", "graph.related_index", "graph.textindex",
                                    "graph.mentions", "graph.code_names", "graph.pipeline"])
def test_other_index_code_runs_it(tmp_path, corpus, runs, upgrade, module):
    rebuild(tmp_path, corpus, lambda root: upgrade(module))
    assert len(runs) == 3


@pytest.mark.parametrize("library", ["numpy", "pyromark"])
def test_another_version_of_a_library_it_calls_runs_it(tmp_path, corpus, runs, monkeypatch, library):
    module = pytest.importorskip(library)
    rebuild(tmp_path, corpus, lambda root: monkeypatch.setattr(module, "__version__", "0.0.1", raising=False))
    assert len(runs) == 3


def test_the_state_is_the_same_bytes_for_the_same_input(tmp_path, corpus):
    for name in ("a", "b"):
        build([corpus], tmp_path / name, cache_dir=None)
    state = [(tmp_path / name / ".linkgraph" / INDEX_STATE).read_bytes() for name in ("a", "b")]
    assert state[0] == state[1]


@pytest.mark.parametrize("change", ["edge", "attribute"])
def test_a_graph_made_otherwise_from_the_same_articles_runs_it(tmp_path, corpus, runs, monkeypatch, change):
    # The graph is digested itself, not only the articles it is made from: other graph code counts.
    make = pipeline.build_graph

    def other(resolution, *args):
        G = make(resolution, *args)
        if change == "edge":
            G.remove_edge(*next((u, v) for u, v, kind in G.edges(data="kind") if kind == "links_to"))
        else:
            G.nodes["broker"]["description"] = {"ar": "غير ذلك"}
        return G

    rebuild(tmp_path, corpus, lambda root: monkeypatch.setattr(pipeline, "build_graph", other))
    assert len(runs) == 3


# Under a memo (--watch) the index stage is skipped the same way: the last build's index is kept
# in memory with the digest of what its stage read.

PROSE = edit("ar/broker.md", "و[المستشار](/adviser).", "و[المستشار](/adviser). نص")


def memo_rebuilds(tmp_path, corpus, changes, **options):
    """Build under one memo, then after each change rebuild under it; each rebuild's bytes are
    checked against a cold ``--no-cache`` build of the changed input."""
    out, cache, memo = tmp_path / "out", tmp_path / "cache", Memo()
    build([corpus], out, cache_dir=cache, memo=memo, **options)
    for change in changes:
        change(corpus)
        build([corpus], out, cache_dir=cache, memo=memo, **options)
        build([corpus], tmp_path / "cold", cache_dir=None, **options)
        assert unplaced(snapshot(out)) == unplaced(snapshot(tmp_path / "cold"))
        shutil.rmtree(tmp_path / "cold")
    return memo


@pytest.mark.parametrize("options", [{}, {"related": 3}, {"formats": ["related", "html"]}],
                         ids=["default", "related", "explorer"])
def test_under_a_memo_an_edit_the_index_does_not_read_keeps_its_index(tmp_path, corpus, runs, monkeypatch, options):
    monkeypatch.setattr(textindex, "BODY_CHARS", 12)
    memo_rebuilds(tmp_path, corpus, [CASES["touch-only"], PROSE], **options)
    assert len(runs) == 1 + 2  # the first build, and the two cold ones


@pytest.mark.parametrize("case", [c for c in CASES if c != "touch-only"])
def test_under_a_memo_a_change_the_index_reads_runs_it_also_after_a_kept_index(tmp_path, corpus, runs, monkeypatch,
                                                                                case):
    # The kept index is a build back: what the stage keeps in the memo must still describe it.
    monkeypatch.setattr(textindex, "BODY_CHARS", 12)
    memo_rebuilds(tmp_path, corpus, [PROSE, CASES[case]])
    assert len(runs) == 1 + 1 + 2  # the first build, the change, and the two cold ones


def test_under_a_memo_the_index_of_other_inputs_is_not_kept(tmp_path, corpus, runs):
    # Back to the first build's input: the memo holds the second build's index, not the first's.
    add_link = CASES["add-link"]
    undo = edit("ar/bank.md", "[فينرا](/finra) [السوق](/market)", "[فينرا](/finra)")
    memo = memo_rebuilds(tmp_path, corpus, [add_link, undo])
    assert len(runs) == 3 + 2 and memo.index[1] is not None
