"""The TF-IDF text index: tokens, pruning, similarity, and its compact encoding."""

import json

from graph.textindex import SCALE, build_text_index, index_from_json, index_to_json, shared_terms, similar, tokens


def similar_docs(index, doc):
    ids, scores = similar(index, doc)
    assert ids.tolist() == sorted(ids.tolist())
    return dict(zip(ids.tolist(), scores.tolist()))


def test_tokens_are_normalised_words_without_addresses():
    assert tokens("والسوق [البنك](/bank) في https://x.org/y <b>FINRA's</b> 401k") == ["سوق", "بنك", "finra", "401k"]
    assert tokens("[x][1]\n[1]: /hidden-target\n") == []
    assert tokens("the and of في من") == []  # stop words


def test_similar_documents_rank_first():
    docs = ["stock market exchange trading", "stock exchange listing", "bond coupon maturity",
            "bond yield coupon", "market trading floor", ""]
    index = build_text_index(docs)
    scores = similar_docs(index, 0)
    assert 0 not in scores and 5 not in scores
    assert max(scores, key=scores.get) in (1, 4)
    assert 2 not in scores  # nothing in common
    assert max(similar_docs(index, 2), key=similar_docs(index, 2).get) == 3
    assert shared_terms(index, 2, 3) == ["coupon", "bond"] or set(shared_terms(index, 2, 3)) == {"coupon", "bond"}


def test_arabic_variants_match():
    index = build_text_index(["هيئة تنظيم الصناعة", "هيئه تنظيم", "سوق الذهب", "ذهب النفط"])
    assert set(similar_docs(index, 0)) == {1}
    assert set(similar_docs(index, 2)) == {3}


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


def reference_index(counts, terms_per_doc, postings_per_term):
    """The weights computed one document at a time in plain Python: what ``_weighted`` must equal."""
    import math
    from array import array
    from collections import Counter

    from graph.textindex import MAX_DF, TextIndex

    df = Counter()
    for c in counts:
        df.update(c.keys())
    n = sum(1 for c in counts if c)
    max_df = max(2, int(MAX_DF * n))
    idf = {t: math.log((1 + n) / (1 + k)) + 1 for t, k in df.items()}
    kept = sorted(t for t, k in df.items() if 2 <= k <= max_df)
    term_id = {t: i for i, t in enumerate(kept)}
    doc_ptr, doc_terms, doc_weights = array("I", [0]), array("I"), array("H")
    by_term = [[] for _ in kept]
    for d, c in enumerate(counts):
        weights = {t: (1 + math.log(k)) * idf[t] for t, k in c.items()}
        total = 0.0
        for w in weights.values():  # added in order, one by one
            total += w * w
        norm = math.sqrt(total) or 1.0
        for w, t in sorted((-w, t) for t, w in weights.items() if t in term_id)[:terms_per_doc]:
            q = max(1, round(-w / norm * SCALE))
            doc_terms.append(term_id[t])
            doc_weights.append(q)
            by_term[term_id[t]].append((-q, d))
        doc_ptr.append(len(doc_terms))
    term_ptr, term_docs, term_weights = array("I", [0]), array("I"), array("H")
    for postings in by_term:
        for q, d in sorted(postings)[:postings_per_term]:
            term_docs.append(d)
            term_weights.append(-q)
        term_ptr.append(len(term_docs))
    return TextIndex(tuple(kept), doc_ptr, doc_terms, doc_weights, term_ptr, term_docs, term_weights)


def test_the_last_index_is_kept_or_renumbered_only_when_the_documents_with_terms_are_the_same(monkeypatch):
    import graph.textindex as textindex

    docs = ["a b c stock", "", "stock c", "b c d", "a d"]
    memo: dict = {}
    last = build_text_index(docs, memo)
    assert build_text_index(docs, memo, last) is last  # nothing changed
    moved = (["", *docs[:3], "", "", *docs[3:]],  # documents without terms come (new missing targets)
             [d for d in docs if d],  # and go
             ["the of", *docs])  # stop words only: no term either
    fresh = [build_text_index(changed) for changed in moved]
    monkeypatch.setattr(textindex, "_weighted", None)  # renumbered, not weighted again
    for changed, want in zip(moved, fresh):
        kept = build_text_index(changed, memo, last)
        assert kept == want and index_to_json(kept) == index_to_json(want), changed
    monkeypatch.undo()
    for changed in (["a b c stock", "", "stock c d", "b c d", "a d"],  # a document's terms
                    ["stock c", "", "a b c stock", "b c d", "a d"],  # their order
                    ["bonds", "", "stock c", "b c d", "a d"],  # other terms, as many documents with terms
                    docs[:-1], [*docs, "a"]):  # one with terms gone or new: all weights may change
        assert build_text_index(changed, memo, last) == build_text_index(changed), changed


def test_the_weights_are_those_of_a_plain_loop_per_document(monkeypatch):
    import random

    import graph.textindex as textindex

    # few terms per document and postings per term, so both prunings cut; equal weights to tie-break
    monkeypatch.setattr(textindex, "TERMS_PER_DOC", 5)
    monkeypatch.setattr(textindex, "POSTINGS_PER_TERM", 7)
    rng = random.Random(11)
    words = [f"w{i}" for i in range(60)] + ["سوق", "بنك", "Zeta", "alpha"]
    counts = [{}, {"solo": 3}]  # an empty document; a term in one document only
    for _ in range(300):
        picked = rng.sample(words, rng.randint(1, 25))
        counts.append({w: rng.choice((1, 1, 2, 3, 10, 1000)) for w in picked})
    counts += [{"w1": 1, "w2": 1, "w3": 1}] * 4  # identical documents: ties everywhere
    got = textindex._weighted(counts)
    want = reference_index(counts, 5, 7)
    assert got == want
    assert max(len(c) for c in counts) > 5 and len(got.term_docs) < len(got.doc_terms)  # both prunings cut
    assert textindex._weighted([]) == reference_index([], 5, 7)
    assert textindex._weighted([{}, {}]) == reference_index([{}, {}], 5, 7)


def test_one_sort_of_a_packed_key_orders_as_a_lexsort(monkeypatch):
    import numpy as np

    import graph.textindex as textindex

    rng = np.random.default_rng(5)
    first, second = rng.integers(0, 50, 2000), rng.integers(0, 40, 2000)
    third = np.arange(2000) % 37 + 37 * (np.arange(2000) // 37 % 3)  # no two entries equal in all three
    keys = {(a, b, c) for a, b, c in zip(first.tolist(), second.tolist(), third.tolist())}
    first, second, third = (np.array(x) for x in zip(*sorted(keys, key=lambda k: rng.random())))
    want = np.lexsort((third, second, first))
    assert (textindex._order(first, second, third, 40, 111) == want).all()
    assert (textindex._order(first, second, third, 1 << 30, 1 << 30) == want).all()  # too wide: a lexsort


def test_words_keep_their_combining_marks():
    # a virama and vowel signs are marks, not word characters: दुनिया has no two letters in a row
    assert tokens("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


def test_a_script_written_without_spaces_is_indexed_as_pairs_of_characters():
    assert tokens("机器学习") == ["机器", "器学", "学习"]
    assert tokens("東京とtokyo 大") == ["東京", "京と", "tokyo", "大"]  # a character alone is a term
    assert tokens("ภาษาไทย") == ["ภา", "าษ", "ษา", "าไ", "ไท", "ทย"]
    index = build_text_index(["深度学习属于机器学习。", "机器学习需要数据。", "东京是首都。", "大阪很大。"])
    ids, _ = similar(index, 0)
    assert ids.tolist()[:1] == [1]
