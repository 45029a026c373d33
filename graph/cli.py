"""The command line: a thin shell over the library, one library call per command.

Exit codes: 0 success; 1 problems found under ``--strict``; 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from graph import __version__
from graph.exporters import EXPORTERS
from graph.pipeline import build
from graph.report import summary
from graph.text import valid_lang_tag
from graph.vocab import DEFAULT_BASE_IRI


def _formats(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in EXPORTERS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format {unknown[0]!r}; choose from: {', '.join(EXPORTERS)}")
    return names


def _lang(value: str) -> str:
    tag = valid_lang_tag(value)
    if tag is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a BCP 47 language tag such as 'ar' or 'en'")
    return tag


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkgraph",
        description="Turn a folder of Markdown articles into a knowledge graph (RDF/Turtle, GraphML) "
        "with a link audit.",
    )
    parser.add_argument("--version", action="version", version=f"linkgraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    b = commands.add_parser(
        "build",
        help="read Markdown files, write the graph in every format and report.json",
        description="Read Markdown files (YAML front matter: title, description, keywords, slug, "
        "aliases, lang), resolve their links, and write the knowledge graph and report.json "
        "to the output folder. Problems are printed as path:line: message.",
    )
    b.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH",
                   help="Markdown files or folders to read (default: seeds/)")
    b.add_argument("-o", "--out", default="exports", metavar="DIR",
                   help="output folder (default: exports/)")
    b.add_argument("--format", dest="formats", type=_formats, action="append", metavar="NAME[,NAME]",
                   help=f"formats to write, repeatable or comma-separated; choices: {', '.join(EXPORTERS)} "
                   "(default: all)")
    b.add_argument("--base-iri", default=DEFAULT_BASE_IRI, metavar="IRI",
                   help=f"IRI that concept slugs are appended to (default: {DEFAULT_BASE_IRI})")
    b.add_argument("--default-lang", type=_lang, default=None, metavar="TAG",
                   help="language of files whose front matter, folder and title script do not tell "
                   "(default: none, such text stays untagged)")
    b.add_argument("--strict", action="store_true", help="exit 1 if the input has any problem")
    b.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    return HANDLERS[args.command](args, parser)


def _build(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    formats = [name for group in args.formats for name in group] if args.formats else list(EXPORTERS)
    try:
        result = build(args.paths, args.out, dict.fromkeys(formats), args.base_iri, args.default_lang)
    except (FileNotFoundError, ValueError) as exc:
        parser.error(str(exc))
    problems = result.resolution.problems
    if not args.quiet:
        for p in problems:
            print(f"{p.path}:{p.line}: {p.message} [{p.code}]", file=sys.stderr)
        print(summary(result.report), file=sys.stderr)
        print(f"wrote {', '.join(str(p) for p in result.written)}", file=sys.stderr)
    return 1 if args.strict and problems else 0


# Sub-command name -> handler(args, parser) returning the exit code.
HANDLERS = {"build": _build}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
