"""Arabic-aware normalisation: the rules the explorer will port to JavaScript."""

import pytest

from graph.normalize import RULES, normalize


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
])
def test_variants_fold_to_one_form(typed, written):
    assert normalize(typed) == normalize(written)


def test_exact_output():
    assert normalize("  أَسْهُمُ   الشّركة ") == "اسهم الشركه"
    assert normalize("Hamza ا\u0654 decomposed") == "hamza ا decomposed"
    assert normalize("") == ""


def test_distinct_words_stay_distinct():
    assert normalize("سوق") != normalize("سواق")
    assert normalize("bank") != normalize("banks")


def test_rules_table_lists_every_change():
    assert RULES["\u0629"] == "\u0647" and RULES["\u0640"] == "" and RULES["\u064e"] == ""
    for char, replacement in RULES.items():
        assert normalize(f"x{char}y") == f"x{replacement}y".casefold()
