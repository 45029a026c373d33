"""Unlinked mentions: each matching rule, each place that is not prose, and the precision cases."""

import json

import pytest

from graph.cli import main
from graph.mentions import (Lexicon, Readers, ScanMemo, anchor_counts, build_lexicon, concept_names, corpus_mentions, format_mentions,
                            mention_candidates, scan)
from graph.model import Corpus
from graph.parse import parse_article
from graph.pipeline import build
from graph.resolve import ResolveMemo, resolve
from tests.conftest import write_files


def article(title: str, body: str, slug: str = "") -> str:
    return f"---\ntitle: {title}\n" + (f"slug: {slug}\n" if slug else "") + f"---\n{body}\n"


CONCEPTS = {
    "Arabic/risk.md": article("المخاطر", "المخاطر هي احتمال الخسارة."),
    "Arabic/risk-management.md": article("إدارة المخاطر", "تحديد المخاطر وتقليلها."),
    "Arabic/stock.md": article("سهم", "حصة في شركة."),
    "Arabic/company.md": article("شركة", "كيان تجاري."),
    "Arabic/investor.md": article("مستثمر", "من يستثمر."),
    "Arabic/authority.md": article("هيئة", "جهة تنظيمية."),
    "Arabic/level.md": article("مستوى", "درجة."),
    "Arabic/finra.md": article("هيئة تنظيم الصناعة المالية", "منظمة."),
    "English/bond.md": article("Bond", "A debt security."),
    "English/company.md": article("Company", "A business."),
    "English/bank.md": article("Bank", "Takes deposits."),
    "English/contains.md": article("Substring test", "A function."),
    "English/affordable-care-act.md": article("Health law", "A law."),
    "English/risk-management.md": article("Risk Management", "Managing risk."),
}


def found(body: str, title: str = "مقال", path: str = "Arabic/page.md", extra: dict | None = None) -> dict:
    """Target -> Mention for a page added to CONCEPTS, every confidence included."""
    files = {**CONCEPTS, **(extra or {}), path: article(title, body)}
    articles = [parse_article(text, name)[0] for name, text in sorted(files.items())]
    resolution = resolve(Corpus(tuple(articles), (), len(articles)))
    return {m.target: m for m in corpus_mentions(resolution, min_confidence=0.0)[path]}


@pytest.mark.parametrize("written, target", [
    ("إِدَارَةُ الْمَخَاطِرِ", "risk-management"),  # tashkeel
    ("اسهم", None), ("السهم", "stock"), ("سهم", "stock"),  # a different word is not a form of it
    ("هيئه", "authority"), ("مستوي", "level"),  # taa marbuta, alef maqsura
    ("هيئة تنظيم الصناعه الماليه", "finra"),
    ("والسهم", "stock"), ("بالسهم", "stock"), ("للسهم", "stock"), ("فالسهم", "stock"), ("كالسهم", "stock"),
    ("وسهم", "stock"), ("بسهم", "stock"), ("لسهم", "stock"), ("فسهم", "stock"), ("كسهم", "stock"),
    ("وبالسهم", "stock"),
    ("شركات", "company"), ("الشركات", "company"), ("والشركات", "company"),  # feminine sound plural
    ("مستثمرون", "investor"), ("المستثمرين", "investor"), ("مستثمران", "investor"),  # plural, dual
])
def test_arabic_forms(written, target):
    mentions = found(f"نص فيه {written} هنا.")
    if target is None:
        assert "stock" not in mentions
    else:
        assert target in mentions, mentions
        assert mentions[target].text == written


@pytest.mark.parametrize("written, target", [
    ("bond", "bond"), ("BOND", "bond"), ("Bonds", "bond"), ("companies", "company"), ("company's", "company"),
    ("risk-management", "risk-management"), ("Risk  management", "risk-management"),
])
def test_english_case_and_plurals(written, target):
    assert found(f"Some text with {written} in it.", "Page", "English/page.md")[target].text == written


def test_no_match_inside_a_longer_word():
    mentions = found("Banking and embankments, bonded bondage; بنكنوت وأسهمت", "Page", "English/page.md")
    assert not {"bank", "bond", "stock"} & set(mentions)



SCRIPTS = {
    "zh/ml.md": article("机器学习", "机器学习是一个领域。"),
    "zh/ai.md": article("人工智能", "人工智能。"),
    "ja/tokyo.md": article("東京", "東京は首都です。"),
    "ja/katakana.md": article("コンピュータ", "機械。"),
    "hi/namaste.md": article("नमस्ते", "अभिवादन।"),
    "hi/kshatriya.md": article("क्षत्रिय", "वर्ण।"),
    "th/bangkok.md": article("กรุงเทพ", "เมืองหลวง"),
    "he/shalom.md": article("\u200fשלום\u200f", "ברכה"),
}


@pytest.mark.parametrize("body, path, target, text", [
    # No spaces between words in Chinese, Japanese or Thai: a name is found inside a run of them,
    # as a reader of those scripts reads it.
    ("深度学习属于机器学习和人工智能。", "zh/dl.md", "ml", "机器学习"),
    ("深度学习属于机器学习和人工智能。", "zh/dl.md", "ai", "人工智能"),
    ("大阪は東京の西にあります。", "ja/osaka.md", "tokyo", "東京"),
    ("このコンピュータは速い", "ja/osaka.md", "katakana", "コンピュータ"),
    ("ไปกรุงเทพวันนี้", "th/x.md", "th/bangkok", "กรุงเทพ"),  # (th/ is no language folder here)
    # Devanagari's vowel signs and virama are combining marks: part of the word, not a break in it.
    ("हम नमस्ते कहते हैं।", "hi/x.md", "namaste", "नमस्ते"),
    ("वह क्षत्रिय था।", "hi/x.md", "kshatriya", "क्षत्रिय"),
    ("אמרו שלום לכולם", "he/x.md", "shalom", "שלום"),  # right-to-left marks around a title
    ("אָמְרוּ שָׁלוֹם לְכֻלָּם", "he/x.md", "shalom", "שָׁלוֹם"),  # pointed text names the unpointed title
])
def test_names_in_scripts_without_spaces_or_with_combining_marks(body, path, target, text):
    mentions = found(body, "x", path, SCRIPTS)
    assert target in mentions, mentions
    assert mentions[target].text == text


def test_a_name_is_not_found_in_part_of_a_word_with_combining_marks():
    # नमस (without the vowel sign and virama) is not नमस्ते; a Devanagari word is not cut at its marks.
    mentions = found("नमस्ते", "x", "hi/x.md", {**SCRIPTS, "hi/namas.md": article("नमस", "x")})
    assert "namas" not in mentions and mentions["namaste"].text == "नमस्ते"

def test_words_split_by_punctuation_are_not_a_name():
    mentions = found("We price the risk. Management decides.", "Page", "English/page.md")
    assert "risk-management" not in mentions


@pytest.mark.parametrize("body", [
    "`bond` in a code span.",
    "```\nbond in fenced code\n```",
    "    bond in indented code",
    "## Bond heading\n\nText.",
    "[a bond](https://example.com) link text.",
    "![bond](x.png) image.",
    'Raw <a href="https://example.com">bond</a> anchor.',
    "<div>\nbond in an HTML block\n</div>",
])
def test_not_prose(body):
    assert "bond" not in found(body, "Page", "English/page.md")


def test_a_wikilinks_text_is_not_prose_when_wikilinks_are_read():
    from graph.parse import ParseOptions
    files = {**CONCEPTS, "English/page.md": article("Page", "See [[https://example.com|a bond]] here.")}

    def targets(wikilinks: bool) -> set[str]:
        options = ParseOptions(wikilinks=wikilinks)
        articles = [parse_article(t, name, options)[0] for name, t in sorted(files.items())]
        return set(m.target for m in corpus_mentions(resolve(Corpus(tuple(articles), (), len(articles))),
                                                     min_confidence=0)["English/page.md"])
    assert "bond" not in targets(True)
    assert "bond" in targets(False)  # without the option, [[...]] is prose


def test_front_matter_is_not_prose():
    text = "---\ntitle: Page\ndescription: about a bond\n---\nNothing here.\n"
    files = {**CONCEPTS, "English/page.md": text}
    articles = [parse_article(t, name)[0] for name, t in sorted(files.items())]
    assert corpus_mentions(resolve(Corpus(tuple(articles), (), len(articles))), min_confidence=0)["English/page.md"] == ()


def test_emphasis_does_not_break_a_name_and_lines_are_file_lines():
    mentions = found("First line.\n\nText on *risk*\nmanagement here.", "Page", "English/page.md")
    m = mentions["risk-management"]
    assert (m.line, m.text) == (6, "risk management")  # after 3 front matter lines


def test_own_concept_is_skipped():
    assert "bond" not in found("A bond is a bond.", "Bond", "English/bond.md")


def test_linked_targets_are_never_reported_even_before_the_link():
    mentions = found("A bond first, then [the bond](/bond), then bond.", "Page", "English/page.md")
    assert "bond" not in mentions


def test_first_mention_per_target():
    mentions = found("Line one.\n\nA bond.\n\nBonds again.", "Page", "English/page.md")
    assert mentions["bond"].line == 6 and mentions["bond"].text == "bond"


def test_longest_match_wins():
    mentions = found("عن إدارة المخاطر في الشركة")
    assert mentions["risk-management"].text == "إدارة المخاطر"
    assert "risk" not in mentions
    assert found("المخاطر وحدها")["risk"].text == "المخاطر"


def test_names_in_every_language():
    mentions = found("نص عربي يذكر Bank و Risk Management هنا")
    assert {"bank", "risk-management"} <= set(mentions)


def test_slugs_that_are_words():
    mentions = found("The affordable care act, FINRA rules and a string contains x.", "Page", "English/page.md")
    assert mentions["affordable-care-act"].how == "slug exact"
    assert mentions["finra"].text == "FINRA"  # a one-word slug only in capitals ...
    assert "contains" not in mentions  # ... so a common word is not taken for it


def test_anchor_texts_name_their_targets():
    extra = {"English/a.md": article("A", "See [bank holiday](/holiday) and [bank holiday](/holiday).")}
    mentions = found("Closed for the bank holiday.", "Page", "English/page.md", extra)
    assert mentions["holiday"].how == "anchor exact" and mentions["holiday"].text == "bank holiday"
    assert "bank" not in mentions  # the longer name took the words


def test_confidence_exact_above_article_above_inflected():
    exact, with_article, inflected = (found(f"نص {w} هنا")["company"] for w in ("شركة", "الشركة", "شركات"))
    assert (exact.how, with_article.how, inflected.how) == ("title exact", "title article", "title inflected")
    assert 1 >= exact.confidence > with_article.confidence > inflected.confidence > 0


def test_self_links_never_make_a_confidence_over_1(tmp_path):
    # Both language twins of "bank" link their own concept and one other article links it: the
    # self-links once counted as linking "bank" but not as holding it, a link rate of 3/2.
    twins = {"English/bank.md": article("Bank", "A [bank](/bank) takes deposits."),
             "Arabic/bank.md": article("بنك", "[بنك](/bank) يقبل الودائع.", slug="bank"),
             "English/l0.md": article("L0", "Every [bank](/bank) here.")}
    mention = found("A bank, not linked.", "Page", "English/page.md", twins)["bank"]
    assert mention.confidence <= 1
    files = {**CONCEPTS, **twins, "English/page.md": article("Page", "A bank, not linked.")}
    build([write_files(tmp_path / "in", {k: v.encode() for k, v in files.items()})], tmp_path / "out")  # no OverflowError


def test_names_their_authors_link_score_higher():
    linkers = {f"English/l{i}.md": article(f"L{i}", "Every [bank](/bank) here.") for i in range(3)}
    nonlinkers = {f"English/n{i}.md": article(f"N{i}", "A bond, not linked.") for i in range(3)}
    mentions = found("A bank and a bond.", "Page", "English/page.md", {**linkers, **nonlinkers})
    assert mentions["bank"].confidence > mentions["bond"].confidence


def test_scan_is_linear_state_free_and_deterministic():
    lexicon = Lexicon(concept_names(parse_article(t, n)[0] for n, t in CONCEPTS.items()))
    body = "\n\n".join(f"بند {i}: إدارة المخاطر والشركات و Bonds." for i in range(200))
    first = [(line, text, [n.target for n in names]) for line, text, names, _ in scan(body, lexicon)]
    assert first == [(line, text, [n.target for n in names]) for line, text, names, _ in scan(body, lexicon)]
    assert len(first) == 600 and first[0][0] == 1 and first[-1][0] == 399


def test_a_memo_rescans_only_changed_bodies_and_those_where_a_changed_name_may_start(monkeypatch):
    import graph.mentions as mentions

    def resolution(body: str, more: dict | None = None):
        files = {**CONCEPTS, "Arabic/page.md": article("مقال", body), **(more or {})}
        return resolve(Corpus(tuple(parse_article(t, n)[0] for n, t in sorted(files.items())), (), len(files)))

    scanned, made, made_by_memo = [], [], []
    matches = mentions.article_matches
    monkeypatch.setattr(mentions, "article_matches", lambda body, *a: scanned.append(body) or matches(body, *a))
    make = mentions.name
    monkeypatch.setattr(mentions, "name", lambda *a: made.append(a) or make(*a))

    def rebuild(corpus) -> set[str]:
        scanned.clear()
        made.clear()
        found = mention_candidates(corpus, memo=memo)
        rescanned = {body.strip() for body in scanned}
        made_by_memo[:] = made
        assert found == mention_candidates(corpus)  # as without a memo
        return rescanned

    memo = ScanMemo()
    before = resolution("نص عن إدارة المخاطر.")
    assert len(rebuild(before)) == len(before.articles) and len(memo.entries) == len(before.articles)
    # Same names, one body edited: only that body, and no name made again.
    assert rebuild(resolution("نص عن السهم.")) == {"نص عن السهم."}
    assert made_by_memo == []
    # A new anchor text (a new name of stock): the page, and no article without a word it may start.
    assert rebuild(resolution("نص عن [السهم](/stock) والأسهم.")) == {"نص عن [السهم](/stock) والأسهم."}
    # A new concept named by a word of another body: that body is scanned again, and names it now.
    loss = {"Arabic/loss.md": article("الخسارة", "ضد الربح.")}
    after = resolution("نص عن [السهم](/stock) والأسهم.", loss)
    assert rebuild(after) == {"ضد الربح.", "المخاطر هي احتمال الخسارة."}
    assert "loss" in {m.target for m in mention_candidates(after)["Arabic/risk.md"]}
    # The same names in another order (two concepts titled alike, one renamed past the other):
    # the scan lists names in trie order, so the bodies that may meet them are scanned again.
    twins = {"English/zz-bond.md": article("Bond", "A second.", slug="bond-two")}
    rebuild(resolution("Bonds pay.", twins))
    moved = {"English/aa-bond.md": article("Bond", "A second.", slug="bond-two")}
    assert rebuild(resolution("Bonds pay.", moved)) == {"Bonds pay."}
    assert rebuild(resolution("Bonds pay.", moved)) == set()  # nothing changed since


class Edits:
    """A corpus edited file by file, re-parsing only the files that changed (as a watch keeps its
    articles), resolved after each edit."""

    def __init__(self, files: dict[str, str], memo: ResolveMemo | None = None) -> None:
        self.files, self.parsed, self.memo = dict(files), {}, memo
        self.reversed = False

    def resolution(self):
        self.parsed = {n: self.parsed[n] if n in self.parsed and self.parsed[n][0] == t else (t, parse_article(t, n)[0])
                       for n, t in sorted(self.files.items())}
        articles = tuple(a for _, a in self.parsed.values())[::-1 if self.reversed else 1]
        return resolve(Corpus(articles, (), len(articles)), self.memo)


LINKED = {
    "English/bond.md": article("Bond", "A bond is a debt. A [Bank](/bank) may issue one, as a [Company](/company) does."),
    "English/bank.md": article("Bank", "A bank lends to a company. See [bond market](/bond) and [equity](/stock)."),
    "English/company.md": article("Company", "A business. It issues a bond and stock; its [lender](/bank) is a bank."),
    "English/fund.md": article("Fund", "A fund holds bonds and fixed income. [Shares](/stock) and a [loan](/bank)."),
    "English/page.md": article("Page", "Banks buy a Bond with fixed income; the [Company](/company) sells [shares](/stock)."),
}


def test_a_memo_through_a_sequence_of_edits_gives_what_a_fresh_computation_gives(monkeypatch):
    import graph.mentions as mentions

    done = []
    article_said = mentions.LinkMentions._article
    monkeypatch.setattr(mentions.LinkMentions, "_article", lambda self, a, *rest: done.append(a.path) or
                        article_said(self, a, *rest))
    made = []
    lexicon_init = mentions.Lexicon.__init__
    monkeypatch.setattr(mentions.Lexicon, "__init__", lambda self, names: made.append(1) or lexicon_init(self, names))
    edits, memo = Edits(LINKED), ScanMemo()

    def same(step: str) -> list[str]:
        resolution = edits.resolution()
        done.clear()
        made.clear()
        said: dict = {}
        found = mention_candidates(resolution, memo=memo, links=said)
        redone = sorted(done)
        # The lexicon is made once, then updated where its names changed (Lexicon.update), unless
        # the articles changed order (the names' order with them).
        assert len(made) == (step in ("first", "the same articles in another order")), step
        fresh_said: dict = {}
        assert found == mention_candidates(resolution, links=fresh_said), step
        assert said == fresh_said, step
        lexicon, counts = build_lexicon(resolution), anchor_counts(resolution)
        assert (memo.lexicon.groups, memo.lexicon.trie, memo.lexicon.size) == (lexicon.groups, lexicon.trie,
                                                                               lexicon.size), step
        assert (memo.anchors, memo.spelling) == counts, step
        fresh = ScanMemo()
        mention_candidates(resolution, memo=fresh, links={})
        assert memo.counts == fresh.counts, step  # corrected by each change, as counted afresh
        _readers_kept(memo, step)
        return redone

    assert same("first") == sorted(LINKED)  # every article with links
    edits.files["English/page.md"] += "More words, naming nothing.\n"
    assert same("prose edit") == ["English/page.md"]
    assert same("no change") == []
    edits.files["English/fund.md"] += "Run by a [Company](/company).\n"
    same("a new link")
    edits.files["English/company.md"] += "Also [fixed income](/bond).\n"
    assert ("fixed income", "bond") in {(m.text, m.target) for m in mention_candidates(edits.resolution())["English/fund.md"]}
    same("a new anchor text that becomes a name")
    edits.files["English/bank.md"] += "Some [fixed income](/fund), more [fixed income](/fund).\n"
    assert ("fixed income", "bond") not in {(m.text, m.target) for m in mention_candidates(edits.resolution())["English/page.md"]}
    same("an anchor text whose share falls below MIN_LINK_SHARE")
    edits.files["English/page.md"] += "[Fixed Income](/fund)\n"
    same("another spelling of an anchor text, first in order")
    edits.files["English/page.md"] = edits.files["English/page.md"].replace("[Fixed Income](/fund)", "")
    same("that spelling gone")
    del edits.files["English/bank.md"]
    same("a deleted article")
    edits.files["English/stock.md"] = article("Stock", "Shares of a company, not a bond.")
    same("a new article turning a missing target into an article")
    edits.files["English/company.md"] = edits.files["English/company.md"].replace("Company", "Corporation")
    same("a retitled article")
    edits.files["English/bank.md"] = LINKED["English/bank.md"]
    same("the deleted article back")
    edits.files["English/bond-two.md"] = article("Bond", "Another.", slug="bond-two")  # a second name "bond"
    same("a title another article has")
    edits.reversed = True
    same("the same articles in another order")


def _readers_kept(memo: ScanMemo, step: str) -> None:
    """The memo's readers of each key, updated entry by entry, are those of its entries now."""
    assert memo.mention_readers == Readers.of(memo.mentions, 2), step
    assert memo.said_readers == Readers.of(memo.said, 2), step


def test_format_text_and_json(tmp_path):
    from graph.mentions import Mention
    m = Mention("a.md", 3, "bonds", "bond", 0.75, "a", "title inflected")
    assert format_mentions([m]) == 'a.md:3: "bonds" -> bond (0.75)'
    assert json.loads(format_mentions([m], "json")) == [{"path": "a.md", "line": 3, "text": "bonds", "target": "bond",
                                                         "confidence": 0.75, "source": "a", "how": "title inflected"}]


def write(folder, files):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def test_cli_mentions_and_check(tmp_path, capsys, monkeypatch):
    write(tmp_path, {"en/bond.md": article("Government Bond", "A loan."),
                     "en/page.md": article("Page", "Buy a government bond.\n\nSee [missing](/nowhere).")})
    monkeypatch.chdir(tmp_path)
    assert main(["mentions", "en"]) == 0
    assert capsys.readouterr().out == 'en/page.md:4: "government bond" -> bond (0.44)\n'
    assert main(["mentions", "en", "--format", "json", "--min-confidence", "0.9"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["check", "en", "--mentions", "--allow-missing"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["en/page.md:6: /nowhere (missing)", 'en/page.md:4: "government bond" -> bond (0.44)']
    assert "1 unlinked mentions -> ok" in err
    with pytest.raises(SystemExit):
        main(["mentions", "en", "--min-confidence", "2"])


def test_acronyms_only_in_capitals():
    extra = {"English/arm.md": article("ARM", "Adjustable-rate mortgage."),
             "English/etf.md": article("ETF", "Exchange-traded fund.")}
    mentions = found("The arm of the law; ETFs and an ARM.", "Page", "English/page.md", extra)
    assert mentions["arm"].text == "ARM" and mentions["etf"].text == "ETFs"
    extra = {"English/a.md": article("A", "An [ARM](/mortgage).")}
    assert "mortgage" not in found("The arm of the law.", "Page", "English/page.md", extra)
    assert found("An ARM.", "Page", "English/page.md", extra)["mortgage"].how == "anchor exact"


def test_a_closing_bracket_stays_with_the_name():
    extra = {"English/401k.md": article("401(k) Plan", "A plan.")}
    assert found("Save in a 401(k) plan today.", "Page", "English/page.md", extra)["401k"].text == "401(k) plan"
    extra = {"English/roth.md": article("Roth 401(k)", "A plan.")}
    assert found("Save in a Roth 401(k) today.", "Page", "English/page.md", extra)["roth"].text == "Roth 401(k)"


def test_words_naming_this_article_or_a_linked_concept_name_nothing_else():
    extra = {"English/bond-etf.md": article("Bond", "A fund.", slug="bond-fund")}
    assert {"bond", "bond-fund"} & set(found("A bond.", "Page", "English/page.md", extra)) == {"bond", "bond-fund"}
    assert "bond-fund" not in found("A bond is a bond.", "Bond", "English/bond.md", extra)
    assert "bond-fund" not in found("A bond, see [it](/bond).", "Page", "English/page.md", extra)


def test_cli_help_states_the_library_default():
    from graph.cli import make_parser
    from graph.mentions import MIN_CONFIDENCE
    command = make_parser()._subparsers._group_actions[0].choices["mentions"]
    assert f"(default: {MIN_CONFIDENCE})" in command.format_help()
    with pytest.raises(SystemExit):
        command.parse_args(["--min-confidence", "nan"])


def linked_and_plain(linked_body: str, plain_body: str, extra: dict | None = None) -> tuple[dict, dict]:
    """(what page.md's links say as mentions, page.md's mentions when the same body is written without them)."""
    files = {**CONCEPTS, **(extra or {}), "English/page.md": article("Page", linked_body)}
    articles = [parse_article(text, name)[0] for name, text in sorted(files.items())]
    said: dict = {}
    before = corpus_mentions(resolve(Corpus(tuple(articles), (), len(articles))), min_confidence=0.0)
    found_too = corpus_mentions(resolve(Corpus(tuple(articles), (), len(articles))), min_confidence=0.0, links=said)
    assert found_too == before  # asking for what links say changes no mention
    return ({v: c for (u, v), c in said.items() if u == "page" and c},
            found(plain_body, "Page", "English/page.md", extra))


def test_a_link_says_what_its_anchor_text_would_say_as_a_mention():
    said, plain = linked_and_plain("Banks buy a [Bond](/bond) often.", "Banks buy a Bond often.")
    assert said == {"bond": plain["bond"].confidence} and said["bond"] > 0
    # A name the article's other words hold, skipped because it links the concept, counts too.
    said, plain = linked_and_plain("A Bond pays. See [here](/bond).", "A Bond pays. See here.")
    assert said == {"bond": plain["bond"].confidence}


def test_an_anchor_text_only_this_link_uses_names_nothing():
    # Were the link not written, no link would have made "paper of debt" a name of bond.
    said, plain = linked_and_plain("They sold [paper of debt](/bond).", "They sold paper of debt.")
    assert said == {} and "bond" not in plain
    other = {"English/other.md": article("Other", "Some [paper of debt](/bond).")}
    said, plain = linked_and_plain("They sold [paper of debt](/bond).", "They sold paper of debt.", other)
    assert said == {"bond": plain["bond"].confidence} and plain["bond"].how == "anchor exact"


def test_an_anchor_written_as_code_stays_code():
    said, plain = linked_and_plain("Call [`Bond`](/bond) here.", "Call `Bond` here.")
    assert said == {} and "bond" not in plain


# Written for the fast paths below: one-space names, every other gap, marks and forms NFKC
# changes, digits \d does not take, and NULs, which ``folds`` joins texts with.
TEXTS = ["Risk Management", "risk  management", " Bond", "Bond ", "401(k) plan", "e-mail list", "ETF’s fund",
         "investor's guide", "إِدَارَةُ الْمَخَاطِرِ", "هيئة تنظيم", "ﻷسهم المالية", "x² y", "Ⅻ items", "a_b c",
         "", " ", "\u0651", "\u0301e acute", "tab\tgap", "line\nbreak", "ﬁnance", "ＦＵＬＬ width", "ΣΑΣ bank", "٣ أسهم"]


def test_name_path_of_spaced_words_is_the_general_one():
    from graph.mentions import _spaced_path, name_path
    from graph.normalize import fold
    for text in TEXTS:
        assert name_path(text) == _spaced_path(fold(text)), text


def test_names_folded_together_are_folded_one_by_one():
    from graph.mentions import _PATHS, _spaced_path, folds, name_path, name_paths
    from graph.normalize import fold, normalize
    for texts in (TEXTS, [*TEXTS, "a\0b"], [], [""], ["e", "\u0301"], ["\u0627", "\u0653"]):
        assert folds(texts) == [fold(t) for t in texts]
    _PATHS.clear()
    normal = name_paths(TEXTS)
    assert normal == {t: normalize(t) for t in TEXTS}
    assert all(name_path(t) == _spaced_path(fold(t)) for t in TEXTS)


def test_anchor_shares_tell_what_anchor_counts_tell():
    from graph.mentions import _links, anchor_names, anchor_shares
    extra = {"English/a.md": article("A", "[Fixed Income](/bond), [fixed income](/bond), [Fixed income](/fund), "
                                          "[Tie](/bond), [tie](/bank), [Minor](/bond), [Minor](/bank), [minor](/bank), "
                                          "[x](/bond), [A](/a), [Self](/a), [ext](https://example.com/), [إدارة المخاطر](/risk)"),
             "English/b.md": article("B", "[Tie](/company) [Tie](/company), [ARM](/bank), [arm](/bond), [arm](/bond)")}
    files = {**CONCEPTS, **extra}
    articles = [parse_article(text, name)[0] for name, text in sorted(files.items())]
    resolution = resolve(Corpus(tuple(articles), (), len(articles)))
    counts, spelling = anchor_counts(resolution)
    shares = anchor_shares(resolution)
    assert list(shares.names()) == list(anchor_names(resolution, (counts, spelling)))
    assert len(list(shares.names())) >= 4 and shares.spelling == spelling
    targets = {t for c in counts.values() for t in c} | {"nowhere"}
    for key in [*counts, "no such text"]:
        for target in targets:
            assert shares.links(key, target) == _links(counts, key, target), (key, target)


def test_remembered_tiers_are_the_tiers(monkeypatch):
    import graph.mentions as mentions
    bodies = ["والسهم وبالسهم والشركات شركة هيئه تنظيم الصناعة المالية.", "Banks and bonds, a Bond, BONDS.",
              "إدارة المخاطر وبإدارة المخاطر والمخاطر المستثمرين.", "A Risk Management of risk managements."]
    articles = [parse_article(text, name)[0] for name, text in sorted(CONCEPTS.items())]
    resolution = resolve(Corpus(tuple(articles), (), len(articles)))
    warm = build_lexicon(resolution)
    remembered = [mentions.article_matches(body, warm) for body in [*bodies, *reversed(bodies)]]
    assert {"exact", "article", "inflected"} <= set(warm._tiers.values())
    monkeypatch.setattr(mentions._Tiers, "tier", lambda self, words, written, clitic: mentions._tier(words, written, clitic))
    assert remembered == [mentions.article_matches(body, warm) for body in [*bodies, *reversed(bodies)]]



@pytest.mark.parametrize("resolve_memo", [False, True])
def test_attached_mentions_under_a_memo_look_only_at_what_changed_and_equal_a_fresh_attach(monkeypatch, resolve_memo):
    # Under a memo (--watch) the walks over every article look only at the articles that are not
    # the same records or whose links' classes or targets changed (ScanMemo.last), and gather
    # again only the concepts and link pairs those touch: each step must give what attaching
    # afresh gives (mentions, link mentions), and most steps must take that path. Resolved
    # through a memo, as a watch resolves, the resolution tells those articles (_told).
    import graph.mentions as mentions
    from graph.build import build_graph
    from graph.related_index import attach_mentions

    incremental, told = [], []
    changed, was_told = mentions._changed, mentions._told
    monkeypatch.setattr(mentions, "_changed", lambda *a: incremental.append(r := changed(*a)) or r)
    monkeypatch.setattr(mentions, "_told", lambda *a: told.append(r := was_told(*a)) or r)
    files = {**LINKED, "English/stock.md": article("Stock", "Shares. A [bond](/bond) is not one; a bank sells them.",
                                                   slug="shares"),
             "English/equity.md": article("Equity", "Stock of a [Company](/company), or [shares](/shares).")}
    edits, memo = Edits(files, ResolveMemo() if resolve_memo else None), ScanMemo()

    def same(step: str) -> None:
        resolution = edits.resolution()
        G, fresh = build_graph(resolution), build_graph(resolution)
        incremental.clear()
        attach_mentions(G, resolution, memo=memo)
        attach_mentions(fresh, resolution)
        assert G.graph["mentions"] == fresh.graph["mentions"], step
        assert G.graph["link_mentions"] == fresh.graph["link_mentions"], step
        assert memo.attached[1] is G.graph["mentions"]
        _readers_kept(memo, step)
        return incremental[0] is not None

    taken = [same("first")]
    edits.files["English/page.md"] += "More words about a bond and a bank.\n"
    taken.append(same("prose naming concepts"))
    edits.files["English/fund.md"] += "Run by a [Company](/company) and a [bank](/bank).\n"
    taken.append(same("new links"))
    edits.files["English/company.md"] += "Also [fixed income](/bond).\n"
    taken.append(same("a new anchor text that becomes a name"))
    edits.files["English/bank.md"] = article("Bank", "No links left; it names a bond and a company.")
    taken.append(same("an article loses all its links"))
    edits.files["English/stock.md"] = article("Stock", "Shares. A [bond](/bond) is not one; a bank sells them.",
                                              slug="stock")
    taken.append(same("a slug changed: links to the old one go missing"))
    edits.files["English/equity.md"] = edits.files["English/equity.md"].replace("(/shares)", "(/stock)")
    taken.append(same("a link to the new slug"))
    edits.files["English/fund.md"] = edits.files["English/fund.md"].replace("[bank](/bank)", "bank")
    taken.append(same("a link undone into prose"))
    taken.append(same("no change"))
    edits.files["English/zeta.md"] = article("Zeta", "Names a bond, links a [Bank](/bank).")
    taken.append(same("a new article"))
    del edits.files["English/zeta.md"]
    taken.append(same("that article deleted"))
    edits.files["English/page.md"] += "[Bond](/bond)\n"
    taken.append(same("after a deletion"))
    edits.files["English/fund.md"] += "A [bond](/bond) again.\n"
    edits.resolution()  # resolved, never attached: a watch's build that stopped before the index stage
    edits.files["English/page.md"] += "More words.\n"
    taken.append(same("after a resolution the mentions never saw"))
    assert taken == [False, True, True, True, True, True, True, True, True, False, False, True, True]
    # Told unless the files or their slugs changed (a slug, a new article, a deletion), or the
    # resolution told against one the mentions never saw.
    assert told == ([True, True, True, True, False, True, True, True, False, False, True, False] if resolve_memo
                    else [False] * 12)


def test_an_admonitions_body_is_prose():
    mentions = found("!!! note\n\n    A bond is a debt.\n", "Page", "English/page.md")
    assert mentions["bond"].line == 6
