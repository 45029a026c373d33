"""A compact TF-IDF index of concept texts: "more like this" without re-reading the corpus.

Documents are the text of each node (title, description and the start of the body, in every
language), tokenised after ``graph.normalize.normalize``. Weights are sublinear TF-IDF,
L2-normalised over the whole document, then pruned so the index stays small and a query stays
fast at 50,000 articles:

- each document keeps only its ``TERMS_PER_DOC`` heaviest terms;
- terms found in one document only, or in more than ``MAX_DF`` of them, are not stored (they
  cannot, or hardly, tell documents apart);
- each term keeps its ``POSTINGS_PER_TERM`` heaviest documents (impact-ordered pruning).

Weights are stored as 16-bit integers (weight × 65535), so the index file is deterministic
and small. Similarity is the dot product of two stored vectors (≈ cosine).
"""

from __future__ import annotations

import base64
import itertools
import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from graph.normalize import MARKS, UNSPACED, fold, spaced

TERMS_PER_DOC = 64
POSTINGS_PER_TERM = 1000
MAX_DF = 0.5
QUERY_TERMS = 32
BODY_CHARS = 3000
"""Most characters of body text indexed per article file: the lead of an article names its topic."""
BODY_BUDGET = 5_000_000
"""Most characters of body text indexed in all: past BODY_BUDGET / BODY_CHARS files, each file
gives ``BODY_BUDGET / files`` (100 at 50,000 files), so the index costs a bounded time for
bodies plus a small, linear time for titles and descriptions."""


def body_chars(files: int) -> int:
    """Characters of body indexed per file in a corpus of ``files`` files."""
    return min(BODY_CHARS, BODY_BUDGET // max(1, files))
SCALE = 65535

# Link destinations, reference definitions, URLs and HTML tags are addresses, not words; they
# would also leak the very links the related signals are meant to predict. One pattern each,
# each led by a literal and run only when that literal occurs: an alternation of them was the
# slowest step of indexing.
_NOT_TEXT = (("](", re.compile(r"\]\([^)]*\)")), ("]:", re.compile(r"^ {0,3}\[[^\]]+\]:.*$", re.M)),
             ("://", re.compile(r"://\S*")), ("<", re.compile(r"<[^>]*>")))
# Two or more word characters, combining marks (a Devanagari vowel sign or virama) part of the
# word: ``\w`` alone cut नमस्ते in pieces and dropped दुनिया (no two letters in a row).
_WORD = re.compile(f"\\w(?:\\w|[{MARKS}])+")
# A run of a script written without spaces (Chinese, Japanese, Thai...): no dictionary tells its
# words, so it is indexed as overlapping pairs of characters, as Lucene's CJK analyser does (a
# character alone is a term of its own): a sentence was one term, shared by no other text.
_UNSPACED_RUN = re.compile(f"((?:[{UNSPACED}][{MARKS}]*)+)")
_UNSPACED_CHAR = re.compile(f"[{UNSPACED}][{MARKS}]*")
# The Arabic article (and a clinging wa/fa/bi/ka/li) when at least three letters remain:
# "السوق", "والسوق" and "سوق" are one term. Applied per distinct word, not per occurrence.
_ARTICLE = re.compile(r"^(?:[وفبكل]?ال|لل)(?=\w\w\w)")
# Function words of our corpora's languages, normalised: in a small or bilingual corpus they
# are not frequent enough for MAX_DF to drop them, and they made "similar text" say "the, and".
STOPWORDS = frozenset("""
a about after all also an and any are as at be been being between both but by can could did do
does each for from had has have he her his how however i if in into is it its may more most
much no not of on one only or other our over same she should so some such than that the their
them then there these they this those through to under up very was we were what when where
which while who will with would you your http https www com org
من في علي الي عن ان او هو هي ما قد التي الذي ذين هذا هذه ذلك تلك كان كانت يكون تكون تم يتم يمكن
اذا كل بين مع عند غير بعد قبل حتي لا لم لن ثم كما اي ايضا لكن حيث منذ خلال ضد نحو لدي فيها فيه
منها منه عليها عليه اليها اليه بها به لها له انه انها الا ذات وهو وهي وفي ومن
""".split())


def tokens(text: str) -> list[str]:
    """Normalised word tokens of a text: no link addresses, stop words, one-letter words or Arabic
    article; pairs of characters in a script written without spaces."""
    return [term for chunk in _chunks(text) for term in _terms(chunk)]


def term_counts(text: str, cache: dict[str, tuple[str, ...]] | None = None) -> dict[str, int]:
    """Term -> occurrences in a text, for the terms of ``tokens(text)``.

    The text is split on whitespace and the chunks counted in C; words, the article and stop
    words are then found once per distinct chunk (``cache`` keeps them across documents). A
    regex over every occurrence was five times slower.
    """
    cache = {} if cache is None else cache
    counts: dict[str, int] = {}
    for chunk, k in Counter(_chunks(text)).items():
        terms = cache.get(chunk)
        if terms is None:
            terms = cache[chunk] = _terms(chunk)
        for term in terms:
            counts[term] = counts.get(term, 0) + k
    return counts


def _chunks(text: str) -> list[str]:
    for literal, pattern in _NOT_TEXT:
        if literal in text:
            text = pattern.sub(" ", text)
    return fold(text).split()


def _terms(chunk: str) -> tuple[str, ...]:
    """Terms of a whitespace-free chunk such as '(finra),': words without the article, no stop
    words; in a script written without spaces, pairs of characters."""
    if spaced(chunk):
        return _words(chunk)
    terms: list[str] = []
    for i, part in enumerate(_UNSPACED_RUN.split(chunk)):
        if i % 2 == 0:
            terms += _words(part)
        else:
            chars = _UNSPACED_CHAR.findall(part)
            terms += map("".join, zip(chars, chars[1:])) if len(chars) > 1 else chars
    return tuple(terms)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_ARTICLE.sub("", w) for w in _WORD.findall(text) if w not in STOPWORDS)


@dataclass(frozen=True, slots=True)
class TextIndex:
    """Two views of one sparse matrix: document -> terms (queries) and term -> documents (scoring)."""

    terms: tuple[str, ...]
    doc_ptr: array
    """Document d's entries are ``doc_terms[doc_ptr[d]:doc_ptr[d + 1]]``, heaviest first."""
    doc_terms: array
    doc_weights: array
    term_ptr: array
    """Term t's entries are ``term_docs[term_ptr[t]:term_ptr[t + 1]]``, heaviest first."""
    term_docs: array
    term_weights: array
    counts: Sequence[Mapping[str, int]] = field(default=(), compare=False, repr=False)
    """The term counts of the documents it was made of (``build_text_index``'s ``previous``)."""


def build_text_index(docs: Sequence[str], memo: MutableMapping[str, dict[str, int]] | None = None,
                     previous: TextIndex | None = None, changed: Iterable[int] | None = None,
                     was: Sequence[int] | None = None) -> TextIndex:
    """Index a sequence of texts; document ids are positions in ``docs``.

    ``memo`` (text -> its ``term_counts``, never modified) keeps each document's counts across
    builds, so a rebuild counts only the texts that changed. The weights are corpus-wide: they
    are computed again unless ``previous`` (the last build's index) was made of the same
    documents with terms, in the same order (``_renumbered``). ``changed``, with both: the
    positions of the only documents that may differ from those ``previous`` was made of (as
    many): the others' counts are ``previous``'s, and ``previous`` itself when none differs.
    ``was``, with ``changed``, when documents came or went (a missing target): each document's
    position among those ``previous`` was made of (-1: none, and it is in ``changed``); every
    other document is the one at its position there.
    """
    cache: dict[str, tuple[str, ...]] = {}
    if memo is not None and previous is not None and changed is not None and (
            was is not None or len(previous.counts) == len(docs)):
        # The others' counts taken by position, in C: a lookup of each text in the memo was a
        # tenth of a second at 50,000 files.
        counts = list(previous.counts) if was is None else list(map([*previous.counts, {}].__getitem__, was))
        for i in changed:
            text = docs[i]
            found = memo.get(text) if text else {}
            if found is None:
                found = memo[text] = term_counts(text, cache)
            counts[i] = found
        memo.update(itertools.compress(zip(docs, counts), docs))  # every text's counts, as looking each up keeps them
        if was is None and all(counts[i] is previous.counts[i] for i in changed):
            return previous
        return _renumbered(counts, previous) or _weighted(counts)
    if memo is None:
        counts = [term_counts(text, cache) if text else {} for text in docs]
        # Not kept in the index: nothing will renumber it, and the counts are tens of MB.
        return replace(_weighted(counts), counts=())
    else:
        counts = []
        for text in docs:
            found = memo.get(text) if text else {}
            if found is None:
                found = memo[text] = term_counts(text, cache)
            counts.append(found)
    return (previous is not None and _renumbered(counts, previous)) or _weighted(counts)


def _renumbered(counts: Sequence[Mapping[str, int]], previous: TextIndex) -> TextIndex | None:
    """``_weighted(counts)`` from ``previous``, when ``counts`` has the documents with terms that it
    was made of, in the same order; None otherwise. Documents without terms (a new missing
    target, a keyword) change no weight, rank or pruning, only the ids of the documents after them."""
    # In C: a list compares its items by identity first, then equality.
    if list(itertools.compress(previous.counts, previous.counts)) != list(itertools.compress(counts, counts)):
        return None
    old = list(itertools.compress(range(len(previous.counts)), previous.counts))
    new = list(itertools.compress(range(len(counts)), counts))
    if old == new and len(counts) == len(previous.counts):
        return previous
    ids = np.zeros(len(previous.counts), dtype=np.int64)
    ids[old] = new
    lengths = np.zeros(len(counts), dtype=np.int64)
    lengths[new] = np.diff(np.array(previous.doc_ptr, dtype=np.int64))[old]
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    return TextIndex(previous.terms, _array("I", ptr), previous.doc_terms, previous.doc_weights, previous.term_ptr,
                     _array("I", ids[np.array(previous.term_docs, dtype=np.int64)]), previous.term_weights, counts)


def _weighted(counts: Sequence[Mapping[str, int]]) -> TextIndex:
    """The index of documents given as term counts: sublinear TF-IDF, L2-normalised, pruned.

    In numpy over one flat array of (document, term, count) entries, each float computed as the
    per-document Python loop this replaced did: the same products of the same doubles, each
    norm summed in its document's own term order one position at a time (as ``sum`` adds on
    Python 3.11), ties broken by the term's text (its rank among the kept terms). At 50,000
    files, 0.6 s instead of 1.7 s, with the same arrays (tests/test_textindex.py compares them).
    """
    vocab: dict[str, int] = defaultdict(itertools.count().__next__)
    ids = np.fromiter(itertools.chain.from_iterable(map(vocab.__getitem__, c) for c in counts), dtype=np.int64)
    ks = np.fromiter(itertools.chain.from_iterable(c.values() for c in counts), dtype=np.int64, count=len(ids))
    lengths = np.fromiter(map(len, counts), dtype=np.int64, count=len(counts))
    terms = list(vocab)
    df = np.bincount(ids, minlength=len(terms))
    n = int(np.count_nonzero(lengths))
    max_df = max(2, int(MAX_DF * n))
    kept = sorted(t for t, keep in zip(terms, ((df >= 2) & (df <= max_df)).tolist()) if keep)
    rank = np.full(len(terms), -1, dtype=np.int64)  # vocabulary id -> term id (position in kept), or -1
    rank[np.fromiter(map(vocab.__getitem__, kept), dtype=np.int64, count=len(kept))] = np.arange(len(kept))
    # A weight is the product of a count's and a document frequency's factors, each computed once
    # per distinct value: a table of every product (the same doubles as one per entry), which also
    # ranks the weights without sorting the entries.
    counted, count_at = _distinct(ks)
    spread, df_at = _distinct(df)
    tf = np.array([1 + math.log(k) for k in counted.tolist()], dtype=np.float64)
    idf = np.array([math.log((1 + n) / (1 + k)) + 1 for k in spread.tolist()], dtype=np.float64)
    products = np.multiply.outer(tf, idf).ravel()
    heavier = np.unique(-products, return_inverse=True)[1]  # 0 for the heaviest weight, equal weights equal
    code = count_at * len(idf) + df_at[ids]
    weights = products[code]

    docs = len(counts)
    starts = np.zeros(docs, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    longest_first = np.argsort(-lengths, kind="stable")
    shorter = -lengths[longest_first]  # ascending
    squares, sums = weights * weights, np.zeros(docs)
    for j in range(int(lengths.max(initial=0))):
        still = longest_first[:np.searchsorted(shorter, -j)]  # the documents with more than j terms
        sums[still] += squares[starts[still] + j]
    norms = np.sqrt(sums)
    norms[sums == 0] = 1.0

    doc = np.repeat(np.arange(docs), lengths)
    term = rank[ids]
    stored = term >= 0
    doc, term, weights, heavier = doc[stored], term[stored], weights[stored], heavier[code[stored]]
    # per document, heaviest first, then by term
    order = _order(doc, heavier, term, int(heavier.max(initial=0)) + 1, len(kept))
    doc, term, weights = doc[order], term[order], weights[order]
    top = np.arange(len(doc)) - np.searchsorted(doc, doc) < TERMS_PER_DOC
    doc, term, weights = doc[top], term[top], weights[top]
    q = np.maximum(1, np.rint(weights / norms[doc] * SCALE)).astype(np.int64)
    order = _order(term, SCALE - q, doc, SCALE, docs)  # per term, heaviest first, then by document
    p_term, p_doc, p_q = term[order], doc[order], q[order]
    top = np.arange(len(p_term)) - np.searchsorted(p_term, p_term) < POSTINGS_PER_TERM
    p_term, p_doc, p_q = p_term[top], p_doc[top], p_q[top]
    return TextIndex(tuple(kept), _array("I", _pointers(doc, docs)), _array("I", term), _array("H", q),
                     _array("I", _pointers(p_term, len(kept))), _array("I", p_doc), _array("H", p_q), counts)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` of non-negative integers, by counting: no sort of
    a million entries for a few distinct values."""
    present = np.zeros(int(values.max(initial=0)) + 1, dtype=bool)
    present[values] = True
    return np.flatnonzero(present), (np.cumsum(present) - 1)[values]


def _order(first: np.ndarray, second: np.ndarray, third: np.ndarray, seconds: int, thirds: int) -> np.ndarray:
    """``np.lexsort((third, second, first))`` of non-negative integers, ``second`` below ``seconds`` and
    ``third`` below ``thirds``, where no two entries are equal in all three: one sort of one key
    when it fits in 63 bits (a lexsort sorts three times)."""
    if (int(first.max(initial=0)) + 1) * seconds * thirds >= 1 << 63:
        return np.lexsort((third, second, first))
    return np.argsort((first * seconds + second) * thirds + third)


def _pointers(rows: np.ndarray, count: int) -> np.ndarray:
    """Row pointers of compressed sparse rows whose entries' row numbers, in order, are ``rows``."""
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=count), out=ptr[1:])
    return ptr


def spans(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the entries of ``rows`` (in that order) of compressed sparse rows lie, end to end, and each row's length."""
    starts = ptr[rows].astype(np.int64)
    lengths = ptr[rows + 1] - starts
    if (lengths < 0).any():
        raise IndexError("a row ends before it starts")
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths), lengths


def _array(typecode: str, values: np.ndarray) -> array:
    """A numpy integer array as a stdlib array of ``typecode`` (``I`` or ``H``)."""
    out = array(typecode)
    out.frombytes(values.astype(np.dtype(typecode)).tobytes())
    return out


def doc_vector(index: TextIndex, doc: int) -> dict[int, float]:
    """Term id -> weight of one document."""
    lo, hi = index.doc_ptr[doc], index.doc_ptr[doc + 1]
    return {t: w / SCALE for t, w in zip(index.doc_terms[lo:hi], index.doc_weights[lo:hi])}


def similar(index: TextIndex, doc: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the documents sharing terms with ``doc`` (itself excluded), from its ``QUERY_TERMS``
    heaviest terms, in id order, and their similarity to it."""
    lo = index.doc_ptr[doc]
    hi = min(index.doc_ptr[doc + 1], lo + QUERY_TERMS)
    at, lengths = spans(np.asarray(index.term_ptr), np.asarray(index.doc_terms[lo:hi], dtype=np.int64))
    docs = np.asarray(index.term_docs)[at]
    # Integer weights: their products and sums are exact in float64 (far below 2 ** 53), so the
    # order they are added in does not matter.
    products = np.repeat(np.asarray(index.doc_weights[lo:hi], dtype=np.int64), lengths) * np.asarray(index.term_weights)[at]
    n = len(index.doc_ptr) - 1
    present = np.bincount(docs, minlength=n)
    present[doc] = 0
    found = np.flatnonzero(present)
    return found, np.bincount(docs, products.astype(float), minlength=n)[found] / (SCALE * SCALE)


def shared_terms(index: TextIndex, a: int, b: int, n: int = 3) -> list[str]:
    """The ``n`` terms that contribute most to the similarity of two documents."""
    va, vb = doc_vector(index, a), doc_vector(index, b)
    both = sorted(((-va[t] * vb[t], index.terms[t]) for t in va.keys() & vb.keys()))
    return [term for _, term in both[:n]]


def index_to_json(index: TextIndex) -> dict:
    """The index as JSON-ready data: integer arrays as little-endian base64."""
    data: dict = {"terms": list(index.terms)}
    for name in ("doc_ptr", "doc_terms", "doc_weights", "term_ptr", "term_docs", "term_weights"):
        data[name] = pack(getattr(index, name))
    return data


def index_from_json(data: dict) -> TextIndex:
    """The inverse of ``index_to_json``."""
    return TextIndex(tuple(data["terms"]), *(unpack(data[name]) for name in (
        "doc_ptr", "doc_terms", "doc_weights", "term_ptr", "term_docs", "term_weights")))


def pack(values: array) -> str:
    """An integer array as base64 text, little-endian whatever the machine."""
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return f"{values.typecode}:" + base64.b64encode(values.tobytes()).decode("ascii")


def unpack(text: str) -> array:
    """The inverse of ``pack``."""
    typecode, _, payload = text.partition(":")
    values = array(typecode)
    values.frombytes(base64.b64decode(payload))
    if sys.byteorder == "big":
        values.byteswap()
    return values
