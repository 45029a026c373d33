"""exports/ is what ``linkgraph build`` writes from seeds/: never stale, always reproducible."""

from graph.pipeline import build
from tests.conftest import INVESTORSWIKI, PROJECT, need


def test_committed_exports_equal_a_fresh_build(tmp_path):
    result = build([PROJECT / "seeds"], tmp_path)
    # .linkgraph/ (the build's own state) is not committed: see .gitignore
    committed = sorted(p.name for p in (PROJECT / "exports").iterdir() if p.name != ".linkgraph")
    assert committed == sorted(p.name for p in result.written)
    for path in result.written:
        assert (PROJECT / "exports" / path.name).read_bytes() == path.read_bytes(), path.name


def test_no_absolute_paths_or_timestamps_in_exports():
    for path in (PROJECT / "exports").iterdir():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert str(PROJECT) not in text and "/tmp/" not in text


def test_seed_is_the_investorswiki_article_byte_for_byte():
    original = need(INVESTORSWIKI / "Arabic" / "account-executive.md")
    assert (PROJECT / "seeds" / "account-executive.md").read_bytes() == original.read_bytes()
