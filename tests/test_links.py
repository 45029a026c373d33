import _markupbase
import random
from html.parser import HTMLParser

import pytest

from graph.links import _Anchors, find_links


def hrefs(body: str) -> list[str]:
    return [link.href for link in find_links(body)[0]]


def test_inline_reference_autolink_and_html_links_are_found():
    body = "[a](/a) [b][ref] [c][] [c] <https://x.org/y> <me@x.org> <a href=\"/h\">H</a>\n\n[ref]: /r\n[c]: /c\n"
    links = find_links(body)[0]
    assert [(link.href, link.syntax) for link in links] == [
        ("/a", "inline"), ("/r", "reference"), ("/c", "reference"), ("/c", "reference"),
        ("https://x.org/y", "autolink"), ("mailto:me@x.org", "autolink"), ("/h", "html")]


def test_code_images_and_comments_are_not_links():
    body = (
        "`[code](/span)` ![img](/image)\n\n"
        "```\n[fenced](/fenced)\n```\n\n"
        "    [indented](/indented)\n\n"
        "<!-- [commented](/md) <a href=\"/html\">x</a> -->\n"
    )
    assert hrefs(body) == []


def test_each_occurrence_keeps_text_line_and_section():
    body = "# Top\n\nintro [one](/one)\n\n## Second *part*\n\nfirst line\nsecond [two **bold**](/two)\n"
    one, two = find_links(body, first_line=5)[0]
    assert (one.text, one.line, one.section) == ("one", 7, "Top")
    assert (two.text, two.line, two.section) == ("two bold", 12, "Second part")


def test_hrefs_are_kept_as_written():
    body = "[a](/%D8%A8) [b](/بنك) [c](javascript:alert(1)) [d](<with space>) [e](/a&amp;b)"
    assert hrefs(body) == ["/%D8%A8", "/بنك", "javascript:alert(1)", "with space", "/a&b"]


def test_link_like_text_that_commonmark_rejects_is_reported():
    links, problems, _ = find_links("x [dealer](/specialist dealer) y\n[open](/slug, and more", "f.md", 3)
    assert links == []
    assert [(p.path, p.line, p.code) for p in problems] == [("f.md", 3, "not-a-link"), ("f.md", 4, "not-a-link")]
    assert "spaces" in problems[0].message and "not closed" in problems[1].message


def test_a_hugo_ref_shortcode_as_destination_is_a_link_as_hugo_renders_it():
    body = ("# Intro\n\nSee [FINRA *rules*]({{< ref \"finra\" >}}), [b]({{% relref path=\"/docs/b.md#x\" %}}).\n"
            "![pic]({{< ref \"finra\" >}}) `[code]({{< ref \"c\" >}})` [odd]({{< ref \"x\" %}}) [t]({{< tab \"x\" >}})\n")
    links, problems, _ = find_links(body, "a.md", 3)
    assert [(x.href, x.text, x.line, x.section, x.syntax) for x in links] == [
        ('{{< ref "finra" >}}', "FINRA rules", 5, "Intro", "inline"),
        ('{{% relref path="/docs/b.md#x" %}}', "b", 5, "Intro", "inline")]
    # An image (Hugo's too), code; mismatched delimiters or another shortcode are what CommonMark reads.
    assert [(p.line, p.message[:12]) for p in problems] == [(6, "'[odd]({{< r"), (6, "'[t]({{< tab")]


def test_jekyll_and_eleventy_addresses_as_destinations_are_links_as_the_site_renders_them():
    body = ("[a]({% link docs/x.md %}) [b]({{ site.baseurl }}{% post_url 2024-01-02-hi %}) "
            "[c]({{ '/about/' | relative_url }})\n[d]({{ site.baseurl }}/docs/x#h) [e]({{ page.url }}) [f]({% url 'x' %})\n")
    links, problems, _ = find_links(body, "a.md")
    assert [(x.href, x.text, x.line) for x in links] == [
        ("{% link docs/x.md %}", "a", 1), ("{{ site.baseurl }}{% post_url 2024-01-02-hi %}", "b", 1),
        ("{{ '/about/' | relative_url }}", "c", 1), ("{{ site.baseurl }}/docs/x#h", "d", 2)]
    assert [(p.line, p.code) for p in problems] == [(2, "not-a-link"), (2, "not-a-link")]  # no address: text


def test_markdown_link_swallowed_by_an_html_block_is_reported():
    body = "<table>\n<tr><td>x</td></tr>\n</table>\nText with [a link](/lost).\n\n[found](/found)\n"
    links, problems, _ = find_links(body, "t.md")
    assert [link.href for link in links] == ["/found"]
    assert [(p.line, p.code) for p in problems] == [(4, "not-a-link")]
    assert "HTML block" in problems[0].message


def test_html_anchor_text_and_line():
    links, *_ = find_links("para\n\n<div>\n<p>\n<a href='/x'>X <b>y</b></a></p>\n</div>\n", first_line=10)
    assert [(link.href, link.text, link.line, link.syntax) for link in links] == [("/x", "X y", 14, "html")]


def test_a_line_break_inside_anchor_text_or_a_heading_is_a_space():
    body = "Setext\nheading\n======\n\nsee <a href='/x'>two\nlines</a> and [md\nlink](/y)\n"
    assert [(link.text, link.section) for link in find_links(body)[0]] == [
        ("two lines", "Setext heading"), ("md link", "Setext heading")]


def test_tables_are_parsed():
    assert hrefs("| a | b |\n|---|---|\n| [t](/t) | x |\n") == ["/t"]


def test_a_marked_section_the_html_parser_does_not_know_is_skipped_like_a_comment():
    # Python 3.11's parser raised AssertionError on "<![" without a known keyword: the build stopped.
    body = "<div>\n<![ x <a href=\"/hidden\">h</a>\n<![foo[ y ]]> <a href=\"/after\">a</a>\n</div>\n\n[md](/md)\n"
    assert hrefs(body) == ["/after", "/md"]


class _Plain(_Anchors):
    """The parser as the standard library runs it, without _Anchors' shortcuts."""

    parse_comment = HTMLParser.parse_comment
    parse_html_declaration = HTMLParser.parse_html_declaration

    def feed_all(self, text: str) -> None:
        self.feed(text)
        self.close()


PIECES = ["<a href=\"/x\">", "<a href='/y'>", "</a>", "<!--", "-->", "--!>", "<![CDATA[", "]]>", "<![if x]>",
          "]>", "<?", "?>", ">", "<", "</", "<!x", "<!doctype", "<b>", "text", "&amp;", "&lt", "\n", " ", "<a x",
          "<script>", "</script>", "<a href=\"/z\"", "]]", "--", "/"]


def test_the_html_parser_finds_what_the_standard_library_parser_finds():
    rng = random.Random(7)
    compared = 0
    for _ in range(6000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        plain = _Plain()
        try:
            plain.feed_all(text)
        except AssertionError:
            continue  # the fault _Anchors keeps out (test above)
        ours = _Anchors()
        ours.feed_all(text)
        plain.close_anchor(), ours.close_anchor()
        assert ours.found == plain.found, text
        compared += 1
    assert compared > 5000


def test_html_fed_in_fragments_finds_what_the_standard_library_parser_finds():
    # Inline HTML is fed one fragment at a time (each a tag, a comment...): held inside <script>.
    split = _Anchors()
    for fragment in ["<script>", "x </", " script", " >", "<a href='/after'>", "t", "</a>"]:  # an end tag cut in three
        split.feed(fragment)
    split.close_anchor()
    assert split.found == [("/after", "t", 0)]
    rng = random.Random(8)
    pieces = PIECES + ["<style>", "</style >", "</ script>", "</SCRIPT>", "script>", "style >"] * 3
    for _ in range(4000):
        fragments = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 12))]
        plain, ours = _Plain(), _Anchors()
        try:
            for fragment in fragments:
                plain.feed(fragment)
        except AssertionError:
            continue
        for fragment in fragments:
            ours.feed(fragment)
        plain.close_anchor(), ours.close_anchor()
        assert (ours.found, ours.getpos()) == (plain.found, plain.getpos()), fragments


def test_fragments_inside_a_script_are_searched_once(monkeypatch):
    anchors = _Anchors()
    anchors.feed("<a href=\"/s\">")
    anchors.feed("<script>")
    searched = []
    pattern = anchors.interesting
    anchors.interesting = type("Counting", (), {"search": lambda _, data, pos=0: searched.append(len(data) - pos)
                                                or pattern.search(data, pos)})()
    for _ in range(2000):
        anchors.feed("<b>")
    anchors.feed("</script>")
    anchors.close_anchor()
    assert anchors.found == [("/s", "<b>" * 2000, 0)]
    assert sum(searched) < 4 * 2000 * len("<b>") + 100


def test_unclosed_comments_and_tags_cost_one_search_each_not_one_per_opener(monkeypatch):
    # Each "<!--" without an end searched to the end of the data, and each "<" after the last ">"
    # too: quadratic (a 6 MB HTML block took hours). Counted in characters searched, not timed.
    searched = []

    class Counting:
        def __init__(self, pattern):
            self.pattern = pattern

        def search(self, data, pos=0):
            searched.append(len(data) - pos)
            return self.pattern.search(data, pos)

    monkeypatch.setattr(_markupbase, "_commentclose", Counting(_markupbase._commentclose))
    data = "<div>\n" + "<!-- a> " * 2000 + "<a x " * 2000 + "\n"
    anchors = _Anchors()
    starts = []
    monkeypatch.setattr(anchors, "check_for_whole_start_tag", lambda i: starts.append(i) or -1)
    anchors.feed_all(data)
    assert sum(searched) <= 2 * len(data) and len(starts) <= 2  # the <div>, in feed and again in close


def test_wikilinks_are_links_only_when_asked_for():
    body = ("# Notes\n\nSee [[Obs Page]], [[folder/Page#Heading|the *heading*]] and [[a|b|c]].\n"
            "![[img.png]] ![[img.png|100]] `[[code]]` [[]] [[|b]]\n\n```\n[[fenced]]\n```\n")
    assert find_links(body)[0] == []  # prose, as CommonMark reads it
    links, problems, _ = find_links(body, "n.md", 3, wikilinks=True)
    # the href is the wikilink as written, without its shown text (Obsidian: target|shown);
    # embeds (![[...]]) are images, code is code, [[]] and [[|b]] are text
    assert [(x.href, x.text, x.line, x.section, x.syntax) for x in links] == [
        ("[[Obs Page]]", "Obs Page", 5, "Notes", "wikilink"),
        ("[[folder/Page#Heading]]", "the heading", 5, "Notes", "wikilink"),
        ("[[a]]", "b|c", 5, "Notes", "wikilink")]
    assert problems == []


def test_wikilinks_nested_in_tables_and_links_are_read_as_pulldown_cmark_reads_them():
    body = ("| a | b |\n|---|---|\n| [[Page\\|shown]] | [[x]] |\n\n"  # Obsidian escapes the pipe in a table
            "[[a[[b]]c]] [text [[in]] link](/u) [[ spaced ]] [[multi\nline]]\n")
    links = find_links(body, wikilinks=True)[0]
    # the innermost brackets make the link; a wikilink inside [..](..) wins over the outer link
    assert [(x.href, x.text) for x in links] == [("[[Page]]", "shown"), ("[[x]]", "x"), ("[[b]]", "b"),
                                                 ("[[in]]", "in"), ("[[ spaced ]]", "spaced"),
                                                 ("[[multi\nline]]", "multi line")]
    assert [(x.href, x.text) for x in find_links(body)[0]] == [("/u", "text [[in]] link")]


def test_toml_tables_in_a_hugo_shortcode_are_wikilinks_which_is_why_they_are_opt_in():
    body = "{{< code-toggle file=hugo >}}\n[[module.mounts]]\nsource = 'content'\n{{< /code-toggle >}}\n"
    assert find_links(body)[0] == []
    assert [x.href for x in find_links(body, wikilinks=True)[0]] == ["[[module.mounts]]"]


ADMONITIONS = '''# Page

!!! note "Heads up"

    Inside [a](/a), after a blank line.

??? tip
    Directly under [b](/b).

???+ warning

    !!! danger

        Nested [c](/c).

=== "Tab 1"

    Tab [d](/d)

        code [not](/code) in the tab

Back out of it: [e](/e)

    plain indented code [x](/x)
'''


def test_the_bodies_of_mkdocs_admonitions_and_content_tabs_are_markdown():
    # MkDocs (Python-Markdown's admonition, pymdownx's details and tabbed): an indented block under
    # "!!! type", "??? type" or '=== "Tab"' is Markdown, where CommonMark alone reads code.
    links, _, _ = find_links(ADMONITIONS)
    assert [(link.href, link.line) for link in links] == [("/a", 5), ("/b", 8), ("/c", 14), ("/d", 18), ("/e", 22)]


@pytest.mark.parametrize("body", [ADMONITIONS, "Title\n===\n\n    code", "!!!note\n\n    x", "a\n\n=== \"T\"\n\n    [d](/d)\n",
                                  "???+ tip \"T\"\n    [x](/x)\n", "plain [x](/x)\n"])
def test_admonition_bodies_looks_for_the_markers_first_and_finds_what_its_pattern_finds(body):
    # The substring test before the pattern is a shortcut: the same text as the pattern alone gives.
    from graph import links
    whole = links._ADMONITION.search(body) is not None
    assert (links.admonition_bodies(body) != body) == whole


def test_a_reference_definition_to_a_site_generators_address_is_a_link():
    # Jekyll sites define references as they write inline links: CommonMark reads no definition
    # whose destination has spaces, so these links were lost without a word.
    body = ("See [about][a], [post][p], [raw][r] and [h].\n\n[a]: {{ site.baseurl }}/about/\n"
            "[p]: {% post_url 2024-01-02-x %}#top\n  [r]: {% link docs/x.md %} \"Title\"\n[h]: {{< ref \"finra\" >}}\n")
    links, problems, _ = find_links(body)
    assert [(link.href, link.syntax, link.line, link.text) for link in links] == [
        ("{{ site.baseurl }}/about/", "reference", 1, "about"), ("{% post_url 2024-01-02-x %}#top", "reference", 1, "post"),
        ("{% link docs/x.md %}", "reference", 1, "raw"), ('{{< ref "finra" >}}', "reference", 1, "h")]
    assert problems == []
