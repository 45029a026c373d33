"""The TF-IDF text index: tokens, pruning, similarity, and its compact encoding."""

import json

from graph.textindex import SCALE, build_text_index, index_from_json, index_to_json, shared_terms, similar, tokens


def test_tokens_are_normalised_words_without_addresses():
    assert tokens("والسوق [البنك](/bank) في https://x.org/y <b>FINRA's</b> 401k") == ["سوق", "بنك", "finra", "401k"]
    assert tokens("[x][1]\n[1]: /hidden-target\n") == []
    assert tokens("the and of في من") == []  # stop words


def test_similar_documents_rank_first():
    docs = ["stock market exchange trading", "stock exchange listing", "bond coupon maturity",
            "bond yield coupon", "market trading floor", ""]
    index = build_text_index(docs)
    scores = similar(index, 0)
    assert 0 not in scores and 5 not in scores
    assert max(scores, key=scores.get) in (1, 4)
    assert 2 not in scores  # nothing in common
    assert max(similar(index, 2), key=similar(index, 2).get) == 3
    assert shared_terms(index, 2, 3) == ["coupon", "bond"] or set(shared_terms(index, 2, 3)) == {"coupon", "bond"}


def test_arabic_variants_match():
    index = build_text_index(["هيئة تنظيم الصناعة", "هيئه تنظيم", "سوق الذهب", "ذهب النفط"])
    assert set(similar(index, 0)) == {1}
    assert set(similar(index, 2)) == {3}


def test_terms_in_one_document_are_not_stored():
    index = build_text_index(["alpha beta", "beta gamma", "delta"])
    assert index.terms == ("beta",)


def test_encoding_round_trips_through_json():
    index = build_text_index(["stock market", "stock bond", "bond market", "cash"])
    again = index_from_json(json.loads(json.dumps(index_to_json(index))))
    assert again == index
    assert all(0 < w <= SCALE for w in again.doc_weights)


def test_same_input_same_index():
    docs = ["a b c stock", "stock c", "b c d"] * 3
    assert json.dumps(index_to_json(build_text_index(docs))) == json.dumps(index_to_json(build_text_index(docs)))


def test_a_memo_keeps_counts_and_changes_nothing():
    docs = ["a b c stock", "stock c", "b c d", ""] * 3
    memo: dict = {}
    cold = index_to_json(build_text_index(docs))
    assert index_to_json(build_text_index(docs, memo)) == cold
    assert set(memo) == {"a b c stock", "stock c", "b c d"}
    memo["stock c"] = {"bond": 1, "c": 1}  # a kept count is used, not recounted
    assert index_to_json(build_text_index(docs, memo)) != cold
    del memo["stock c"]
    assert index_to_json(build_text_index(docs, memo)) == cold
