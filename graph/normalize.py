"""Arabic-aware text normalisation for matching: the one set of rules for lookup and text similarity.

A reader types "هيئه" for "هيئة" and "اسهم" for "أسهم"; both must find the same concept. The
rules are a small character table on purpose, so the HTML explorer can apply the very same
rules in JavaScript (``RULES`` lists them):

1. ``casefold`` (Latin, Greek, Cyrillic … lose case);
2. delete tashkeel (harakat, tanwin, shadda, sukun, hamza and madda marks, superscript alef,
   Quranic marks) and tatweel;
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

# Marks that change pronunciation, not the word: readers and search boxes rarely type them.
TASHKEEL = "".join(map(chr, [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670,
                             *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8,
                             *range(0x06EA, 0x06EE)]))
TATWEEL = "\u0640"
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
RULES: dict[str, str] = {**{c: "" for c in TASHKEEL + TATWEEL}, **LETTERS, **DIGITS}
"""Every character the rules change: character -> replacement ('' deletes)."""

# A character class and plain replaces: str.translate walks non-ASCII text one code point
# at a time through a dict and is 2-3x slower on Arabic.
_MARKS = re.compile("[" + re.escape(TASHKEEL + TATWEEL) + "]+")
_DIGITS = re.compile("[" + "".join(DIGITS) + "]")
_DIGIT_TABLE = str.maketrans(DIGITS)


def normalize(text: str) -> str:
    """Text folded for matching: casefold, no tashkeel or tatweel, NFKC, unified letters, single spaces."""
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
