"""Arabic-aware normalisation: the rules the explorer will port to JavaScript."""

import pytest

from graph.normalize import RULES, WORD, normalize, stem, strip_article, without_proclitic


@pytest.mark.parametrize("typed, written", [
    ("هيئه تنظيم الصناعه الماليه", "هيئة تنظيم الصناعة المالية"),  # taa marbuta
    ("اسهم", "أسهم"), ("اسلام", "إسلام"), ("امن", "آمن"), ("اصل", "ٱصل"),  # alef forms
    ("مستوي", "مستوى"),  # alef maqsura
    ("مال", "مـــال"),  # tatweel
    ("اسهم", "أَسْهُمٌ"),  # tashkeel
    ("finra rules", "FINRA  Rules"),  # casefold, spaces
    ("strasse", "STRASSE"), ("straße".casefold(), "Straße"),
    ("123", "١٢٣"), ("لا", "ﻻ"),  # Arabic-Indic digits, presentation-form ligature
    ("كتاب", "کتاب"), ("علي", "علی"),  # Persian keheh and yeh
    ("שלום", "שָׁלוֹם"), ("בית המשפט", "בֵּית הַמִּשְׁפָּט"), ("בראשית", "בְּרֵאשִׁ֖ית"),  # Hebrew points, cantillation
])
def test_variants_fold_to_one_form(typed, written):
    assert normalize(typed) == normalize(written)


def test_exact_output():
    assert normalize("  أَسْهُمُ   الشّركة ") == "اسهم الشركه"
    assert normalize("Hamza ا\u0654 decomposed") == "hamza ا decomposed"
    assert normalize("") == ""


def test_distinct_words_stay_distinct():
    assert normalize("סוף־סוף") == "סוף־סוף"  # the maqaf is punctuation, kept
    assert normalize("سوق") != normalize("سواق")
    assert normalize("bank") != normalize("banks")


def test_rules_table_lists_every_change():
    assert RULES["\u0629"] == "\u0647" and RULES["\u0640"] == "" and RULES["\u064e"] == ""
    for char, replacement in RULES.items():
        assert normalize(f"x{char}y") == f"x{replacement}y".casefold()


@pytest.mark.parametrize("word, expected", [
    ("المخاطر", "مخاطر"), ("والمخاطر", "مخاطر"), ("بالمخاطر", "مخاطر"), ("للمخاطر", "مخاطر"),
    ("فالمخاطر", "مخاطر"), ("كالمخاطر", "مخاطر"), ("وبالمخاطر", "مخاطر"), ("ال", "ال"), ("الم", "الم"),
    ("سهم", "سهم"),
])
def test_strip_article(word, expected):
    assert strip_article(word) == expected


@pytest.mark.parametrize("words", [
    ("شركه", "شركات", "الشركات", "والشركه"),  # feminine singular and sound plural
    ("مستثمر", "مستثمرون", "المستثمرين", "مستثمران"),  # sound plurals and dual
    ("bond", "bonds", "bond's"), ("company", "companies"), ("tax", "taxes"), ("bonus", "bonuses"),
])
def test_stem_joins_inflections(words):
    assert len({stem(normalize(w)) for w in words}) == 1


@pytest.mark.parametrize("a, b", [("سهم", "اسهم"), ("bank", "banking"), ("analysis", "analysi"), ("بنك", "بنكنوت")])
def test_stem_keeps_other_words_apart(a, b):
    assert stem(a) != stem(b)


def test_stems_keep_three_letters_and_proclitics_are_optional():
    assert stem("بيان") == "بيان"  # -ان would leave two letters
    assert without_proclitic("وسهم") == ["سهم"] and without_proclitic("وبسهم") == ["سهم", "بسهم"]
    assert without_proclitic("بنك") == [] and without_proclitic("bank") == []


def test_word_pattern_keeps_tashkeel_and_possessives():
    assert WORD.findall("إِدَارَةُ الْمَخَاطِرِ, the investor's risk-free") == [
        "إِدَارَةُ", "الْمَخَاطِرِ", "the", "investor's", "risk", "free"]


SPACED_TEXTS = [
    "The investor's bonds, 401(k) and risk-management.", "إِدَارَةُ الْمَخَاطِرِ والسهم", "नमस्ते दुनिया, हिन्दी भाषा।",
    "Москва — столица. שָׁלוֹם עולם", "Café résumé naïve e\u0301", "🚀 Launch 👩\u200d👩\u200d👧 plan", "x_y 3.14 ab'cd",
    "한국어 문장입니다", "ελληνικά κείμενα", "",
]


@pytest.mark.parametrize("text", SPACED_TEXTS)
def test_words_of_spaced_text_take_the_plain_pattern_and_it_finds_what_the_unspaced_one_does(text):
    # words() uses WORD when a text has no character of an unspaced script (the usual case, faster):
    # the same words as the pattern that splits unspaced scripts into characters.
    from graph.normalize import _UNSPACED_WORD, spaced, words
    assert spaced(text)
    assert [m.span() for m in words(text)] == [m.span() for m in _UNSPACED_WORD.finditer(text)]


def test_words_split_unspaced_scripts_into_characters_with_their_marks():
    from graph.normalize import spaced, words
    text = "深度学习 and ไปกรุงเทพ"
    assert not spaced(text)
    assert [m.group() for m in words(text)] == ["深", "度", "学", "习", "and", "ไ", "ป", "ก", "รุ", "ง", "เ", "ท", "พ"]
