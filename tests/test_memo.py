"""The index memo on disk: read back equal to what was written, the same bytes for equal memos,
and nothing from bytes that are damaged, foreign or made by other code."""

import pytest

import graph.memo as memo
from graph.memo import Memo, memo_bytes, memo_from_bytes
from graph.mentions import mention_candidates
from graph.reader import read_corpus
from graph.resolve import resolve
from tests.conftest import GLOSSARY, write_files


def scanned(root) -> Memo:
    """A memo after the mentions of the corpus under ``root`` were found through it."""
    made = Memo()
    mention_candidates(resolve(read_corpus([root])), memo=made.scans)
    return made


@pytest.fixture(scope="module")
def glossary() -> Memo:
    return scanned(GLOSSARY)


def test_a_memo_reads_back_equal_to_what_was_written(glossary):
    back = memo_from_bytes(memo_bytes(glossary))
    assert back.scans.names == glossary.scans.names
    assert back.scans.groups == glossary.scans.groups
    assert back.scans.entries == glossary.scans.entries
    assert back.texts == {} and back.model is None  # kept in memory only (a watch), not on disk
    # each name is made once on reading: the matches and the groups share the names' objects
    names = {id(n) for n in back.scans.names.values()}
    assert all(id(n) in names for group in back.scans.groups.values() for n in group)
    assert all(id(n) in names for _, matches in back.scans.entries.values() for m in matches for n, _ in m[2])


def test_equal_memos_give_equal_bytes(glossary):
    data = memo_bytes(glossary)
    assert memo_bytes(memo_from_bytes(data)) == data
    assert memo_bytes(scanned(GLOSSARY)) == data  # made again from scratch: other objects, same values


def test_a_memo_of_other_input_gives_other_bytes(tmp_path, glossary):
    root = write_files(tmp_path, {"a.md": b"---\ntitle: Alpha\n---\nAlpha and [beta](/b).\n"})
    assert memo_bytes(scanned(root)) != memo_bytes(glossary)


@pytest.mark.parametrize("damage", ["flipped-byte", "cut-short", "foreign", "empty"])
def test_damaged_or_foreign_bytes_are_a_value_error(glossary, damage):
    data = bytearray(memo_bytes(glossary))
    if damage == "flipped-byte":
        data[len(data) // 2] ^= 0x40
    elif damage == "cut-short":
        del data[-100:]
    elif damage == "foreign":
        data = bytearray(b"PK\x03\x04 a zip file")
    else:
        data = bytearray()
    with pytest.raises(ValueError):
        memo_from_bytes(bytes(data))


def test_a_memo_made_by_other_code_is_not_used(glossary, monkeypatch):
    data = memo_bytes(glossary)
    monkeypatch.setattr(memo, "_CODE", ["another version of linkgraph"])
    assert memo_from_bytes(data) is None
