"""Text hygiene and language decisions shared by every stage.

Cleaning happens once, when text enters the pipeline, so every exporter writes the same
characters and none of them has to know about XML- or Turtle-forbidden code points.
"""

from __future__ import annotations

import html
import re
import unicodedata

# C0 controls except TAB/LF/CR, DEL, C1 controls, lone surrogates and the two noncharacters
# XML 1.0 forbids: strict RDF and XML parsers reject them and they never carry meaning.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")

ARABIC_SCRIPT_LANGS = frozenset({"ar", "fa", "ur", "ps", "ckb", "sd", "ug"})

# Folder names that mark a language root (``Texts/Arabic``, ``content/en``). Deliberately a
# short list: a bare two-letter folder is only taken for a language we name here.
LANGUAGE_FOLDERS = {
    "arabic": "ar", "ar": "ar", "english": "en", "en": "en", "french": "fr", "fr": "fr",
    "german": "de", "de": "de", "spanish": "es", "es": "es", "italian": "it", "it": "it",
    "portuguese": "pt", "pt": "pt", "russian": "ru", "ru": "ru", "chinese": "zh", "zh": "zh",
    "japanese": "ja", "ja": "ja", "korean": "ko", "ko": "ko", "turkish": "tr", "tr": "tr",
    "persian": "fa", "farsi": "fa", "fa": "fa", "urdu": "ur", "ur": "ur", "hindi": "hi",
    "hi": "hi", "hebrew": "he", "he": "he", "dutch": "nl", "nl": "nl", "indonesian": "id",
    "id": "id", "malay": "ms", "ms": "ms",
}
_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
"""Control characters, and the invisible format characters that reorder or hide text (bidirectional
controls, zero-width space, word joiner, BOM, soft hyphen, Arabic letter mark): a terminal obeys
them (ESC starts a control sequence) and a reader cannot see them. Zero-width (non-)joiners are
not among them: they spell words in Persian and Indic scripts."""


def shown(text: str) -> str:
    """Text safe to print on a terminal as one line: unshowable characters as ``\\xNN``/``\\uNNNN``."""
    if INVISIBLE.search(text) is None:
        return text
    return INVISIBLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                           else f"\\u{ord(m.group()):04x}", text)


def clean_text(text: str) -> str:
    """Remove code points that XML 1.0 or strict RDF parsers reject."""
    return _FORBIDDEN.sub("", text)


def plain(text: str) -> str:
    """One-line display text: HTML entities decoded, forbidden characters gone, spaces collapsed.

    Entities are decoded until stable because the corpus double-escapes (``M&amp;amp;A``).
    """
    for _ in range(3):
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _FORBIDDEN.search(text):
        text = clean_text(text)
    return " ".join(text.split())


def has_arabic_script(text: str) -> bool:
    """True when the text contains at least one Arabic-script character."""
    return _ARABIC_SCRIPT.search(text) is not None


def valid_lang_tag(tag: object) -> str | None:
    """A lower-cased BCP 47-shaped tag, or None for anything that is not one."""
    if isinstance(tag, str) and _BCP47.match(tag.strip()):
        return tag.strip().lower()
    return None


def written_lang(value: object) -> str | None:
    """A language tag from front matter as people write one: a BCP 47 tag (``ar``, ``en-US``), a
    POSIX locale (``ar_SA``, ``en_US.UTF-8``: ``ar-sa``, ``en-us``) or a language's English name
    as language folders are named (``Arabic``: ``ar``); None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return valid_lang_tag(text.split(".")[0].replace("_", "-")) or LANGUAGE_FOLDERS.get(text.casefold())


def field_lang(text: str, file_lang: str | None) -> str | None:
    """Language tag for one field of a file, or None when the text does not tell.

    The file's language is only trusted when the field's script agrees with it: an English
    keyword in an Arabic article stays untagged rather than being tagged ``@ar`` wrongly.
    """
    if has_arabic_script(text):
        return file_lang if file_lang in ARABIC_SCRIPT_LANGS else "ar"
    if file_lang in ARABIC_SCRIPT_LANGS or not _LETTER.search(text):
        return None
    return file_lang
