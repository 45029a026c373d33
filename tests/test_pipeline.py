"""The pipeline: parallel writing gives the same bytes as serial writing, and errors surface."""

import gc
import os
import shutil
import weakref

import pytest

import graph.pipeline as pipeline
from graph.memo import Memo
from graph.pipeline import build
from tests.conftest import FIXTURES, GLOSSARY, assert_same_files


def test_parallel_writes_equal_serial_writes(tmp_path, monkeypatch):
    serial = build([GLOSSARY], tmp_path / "serial", jobs=1)
    monkeypatch.setattr(pipeline, "PARALLEL_WRITE_EDGES", 0)
    monkeypatch.setattr(pipeline, "WRITE_MEMORY_BUDGET", 1 << 50)
    parallel = build([GLOSSARY], tmp_path / "parallel", jobs=2)
    assert_same_files(serial, parallel)


def test_a_failing_writer_in_a_worker_fails_the_build_and_leaves_no_file(tmp_path, monkeypatch):
    def broken(G, out, options):
        out.write("partial")
        raise RuntimeError("disk on fire")

    exporter = pipeline.get_exporter("graphml")
    monkeypatch.setattr(pipeline, "PARALLEL_WRITE_EDGES", 0)
    monkeypatch.setattr(pipeline, "WRITE_MEMORY_BUDGET", 1 << 50)
    monkeypatch.setattr(type(exporter), "pieces", lambda self: ((self.filename, broken, None),))
    with pytest.raises(RuntimeError, match="disk on fire"):
        build([GLOSSARY], tmp_path, formats=["graphml"], jobs=2)
    assert not (tmp_path / "graph.graphml").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_writers_are_forked_only_as_far_as_the_memory_budget_allows(monkeypatch):
    monkeypatch.setattr(pipeline, "WRITE_MEMORY_BUDGET", 1000)
    many = pipeline.PARALLEL_WRITE_EDGES
    assert pipeline.write_jobs(2, many, 300) == 2  # 300 + 2 copies of a third: 500
    assert pipeline.write_jobs(2, many, 800) == 1  # 800 + 533 > 1000: written in-process
    assert pipeline.write_jobs(4, many, 500) == 3  # 500 + 3 x 167 = 1000
    assert pipeline.write_jobs(2, many - 1, 1) == 1  # too small to pay for a process


def test_observer_sees_every_stage(tmp_path):
    stages = []
    build([GLOSSARY], tmp_path, observe=lambda stage, done=0, total=0: stages.append((stage, done, total)))
    names = list(dict.fromkeys(s for s, _, _ in stages))
    assert names == ["read", "resolve", "graph", "index", "write", "done"]
    assert ("read", 4, 4) in stages


@pytest.mark.parametrize("formats, related, index", [
    (["turtle", "graphml"], 0, False),  # the naive script's pair of files: no index stage
    (["graphml"], 2, True),  # --related ranks with the fitted model
    (["related"], 0, True),
    (["html"], 0, True),  # the explorer shows related terms
])
def test_the_index_stage_runs_only_for_outputs_that_read_it(tmp_path, formats, related, index):
    stages = []
    result = build([GLOSSARY], tmp_path, formats=formats, related=related,
                   observe=lambda stage, done=0, total=0: stages.append(stage))
    assert ("index" in stages) is index
    assert (result.model is not None) is index
    assert ("index_view" in result.graph.graph) is index
    assert (tmp_path / "related-index.json").exists() is ("related" in formats)


def test_a_memo_kept_across_builds_rescans_only_the_changed_article_and_gives_the_cold_bytes(tmp_path, monkeypatch):
    import shutil

    import graph.mentions as mentions
    from tests.conftest import snapshot, unplaced

    corpus = tmp_path / "corpus"
    shutil.copytree(GLOSSARY, corpus)
    memo = pipeline.Memo()
    build([corpus], tmp_path / "out", memo=memo)
    scanned = []
    scan = mentions.article_matches
    monkeypatch.setattr(mentions, "article_matches", lambda body, *a: scanned.append(body) or scan(body, *a))
    page = sorted(corpus.rglob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    build([corpus], tmp_path / "out", memo=memo)
    assert len(scanned) == 1 and "One more sentence." in scanned[0]
    assert len(memo.scans.entries) == len(list(corpus.rglob("*.md")))  # only what this build used
    assert type(memo.texts) is dict  # no chain back to earlier builds
    build([corpus], tmp_path / "cold")
    assert unplaced(snapshot(tmp_path / "out")) == unplaced(snapshot(tmp_path / "cold"))


def test_a_built_graph_is_freed_as_soon_as_no_one_holds_it(tmp_path):
    # Nothing a build does may leave the graph in a reference cycle (a networkx view cached in
    # it refers to it): a watch's last graph then waited for the cyclic collector, which ran
    # every ~11th build, seconds at 50,000 files, holding ten graphs until then. Every format,
    # written in-process (the explorer too), through a memo, as a watch builds.
    memo = Memo()
    for _ in range(2):
        gc.disable()
        try:
            result = build([GLOSSARY], tmp_path / "out", jobs=1, memo=memo)
            graph = weakref.ref(result.graph)
            del result
            assert graph() is None
        finally:
            gc.enable()


class _Cycle:
    """An object in a reference cycle, whose end a weak reference tells."""

    def __init__(self) -> None:
        self.me = self


def test_a_watch_s_builds_freeze_what_they_leave_and_collect_it_every_so_many_builds(tmp_path, monkeypatch):
    # After a watch's build the collector does not scan what is alive (frozen); cycles left in a
    # build are freed by the full collection every FULL_COLLECTION_EVERY-th build; a one-shot
    # build leaves everything to the collector as before.
    monkeypatch.setattr(pipeline, "FULL_COLLECTION_EVERY", 3)
    monkeypatch.setattr(pipeline, "_frozen_builds", 0)
    left = []
    report = pipeline.make_report

    def leaving_a_cycle(*args):
        left.append(weakref.ref(_Cycle()))  # garbage at once, but only the collector can tell
        return report(*args)

    monkeypatch.setattr(pipeline, "make_report", leaving_a_cycle)
    gc.unfreeze()
    build([GLOSSARY], tmp_path / "once", jobs=1)
    gc.collect()
    assert left[-1]() is None and gc.get_freeze_count() == 0
    memo = Memo()
    for n in (1, 2):
        build([GLOSSARY], tmp_path / "out", jobs=1, memo=memo)
        gc.collect()
        assert [ref() is None for ref in left[1:]] == [False] * n and gc.get_freeze_count() > 0
    build([GLOSSARY], tmp_path / "out", jobs=1, memo=memo)  # the third: everything collected
    assert [ref() is None for ref in left] == [True] * 4 and gc.get_freeze_count() == 0

    def failing(*args):
        raise RuntimeError("a stage failed")

    monkeypatch.setattr(pipeline, "make_report", failing)
    with pytest.raises(RuntimeError):  # a failed build (a traceback holds cycles) freezes nothing
        build([GLOSSARY], tmp_path / "out", jobs=1, memo=memo)
    assert gc.get_freeze_count() == 0


def _link_edit(corpus):
    page = sorted(corpus.rglob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the new one](/a-new-target).\n", encoding="utf-8")


def test_a_watch_s_rebuild_writes_the_graph_files_in_a_thread_while_the_index_stage_runs(tmp_path, monkeypatch):
    import shutil
    import threading

    from tests.conftest import snapshot, unplaced

    corpus = tmp_path / "corpus"
    shutil.copytree(GLOSSARY, corpus)
    memo = Memo()
    build([corpus], tmp_path / "out", memo=memo)
    threads = {}
    task = pipeline._task

    def spy(folder, name, *args):
        run = task(folder, name, *args)
        return lambda: threads.setdefault(name, threading.current_thread().name) and run()

    monkeypatch.setattr(pipeline, "_task", spy)
    _link_edit(corpus)
    build([corpus], tmp_path / "out", memo=memo)
    ahead = {name for name, thread in threads.items() if thread.startswith("linkgraph-write")}
    # Every file that does not read the index, and only those.
    assert ahead == {"graph.ttl", "graph.graphml", "graph.nt", "graph.jsonld", "graph.gexf", "nodes.csv", "edges.csv",
                     "load.cypher", "links.jsonl"}
    assert {"related-index.json", "graph.html", "report.json"} <= threads.keys() - ahead
    build([corpus], tmp_path / "cold")
    assert unplaced(snapshot(tmp_path / "out")) == unplaced(snapshot(tmp_path / "cold"))


@pytest.mark.parametrize("fails", ["index", "writer"])
def test_a_failure_beside_the_writes_ahead_keeps_the_last_outputs_and_leaves_nothing(tmp_path, monkeypatch, fails):
    import shutil
    import threading
    import time

    from tests.conftest import snapshot, unplaced

    corpus = tmp_path / "corpus"
    shutil.copytree(GLOSSARY, corpus)
    memo = Memo()
    build([corpus], tmp_path / "out", memo=memo)
    before = snapshot(tmp_path / "out")
    index, task = pipeline._index, pipeline._task
    finished = []

    def failing_index(*args):
        raise RuntimeError("the index stage failed")

    def slow(folder, name, *args):
        run = task(folder, name, *args)

        def late():
            if threading.current_thread().name.startswith("linkgraph-write"):
                time.sleep(0.05)  # still writing when the index stage fails
                if fails == "writer" and name == "graph.nt":
                    raise RuntimeError("disk on fire")
            done = run()
            finished.append(name)
            return done
        return late

    monkeypatch.setattr(pipeline, "_task", slow)
    if fails == "index":
        monkeypatch.setattr(pipeline, "_index", failing_index)
    with pytest.raises(RuntimeError, match="the index stage failed" if fails == "index" else "disk on fire"):
        _link_edit(corpus)
        build([corpus], tmp_path / "out", memo=memo)
    assert snapshot(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]  # no staging folder left
    assert not [t for t in threading.enumerate() if t.name.startswith("linkgraph-write")]
    if fails == "index":
        assert "graph.nt" in finished  # the folder was removed only after the writes ahead ended
    monkeypatch.setattr(pipeline, "_index", index)
    monkeypatch.setattr(pipeline, "_task", task)
    build([corpus], tmp_path / "out", memo=memo)
    build([corpus], tmp_path / "cold")
    assert unplaced(snapshot(tmp_path / "out")) == unplaced(snapshot(tmp_path / "cold"))


def test_a_watch_s_first_build_lays_the_explorer_out_in_its_own_process_when_its_writers_fork(tmp_path, monkeypatch):
    # The page's writer is forked in a cold build large enough to pay for it; the positions it
    # would lay out there die with it. Laid out in the build's process first, the watch's memo
    # keeps them: the first rebuild after a new link places nothing anew and lays nothing out.
    from graph.exporters import html_layout
    from tests.conftest import snapshot, unplaced

    if not pipeline.fork_available():
        pytest.skip("the writers fork only where fork is available")
    laid = []
    lay_out = html_layout._laid_out
    monkeypatch.setattr(html_layout, "_laid_out", lambda *a: laid.append(os.getpid()) or lay_out(*a))
    monkeypatch.setattr(pipeline, "write_jobs", lambda *a: 2)
    corpus = tmp_path / "in"
    shutil.copytree(FIXTURES / "explorer" / "Texts", corpus)
    memo, out = Memo(), tmp_path / "out"
    build([corpus], out, jobs=2, memo=memo)
    assert laid == [os.getpid()]  # once, here: the forked writer found the positions made
    broker = corpus / "Arabic" / "broker.md"
    broker.write_text(broker.read_text(encoding="utf-8") + "\nSee [a fund](/hedge-fund).\n", encoding="utf-8")
    laid.clear()
    build([corpus], out, jobs=2, memo=memo)
    assert laid == []
    cold = tmp_path / "cold"
    build([corpus], cold, jobs=1)
    assert unplaced(snapshot(out)) == unplaced(snapshot(cold))
