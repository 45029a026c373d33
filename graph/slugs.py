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
destination, a front matter slug, url, permalink or alias). A link destination made of one of
the generators' own ways to write a page's address is the exception (``site_address``)."""
JEKYLL_PLACEHOLDER = re.compile(
    r":(?:year|short_year|month|i_month|short_month|long_month|day|i_day|y_day|short_day|long_day|week|w_year|"
    r"w_day|hour|minute|second|title|slug|name|basename|path|categories|slugified_categories|collection|"
    r"output_ext)(?![A-Za-z0-9_])")
"""Jekyll's placeholders in a ``permalink`` (``/:categories/:year/:title/``): filled in per page by
the generator, so such a permalink names no page, as template syntax does not."""
_ARG = r"""(?:"[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s"'`<>%{}|]+)"""
_REF = rf"\s*(?:rel)?ref\s+(?:path=)?({_ARG})(?:\s+(?:\w+=)?{_ARG})*\s*"
_BASE = r"(?:\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\})"  # Jekyll's site address, put before a path
SITE_ADDRESSES = (
    ("ref", re.compile(rf"\{{\{{<{_REF}>\}}\}}")),  # Hugo: {{< ref "finra" >}}, {{< relref path="x" lang="en" >}}
    ("ref", re.compile(rf"\{{\{{%{_REF}%\}}\}}")),
    ("file", re.compile(rf"{_BASE}*\{{%-?\s*link\s+({_ARG})\s*-?%\}}")),  # Jekyll: {% link docs/x.md %}
    ("post", re.compile(rf"{_BASE}*/?\{{%-?\s*post_url\s+({_ARG})\s*-?%\}}")),  # Jekyll: {% post_url 2024-01-02-x %}
    ("url", re.compile(rf"\{{\{{-?\s*({_ARG})\s*\|\s*(?:relative_url|absolute_url|url)\s*-?\}}\}}")),  # Jekyll, Eleventy
    ("url", re.compile(rf"{_BASE}+(/[^\s{{}}%|]*)")),  # Jekyll: {{ site.baseurl }}/docs/x
)
"""How Hugo, Jekyll and Eleventy pages write another page's address in Markdown, which the
generator replaces with that address before it reads the Markdown: so a link written with one
is a link to that page (``site_address``). Hugo's ``.Site.BaseURL`` is not among them: Hugo runs
no template in a page's Markdown, where it stays text."""

ADDRESS_SUFFIX = re.compile(r"[?#][^\s()<>]*")
"""A ``?query`` or ``#anchor`` written after a generator's address (``{% post_url x %}#intro``):
part of the page's address the generator writes out, so of the link."""


def site_address(href: str) -> tuple[str, str] | None:
    """(how, path) of an href made of one of ``SITE_ADDRESSES`` and nothing else but an
    ``ADDRESS_SUFFIX`` (kept on the path), path unquoted;
    how: ``ref`` (Hugo: beside the page, then from the language root), ``file`` (a file from the
    site's root), ``post`` (a post's name, Jekyll's ``_posts``), ``url`` (an address from the site root)."""
    for how, pattern in SITE_ADDRESSES:
        if m := pattern.fullmatch(href) or pattern.match(href):
            suffix = href[m.end():]
            if suffix and ADDRESS_SUFFIX.fullmatch(suffix) is None:
                continue
            path = m[1]
            return how, (path[1:-1] if path[0] in "\"'`" else path) + suffix
    return None


HOME = "index"
"""Slug of a site's home page (``_index.md`` at the language root, or the link ``/``)."""
README = "readme"
"""A folder's README (any case, any Markdown suffix) is also its page, as GitHub, MkDocs, VuePress
and Docusaurus show it for the folder; an index file of the folder claims it first (``folder_page``)."""


NOT_IN_SLUGS = re.compile(f"{INVISIBLE.pattern}|[\ud800-\udfff\ufffe\uffff]")
"""What a slug drops: the invisible characters (``text.INVISIBLE``), and lone surrogates (a JSON
front matter's escape) and U+FFFE/U+FFFF, which XML and strict RDF parsers reject: an alias
holding a surrogate stopped the build, and a link holding U+FFFE made graph.graphml no XML."""


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
    (``text.INVISIBLE``) are dropped, so a link and a file name that look alike are alike, and
    characters no XML or RDF output may hold (``NOT_IN_SLUGS``) with them.
    """
    if NOT_IN_SLUGS.search(path):
        path = NOT_IN_SLUGS.sub("", path)
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
