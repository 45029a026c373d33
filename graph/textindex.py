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
import math
import re
import sys
from array import array
from collections import Counter
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

from graph.normalize import fold

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
_WORD = re.compile(r"\w\w+")
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
    """Normalised word tokens of a text: no link addresses, stop words, one-letter words or Arabic article."""
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
    """Terms of a whitespace-free chunk such as '(finra),': words without the article, no stop words."""
    return tuple(_ARTICLE.sub("", w) for w in _WORD.findall(chunk) if w not in STOPWORDS)


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


def build_text_index(docs: Sequence[str], memo: MutableMapping[str, dict[str, int]] | None = None) -> TextIndex:
    """Index a sequence of texts; document ids are positions in ``docs``.

    ``memo`` (text -> its ``term_counts``, never modified) keeps each document's counts across
    builds, so a rebuild counts only the texts that changed; the weights are corpus-wide and
    always computed again.
    """
    cache: dict[str, tuple[str, ...]] = {}
    if memo is None:
        counts = [term_counts(text, cache) if text else {} for text in docs]
    else:
        counts = []
        for text in docs:
            found = memo.get(text) if text else {}
            if found is None:
                found = memo[text] = term_counts(text, cache)
            counts.append(found)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = sum(1 for c in counts if c)
    max_df = max(2, int(MAX_DF * n))
    idf = {t: math.log((1 + n) / (1 + k)) + 1 for t, k in df.items()}
    kept = sorted(t for t, k in df.items() if 2 <= k <= max_df)
    term_id = {t: i for i, t in enumerate(kept)}

    doc_ptr, doc_terms, doc_weights = array("I", [0]), array("I"), array("H")
    by_term: list[list[tuple[int, int]]] = [[] for _ in kept]
    for d, c in enumerate(counts):
        weights = {t: (1 + math.log(k)) * idf[t] for t, k in c.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        top = sorted(((-w, t) for t, w in weights.items() if t in term_id))[:TERMS_PER_DOC]
        for w, t in top:
            q = max(1, round(-w / norm * SCALE))
            doc_terms.append(term_id[t])
            doc_weights.append(q)
            by_term[term_id[t]].append((-q, d))
        doc_ptr.append(len(doc_terms))

    term_ptr, term_docs, term_weights = array("I", [0]), array("I"), array("H")
    for postings in by_term:
        for q, d in sorted(postings)[:POSTINGS_PER_TERM]:
            term_docs.append(d)
            term_weights.append(-q)
        term_ptr.append(len(term_docs))
    return TextIndex(tuple(kept), doc_ptr, doc_terms, doc_weights, term_ptr, term_docs, term_weights)


def doc_vector(index: TextIndex, doc: int) -> dict[int, float]:
    """Term id -> weight of one document."""
    lo, hi = index.doc_ptr[doc], index.doc_ptr[doc + 1]
    return {t: w / SCALE for t, w in zip(index.doc_terms[lo:hi], index.doc_weights[lo:hi])}


def similar(index: TextIndex, doc: int) -> dict[int, float]:
    """Document id -> similarity to ``doc`` (itself excluded), from its ``QUERY_TERMS`` heaviest terms."""
    lo = index.doc_ptr[doc]
    hi = min(index.doc_ptr[doc + 1], lo + QUERY_TERMS)
    scores: dict[int, float] = {}
    get = scores.get
    for t, qw in zip(index.doc_terms[lo:hi], index.doc_weights[lo:hi]):
        a, b = index.term_ptr[t], index.term_ptr[t + 1]
        for d, w in zip(index.term_docs[a:b], index.term_weights[a:b]):
            scores[d] = get(d, 0) + qw * w
    scores.pop(doc, None)
    return {d: s / (SCALE * SCALE) for d, s in scores.items()}


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
