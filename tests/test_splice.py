"""graph.splice directly: runs of pieces matched with the previous table in bulk (``_Matcher``,
under --watch) give the bytes, the chunk table and the counts of the same pieces taken one by one,
and both the bytes of a cold write."""

import random

import pytest

import graph.splice as splice
from graph.splice import Previous, Run, render, table_path, write_spliced

CONTEXT = b"c" * 16


def _piece(rng, key=None, place=None):
    key = key or b"n" + rng.randbytes(16)
    return key, place if place is not None else splice._NOWHERE, rng.choice(["", "x", "line\n" * rng.randrange(1, 4)])


def _file(groups):
    """Pieces of a file: each group a run (a list of (key, place, text)), glue between them."""
    pieces = [CONTEXT, "head\n"]
    for g, group in enumerate(groups):
        keys, places, texts = [k for k, _, _ in group], [p for _, p, _ in group], [t for _, _, t in group]
        numbered = any(p != splice._NOWHERE for p in places)
        # A renumbered piece's bytes are its text with its place, as rendered: the same bytes.
        text = (lambda i, texts=texts, places=places: f"{texts[i]}@{places[i].hex()}\n") if numbered else texts.__getitem__
        pieces.append(Run(keys, text, places if numbered else None,
                          (lambda old, i, rows, text=text: text(i).encode()) if numbered else None))
        if g % 2:
            pieces.append(f"glue {g}\n")
    return pieces + ["end\n"]


def _edited(rng, groups, edits):
    groups = [list(g) for g in groups]
    for _ in range(edits):
        group = rng.choice([g for g in groups if g] or groups)
        kind = rng.choice(["text", "insert", "delete", "move", "place", "join"])
        i = rng.randrange(len(group)) if group else 0
        numbered = any(p != splice._NOWHERE for _, p, _ in group)
        if kind == "text" and group:
            group[i] = _piece(rng, place=group[i][1])
        elif kind == "insert" or not group:
            group.insert(i, _piece(rng, place=rng.randbytes(8) if numbered else None))
        elif kind == "delete":
            del group[i]
        elif kind == "move":
            group.insert(rng.randrange(len(group)), group.pop(i))
        elif kind == "place" and numbered:
            group[i] = (group[i][0], rng.randbytes(8), group[i][2])
        elif kind == "join" and len(groups) > 1:  # two runs that had glue between them become one
            j = groups.index(group)
            if j + 1 < len(groups) and not any(p != splice._NOWHERE for _, p, _ in groups[j + 1]) and not numbered:
                group.extend(groups.pop(j + 1))
    return groups


def _write(tmp_path, name, pieces, previous=None, trusted=False):
    folder = tmp_path / name
    folder.mkdir()
    done = write_spliced(folder / "f", pieces, folder / "state", previous, trusted=trusted)
    return done, (folder / "f").read_bytes(), table_path(folder / "state", "f").read_bytes()


@pytest.mark.parametrize("finds", [0, splice._FINDS])
@pytest.mark.parametrize("seed", range(40))
def test_runs_matched_in_bulk_equal_the_pieces_one_by_one_and_a_cold_write(tmp_path, monkeypatch, seed, finds):
    monkeypatch.setattr(splice, "_FINDS", finds)  # keys looked up in a dict of every row, or found in the bytes
    rng = random.Random(seed)
    groups = [[_piece(rng, place=rng.randbytes(8) if g == 0 else None) for _ in range(rng.randrange(0, 60))]
              for g in range(rng.randrange(1, 5))]
    _write(tmp_path, "old", _file(groups))
    old = tmp_path / "old"
    previous = Previous(old / "f", splice.read_table(old / "state", "f")[0])
    new = _edited(rng, groups, rng.choice([0, 1, 2, 5, 30]))
    bulk = _write(tmp_path, "bulk", _file(new), previous, trusted=True)
    monkeypatch.setattr(splice, "_Matcher", lambda *args: None)  # every run piece by piece
    single = _write(tmp_path, "single", _file(new), previous, trusted=True)
    cold = _write(tmp_path, "cold", _file(new))
    assert bulk[1] == single[1] == cold[1] == "".join(render(_file(new))).encode()
    assert bulk[2] == single[2] == cold[2]
    assert bulk[0] == single[0]


def test_one_changed_piece_in_a_long_run_is_two_copies_and_one_piece(tmp_path):
    rng = random.Random(7)
    groups = [[_piece(rng) for _ in range(1000)]]
    _write(tmp_path, "old", _file(groups))
    table = splice.read_table(tmp_path / "old" / "state", "f")[0]
    index = splice.KeyIndex(table.keys)
    groups[0][500] = _piece(rng)
    matcher = splice._Matcher(table, index, (tmp_path / "old" / "f").stat().st_size)
    parts = list(matcher.split(_file(groups)[2]))
    assert parts[0] == splice._Copy(0, 500) and parts[1][2] == 500 and parts[2] == splice._Copy(501, 1000)
    assert len(parts) == 3 and index.rows is None  # no dict of every key was made


@pytest.mark.parametrize("finds", [0, splice._FINDS])
def test_a_key_is_found_at_its_row_as_a_dict_of_every_row_finds_it(monkeypatch, finds):
    monkeypatch.setattr(splice, "_FINDS", finds)
    one, two = b"n" + bytes([1]) * 16, b"n" + bytes([2]) * 16
    index = splice.KeyIndex(bytearray(one + two + one + two))
    assert index.get(one) == 2 and index.get(two) == 3  # the last row holding it
    assert index.get(bytes([1]) * 8 + b"n" + bytes([2]) * 8) is None  # across two keys: no row
    assert index.get(b"n" + bytes([3]) * 16) is None and index.get(one[:5]) is None
