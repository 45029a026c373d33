"""The parse cache: reuse for unchanged files, correct after add / change / touch / rename / delete."""

import os

import pytest

import graph.reader as reader
from graph.pipeline import build
from graph.parse import ParseOptions
from graph.reader import read_corpus
from tests.conftest import GLOSSARY, assert_same_files, write_files


@pytest.fixture
def parsed(monkeypatch):
    """The relative paths the reader actually parses (not served from the cache)."""
    seen: list[str] = []
    original = reader.parse_bytes

    def spy(data, rel, *args):
        seen.append(rel)
        return original(data, rel, *args)

    monkeypatch.setattr(reader, "parse_bytes", spy)
    return seen


def article(title: str, link: str = "/b") -> bytes:
    return f"---\ntitle: {title}\n---\n[x]({link})\n".encode()


@pytest.fixture
def corpus(tmp_path):
    return write_files(tmp_path / "in", {"a.md": article("A"), "b.md": article("B", "/a"), "c.md": article("C")})


def read(root, cache):
    return read_corpus([root], cache_dir=cache)


def test_second_read_parses_nothing_and_gives_the_same_corpus(corpus, tmp_path, parsed):
    first = read(corpus, tmp_path / "cache")
    assert parsed == ["a.md", "b.md", "c.md"]
    parsed.clear()
    assert read(corpus, tmp_path / "cache") == first == read_corpus([corpus])
    assert parsed == ["a.md", "b.md", "c.md"]  # only the uncached read_corpus parsed


def test_changed_file_is_the_only_one_parsed(corpus, tmp_path, parsed):
    read(corpus, tmp_path / "cache")
    parsed.clear()
    (corpus / "b.md").write_bytes(article("B2", "/c"))
    result = read(corpus, tmp_path / "cache")
    assert parsed == ["b.md"]
    assert [a.title for a in result.articles] == ["A", "B2", "C"]
    assert result.articles[1].links[0].href == "/c"


def test_touch_without_change_is_read_but_not_parsed(corpus, tmp_path, parsed):
    read(corpus, tmp_path / "cache")
    parsed.clear()
    stat = (corpus / "a.md").stat()
    os.utime(corpus / "a.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert [a.title for a in read(corpus, tmp_path / "cache").articles] == ["A", "B", "C"]
    assert parsed == []


def test_added_deleted_and_renamed_files(corpus, tmp_path, parsed):
    read(corpus, tmp_path / "cache")
    parsed.clear()
    (corpus / "d.md").write_bytes(article("D"))
    (corpus / "c.md").unlink()
    (corpus / "a.md").rename(corpus / "z.md")
    result = read(corpus, tmp_path / "cache")
    assert sorted(parsed) == ["d.md", "z.md"]
    assert [(a.path, a.slug, a.title) for a in result.articles] == [("b.md", "b", "B"), ("d.md", "d", "D"), ("z.md", "z", "A")]
    parsed.clear()
    assert read(corpus, tmp_path / "cache") == result and parsed == []


def test_cache_keyed_by_default_language(corpus, tmp_path, parsed):
    read(corpus, tmp_path / "cache")
    parsed.clear()
    result = read_corpus([corpus], ParseOptions(default_lang="en"), cache_dir=tmp_path / "cache")
    assert len(parsed) == 3 and {a.lang for a in result.articles} == {"en"}


def test_corrupt_cache_is_ignored(corpus, tmp_path, parsed):
    read(corpus, tmp_path / "cache")
    shards = list((tmp_path / "cache").rglob("*.marshal"))
    assert shards
    for f in shards:
        f.write_bytes(b"not marshal data")
    parsed.clear()
    assert len(read(corpus, tmp_path / "cache").articles) == 3 and len(parsed) == 3


def test_parallel_cached_and_plain_builds_write_identical_bytes(tmp_path):
    plain = build([GLOSSARY], tmp_path / "plain")
    cold = build([GLOSSARY], tmp_path / "cold", jobs=2, cache_dir=tmp_path / "cache")
    warm = build([GLOSSARY], tmp_path / "warm", jobs=2, cache_dir=tmp_path / "cache")
    assert_same_files(plain, cold, warm)


def test_parallel_read_keeps_sorted_order(tmp_path):
    files = {f"{i:03d}.md": article(f"T{i}", f"/{i + 1:03d}") for i in range(150)}
    root = write_files(tmp_path / "many", files)
    assert read_corpus([root], jobs=2) == read_corpus([root], jobs=1)


def test_one_change_rewrites_one_shard(corpus, tmp_path):
    read(corpus, tmp_path / "cache")
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.marshal")}
    (corpus / "b.md").write_bytes(article("B2"))
    read(corpus, tmp_path / "cache")
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*.marshal")}
    assert len(before) == 3 and sum(before[p] != after[p] for p in before) == 1


def test_parallel_read_fills_the_cache(tmp_path):
    from graph.cache import FileCache
    files = {f"{i:03d}.md": article(f"T{i}", f"/{i + 1:03d}") for i in range(150)}
    root = write_files(tmp_path / "many", files)
    first = read_corpus([root], jobs=2, cache_dir=tmp_path / "cache")  # 150 files: worker processes
    assert len(FileCache.open(tmp_path / "cache", root.resolve(), ParseOptions(root_name="many")).rows) == 150
    assert read_corpus([root], jobs=2, cache_dir=tmp_path / "cache") == first
