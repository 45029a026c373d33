"""Arabic-aware text normalisation for matching: the one set of rules for lookup and text similarity.

A reader types "هيئه" for "هيئة" and "اسهم" for "أسهم"; both must find the same concept. The
rules are a small character table on purpose, so the HTML explorer can apply the very same
rules in JavaScript (``RULES`` lists them):

1. ``casefold`` (Latin, Greek, Cyrillic … lose case);
2. delete tashkeel (harakat, tanwin, shadda, sukun, hamza and madda marks, superscript alef,
   Quranic marks), tatweel, and Hebrew points (niqqud, dagesh, shin and sin dots, cantillation);
3. Unicode NFKC (Arabic presentation forms and ligatures become plain letters; full-width
   Latin becomes ASCII). After step 2 almost all text is already NFKC, which Python checks
   quickly: NFKC of text still carrying tashkeel is the slowest step by far;
4. unify alef forms أ إ آ ٱ → ا, taa marbuta ة → ه, alef maqsura ى → ي, Persian yeh ی → ي and
   keheh ک → ك, Arabic-Indic digits → ASCII digits;
5. collapse runs of whitespace to one space and trim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

# Marks that change pronunciation, not the word: readers and search boxes rarely type them.
TASHKEEL = "".join(map(chr, [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670,
                             *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8,
                             *range(0x06EA, 0x06EE)]))
TATWEEL = "\u0640"
# Hebrew's vowel points, dagesh, shin/sin dots and cantillation marks, which most Hebrew text
# leaves out as Arabic leaves out tashkeel; not its punctuation (maqaf, paseq, sof pasuq).
HEBREW_POINTS = "".join(map(chr, [*range(0x0591, 0x05BE), 0x05BF, 0x05C1, 0x05C2, 0x05C4, 0x05C5, 0x05C7]))
LETTERS = {
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef forms
    "\u0629": "\u0647",  # taa marbuta -> haa
    "\u0649": "\u064a",  # alef maqsura -> yaa
    "\u06cc": "\u064a", "\u06a9": "\u0643",  # Persian yeh, keheh
}
DIGITS = {
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Extended Arabic-Indic digits
}
RULES: dict[str, str] = {**{c: "" for c in TASHKEEL + TATWEEL + HEBREW_POINTS}, **LETTERS, **DIGITS}
"""Every character the rules change: character -> replacement ('' deletes)."""

# A character class and plain replaces: str.translate walks non-ASCII text one code point
# at a time through a dict and is 2-3x slower on Arabic.
_MARKS = re.compile("[" + re.escape(TASHKEEL + TATWEEL + HEBREW_POINTS) + "]+")
_DIGITS = re.compile("[" + "".join(DIGITS) + "]")
_DIGIT_TABLE = str.maketrans(DIGITS)


def normalize(text: str) -> str:
    """Text folded for matching: casefold, no tashkeel, tatweel or Hebrew points, NFKC, unified letters, single spaces."""
    return " ".join(fold(text).split())


def fold(text: str) -> str:
    """``normalize`` without the whitespace step (rules 1-4), for text that is split into words anyway."""
    text = _MARKS.sub("", text.casefold())
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for char, replacement in LETTERS.items():
        if char in text:
            text = text.replace(char, replacement)
    if _DIGITS.search(text):
        text = text.translate(_DIGIT_TABLE)
    return text


# --- Words and light stemming, for finding a concept's name inside running text -----------

def _class(codes: Iterable[int]) -> str:
    """A regular expression character class's inside holding these code points, as ranges."""
    codes, ranges = sorted(codes), []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)


MARKS = _class({*(c for c in range(0x10000) if unicodedata.category(chr(c))[0] == "M"), *map(ord, TASHKEEL + TATWEEL)})
"""Combining marks (Unicode's M categories) of the Basic Multilingual Plane, which holds those of
living scripts (beyond it the class is a list the matcher walks: twice as slow), with tashkeel and
tatweel: part of the word they sit in. ``\\w`` alone splits at them, so a Devanagari word (नमस्ते:
a virama and a vowel sign) was cut in pieces, as Arabic with tashkeel would be."""
UNSPACED = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
            "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
"""Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, Japanese kana and
Chinese characters. Without a dictionary no word boundary is known there, so each character (with
its marks) is a word of its own and a name is found wherever its characters stand in a row."""
WORD = re.compile(f"(?:[^\\W_]|[{MARKS}])+(?:['\u2019][^\\W_]+)?")
"""A word of running text, combining marks (``MARKS``: tashkeel, vowel signs) included, with an
English possessive or contraction kept on (``investor's``)."""
_UNSPACED = re.compile(f"[{UNSPACED}]")
_UNSPACED_WORD = re.compile(f"[{UNSPACED}][{MARKS}]*|(?:(?![{UNSPACED}])(?:[^\\W_]|[{MARKS}]))+"
                            f"(?:['\u2019](?:(?![{UNSPACED}])[^\\W_])+)?")


def words(text: str) -> Iterator[re.Match]:
    """The ``WORD``s of a text, each character of an ``UNSPACED`` script a word of its own."""
    if spaced(text):
        return WORD.finditer(text)
    return _UNSPACED_WORD.finditer(text)


def spaced(text: str) -> bool:
    """True when ``words`` of the text are the ``WORD``s (no character of an ``UNSPACED`` script)."""
    return text.isascii() or _UNSPACED.search(text) is None

# The article and the letters that cling to it, longest first: a conjunction (wa, fa), then a
# preposition (bi, ka, li; li + al is written lil), then al. On folded text (alef unified).
ARABIC_ARTICLES = ("وبال", "وكال", "فبال", "فكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
PROCLITICS = ("وب", "وك", "ول", "فب", "فك", "فل", "و", "ف", "ب", "ك", "ل")
"""Conjunctions and prepositions written attached to a word without the article (``وإدارة``)."""
# Feminine and sound plural, dual and nisba endings, and attached pronouns, folded (taa marbuta
# is haa), in the order of Larkey's light10 stemmer: each is removed at most once.
ARABIC_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
MIN_STEM = 3
"""Fewest letters a stem keeps: two-letter stems would make unrelated words one."""
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


_ARTICLE_PREFIX = re.compile(f"^(?:{'|'.join(ARABIC_ARTICLES)})(?=..)")


def strip_article(word: str) -> str:
    """A folded Arabic word without its article and the conjunction/preposition clinging to it."""
    return _ARTICLE_PREFIX.sub("", word, count=1) if word.startswith(("ا", "و", "ف", "ب", "ك", "ل")) else word


def stem(word: str) -> str:
    """Light stem of a folded word: Arabic without article and one round of endings (light10);
    other scripts without a possessive and a plural -s/-es/-ies. Distinct words may share a stem."""
    if _ARABIC_LETTER.match(word):
        word = strip_article(word)
        for suffix in ARABIC_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word = word[: -len(suffix)]
        return word
    return english_singular(word)


def english_singular(word: str) -> str:
    """A casefolded English word without ``'s`` and with a regular plural made singular."""
    if word.endswith(("'s", "\u2019s")):
        word = word[:-2]
    if len(word) <= 3 or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes", "uses")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")) or not word.endswith("s"):
        return word
    return word[:-1]


def without_proclitic(word: str) -> list[str]:
    """The folded Arabic word with each attached conjunction/preposition removed (``وإدارة`` -> ``ادارة``)."""
    return [word[len(p):] for p in PROCLITICS
            if word.startswith(p) and len(word) - len(p) >= MIN_STEM and _ARABIC_LETTER.match(word)]
