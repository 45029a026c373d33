"""exports/ is what ``linkgraph build`` writes from seeds/: never stale, always reproducible."""

from graph.pipeline import build
from tests.conftest import INVESTORSWIKI, PROJECT, need, snapshot


def test_committed_exports_equal_a_fresh_build(tmp_path):
    # The whole folder, .linkgraph/ included: a fresh clone's exports/ must be what
    # ``diff -r exports OUT`` finds equal to a new build of seeds/.
    build([PROJECT / "seeds"], tmp_path / "out")
    assert snapshot(PROJECT / "exports") == snapshot(tmp_path / "out")


def test_no_absolute_paths_or_timestamps_in_exports():
    for path in (PROJECT / "exports").iterdir():
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert str(PROJECT) not in text and "/tmp/" not in text


def test_seed_is_the_investorswiki_article_byte_for_byte():
    original = need(INVESTORSWIKI / "Arabic" / "account-executive.md")
    assert (PROJECT / "seeds" / "account-executive.md").read_bytes() == original.read_bytes()
