"""Discovery and reading under hostile file-system entries (issue 10, points 1, 2, 6, 8, 12)."""

from __future__ import annotations

import os
import socket
import stat
import time
import unicodedata
from pathlib import Path

import pytest

from graph.check import check_links
from graph.cli import main
from graph.errors import UsageError
from graph.parse import ParseOptions
from graph.reader import _read_task, discover, read_bounded, read_corpus, safe_name


def corpus_of(root: Path, **files: str) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def codes(corpus) -> dict[str, str]:
    return {p.path: p.code for p in corpus.problems}


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_symlink_to_a_device_is_refused_without_reading(tmp_path: Path, device: str):
    root = corpus_of(tmp_path / "c", **{"a.md": "# A\n"})
    (root / "x.md").symlink_to(device)
    started = time.monotonic()
    corpus = read_corpus([root])
    assert time.monotonic() - started < 10
    assert [a.path for a in corpus.articles] == ["a.md"]
    assert codes(corpus) == {"x.md": "outside-root"}


def test_fifo_is_reported_and_never_opened(tmp_path: Path):
    root = corpus_of(tmp_path, **{"a.md": "# A\n"})
    os.mkfifo(root / "y.md")
    corpus = read_corpus([root])  # opening the FIFO would block here forever
    assert codes(corpus) == {"y.md": "not-a-file"}
    assert "FIFO" in corpus.problems[0].message


def test_a_fifo_swapped_in_after_discovery_does_not_block_the_read(tmp_path: Path):
    os.mkfifo(tmp_path / "late.md")
    task = (0, str(tmp_path / "late.md"), "late.md", ParseOptions(), None)
    _, rel, _, _, (article, problems) = _read_task(task)
    assert article is None and [p.code for p in problems] == ["unreadable"]


def test_a_socket_is_reported(tmp_path: Path, monkeypatch):
    root = tmp_path / "s"
    root.mkdir()
    monkeypatch.chdir(root)  # a short relative name: socket paths are limited to about 100 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("z.md")
        assert codes(read_corpus([root])) == {"z.md": "not-a-file"}


def test_symlink_to_a_file_outside_the_root_is_not_read(tmp_path: Path):
    secret = corpus_of(tmp_path / "elsewhere", **{"passwd.md": "---\ntitle: SECRET\n---\n"})
    root = corpus_of(tmp_path / "c", **{"a.md": "# A\n"})
    (root / "p.md").symlink_to(secret / "passwd.md")
    (root / "up.md").symlink_to("../elsewhere/passwd.md")
    corpus = read_corpus([root])
    assert [a.title for a in corpus.articles] == ["A"]
    assert codes(corpus) == {"p.md": "outside-root", "up.md": "outside-root"}


def test_symlink_inside_the_root_is_read_under_its_own_name(tmp_path: Path):
    root = corpus_of(tmp_path, **{"real/a.md": "---\ntitle: A\n---\n"})
    (root / "b.md").symlink_to("real/a.md")
    corpus = read_corpus([root])
    assert sorted(a.path for a in corpus.articles) == ["b.md", "real/a.md"]
    assert codes(corpus) == {}


def test_symlinked_folders_and_dangling_links_are_reported(tmp_path: Path):
    root = corpus_of(tmp_path / "c", **{"a.md": "# A\n"})
    outside = corpus_of(tmp_path / "out", **{"o.md": "# O\n"})
    (root / "loop").symlink_to(root)
    (root / "away").symlink_to(outside)
    (root / "gone.md").symlink_to(root / "nothing.md")
    corpus = read_corpus([root])
    assert [a.path for a in corpus.articles] == ["a.md"]
    assert codes(corpus) == {"away": "symlink-folder", "gone.md": "unreadable", "loop": "symlink-folder"}


def test_a_file_past_the_size_limit_is_reported_and_skipped(tmp_path: Path):
    root = corpus_of(tmp_path, **{"big.md": "# Big\n" + "x" * 200, "small.md": "# S\n"})
    corpus = read_corpus([root], ParseOptions(max_file_bytes=100))
    assert [a.path for a in corpus.articles] == ["small.md"]
    assert codes(corpus) == {"big.md": "file-too-large"}


def test_read_bounded_never_reads_past_the_limit_of_an_endless_file():
    with pytest.raises(OSError):  # a character device: refused before any read
        read_bounded("/dev/zero", 1000)


def test_unreadable_folder_is_reported(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root reads folders whatever their mode")
    root = corpus_of(tmp_path, **{"a.md": "# A\n", "locked/b.md": "# B\n"})
    (root / "locked").chmod(0)
    try:
        assert codes(read_corpus([root])) == {"locked": "unreadable-folder"}
    finally:
        (root / "locked").chmod(stat.S_IRWXU)


def test_file_name_that_is_not_utf8_is_read_reported_and_build_and_check_agree(tmp_path: Path, capsys):
    root = tmp_path / "c"
    root.mkdir()
    (root / "ok.md").write_text("[y](/missing)\n")
    with open(os.path.join(os.fsencode(root), b"caf\xe9.md"), "w") as f:
        f.write("---\ntitle: Cafe\n---\n[m](/missing)\n")
    corpus = read_corpus([root])
    assert sorted(a.path for a in corpus.articles) == ["caf\\xe9.md", "ok.md"]
    assert codes(corpus) == {"caf\\xe9.md": "unsafe-file-name"}
    assert main(["build", str(root), "-o", str(tmp_path / "out"), "--no-cache", "-q"]) == 0
    assert "caf\\\\xe9.md" in (tmp_path / "out" / "report.json").read_text()
    result = check_links([root])
    assert result.files == 2 and any(b.path.endswith("caf\\xe9.md") for b in result.bad)


@pytest.mark.parametrize("name, shown", [
    ("a\x1bb.md", "a\\x1bb.md"), ("cr\r.md", "cr\\x0d.md"), ("nl\n.md", "nl\\x0a.md"), ("\x9bcsi.md", "\\x9bcsi.md"),
])
def test_control_characters_in_file_names_are_spelled_safely(tmp_path: Path, name: str, shown: str):
    (tmp_path / name).write_text("# T\n")
    assert safe_name(name) == (shown, False)
    corpus = read_corpus([tmp_path])
    assert [a.path for a in corpus.articles] == [shown]
    assert codes(corpus) == {shown: "unsafe-file-name"}


def test_a_file_stored_in_nfd_resolves_from_an_nfc_link(tmp_path: Path):
    from graph.resolve import resolve

    corpus_of(tmp_path, **{unicodedata.normalize("NFD", "café.md"): "# Café\n",
                           unicodedata.normalize("NFD", "آمن.md"): "# Safe\n",
                           "a.md": "[c](/café) [s](/آمن)\n"})
    resolution = resolve(read_corpus([tmp_path]))
    assert [(o.kind, o.target) for o in resolution.occurrences] == [("resolved", "café"), ("resolved", "آمن")]


def test_two_names_equal_once_normalised_are_both_reported(tmp_path: Path):
    corpus_of(tmp_path, **{unicodedata.normalize("NFD", "é.md"): "# D\n", unicodedata.normalize("NFC", "é.md"): "# C\n"})
    corpus = read_corpus([tmp_path])
    assert len(corpus.articles) == 1 and codes(corpus) == {"é.md": "duplicate-file-name"}



def test_of_two_names_equal_once_normalised_the_composed_one_is_read_and_the_problem_says_which(tmp_path: Path):
    # Both names print alike: the problem says the one left out is the decomposed (NFD) spelling
    # macOS writes, and which is read no longer depends on the order the folder lists them in.
    corpus_of(tmp_path, **{unicodedata.normalize("NFC", "é.md"): "# C\n", unicodedata.normalize("NFD", "é.md"): "# D\n"})
    corpus = read_corpus([tmp_path])
    (article,), (problem,) = corpus.articles, corpus.problems
    assert article.title == "C" and "decomposed (NFD" in problem.message, problem.message


@pytest.mark.parametrize("make", [lambda d: "/dev/null", lambda d: d / "notes.txt", lambda d: d / "README"])
def test_inputs_that_are_not_markdown_files_or_folders_are_usage_errors(tmp_path: Path, make):
    (tmp_path / "notes.txt").write_text("# not markdown\n")
    (tmp_path / "README").write_text("# not markdown\n")
    with pytest.raises(UsageError):
        discover([make(tmp_path)])
    assert main(["check", str(make(tmp_path))]) == 2


def test_check_walks_the_input_tree_once(tmp_path: Path, monkeypatch):
    corpus_of(tmp_path, **{"a.md": "[x](/y)\n"})
    listed = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path, *a: listed.append(path) or real_scandir(path, *a))
    check_links([tmp_path])
    assert listed == [str(tmp_path.resolve())]
