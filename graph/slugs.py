"""Slug and path normalisation, shared by article identity (reader) and link lookup (resolve).

One function decides what a path means, so ``/FINRA/``, ``finra.md`` and the file
``finra.md`` land on the same key.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import quote, unquote

from graph.text import INVISIBLE

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mkdown", ".mdwn", ".mdx")
"""The names of Markdown files, in any case: GitHub's list of Markdown extensions (Hugo reads .md,
.mdown and .markdown), and MDX (Docusaurus, Nextra), read as Markdown."""
_EXTENSION = re.compile(r"\.(%s|html?)$" % "|".join(s[1:] for s in MARKDOWN_SUFFIXES), re.IGNORECASE)
INDEX_NAMES = frozenset({"_index", "index"})
TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%")
"""Hugo shortcodes (``{{% eturl %}}``), Go and Jinja/Liquid templates (``{{ .Site }}``, ``{% url %}``):
text a site generator replaces before any page exists, so no page is named by it (a link
destination, a front matter slug, url, permalink or alias). A link destination that is one
``ref``/``relref`` shortcode and nothing else is the exception (``hugo_ref_path``)."""
_REF_ARG = r'(?:"[^"\n]*"|`[^`\n]*`|[^\s"`<>%{}]+)'
_REF = rf"\s*(?:rel)?ref\s+(?:path=)?({_REF_ARG})(?:\s+(?:\w+=)?{_REF_ARG})*\s*"
HUGO_REF = re.compile(rf"\{{\{{<{_REF}>\}}\}}|\{{\{{%{_REF}%\}}\}}")
"""Hugo's ``ref`` and ``relref`` shortcodes, the way a Hugo page links another (``{{< ref "finra" >}}``,
``{{% relref path="/docs/b.md#x" lang="en" %}}``): Hugo puts the page's address in their place
before it reads the Markdown, so a link written with one is a link to that page."""


def hugo_ref_path(href: str) -> str | None:
    """The page path that an href made of one ``ref``/``relref`` shortcode names, unquoted; else None."""
    m = HUGO_REF.fullmatch(href)
    if m is None:
        return None
    path = m[1] if m[1] is not None else m[2]
    return path[1:-1] if path[0] in "\"`" else path


HOME = "index"
"""Slug of a site's home page (``_index.md`` at the language root, or the link ``/``)."""
README = "readme"
"""A folder's README (any case, any Markdown suffix) is also its page, as GitHub, MkDocs, VuePress
and Docusaurus show it for the folder; an index file of the folder claims it first (``folder_page``)."""


def decode_path(href: str) -> str:
    """Percent-decode as UTF-8 (keeping the text as written when it is not valid UTF-8), NFC."""
    try:
        text = unquote(href, errors="strict")
    except UnicodeDecodeError:
        text = href
    return unicodedata.normalize("NFC", text)


def page_path(path: str) -> str:
    """Turn a site path (``functions/_index.md``, ``/finra/``) into a slug (``functions``, ``finra``).

    The path must already be decoded and free of ``?query``/``#fragment``. Invisible characters
    (``text.INVISIBLE``) are dropped, so a link and a file name that look alike are alike.
    """
    if INVISIBLE.search(path):
        path = INVISIBLE.sub("", path)
    path = posixpath.normpath("/" + path).strip("/")
    path = _EXTENSION.sub("", path)
    head, _, last = path.rpartition("/")
    if last in INDEX_NAMES:
        path = head
    return path or HOME


def folder_page(path: str) -> str | None:
    """The folder slug a README file answers to besides its own (``docs/README.md`` -> ``docs``,
    ``README.md`` -> the home page), else None. An alias, not the slug: a folder's ``index.md`` or
    ``_index.md`` keeps the folder (MkDocs' rule), since a real slug always wins over an alias."""
    folder, _, name = posixpath.normpath("/" + path).rpartition("/")
    if _EXTENSION.sub("", name).casefold() != README:
        return None
    return page_path(folder)


def iri_path(slug: str) -> str:
    """The one percent-encoded (UTF-8, upper-case hex) spelling of a slug inside an IRI."""
    return quote(slug, safe="/-._~")
