"""A rebuild (earlier outputs in the folder, the parse cache warm) gives exactly the bytes of a
cold ``--no-cache`` build of the same input into an empty folder, whatever changed: every case
of issue 11, point 1."""


import os

import pytest

import graph.numbered as numbered
import graph.pipeline as pipeline
import graph.splice as splice
from graph.pipeline import build
from tests.conftest import snapshot, unplaced, write_files

BASE = {
    "ar/finra.md": "---\ntitle: فينرا\nkeywords: تنظيم, وسطاء\n---\nهيئة [الوسطاء](/broker) و[السوق](/market).\n",
    "ar/broker.md": "---\ntitle: وسيط\ndescription: من ينفذ الأوامر\n---\nيخضع لـ [فينرا](/finra) و[المستشار](/adviser).\n",
    "en/finra.md": "---\ntitle: FINRA\nlang: en\n---\nRegulates [brokers](/broker) and [advisers](/adviser).\n",
    "ar/bank.md": "---\ntitle: بنك\naliases: [banks]\nkeywords: [مال]\n---\nيقرض [الوسطاء](/broker). [فينرا](/finra)\n",
}



@pytest.fixture
def corpus(tmp_path):
    return write_files(tmp_path / "in", {k: v.encode() for k, v in BASE.items()})


def rebuild_equals_cold(tmp_path, corpus, change, **options):
    """Build, apply ``change``, rebuild through the cache into the same folder; compare with a
    cold build of the changed input into a new folder."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    before = options.pop("before", {})
    build([corpus], out, cache_dir=cache, **before)
    change(corpus)
    warm = build([corpus], out, cache_dir=cache, **options)
    cold = build([corpus], tmp_path / "cold", cache_dir=None, **options)
    assert snapshot(out) == snapshot(tmp_path / "cold")
    return warm, cold


def edit(rel, old, new):
    def change(root):
        path = root / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return change


CASES = {
    "edit-body": edit("ar/broker.md", "يخضع", "يخضع دائما"),
    "add-link": edit("ar/bank.md", "[فينرا](/finra)", "[فينرا](/finra) [السوق](/market)"),
    "add-file-for-missing-target": lambda root: write_files(root, {"ar/adviser.md": "---\ntitle: مستشار\n---\nx\n".encode()}),
    "delete-file": lambda root: (root / "ar/broker.md").unlink(),
    "rename-file": lambda root: (root / "ar/bank.md").rename(root / "ar/banking.md"),
    "change-title": edit("ar/broker.md", "title: وسيط", "title: وسيط مالي"),
    "change-anchor-text-of-missing-target": edit("ar/finra.md", "[السوق](/market)", "[الأسواق](/market)"),
    "change-keywords": edit("ar/finra.md", "keywords: تنظيم, وسطاء", "keywords: تنظيم, أسواق"),
    "change-aliases": edit("ar/bank.md", "aliases: [banks]", "aliases: [banks, lender]"),
    "remove-language-twin": lambda root: (root / "en/finra.md").unlink(),
    "add-language-twin": lambda root: write_files(root, {"en/broker.md": b"---\ntitle: Broker\nlang: en\n---\n[FINRA](/finra)\n"}),
    "change-language": edit("en/finra.md", "lang: en", "lang: fr"),
    "touch-only": lambda root: (root / "ar/bank.md").touch(),
    "alias-conflict-appears": edit("ar/broker.md", "title: وسيط\n", "title: وسيط\naliases: [banks, finra]\n"),
    "name-in-code": edit("en/finra.md", "Regulates", "`bank` regulates"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_change_rebuilds_to_the_cold_bytes(tmp_path, corpus, case):
    warm, cold = rebuild_equals_cold(tmp_path, corpus, CASES[case])
    assert warm.warnings == ()
    # the rebuild did splice (the CSV's columns change with the label languages: then it is rendered whole)
    assert warm.spliced["graph.nt"][1] > 0
    for name, done in warm.spliced.items():
        assert sum(done) == sum(cold.spliced[name]) and cold.spliced[name][0] == sum(done), name


NODES = 8  # of BASE: 3 articles, 2 missing targets, 3 keywords


@pytest.mark.parametrize("case, rendered", [
    ("touch-only", 0), ("edit-body", 0),  # the body is not in these files (only in the related index)
    ("change-title", 1),  # the one node
    ("change-aliases", 1),
    ("add-link", 2),  # bank, which links, and market, which gains an in-link
])
def test_a_rebuild_renders_only_the_pieces_whose_inputs_changed(tmp_path, corpus, case, rendered):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, CASES[case])
    assert warm.spliced["nodes.csv"] == (rendered, NODES - rendered, 0, 0)
    assert warm.spliced["graph.nt"] == (rendered, NODES - rendered, 0, 0)


@pytest.mark.parametrize("case, rendered", [
    ("touch-only", 0), ("edit-body", 0), ("change-title", 0),  # no link of any file changed
    ("add-link", 1),  # bank's lines
    ("add-file-for-missing-target", 2),  # the two articles linking /adviser: missing -> resolved
    ("delete-file", 3),  # both finras and bank link the broker (gone, its own lines with it)
])
def test_the_link_audit_renders_only_the_lines_of_articles_whose_links_changed(tmp_path, corpus, case, rendered):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, CASES[case])
    done = warm.spliced["links.jsonl"]
    assert done.rendered == rendered and done.copied == sum(done) - rendered


LONG = {"ar/long.md": ("---\ntitle: طويل\n---\n[فينرا](/finra) " + "كلام " * 1000 + "\nآخر سطر.\n").encode()}


@pytest.mark.parametrize("case, rendered", [
    ("touch-only", 0),  # the page is the previous one
    ("edit-far-in-a-body", 0),  # past the indexed start of a body: neither the graph nor the index changed
    ("edit-body", 1),  # the start of a body is indexed: its related terms are ranked again, not laid out
    ("add-link", 2),
])
def test_the_explorer_lays_out_and_ranks_only_when_its_inputs_changed(tmp_path, corpus, case, rendered):
    write_files(corpus, LONG)
    change = edit("ar/long.md", "آخر سطر", "آخر سطرين") if case == "edit-far-in-a-body" else CASES[case]
    warm, _ = rebuild_equals_cold(tmp_path, corpus, change)
    assert warm.spliced["graph.html"] == (rendered, 2 - rendered, 0, 0)


@pytest.mark.parametrize("case", ["touch-only", "edit-far-in-a-body", "add-link"])
def test_the_related_index_rewrites_only_the_fields_that_changed(tmp_path, corpus, case):
    write_files(corpus, LONG)
    change = edit("ar/long.md", "آخر سطر", "آخر سطرين") if case == "edit-far-in-a-body" else CASES[case]
    out = tmp_path / "out"
    build([corpus], out, cache_dir=tmp_path / "cache")
    inode = (out / "related-index.json").stat().st_ino
    change(corpus)
    warm = build([corpus], out, cache_dir=tmp_path / "cache")
    build([corpus], tmp_path / "cold", cache_dir=None)
    assert snapshot(out) == snapshot(tmp_path / "cold")
    done = warm.spliced["related-index.json"]
    if case == "add-link":  # the links change; the keys, kinds, labels and names do not
        assert done.rendered > 0 and done.copied >= 4
    else:  # the previous file, linked whole
        assert done.rendered == 0 and (out / "related-index.json").stat().st_ino == inode


@pytest.mark.parametrize("name", ["graph.graphml", "graph.gexf"])
def test_pieces_whose_ids_moved_are_renumbered_not_rendered(tmp_path, corpus, name):
    # "aaa" sorts first: every node id after it moves by one, and so does every edge id after its edge
    add = lambda root: write_files(root, {"ar/aaa.md": "---\ntitle: أ\n---\n[السوق](/market)\n".encode()})
    warm, _ = rebuild_equals_cold(tmp_path, corpus, add)
    rendered, copied, renumbered, _ = warm.spliced[name]
    # rendered: the new node, its edge, market (one more in-link); none copied as it was
    assert (rendered, copied) == (3, 0) and renumbered == sum(warm.spliced[name]) - 3
    warm, _ = rebuild_equals_cold(tmp_path, corpus, CASES["change-title"])
    assert warm.spliced[name][2] == 0  # nothing moved: copied as it was


@pytest.mark.parametrize("name", ["graph.graphml", "graph.gexf"])
def test_a_node_inserted_late_rewrites_only_the_id_lines_that_changed(tmp_path, corpus, name, monkeypatch):
    # "zzz" sorts after every concept: the keywords move, no article does, so each piece with an
    # edge to a keyword has those id lines rewritten in place, and none is renumbered whole
    link = edit("ar/bank.md", "[فينرا](/finra)", "[فينرا](/finra) [زد](/zzz)")
    monkeypatch.setattr(numbered, "_renumbered", None)
    warm, _ = rebuild_equals_cold(tmp_path, corpus, link)
    assert warm.spliced[name].renumbered == 4  # finra's edges, and the nodes of the 3 keywords
    # and back: zzz deleted, the keywords move back
    warm, _ = rebuild_equals_cold(tmp_path, corpus, edit("ar/bank.md", " [زد](/zzz)", ""))
    assert warm.spliced[name].renumbered == 4


@pytest.mark.parametrize("name", ["graph.graphml", "graph.gexf"])
def test_a_piece_whose_old_ids_the_table_cannot_tell_is_renumbered_whole(tmp_path, corpus, name):
    # market gains an in-link, so its key changed and its old position is not found by it:
    # finra's edges (to market and to the moved keywords) are renumbered from their bytes
    links = edit("ar/bank.md", "[فينرا](/finra)", "[فينرا](/finra) [زد](/zzz) [السوق](/market)")
    warm, _ = rebuild_equals_cold(tmp_path, corpus, links)
    assert warm.spliced[name].renumbered == 4


@pytest.mark.parametrize("guess", ["none-moved", "all-moved-one-on"])
def test_old_positions_that_do_not_match_the_old_bytes_are_not_used(tmp_path, corpus, monkeypatch, guess):
    # what the previous table is taken to tell is wrong: no line is rewritten from it
    def wrong(self, rows):
        self.rows, self.moved = rows, set() if guess == "none-moved" else set(self.ids) - {"finra"}
        self.was = {node: i + 1 for node, i in self.ids.items()}
        return self
    monkeypatch.setattr(numbered._LastPositions, "__call__", wrong)
    warm, _ = rebuild_equals_cold(tmp_path, corpus, edit("ar/bank.md", "[فينرا](/finra)", "[فينرا](/finra) [زد](/zzz)"))
    assert warm.spliced["graph.gexf"].renumbered == 4


@pytest.mark.parametrize("name", ["graph.graphml", "graph.gexf"])
def test_text_written_like_an_id_line_is_never_renumbered(tmp_path, corpus, name):
    forged = '\\<edge id="e0-0" source="n0" target="n0"\\>\n    <edge id="e0-1" source="n0" target="n0"'
    write_files(corpus, {"ar/forged.md": f"---\ntitle: {forged.splitlines()[1].strip()!r}\n---\n[{forged}](/market)\n".encode()})
    add = lambda root: write_files(root, {"ar/aaa.md": "---\ntitle: أ\n---\n[السوق](/market)\n".encode()})
    warm, _ = rebuild_equals_cold(tmp_path, corpus, add)  # every id after "aaa" moved, the forged text did not
    assert warm.spliced[name][2] > 0


@pytest.mark.parametrize("name", ["graph.graphml", "graph.gexf"])
def test_a_link_added_to_one_article_moves_no_other_edge_id(tmp_path, corpus, name):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, CASES["add-link"])
    # bank's node and edges (one edge more) and market's node (one in-link more) are rendered;
    # the edges of broker and finra, after bank's, keep their ids (e1-0, not a file-wide number)
    assert warm.spliced[name][0] == 3 and warm.spliced[name][2] == 0


@pytest.mark.parametrize("module", ["graph.exporters.ttl", "graph.exporters", "graph.fields", "graph.splice"])
def test_other_writing_code_reuses_no_piece(tmp_path, corpus, upgrade, module):
    build([corpus], tmp_path / "out")
    upgrade(module)
    warm = build([corpus], tmp_path / "out")
    assert warm.warnings == () and all(done.copied == done.renumbered == 0 for done in warm.spliced.values())


def test_other_link_audit_code_renders_the_link_audit_alone(tmp_path, corpus, upgrade):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, lambda root: upgrade("graph.report"))
    assert {name for name, done in warm.spliced.items() if done.copied == 0} == {"links.jsonl"}


@pytest.mark.parametrize("module", ["graph.normalize", "graph.related", "graph.related_index", "graph.textindex"])
def test_other_ranking_code_ranks_the_explorer_s_related_terms_again(tmp_path, corpus, upgrade, module):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, lambda root: upgrade(module))
    assert warm.spliced["graph.html"] == (1, 1, 0, 0)  # not laid out again


def table_files(out):
    return sorted((out / ".linkgraph").glob("*.chunks"))


def test_a_damaged_chunk_table_is_a_warning_and_its_file_is_rendered_whole(tmp_path, corpus):
    def spoil(root):
        tables = table_files(tmp_path / "out")
        assert [t.name for t in tables] == ["edges.csv.chunks", "graph.gexf.chunks", "graph.graphml.chunks",
                                             "graph.html.chunks", "graph.jsonld.chunks", "graph.nt.chunks",
                                             "graph.ttl.chunks", "links.jsonl.chunks", "nodes.csv.chunks",
                                             "related-index.json.chunks"]
        data = bytearray(tables[5].read_bytes())
        data[-3] ^= 0xFF  # one flipped byte: the checksum no longer matches
        tables[5].write_bytes(bytes(data))
        tables[6].write_bytes(b"LGchunk1" + b"\0" * 5)  # cut short
        CASES["change-title"](root)
    warm, _ = rebuild_equals_cold(tmp_path, corpus, spoil)
    assert len(warm.warnings) == 2 and all("is damaged or not linkgraph's" in w for w in warm.warnings)
    assert "graph.ttl.chunks" in warm.warnings[0] and "graph.nt.chunks" in warm.warnings[1]
    assert warm.spliced["graph.nt"] == warm.spliced["graph.ttl"] == (NODES, 0, 0, 0)
    assert warm.spliced["nodes.csv"] == (1, NODES - 1, 0, 0)


def test_a_piece_changed_since_its_table_was_written_is_rendered_again(tmp_path, corpus):
    # the same size: something rewrote the last triple of graph.nt in place (an editor, a sync tool)
    def rewrite(root):
        nt = tmp_path / "out" / "graph.nt"
        data = nt.read_bytes()
        at = data.rindex(b"<")
        nt.write_bytes(data[:at] + b"{" + data[at + 1:])
    warm, _ = rebuild_equals_cold(tmp_path, corpus, rewrite)
    assert warm.spliced["graph.nt"] == (1, NODES - 1, 0, 1)
    assert [w for w in warm.warnings if "changed since the last build" in w] == [
        f"{tmp_path / 'out' / 'graph.nt'} changed since the last build (1 of its pieces no longer matched "
        "their checksums): they were rendered again"]


def test_a_changed_option_renders_the_files_it_reaches_and_splices_the_others(tmp_path, corpus):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, lambda root: None, before={"base_iri": "https://a.example/"},
                                  base_iri="https://b.example/")
    assert warm.warnings == ()
    assert warm.spliced["graph.nt"] == warm.spliced["graph.ttl"] == warm.spliced["graph.jsonld"] == (NODES, 0, 0, 0)
    assert warm.spliced["nodes.csv"] == (0, NODES, 0, 0)  # no IRIs in the CSV


@pytest.mark.parametrize("options", [
    {"before": {"base_iri": "https://a.example/"}, "base_iri": "https://b.example/t#"},
    {"before": {}, "default_lang": "ar"},
    {"before": {"default_lang": "ar"}, "default_lang": "en"},
    {"before": {}, "related": 2},
    {"before": {"related": 2}},
    {"before": {}, "formats": ["turtle", "csv"]},
    {"before": {"formats": ["turtle"]}, "formats": ["graphml", "html"]},
], ids=["base-iri", "default-lang", "other-default-lang", "related", "related-off", "fewer-formats", "other-formats"])
def test_changed_options_rebuild_to_the_cold_bytes(tmp_path, corpus, options):
    rebuild_equals_cold(tmp_path, corpus, lambda root: None, **options)


@pytest.mark.parametrize("damage", ["garbage", "foreign-folder", "a-file", "stale-sizes"])
def test_a_damaged_or_foreign_state_folder_is_a_warning_and_a_full_build(tmp_path, corpus, damage):
    def spoil(root):
        state = tmp_path / "out" / ".linkgraph"
        if damage == "garbage":
            (state / "manifest.json").write_bytes(b"\x00\xff{not json")
        elif damage == "foreign-folder":
            (state / "manifest.json").unlink()
            write_files(state, {"index.db": b"someone else's", "sub/x": b"y"})
        elif damage == "a-file":
            for p in sorted(state.rglob("*"), reverse=True):
                p.unlink()
            state.rmdir()
            state.write_text("not a folder")
        else:
            (tmp_path / "out" / "graph.ttl").write_text("edited by hand")
    warm, _ = rebuild_equals_cold(tmp_path, corpus, spoil)
    assert any(".linkgraph is damaged or not linkgraph's" in w for w in warm.warnings)


@pytest.mark.parametrize("case, fits", [
    ("touch-only", 2),  # the first build and the cold one: the rebuild keeps the stored model
    ("edit-body", 3),  # the start of a body is in the text index, which the fit reads
    ("add-link", 3),
    ("damaged-model", 2),  # the index stage's inputs are unchanged: its index (model included) is read back
    ("other-fit-code", 3),
])
def test_a_rebuild_keeps_the_stored_model_only_when_fitted_to_the_same_inputs_by_the_same_code(
        tmp_path, corpus, monkeypatch, upgrade, case, fits):
    import graph.related_fit as related_fit

    fitted = []
    fit = related_fit.fit_model
    monkeypatch.setattr(related_fit, "fit_model", lambda *a, **k: fitted.append(1) or fit(*a, **k))

    def change(root):
        if case == "damaged-model":
            (tmp_path / "out" / ".linkgraph" / pipeline.MODEL_STATE).write_bytes(b'{"code": 1, "model": [')
        elif case == "other-fit-code":
            upgrade("graph.related_fit")
        else:
            CASES[case](root)

    warm, _ = rebuild_equals_cold(tmp_path, corpus, change)
    assert len(fitted) == fits
    damaged = [w for w in warm.warnings if "related-model.json is damaged" in w]
    assert len(damaged) == (case == "damaged-model")


def test_an_intact_state_gives_no_warning(tmp_path, corpus):
    warm, _ = rebuild_equals_cold(tmp_path, corpus, CASES["edit-body"])
    assert warm.warnings == ()


def test_the_default_set_leaves_the_explorer_out_above_the_limit_unless_asked(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(pipeline, "EXPLORER_MAX_NODES", 3)
    default = build([corpus], tmp_path / "default")
    assert default.skipped == ("html",) and "graph.html" not in {p.name for p in default.written}
    asked = build([corpus], tmp_path / "asked", formats=["turtle", "html"])
    assert asked.skipped == () and "graph.html" in {p.name for p in asked.written}
    monkeypatch.setattr(pipeline, "EXPLORER_MAX_NODES", 10_000)
    assert build([corpus], tmp_path / "small").skipped == ()


def inodes(out):
    return {p.name: p.stat().st_ino for p in out.iterdir() if p.is_file()}


@pytest.fixture
def no_clones(monkeypatch):
    """A file system without copy-on-write clones (ext4, tmpfs): an unchanged file is hard-linked."""
    monkeypatch.setattr(splice, "_FICLONE", 0)  # an ioctl every file refuses


def test_a_file_whose_every_piece_is_unchanged_is_the_previous_file_linked(tmp_path, corpus, no_clones):
    out = tmp_path / "out"
    build([corpus], out, cache_dir=tmp_path / "cache")
    before = inodes(out)
    CASES["change-title"](corpus)
    build([corpus], out, cache_dir=tmp_path / "cache")
    build([corpus], tmp_path / "cold")
    assert snapshot(out) == snapshot(tmp_path / "cold")
    after = inodes(out)
    linked = {name for name in after if after[name] == before.get(name)}
    assert linked == {"links.jsonl"}  # a title is in every graph file, not in the link audit
    build([corpus], out, cache_dir=tmp_path / "cache")
    again = inodes(out)
    assert {name for name in again if again[name] == after[name]} == {
        "edges.csv", "graph.gexf", "graph.graphml", "graph.html", "graph.jsonld", "graph.nt", "graph.ttl",
        "links.jsonl", "nodes.csv", "related-index.json"}
    assert snapshot(out) == snapshot(tmp_path / "cold")


@pytest.mark.parametrize("times_kept", [False, True])
def test_a_linked_file_changed_during_the_build_is_written_again(tmp_path, corpus, no_clones, monkeypatch,
                                                                 times_kept):
    out = tmp_path / "out"
    build([corpus], out)
    write_all = pipeline._write_all

    def edit_after_writing(tasks, jobs):
        done = write_all(tasks, jobs)
        before = (out / "graph.nt").stat()
        with open(out / "graph.nt", "r+b") as f:  # in place, the same size: the linked copy changes too
            data = f.read()
            f.seek(data.rindex(b"<"))
            f.write(b"{")
        if times_kept:  # only the change time tells
            os.utime(out / "graph.nt", ns=(before.st_atime_ns, before.st_mtime_ns))
        return done

    monkeypatch.setattr(pipeline, "_write_all", edit_after_writing)
    warm = build([corpus], out)
    monkeypatch.setattr(pipeline, "_write_all", write_all)
    build([corpus], tmp_path / "cold")
    assert snapshot(out) == snapshot(tmp_path / "cold")
    assert warm.spliced["graph.nt"] == (NODES, 0, 0, 0) and warm.spliced["graph.ttl"] == (0, NODES, 0, 0)


def test_dropping_the_previous_files_pages_behind_the_pieces_read_changes_no_byte(tmp_path, corpus, monkeypatch):
    released = []
    monkeypatch.setattr(splice, "_RELEASE", 0)  # drop every page behind each piece copied
    release = splice._Release.__call__
    monkeypatch.setattr(splice._Release, "__call__", lambda self, offset: release(self, offset) or released.append(self.done))
    warm, _ = rebuild_equals_cold(tmp_path, corpus, CASES["change-title"])
    assert max(released) > 0 and warm.spliced["graph.gexf"].copied > 0


@pytest.mark.parametrize("name", ["manifest.json", "graph.ttl.chunks", pipeline.MODEL_STATE])
def test_a_fifo_in_the_state_folder_is_damage_not_a_hang(tmp_path, corpus, name):
    import os
    import threading

    def plant(root):
        path = tmp_path / "out" / ".linkgraph" / name
        path.unlink()
        os.mkfifo(path)  # no writer: a plain open() for reading would wait for one forever

    done: list = []
    worker = threading.Thread(target=lambda: done.append(rebuild_equals_cold(tmp_path, corpus, plant)), daemon=True)
    worker.start()
    worker.join(60)
    assert done, "the rebuild hung or failed on a FIFO in the state folder"
    assert done[0][0].warnings  # said, not silent


CONFLICT = {"ar/broker.md": "---\ntitle: وسيط\naliases: [banks, finra]\n---\nيخضع لـ [فينرا](/finra) و[البنوك](/banks).\n"}
"""BASE with aliases that resolve elsewhere: 'banks' is bank.md's first, 'finra' finra's slug."""


@pytest.mark.parametrize("change", [
    edit("ar/broker.md", "aliases: [banks, finra]", "aliases: [banks]"),  # one of the two goes
    edit("ar/broker.md", "aliases: [banks, finra]", "aliases: [lender]"),  # both go
    edit("ar/bank.md", "aliases: [banks]\n", ""),  # the winner lets go: broker.md's 'banks' now
    lambda root: (root / "ar/bank.md").rename(root / "ar/zbank.md"),  # the winner now sorts after: it loses
    edit("ar/broker.md", "title: وسيط\n", "title: وسيط\n\n"),  # the problems move a line down
], ids=["loser-drops-one", "loser-drops-both", "winner-drops", "winner-renamed-after", "lines-move"])
def test_an_alias_conflict_that_goes_or_changes_rebuilds_to_the_cold_bytes(tmp_path, change):
    corpus = write_files(tmp_path / "in", {k: v.encode() for k, v in {**BASE, **CONFLICT}.items()})
    warm, cold = rebuild_equals_cold(tmp_path, corpus, change)
    assert warm.warnings == ()


def test_one_memo_through_an_alias_conflict_that_comes_and_goes_gives_the_cold_bytes(tmp_path):
    corpus = write_files(tmp_path / "in", {k: v.encode() for k, v in BASE.items()})
    out, memo = tmp_path / "out", pipeline.Memo()
    for i, files in enumerate([BASE, CONFLICT, {"ar/broker.md": CONFLICT["ar/broker.md"].replace("\n---", "\n\n---")},
                               {"ar/bank.md": BASE["ar/bank.md"].replace("aliases: [banks]\n", "")}, BASE]):
        write_files(corpus, {k: v.encode() for k, v in files.items()})
        build([corpus], out, memo=memo)
        build([corpus], tmp_path / f"cold{i}", cache_dir=None)
        assert unplaced(snapshot(out)) == unplaced(snapshot(tmp_path / f"cold{i}")), i


def test_one_memo_through_every_change_gives_the_cold_bytes_each_time(tmp_path, corpus):
    # What --watch does: one Memo kept across rebuilds; each change is made to BASE, so each
    # rebuild sees the last change undone and the next one made.
    out, memo = tmp_path / "out", pipeline.Memo()
    build([corpus], out, memo=memo)
    for i, (name, change) in enumerate(CASES.items()):
        for path in corpus.rglob("*.md"):
            if path.relative_to(corpus).as_posix() not in BASE:
                path.unlink()
        write_files(corpus, {k: v.encode() for k, v in BASE.items()})
        change(corpus)
        build([corpus], out, memo=memo)
        build([corpus], tmp_path / f"cold{i}")
        assert unplaced(snapshot(out)) == unplaced(snapshot(tmp_path / f"cold{i}")), name


WIKI = {"ar/notes/deep.md": "---\ntitle: عميق\n---\n[[bank|البنك]] و[[finra]] و[[Page]] و[[nowhere]]\n",
        "en/notes/Page.md": "# Page\n[[finra#x|FINRA]] [[deep]]\n"}
"""BASE with wikilinks, which a build reads only with ``wikilinks=True``."""


def test_builds_with_and_without_wikilinks_into_one_folder_through_one_cache_give_the_cold_bytes(tmp_path):
    corpus = write_files(tmp_path / "in", {k: v.encode() for k, v in {**BASE, **WIKI}.items()})
    out, cache = tmp_path / "out", tmp_path / "cache"
    for i, wikilinks in enumerate([False, True, False, True]):
        build([corpus], out, cache_dir=cache, wikilinks=wikilinks)
        build([corpus], tmp_path / f"cold{i}", cache_dir=None, wikilinks=wikilinks)
        assert snapshot(out) == snapshot(tmp_path / f"cold{i}"), i
    assert snapshot(tmp_path / "cold0") != snapshot(tmp_path / "cold1")
