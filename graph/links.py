"""Markdown body -> link occurrences, with a real CommonMark parser (markdown-it-py).

Found: inline and reference-style links, autolinks, and ``<a href>`` in raw HTML. Never
counted: code spans, fenced and indented code, images, HTML comments. Text that looks like a
link but is not one for CommonMark (``[x](/a b)``, an unclosed ``(``) is reported, not guessed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from graph.model import Link, Problem
from graph.text import plain

_LOOKS_LIKE_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\n]*)(\)|$)", re.MULTILINE)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    # Keep hrefs as written: the default would percent-encode them and silently turn
    # javascript:/data:/file: links into plain text, hiding exactly what we must report.
    md.validateLink = lambda url: True
    md.normalizeLink = lambda url: url
    md.normalizeLinkText = lambda text: text
    return md


_MD = _parser()


class _Anchors(HTMLParser):
    """Collects ``<a href>`` with their text from raw HTML; comments are skipped by design."""

    def __init__(self, line_of) -> None:
        super().__init__(convert_charrefs=True)
        self.line_of = line_of
        self.found: list[tuple[str, str, int]] = []
        self._open: tuple[str, list[str], int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        href = dict(attrs).get("href")
        if href is not None:
            self.close_anchor()
            self._open = (href, [], self.line_of(self.getpos()[0]))

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


def find_links(body: str, path: str = "", first_line: int = 1) -> tuple[list[Link], list[Problem]]:
    """All link occurrences of a Markdown body, and problems with link-like text.

    ``first_line`` is the file line on which ``body`` starts, so reported lines are file lines.
    """
    links: list[Link] = []
    problems: list[Problem] = []
    section = ""
    tokens = _MD.parse(body)
    for i, token in enumerate(tokens):
        if token.type == "html_block" and token.map:
            base = first_line + token.map[0]
            anchors = _Anchors(lambda n, base=base: base + n - 1)
            anchors.feed(token.content)
            anchors.close()
            anchors.close_anchor()
            links.extend(Link(h, t, ln, section, "html") for h, t, ln in anchors.found)
            for n, text in enumerate(token.content.split("\n")):
                problems.extend(_link_like(text, path, base + n, "it sits inside a raw HTML block, "
                                                                 "which only a blank line ends"))
        elif token.type == "inline":
            line = first_line + (token.map[0] if token.map else 0)
            if i and tokens[i - 1].type == "heading_open":
                section = plain(_inline_text(token.children or []))
            _scan_inline(token.children or [], line, section, path, links, problems)
    links.sort(key=lambda link: link.line)  # HTML anchors are collected after their line's links
    return links, problems


def _inline_text(children: list[Token]) -> str:
    return "".join(
        " " if c.type in ("softbreak", "hardbreak") else c.content
        for c in children
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


def _scan_inline(
    children: list[Token],
    line: int,
    section: str,
    path: str,
    links: list[Link],
    problems: list[Problem],
) -> None:
    open_link: tuple[Token, list[Token], int] | None = None
    html = _Anchors(lambda _n: line)
    for child in children:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            line += 1
        elif kind == "link_open":
            open_link = (child, [], line)
            continue
        elif kind == "link_close" and open_link is not None:
            start, inner, at = open_link
            syntax = "autolink" if start.markup == "autolink" else "markdown"
            links.append(Link(str(start.attrs.get("href", "")), plain(_inline_text(inner)), at, section, syntax))
            open_link = None
            continue
        elif kind == "html_inline":
            html.line_of = lambda _n, at=line: at
            html.feed(child.content)
            line += child.content.count("\n")
            continue
        if open_link is not None:
            open_link[1].append(child)
        elif kind == "text":
            html.handle_data(child.content)
            problems.extend(_link_like(child.content, path, line))
    html.close()
    html.close_anchor()
    links.extend(Link(h, t, ln, section, "html") for h, t, ln in html.found)


def _link_like(text: str, path: str, line: int, why: str = "") -> list[Problem]:
    """Problems for ``[text](dest)`` written where CommonMark does not see a link."""
    return [
        Problem(path, line, "not-a-link",
                f"{m.group(0)[:80]!r} looks like a link but is not one in CommonMark "
                f"({why or ('its destination has spaces' if m.group(2) else 'it is not closed')}); not counted")
        for m in _LOOKS_LIKE_LINK.finditer(text)
    ]
