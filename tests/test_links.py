from graph.links import find_links


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
    links, problems = find_links("x [dealer](/specialist dealer) y\n[open](/slug, and more", "f.md", 3)
    assert links == []
    assert [(p.path, p.line, p.code) for p in problems] == [("f.md", 3, "not-a-link"), ("f.md", 4, "not-a-link")]
    assert "spaces" in problems[0].message and "not closed" in problems[1].message


def test_markdown_link_swallowed_by_an_html_block_is_reported():
    body = "<table>\n<tr><td>x</td></tr>\n</table>\nText with [a link](/lost).\n\n[found](/found)\n"
    links, problems = find_links(body, "t.md")
    assert [link.href for link in links] == ["/found"]
    assert [(p.line, p.code) for p in problems] == [(4, "not-a-link")]
    assert "HTML block" in problems[0].message


def test_html_anchor_text_and_line():
    links, _ = find_links("para\n\n<div>\n<p>\n<a href='/x'>X <b>y</b></a></p>\n</div>\n", first_line=10)
    assert [(link.href, link.text, link.line, link.syntax) for link in links] == [("/x", "X y", 14, "html")]


def test_a_line_break_inside_anchor_text_or_a_heading_is_a_space():
    body = "Setext\nheading\n======\n\nsee <a href='/x'>two\nlines</a> and [md\nlink](/y)\n"
    assert [(link.text, link.section) for link in find_links(body)[0]] == [
        ("two lines", "Setext heading"), ("md link", "Setext heading")]


def test_tables_are_parsed():
    assert hrefs("| a | b |\n|---|---|\n| [t](/t) | x |\n") == ["/t"]
