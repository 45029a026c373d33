from graph.text import clean_text, field_lang, has_arabic_script, plain, valid_lang_tag, written_lang


def test_clean_text_removes_what_xml_and_rdf_parsers_reject():
    assert clean_text("a\x00b\x07c\x1fd\x7fe\ud800f\ufffeg\uffff") == "abcdefg"
    assert clean_text("tab\tnew\nline\r") == "tab\tnew\nline\r"


def test_plain_decodes_entities_even_double_escaped():
    assert plain("M&amp;amp;A") == "M&A"
    assert plain("&quot;Blue&quot; chip&#39;s") == "\"Blue\" chip's"
    assert plain("  two\n lines\t") == "two lines"


def test_plain_normalises_to_nfc():
    assert plain("e\u0301") == "\u00e9"


def test_field_language_follows_script_not_only_file():
    assert field_lang("منفذ الحساب", "ar") == "ar"
    assert field_lang("Careers", "ar") is None  # English keyword in an Arabic article
    assert field_lang("Careers", "en") == "en"
    assert field_lang("وسيط", None) == "ar"
    assert field_lang("Broker", None) is None
    assert field_lang("401", "en") is None  # no letters, nothing tells


def test_language_tags_are_validated():
    assert valid_lang_tag("AR") == "ar"
    assert valid_lang_tag("pt-BR") == "pt-br"
    assert valid_lang_tag("Arabic language") is None
    assert valid_lang_tag(3) is None


def test_arabic_script_detection():
    assert has_arabic_script("S&P مؤشر")
    assert not has_arabic_script("FINRA")


def test_written_lang_reads_tags_locales_and_names_and_nothing_else():
    assert [written_lang(v) for v in ("ar", "AR", "pt_BR", "en_US.UTF-8", "Arabic", "FARSI")] == [
        "ar", "ar", "pt-br", "en-us", "ar", "fa"]
    assert [written_lang(v) for v in ("", "not a tag", "ar__SA", "Klingon", 3, None, ["ar"])] == [None] * 7
