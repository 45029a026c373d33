import pytest

from graph.output import write_atomic


def test_failed_write_leaves_the_previous_file_and_no_temp(tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_text("previous")

    def explode(out):
        out.write("half a file")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomic(target, explode)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_write_creates_folders_and_uses_lf(tmp_path):
    target = tmp_path / "new" / "x.txt"
    write_atomic(target, lambda out: out.write("a\nb\n"))
    assert target.read_bytes() == b"a\nb\n"
