"""Markdown body -> link occurrences, with a real CommonMark parser (pulldown-cmark, via pyromark).

Found: inline and reference-style links, autolinks, and ``<a href>`` in raw HTML. Never
counted: code spans, fenced and indented code, images, HTML comments. Text that looks like a
link but is not one for CommonMark (``[x](/a b)``, an unclosed ``(``, a Markdown link inside a
raw HTML block) is reported, not guessed. With ``wikilinks``, ``[[Page]]`` links (Obsidian, Foam,
Dendron) are found too; off by default, as ``[[...]]`` is also TOML's array of tables (Hugo docs).

pyromark yields parser events with UTF-8 byte ranges and link destinations exactly as written
(no percent-encoding, no dropping of ``javascript:``), which is what the link audit needs; it
is about 10x faster than markdown-it-py (measured in tests/benchmarks/bench_build.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

import pyromark

from graph.model import Link, Problem, new_record
from graph.slugs import ADDRESS_SUFFIX, SITE_ADDRESSES
from graph.text import plain

_OPTIONS = pyromark.Options.ENABLE_TABLES
WIKILINK_OPTIONS = _OPTIONS | pyromark.Options.ENABLE_WIKILINKS
"""The parser's options when ``[[Page]]`` links are read (``find_links(wikilinks=True)``)."""
WIKILINK = "wikilink"
"""``Link.syntax`` of a ``[[Page]]`` link; its href is ``[[Page]]`` or ``[[folder/Page#Heading]]``
as written, without the ``|shown text`` (graph.resolve reads that form)."""
_LOOKS_LIKE_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\n]*)(\)|$)", re.MULTILINE)
_SYNTAX = {"Inline": "inline", "Reference": "reference", "Collapsed": "reference",
           "Shortcut": "reference", "Autolink": "autolink", "Email": "autolink"}
_ADDRESS = r"((?:%s)(?:%s)?)" % ("|".join(f"(?:{p.pattern})" for _, p in SITE_ADDRESSES), ADDRESS_SUFFIX.pattern)
_ADDRESS_DESTINATION = re.compile(r"\]\(\s*%s\s*\)" % _ADDRESS)
_ADDRESS_DEFINITION = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*)%s(?=[ \t]|$)" % _ADDRESS, re.MULTILINE)
_HTML_BLOCK_WHY = "it sits inside a raw HTML block, which only a blank line ends"
# The keywords _markupbase.parse_marked_section accepts after "<![" (any other raises AssertionError).
_MARKED_SECTION = re.compile(r"(?i:temp|cdata|ignore|include|rcdata|if|else|endif)(?![-_.a-zA-Z0-9])")
# Anchor texts repeat across a corpus (the same term linked from many articles): clean each once.
_anchor_text = lru_cache(maxsize=1 << 14)(plain)


class _Anchors(HTMLParser):
    """Collects ``<a href>`` with their text from raw HTML; comments are skipped by design.

    Faults of the standard library's parser (Python 3.11) are kept out, none of which changes
    what it finds: ``<![`` not followed by a marked-section keyword raised AssertionError out of
    ``feed`` (``<![ x`` in an HTML block stopped the build), and an unclosed comment or marked
    section searched the rest of the data for its end, again for each one (``<!-- a>``
    repeated through a 6 MB file: hours). A search that failed from one place fails from any
    later place of the same data, so it is made once (``_closes``); for what ``close`` does with
    the text after the last ``>``, see ``feed_all``, and for fragments inside ``<script>``, ``feed``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._unclosed: dict[str, tuple[str, int]] = {}  # kind -> (data, from where its end is known absent)
        self._held: list[str] = []  # data inside <script> or <style> that cannot end it (``feed``)
        self._edge = ""  # what follows the last "<" of the data fed so far
        self.line = 0
        self.found: list[tuple[str, str, int]] = []
        self._open: tuple[str, list[str], int] | None = None
        self.found_open = False
        """True inside an ``<a href>`` whose text is being collected (a plain attribute: hot loop)."""

    def feed_all(self, text: str) -> None:
        """Feed all of ``text`` and close. No construct starting after the last ``>`` can end, so
        at ``close`` the parser turns each ``<`` there into text, but only after searching the
        rest of the data for its end (``<a x `` repeated through 100 KB: a minute): those ``<``
        are given as ``&lt;``, the same text at once."""
        last = text.rfind(">") + 1
        self.feed(text[:last] + text[last:].replace("<", "&lt;"))
        self.close()

    def feed(self, data: str) -> None:
        """Feed ``data``. Inside ``<script>`` or ``<style>`` the parser keeps every fragment fed
        and searches all of them for the end tag at each feed (a file's inline HTML after one
        ``<script>``: 360 KB took 72 s); a fragment that cannot complete the end tag is held and
        fed with the one that can, which is what the parser would have done with it."""
        last = data.rfind("<")
        edge, self._edge = self._edge, data[last:] if last >= 0 else self._edge + data
        if self.cdata_elem is not None:
            # The end tag holds one "<": one completed by ``data`` starts at the last "<" before it.
            if self.interesting.search(edge + data) is None:
                self._held.append(data)
                return
            data = "".join(self._held) + data
            self._held.clear()
        super().feed(data)

    def _closes(self, kind: str, i: int, parse) -> int:
        """``parse(i)``, or -1 at once where a search for the end of ``kind`` already failed from an earlier place."""
        known = self._unclosed.get(kind)
        if known is not None and known[0] is self.rawdata and i >= known[1]:
            return -1
        k = parse(i)
        if k < 0:
            self._unclosed[kind] = (self.rawdata, i)
        return k

    def parse_comment(self, i: int, report: int = 1) -> int:
        return self._closes("comment", i, lambda at: super(_Anchors, self).parse_comment(at, report))

    def parse_html_declaration(self, i: int) -> int:
        if self.rawdata.startswith("<![", i):
            keyword = _MARKED_SECTION.match(self.rawdata, i + 3)
            if keyword is None:
                return self.parse_bogus_comment(i)  # what browsers (and Python 3.13's parser) make of it
            # The two kinds of marked section end differently: "]]>" and "]>".
            kind = "ms" if keyword.group().lower() in ("if", "else", "endif") else "section"
            return self._closes(kind, i, super().parse_html_declaration)
        return super().parse_html_declaration(i)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        href = dict(attrs).get("href")
        if href is not None:
            self.close_anchor()
            self._open = (href, [], self.line + self.getpos()[0] - 1)
            self.found_open = True

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.close_anchor()

    def close_anchor(self) -> None:
        if self._open is not None:
            href, parts, line = self._open
            self.found.append((href, plain("".join(parts)), line))
            self._open = None
            self.found_open = False


class LineCounter:
    """Byte offset -> file line, counting newlines incrementally (events come mostly in order)."""

    def __init__(self, data: bytes, first_line: int) -> None:
        self.data, self.first, self.offset, self.count = data, first_line, 0, 0

    def __call__(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.count = 0, 0
        self.count += self.data.count(b"\n", self.offset, offset)
        self.offset = offset
        return self.first + self.count


_ADMONITION = re.compile(r'^( *)(?:(?:!!!|\?\?\?\+?)[ \t]+[\w"-]|===\+?[ \t]+")', re.MULTILINE)


def admonition_bodies(body: str) -> str:
    """The body with the indented blocks under MkDocs' admonitions (``!!! note``, pymdownx's
    ``??? note`` and ``???+ note``) and content tabs (``=== "Tab"``) moved four spaces left, as
    Python-Markdown reads them: Markdown, where CommonMark alone reads an indented code block (a
    blank line after the marker is the usual style). Lines and what is not under a marker stay."""
    if ("!!!" not in body and "???" not in body and "===" not in body) or _ADMONITION.search(body) is None:
        return body  # (the substrings first: found in C, 10x faster than the pattern)
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if (m := _ADMONITION.match(line)) is None:
            continue
        inner = " " * (len(m[1]) + 4)
        for j in range(i + 1, len(lines)):  # a nested marker is met again below, moved left once
            if lines[j].startswith(inner):
                lines[j] = m[1] + lines[j][len(inner):]
            elif lines[j].strip():
                break
    return "\n".join(lines)


def find_links(body: str, path: str = "", first_line: int = 1, max_links: int | None = None,
               wikilinks: bool = False,
               code: list[tuple[int, str]] | None = None) -> tuple[list[Link], list[Problem], str]:
    """All link occurrences of a Markdown body, problems with link-like text, and the text of its
    first level-1 heading ('' if none; ATX or setext, never a ``#`` line in code), as a section
    name is read: what a page without a front matter title is called.

    ``first_line`` is the file line on which ``body`` starts, so reported lines are file lines.
    Past ``max_links`` links (or as many link-like problems), the rest of the body is not read
    and one ``too-many-links`` problem says where it stopped. ``wikilinks`` also reads
    ``[[Page]]``, ``[[Page|shown text]]`` and ``[[folder/Page#Heading]]`` as links (``WIKILINK``).
    ``code``, when given, gets the line and text of each inline code span but in image text, in the
    same pass (``graph.code_names``), the first ``max_links`` of them.
    """
    limit = max_links if max_links is not None else float("inf")
    body = admonition_bodies(body)
    if "{{" in body or "{%" in body:
        body = _ADDRESS_DEFINITION.sub(_defined, _ADDRESS_DESTINATION.sub(_pointed, body))
    line_of = LineCounter(body.encode("utf-8"), first_line)
    links: list[Link] = []
    problems: list[Problem] = []
    section = first_heading = ""
    heading: list[str] | None = None
    link: tuple[str, str, list[str], int] | None = None
    images = 0
    in_code = False
    html_block: list[tuple[str, int]] | None = None
    inline_html = _Anchors()

    # The hot loop of a build: one pass over the parser's events. Each event is a one-key dict
    # (or a bare string): its key is read once and compared, cheapest and commonest cases first.
    options = WIKILINK_OPTIONS if wikilinks else _OPTIONS
    for event, span in pyromark.events_with_range(body, options=options, merge_text=True):
        if type(event) is str:
            if event == "SoftBreak" or event == "HardBreak":
                # A line break inside a text is a space in it, as a browser shows it.
                if link is not None:
                    link[2].append(" ")
                elif inline_html.found_open:
                    inline_html.handle_data(" ")
                if heading is not None:
                    heading.append(" ")
            continue
        key, = event
        if key == "Text" or key == "Code":
            text = event[key]
            if key == "Code" and code is not None and not images and len(code) < limit:
                code.append((line_of(span["start"]), text))
            if link is not None:
                if not (in_code or images):
                    link[2].append(text)
                    if heading is not None:
                        heading.append(text)
                continue
            if in_code or images:
                continue
            if heading is not None:
                heading.append(text)
            if inline_html.found_open:
                inline_html.handle_data(text)
            if key == "Text" and "](" in text:
                problems += _link_like(text, path, line_of(span["start"]))
            continue
        value = event[key]
        if key == "Start":
            if type(value) is dict:
                attrs = value.get("Link")
                if attrs is not None:
                    href, link_type = attrs["dest_url"], attrs["link_type"]
                    if type(link_type) is dict:  # {"WikiLink": {"has_pothole": bool}}: only with wikilinks
                        link = (_wikilink(href, link_type), WIKILINK, [], line_of(span["start"]))
                        continue
                    if link_type == "Email":
                        href = "mailto:" + href
                    link = (href, _SYNTAX.get(link_type, "inline"), [], line_of(span["start"]))
                elif "Image" in value:
                    images += 1
                elif "Heading" in value:
                    heading = []
                elif "CodeBlock" in value:
                    in_code = True
            elif value == "HtmlBlock":
                html_block = []
        elif key == "End":
            if value == "Link" and link is not None:
                href, syntax, parts, line = link
                links.append(new_record(Link, (href, _anchor_text("".join(parts)), line, section, syntax)))
                link = None
            elif value == "Paragraph":
                if inline_html.found or inline_html.found_open:
                    _flush(inline_html, section, links)
            elif value == "Image":
                images -= 1
            elif value == "CodeBlock":
                in_code = False
            elif value == "HtmlBlock" and html_block is not None:
                _html_block(html_block, line_of, section, path, links, problems)
                html_block = None
            elif type(value) is dict and "Heading" in value and heading is not None:
                _flush(inline_html, section, links)
                section = plain("".join(heading))
                heading = None
                if not first_heading and value["Heading"] == "H1":
                    first_heading = section
            if len(links) > limit or len(problems) > limit:
                break
        elif key == "Html":
            if html_block is not None:
                html_block.append((value, span["start"]))
        elif key == "InlineHtml":
            # getpos() keeps counting across fragments: offset it so a fragment starts on its line.
            inline_html.line = line_of(span["start"]) - inline_html.getpos()[0] + 1
            inline_html.feed(value)
    _flush(inline_html, section, links)
    links.sort(key=lambda found: found.line)  # HTML anchors are collected after their line's links
    if len(links) > limit or len(problems) > limit:
        stop = min(x.line for x in links[limit:] + problems[limit:])  # the first one left out
        links, problems = links[:limit], problems[:limit]
        problems.append(Problem(path, stop, "too-many-links", f"more than {max_links:,} links or link-like "
                                "texts in one file (docs/faults.md, \"Limits\"); the rest of the file is not read"))
    return links, problems, first_heading


def _wikilink(dest: str, link_type: dict) -> str:
    """The href of a ``[[dest|shown]]`` link: ``[[dest]]``. In a table the pipe before the shown
    text is written ``\\|`` (Obsidian's way, so that it does not end the cell), which leaves a
    backslash at the end of ``dest``: it belongs to the pipe, not to the name."""
    if link_type["WikiLink"]["has_pothole"] and dest.endswith("\\"):
        dest = dest[:-1]
    return f"[[{dest}]]"


def _pointed(address: re.Match) -> str:
    """A site generator's address as a link's destination (``[x]({{< ref "x" >}})``, ``[x]({% link
    x.md %})``), written so that CommonMark reads it as one, spaces and all: ``](<{{\\< ref "x"
    \\>}}>)``. The generator replaces it with the page's address before reading the Markdown, so
    for it this is a link (an image with ``!``); the destination read is the address as written,
    and no line moves (``graph.slugs.SITE_ADDRESSES``)."""
    return "](<" + address[1].replace("<", "\\<").replace(">", "\\>") + ">)"


def _defined(address: re.Match) -> str:
    """``_pointed`` for a reference definition (``[about]: {{ site.baseurl }}/about/``): the
    address between angle brackets, where CommonMark reads a destination with spaces."""
    return address[1] + "<" + address[2].replace("<", "\\<").replace(">", "\\>") + ">"


def _flush(anchors: _Anchors, section: str, links: list[Link]) -> None:
    anchors.close_anchor()
    links.extend(Link(h, t, ln, section, "html") for h, t, ln in anchors.found)
    anchors.found.clear()


def _html_block(pieces: list[tuple[str, int]], line_of, section: str, path: str,
                links: list[Link], problems: list[Problem]) -> None:
    anchors = _Anchors()
    anchors.line = line_of(pieces[0][1])
    anchors.feed_all("".join(text for text, _ in pieces))
    _flush(anchors, section, links)
    for text, offset in pieces:
        if "](" in text:
            problems += _link_like(text, path, line_of(offset), _HTML_BLOCK_WHY)


def _link_like(text: str, path: str, line: int, why: str = "") -> list[Problem]:
    """Problems for ``[text](dest)`` written where CommonMark does not see a link."""
    return [
        Problem(path, line, "not-a-link",
                f"{m.group(0)[:80]!r} looks like a link but is not one in CommonMark "
                f"({why or ('its destination has spaces' if m.group(2) else 'it is not closed')}); not counted")
        for m in _LOOKS_LIKE_LINK.finditer(text)
    ]
