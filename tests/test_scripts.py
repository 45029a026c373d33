"""Corpora in other scripts and shapes (red team 2): what the text index and the related terms make
of them. Bugs in modules other helpers own are marked xfail(strict) with the module named."""

import pytest

from graph.textindex import build_text_index, similar, tokens


@pytest.mark.xfail(strict=True, reason="graph/textindex.py (not rt2's): _WORD is \\w\\w+, and \\w is no "
                   "combining mark, so a Devanagari word is cut at its vowel signs and virama and most "
                   "Hindi words vanish (दुनिया has no two letters in a row); graph.normalize.words keeps them")
def test_devanagari_words_are_whole_terms():
    assert tokens("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


@pytest.mark.xfail(strict=True, reason="graph/textindex.py (not rt2's): Chinese and Japanese have no spaces, "
                   "so a whole sentence is one term and two texts about 机器学习 share nothing; the usual "
                   "remedy is character bigrams (as Lucene's CJK analyser)")
def test_chinese_texts_about_one_thing_are_similar():
    index = build_text_index(["深度学习属于机器学习。", "机器学习需要数据。", "东京是首都。", "大阪很大。"])
    ids, _ = similar(index, 0)
    assert 1 in ids.tolist()
