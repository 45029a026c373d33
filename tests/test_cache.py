"""The parse cache: reuse for unchanged files, correct after add / change / touch / rename / delete."""

import os

import pytest

import graph.cache as cache_module
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


@pytest.fixture
def settled(monkeypatch):
    """Files count as changed long before they are read (the fixtures' files were just written,
    so their stamps would be racy: ``graph.cache.RACY_NS``)."""
    monkeypatch.setattr(cache_module, "RACY_NS", 0)


@pytest.fixture
def opened(monkeypatch):
    """The files the reader opens."""
    seen: list[str] = []
    original = reader.read_bounded
    monkeypatch.setattr(reader, "read_bounded", lambda file, *a: seen.append(os.path.basename(file)) or original(file, *a))
    return seen


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


@pytest.mark.parametrize("module", ["graph.links", "graph.parse", "graph.front_matter", "graph.cache"])
def test_other_parsing_code_parses_every_file_again(corpus, tmp_path, parsed, upgrade, module):
    first = read(corpus, tmp_path / "cache")
    parsed.clear()
    upgrade(module)
    assert read(corpus, tmp_path / "cache") == first and len(parsed) == 3


def test_another_cache_format_parses_every_file_again(corpus, tmp_path, parsed, monkeypatch):
    read(corpus, tmp_path / "cache")
    parsed.clear()
    monkeypatch.setattr(cache_module, "_FORMAT", cache_module._FORMAT + 1)
    read(corpus, tmp_path / "cache")
    assert len(parsed) == 3


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
    assert len(FileCache.open(tmp_path / "cache", root.resolve(), ParseOptions(root_name="many")).read_all().rows) == 150
    assert read_corpus([root], jobs=2, cache_dir=tmp_path / "cache") == first


def test_known_files_are_taken_without_opening_them_or_the_cache(corpus, tmp_path, parsed, settled):
    known: dict = {}
    first = read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    assert sorted(known) == ["a.md", "b.md", "c.md"]
    for shard in (tmp_path / "cache").rglob("*.marshal"):
        shard.write_bytes(b"damaged")  # a read that opened a shard would warn
    parsed.clear()
    again = read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    assert again == first and again.warnings == () and parsed == []
    assert all(a is b for a, b in zip(again.articles, first.articles))


def test_known_files_after_a_change_and_a_delete(corpus, tmp_path, parsed):
    from graph.cache import FileCache
    known: dict = {}
    read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    (corpus / "b.md").write_bytes(article("B2", "/c"))
    (corpus / "c.md").unlink()
    parsed.clear()
    result = read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    assert parsed == ["b.md"] and sorted(known) == ["a.md", "b.md"]
    assert result == read_corpus([corpus])
    # The cache was kept current for the next build without `known`: the deleted file's row went.
    cache = FileCache.open(tmp_path / "cache", corpus.resolve(), ParseOptions(root_name="in")).read_all()
    assert sorted(cache.rows) == ["a.md", "b.md"] and cache.warnings == []
    parsed.clear()
    assert read(corpus, tmp_path / "cache") == result and parsed == []


@pytest.mark.parametrize("watch", [False, True])
def test_a_change_that_keeps_size_and_modification_time_is_seen(corpus, tmp_path, parsed, settled, watch):
    # tar -x, rsync -t and touch -r set the modification time back; the change time still moves
    known = {} if watch else None
    read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    before = (corpus / "b.md").stat()
    (corpus / "b.md").write_bytes(article("Z", "/a"))  # as long as "B"'s
    os.utime(corpus / "b.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (corpus / "b.md").stat().st_size == before.st_size
    parsed.clear()
    result = read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    assert parsed == ["b.md"] and [a.title for a in result.articles] == ["A", "Z", "C"]


@pytest.mark.parametrize("watch", [False, True])
def test_a_file_read_just_after_it_changed_is_read_again_next_time(corpus, tmp_path, parsed, opened, watch):
    # A second save within the same tick of the file system's clock, at the same size, would
    # keep every part of the stamp: a stamp taken that soon after a change is not trusted.
    known = {} if watch else None
    first = read_corpus([corpus], cache_dir=tmp_path / "cache", known=known)
    parsed.clear(), opened.clear()
    assert read_corpus([corpus], cache_dir=tmp_path / "cache", known=known) == first
    assert opened == ["a.md", "b.md", "c.md"] and parsed == []  # hashed again, not parsed


def test_a_stamp_is_racy_only_within_racy_ns_of_the_last_change(corpus):
    from graph.cache import RACY_NS, file_stamp
    st = (corpus / "a.md").stat()
    changed = max(st.st_mtime_ns, st.st_ctime_ns)
    assert file_stamp(st, changed + RACY_NS - 1) != file_stamp(st)
    assert file_stamp(st, changed + RACY_NS) == file_stamp(st)


# The cache is disposable (issue 10, point 4): damage means a warning and a correct build.

def test_hostile_shard_bytes_are_never_unmarshalled(corpus, tmp_path, parsed):
    import tracemalloc

    read(corpus, tmp_path / "cache")
    shards = sorted((tmp_path / "cache").rglob("*.marshal"))
    # A marshalled tuple that claims 50 million items: marshal.load allocates them all up front.
    shards[0].write_bytes(b")" + (50_000_000).to_bytes(4, "little"))
    shards[1].write_bytes(os.urandom(5))
    parsed.clear()
    tracemalloc.start()
    try:
        result = read(corpus, tmp_path / "cache")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000
    assert len(result.articles) == 3 and len(parsed) == 2
    assert len(result.warnings) == 1 and "2 damaged cache shard(s)" in result.warnings[0]
    parsed.clear()
    assert read(corpus, tmp_path / "cache").warnings == () and parsed == []  # rewritten whole


def test_a_shard_with_a_wrong_checksum_is_ignored(corpus, tmp_path, parsed):
    read(corpus, tmp_path / "cache")
    shard = sorted((tmp_path / "cache").rglob("*.marshal"))[0]
    data = bytearray(shard.read_bytes())
    data[-1] ^= 1
    shard.write_bytes(bytes(data))
    parsed.clear()
    assert [a.title for a in read(corpus, tmp_path / "cache").articles] == ["A", "B", "C"] and len(parsed) == 1


def break_cache(kind: str, cache, monkeypatch):
    """Make the cache folder unusable in one of the ways issue 10 met."""
    import errno

    import graph.cache

    if kind == "file":
        cache.write_text("not a folder")
    elif kind == "shard-is-folder":
        for shard in cache.rglob("*.marshal"):
            shard.unlink()
            shard.mkdir()
    else:  # read-only or full: root ignores permissions, so the failing call is made to fail
        code = errno.EROFS if kind == "read-only" else errno.ENOSPC

        def refuse_writes(file, mode="r", *args, **kwargs):
            if "w" in mode:
                raise OSError(code, os.strerror(code))
            return open(file, mode, *args, **kwargs)
        monkeypatch.setattr(graph.cache, "open", refuse_writes, raising=False)


@pytest.mark.parametrize("kind", ["file", "shard-is-folder", "read-only", "full"])
def test_an_unusable_cache_folder_is_a_warning_and_a_correct_build(corpus, tmp_path, kind, monkeypatch, capsys):
    from graph.cli import main

    cache = tmp_path / "cache"
    if kind == "shard-is-folder":
        read(corpus, cache)
    break_cache(kind, cache, monkeypatch)
    result = read(corpus, cache)
    assert [a.title for a in result.articles] == ["A", "B", "C"] and result.warnings
    assert main(["build", str(corpus), "-o", str(tmp_path / "out"), "--cache-dir", str(cache)]) == 0
    err = capsys.readouterr().err
    assert "linkgraph build: warning:" in err and "Traceback" not in err
    assert main(["build", str(corpus), "-o", str(tmp_path / "plain"), "--no-cache", "-q"]) == 0
    for name in ("graph.ttl", "report.json"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()


def cache_folders(cache) -> list[str]:
    return sorted(p.name for p in cache.iterdir())


def test_an_upgrade_removes_this_corpus_s_cache_of_the_version_before(corpus, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    read(corpus, cache)
    before, = cache_folders(cache)
    other = write_files(tmp_path / "other", {"x.md": article("X")})
    read(other, cache)  # another corpus's cache, in use: kept
    monkeypatch.setattr(cache_module, "_FORMAT", cache_module._FORMAT + 1)
    result = read(corpus, cache)
    assert before not in cache_folders(cache) and len(cache_folders(cache)) == 2
    monkeypatch.undo()
    assert read(corpus, cache) == result and len(cache_folders(cache)) == 2


def test_idle_old_and_foreign_cache_folders(corpus, tmp_path):
    cache = tmp_path / "cache"
    idle, legacy, kept = cache / f"corpus-{'a' * 24}-{'b' * 24}", cache / f"corpus-{'c' * 24}", cache / "corpus-notes"
    foreign, recent = cache / f"corpus-{'d' * 24}-{'e' * 24}", cache / f"corpus-{'f' * 24}-{'0' * 24}"
    for folder in (idle, legacy, kept, foreign, recent):
        folder.mkdir(parents=True)
        (folder / "00.marshal").write_bytes(b"x")
        (folder / ".01.marshal.12.tmp").write_bytes(b"x")
    (foreign / "mine.txt").write_text("not the cache's")  # a folder holding anything else is left alone
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "00.marshal").write_bytes(b"x")
    (cache / f"corpus-{'1' * 24}-{'2' * 24}").symlink_to(target)
    old = cache_module.time.time() - cache_module.MAX_IDLE_SECONDS - 60
    for folder in (idle, foreign, target):
        os.utime(folder, (old, old))
    read(corpus, cache)
    names = cache_folders(cache)
    assert idle.name not in names and legacy.name not in names
    assert {kept.name, foreign.name, recent.name, f"corpus-{'1' * 24}-{'2' * 24}"} <= set(names)
    assert (target / "00.marshal").exists() and (foreign / "00.marshal").exists()


def test_opening_a_cache_keeps_it_from_being_idle(corpus, tmp_path):
    cache = tmp_path / "cache"
    read(corpus, cache)
    folder, = cache.iterdir()
    os.utime(folder, (0, 0))
    read(corpus, cache)  # nothing changed, nothing written
    assert folder.stat().st_mtime > cache_module.time.time() - 60
