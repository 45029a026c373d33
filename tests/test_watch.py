"""``build --watch``: edits, additions and deletions are rebuilt to the bytes of a cold build;
a file broken mid-edit keeps the previous outputs; Ctrl-C ends it with exit 0 and nothing left."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest

from graph.pipeline import build
from graph.watch import watch_build
from tests.conftest import PROJECT, snapshot, unplaced, write_files

pytest.importorskip("watchfiles")

FILES = {
    "a.md": b"---\ntitle: Alpha\n---\nSee [beta](/b).\n",
    "b.md": b"---\ntitle: Beta\n---\nBack to [alpha](/a).\n",
}


@contextmanager
def watch_thread(roots: list, out, **options):
    """``watch_build`` of ``roots`` into ``out`` in a thread; yields ``next_build(timeout=60)``,
    and stops the watch on leaving."""
    builds: queue.Queue = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=watch_build, args=(roots, out, builds.put, stop), kwargs=options, daemon=True)
    thread.start()
    try:
        yield lambda timeout=60: builds.get(timeout=timeout)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


@pytest.fixture
def watching(tmp_path):
    """A watch of tmp_path/in into tmp_path/out in a thread; yields (input root, next build)."""
    root = write_files(tmp_path / "in", FILES)
    with watch_thread([root], tmp_path / "out", cache_dir=tmp_path / "cache") as next_build:
        first = next_build()
        assert first.changed == () and first.published
        yield root, next_build
    assert not (tmp_path / ".out.linkgraph-staging").exists()  # what the watch kept went with it


def same_as_cold(tmp_path, root):
    cold = tmp_path / f"cold-{time.monotonic_ns()}"
    build([root], cold)
    return unplaced(snapshot(tmp_path / "out")) == unplaced(snapshot(cold))


def test_edits_additions_and_deletions_are_rebuilt(tmp_path, watching):
    root, next_build = watching
    (root / "a.md").write_bytes(FILES["a.md"] + b"And [gamma](/c).\n")
    rebuild = next_build()
    assert rebuild.changed == ("a.md",) and rebuild.published
    assert b"/c>" in (tmp_path / "out" / "graph.nt").read_bytes() and same_as_cold(tmp_path, root)
    # Between builds the watch keeps the files it swapped out, to write the next build into their memory.
    assert [p.name for p in (tmp_path / ".out.linkgraph-staging").glob("spare-*/graph.nt")] == ["graph.nt"]

    write_files(root, {"c.md": b"---\ntitle: Gamma\n---\nx\n"})
    rebuild = next_build()
    assert rebuild.changed == ("c.md",) and rebuild.published
    assert rebuild.result.graph.nodes["c"]["kind"] == "article" and same_as_cold(tmp_path, root)

    (root / "b.md").unlink()
    rebuild = next_build()
    assert rebuild.changed == ("b.md",) and rebuild.published
    assert rebuild.result.graph.nodes["b"]["kind"] == "missing" and same_as_cold(tmp_path, root)


def test_an_editor_save_through_a_temporary_file_is_one_rebuild(tmp_path, watching):
    root, next_build = watching
    tmp = root / ".a.md.swp"
    tmp.write_bytes(FILES["a.md"].replace(b"Alpha", b"Alpha two"))
    os.replace(tmp, root / "a.md")
    rebuild = next_build()
    assert rebuild.changed == ("a.md",) and rebuild.published and same_as_cold(tmp_path, root)


def test_a_file_broken_mid_edit_keeps_the_last_good_outputs(tmp_path, watching):
    root, next_build = watching
    good = snapshot(tmp_path / "out")
    (root / "a.md").write_bytes(b"---\ntitle: [Alpha\n---\nSee [beta](/b).\n")  # invalid YAML
    rebuild = next_build()
    assert not rebuild.published and rebuild.new_problems
    assert {p.path for p in rebuild.new_problems} == {"a.md"}
    assert snapshot(tmp_path / "out") == good
    (root / "a.md").write_bytes(FILES["a.md"].replace(b"Alpha", b"Alpha fixed"))
    rebuild = next_build()
    assert rebuild.published and same_as_cold(tmp_path, root)


def test_a_change_the_watcher_did_not_report_is_found_and_rebuilt(tmp_path, watching, monkeypatch):
    # A rebuild reads only the files the watcher reported; a listing after it finds the rest.
    # The watcher ignores hidden files (editors' swap files), and a build reads .x.md: a change
    # the watcher never reports, as when its events are lost.
    monkeypatch.setattr("graph.watch.SETTLE_SECONDS", 0.5)
    root, next_build = watching
    (root / "a.md").write_bytes(FILES["a.md"] + b"And [gamma](/c).\n")
    assert next_build().changed == ("a.md",)
    (root / ".x.md").write_bytes(b"---\ntitle: Hidden\n---\nSee [alpha](/a).\n")
    rebuild = next_build()
    assert rebuild.changed == (".x.md",) and rebuild.published
    assert rebuild.result.graph.nodes[".x"]["kind"] == "article" and same_as_cold(tmp_path, root)


def test_an_input_folder_gone_is_an_error_and_the_watch_goes_on(tmp_path, watching, monkeypatch):
    # Also through the listing after a rebuild (graph.watch.SETTLE_SECONDS), which cannot list it.
    monkeypatch.setattr("graph.watch.SETTLE_SECONDS", 0.2)
    root, next_build = watching
    moved = root.rename(tmp_path / "away")
    rebuild = next_build()
    assert rebuild.error and not rebuild.published
    assert next_build().error  # the listing's rebuild, which says so again
    moved.rename(root)
    (root / "a.md").write_bytes(FILES["a.md"] + b"And [gamma](/c).\n")
    while not (rebuild := next_build()).published:
        pass
    assert same_as_cold(tmp_path, root)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sends SIGINT to a process group")
def test_ctrl_c_ends_the_watch_with_exit_0_and_nothing_left(tmp_path):
    root = write_files(tmp_path / "in", FILES)
    run = subprocess.Popen([sys.executable, "-m", "graph", "build", str(root), "-o", str(tmp_path / "out"), "--watch",
                            "--no-cache"], cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)},
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines = []
    for line in run.stderr:
        lines.append(line)
        if line.startswith("watching"):
            break
    (root / "a.md").write_bytes(FILES["a.md"] + b"[new](/new)\n")
    for line in run.stderr:
        lines.append(line)
        if "changed:" in line:
            break
    assert lines[-1].startswith("a.md changed: rebuilt in "), lines
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("where", ["in", ".", "file's folder"])
def test_an_output_folder_that_is_or_holds_an_input_folder_is_refused(tmp_path, where, capsys):
    # Each build swaps the output folder for a new one: a watch writing into its input folder
    # (`-o` the flat notes folder it reads) watched a folder gone after the first build and never
    # rebuilt again, silently. A one-shot build may (its Markdown files are carried over).
    from graph.cli import main
    from graph.errors import UsageError

    root = write_files(tmp_path / "in", FILES)
    paths, out = {"in": ([root], root), ".": ([root], tmp_path), "file's folder": ([root / "a.md"], root)}[where]
    before = snapshot(tmp_path)
    stop = threading.Event()  # set by a first build, so that a watch that does start ends
    with pytest.raises(UsageError, match="input"):
        watch_build(paths, out, lambda rebuild: stop.set(), stop)
    assert snapshot(tmp_path) == before  # nothing written
    assert main(["build", *map(str, paths), "-o", str(out), "--watch", "--no-cache"]) == 2
    assert "--watch" in capsys.readouterr().err
    assert snapshot(tmp_path) == before  # nothing written


def test_a_file_renamed_or_moved_with_the_problems_it_had_is_published(tmp_path):
    # Its problems were new by path only: a watch of the Hugo docs (41 template-link problems in
    # files people keep) kept its previous outputs after `git mv` of such a file, until another
    # save, and said that a changed file had new problems.
    shortcode = b"---\ntitle: Code\n---\nSee [it]({{% eturl code %}}) and [alpha](/a).\n"
    root = write_files(tmp_path / "in", {**FILES, "c.md": shortcode, "sub/b2.md": FILES["b.md"]})
    with watch_thread([root], tmp_path / "out") as next_build:
        assert next_build().published
        (root / "c.md").rename(root / "d.md")
        while "d.md" not in (rebuild := next_build()).changed:
            pass  # the watcher may report the two names in two batches
        assert rebuild.published and not rebuild.new_problems and same_as_cold(tmp_path, root)
        (root / "d.md").rename(root / "sub" / "d.md")  # a folder watched from the start
        while "sub/d.md" not in (rebuild := next_build()).changed:
            pass
        assert rebuild.published and same_as_cold(tmp_path, root)
        (root / "sub" / "d.md").unlink()  # a move the watcher reports in two batches, as two builds
        while (rebuild := next_build()).changed != ("sub/d.md",):
            pass
        (root / "d2.md").write_bytes(shortcode)
        while "d2.md" not in (rebuild := next_build()).changed:
            pass
        assert rebuild.published and same_as_cold(tmp_path, root)
        (root / "d2.md").write_bytes(b"---\ntitle: [Code\n---\n")  # then a real new problem
        (root / "d2.md").rename(root / "e.md")
        while "e.md" not in (rebuild := next_build()).changed:
            pass
        assert not rebuild.published and {p.code for p in rebuild.new_problems} == {"yaml-error"}


def linked(tmp_path):
    """FILES in tmp_path/real, given as tmp_path/link, a symbolic link to that folder."""
    write_files(tmp_path / "real", FILES)
    (tmp_path / "link").symlink_to("real")
    return tmp_path / "link"


def test_a_watch_through_a_symbolic_link_names_changed_files_as_problems_do(tmp_path):
    # The watcher reports paths through the link the watch was given; they were compared with
    # the problems' paths (relative to the resolved root) as absolute paths, so a file broken
    # mid-edit was never a changed file with new problems: its broken state was published.
    link = linked(tmp_path)
    with watch_thread([link], tmp_path / "out") as next_build:
        assert next_build().published
        good = snapshot(tmp_path / "out")
        (link / "a.md").write_bytes(b"---\ntitle: [Alpha\n---\nSee [beta](/b).\n")  # invalid YAML
        rebuild = next_build()
        assert rebuild.changed == ("a.md",)
        assert not rebuild.published and {p.path for p in rebuild.new_problems} == {"a.md"}
        assert snapshot(tmp_path / "out") == good


def test_a_watch_through_a_symbolic_link_is_not_woken_by_its_own_outputs(tmp_path):
    # An output folder inside the input, the input given through a link: the watch's own
    # writes (its output and staging folders, by their unresolved names) woke it: 57 rebuilds in
    # 12 s with no edit, without end.
    link = linked(tmp_path)
    with watch_thread([link], link / "out") as next_build:
        assert next_build().published
        with pytest.raises(queue.Empty):
            next_build(timeout=3)
