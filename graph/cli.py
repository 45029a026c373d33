"""The command line: a thin shell over the library, one library call per command.

Exit codes: 0 success; 1 a runtime failure (one line naming the path or the cause) or problems
found under ``--strict``; 2 usage errors, under the sub-command's usage line. Each command
imports what it uses when it runs, so ``linkgraph related`` never loads networkx, rdflib or
pyoxigraph.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from graph import __version__
from graph.cache import CACHE_ENV, default_cache_dir
from graph.errors import LinkgraphError, UnknownTerm, UsageError
from graph.exporters import EXPORTERS
from graph.related_index import INDEX_FILE
from graph.text import shown, valid_lang_tag
from graph.vocab import DEFAULT_BASE_IRI, check_base_iri

DEFAULT_TIMEOUT = 60.0
"""Of ``query --timeout``: graph.query.DEFAULT_TIMEOUT, repeated so the CLI starts without pyoxigraph."""




def _formats(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",")]
    unknown = [n for n in names if n not in EXPORTERS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format {unknown[0]!r}; choose from: {', '.join(EXPORTERS)}")
    return names


def _base_iri(value: str) -> str:
    try:
        return check_base_iri(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _lang(value: str) -> str:
    tag = valid_lang_tag(value)
    if tag is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a BCP 47 language tag such as 'ar' or 'en'")
    return tag


_WIKILINKS_HELP = ("also read [[Page]] and [[Page|text]] links (Obsidian, Foam vaults); off by default, "
                   "as [[x]] is TOML in Hugo's docs (docs/link-rules.md)")


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
                   "(default: all, the html explorer only up to 10,000 nodes)")
    b.add_argument("--base-iri", type=_base_iri, default=DEFAULT_BASE_IRI, metavar="IRI",
                   help=f"IRI that concept slugs are appended to (default: {DEFAULT_BASE_IRI})")
    b.add_argument("--default-lang", type=_lang, default=None, metavar="TAG",
                   help="language of files whose front matter, folder and title script do not tell "
                   "(default: none, such text stays untagged)")
    b.add_argument("--wikilinks", action="store_true", help=_WIKILINKS_HELP)
    b.add_argument("--strict", action="store_true", help="exit 1 if the input has any problem")
    b.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    b.add_argument("-j", "--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
                   help="parse files in N processes, at most the cores (default: all cores, here %(default)s)")
    b.add_argument("--no-cache", action="store_true",
                   help="parse every file again and leave the parse cache untouched")
    b.add_argument("--cache-dir", default=None, metavar="DIR",
                   help=f"where the parse cache lives (default: ${CACHE_ENV}, else ~/.cache/linkgraph)")
    b.add_argument("--watch", action="store_true",
                   help="after the build, rebuild whenever an input file changes (one line each); Ctrl-C ends")
    b.add_argument("--related", type=_positive, default=0, metavar="K",
                   help="also export each concept's K most related concepts with scores "
                   "(lg:related in Turtle, 'related' edges in GraphML; default: none)")
    b.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local (default) or spark: the same build as a Spark job writing part files, "
                   "Parquet and neo4j-admin CSV (docs/spark.md; pip install 'linkgraph[spark]')")
    b.add_argument("--master", default=None, metavar="URL",
                   help="with --engine spark: Spark master URL, e.g. local[4], yarn (default: Spark's)")
    b.add_argument("--conf", type=_conf, action="append", default=[], metavar="KEY=VALUE",
                   help="with --engine spark: a Spark setting, repeatable (spark.driver.memory=2g)")

    r = commands.add_parser(
        "related",
        help="rank the concepts most related to a term, with reasons",
        description="Rank the concepts most related to TERM (a slug, alias or title in any language "
        "of the corpus; Arabic is matched without tashkeel, hamza or taa marbuta differences) "
        f"from the {INDEX_FILE} a build wrote. Exit 1 if no concept matches.",
    )
    r.add_argument("term", metavar="TERM", help="slug, alias or title of a concept")
    r.add_argument("-n", type=_positive, default=10, metavar="N", help="number of results (default: 10)")
    r.add_argument("--json", action="store_true", help="print JSON with per-signal scores and reasons")
    r.add_argument("--explain", action="store_true", help="print the reasons behind each score")
    r.add_argument("--graph", default="exports", metavar="DIR",
                   help=f"folder a build wrote, holding {INDEX_FILE} (default: exports/)")

    q = commands.add_parser(
        "query",
        help="run a SPARQL query over the built graph",
        description="Run a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) over the graph in DIR, "
        "loaded into an embedded pyoxigraph store. The prefixes rdf:, skos:, schema:, dct:, dbo: "
        "and lg: are predeclared.",
    )
    q.add_argument("sparql", metavar="SPARQL", help="the query text")
    q.add_argument("--graph", default="exports", metavar="DIR",
                   help="folder holding graph.ttl or graph.nt (default: exports/)")
    q.add_argument("--format", dest="result_format", choices=("table", "json", "csv"), default="table",
                   help="table (default), json (a list of objects) or csv (with a header)")
    q.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop the query after this long, loading included; 0: no limit (default: {DEFAULT_TIMEOUT:g})")
    q.add_argument("--allow-service", action="store_true",
                   help="let SERVICE clauses send requests to other machines (refused by default)")

    s = commands.add_parser(
        "stats",
        help="counts, most linked and central concepts, orphans, missing targets, components",
        description="Describe the graph in DIR (read from graph.graphml): nodes by kind and language, "
        "top concepts by in-links and by PageRank, orphan articles, the most wanted missing "
        "targets and the connected components of the link graph.",
    )
    s.add_argument("--graph", default="exports", metavar="DIR",
                   help="folder holding graph.graphml (default: exports/)")
    s.add_argument("--top", type=_count, default=10, metavar="N", help="length of each ranking (default: 10)")
    s.add_argument("--format", dest="result_format", choices=("text", "json"), default="text",
                   help="text (default) or json")

    c = commands.add_parser(
        "check",
        help="audit links for CI: print broken and unsafe links, exit 1 if any",
        description="Read and resolve the Markdown files like a build, write nothing, and print every "
        "link to a missing target or an unsafe link as path:line: href (class). Exit 1 if there "
        "is any unsafe link, or any missing one beyond what --allow-missing / --max-missing allow.",
    )
    c.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH",
                   help="Markdown files or folders to check (default: seeds/)")
    c.add_argument("--allow-missing", action="store_true",
                   help="links to missing targets are listed but do not fail the check")
    c.add_argument("--max-missing", type=_count, default=None, metavar="N",
                   help="fail only when there are more than N links to missing targets")
    c.add_argument("--default-lang", type=_lang, default=None, metavar="TAG",
                   help="language of files whose front matter, folder and title script do not tell")
    c.add_argument("--wikilinks", action="store_true", help=_WIKILINKS_HELP)
    c.add_argument("--format", dest="result_format", choices=("text", "json"), default="text",
                   help="text: one path:line: href (class) line each (default); json: the whole audit")
    c.add_argument("--mentions", action="store_true",
                   help="also list unlinked mentions, as `linkgraph mentions` does (they never fail the check)")

    m = commands.add_parser(
        "mentions",
        help="list where an article names another concept without linking to it",
        description="Read and resolve the Markdown files like a build, write nothing, and print where "
        "an article's prose names another concept (by a title in any language, a slug, or the anchor "
        "text other links use for it; Arabic with or without article, attached prefixes and plural "
        "or dual endings) that it does not link to, as path:line: \"text\" -> slug (confidence): "
        "the first mention of each concept per article.",
    )
    m.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH",
                   help="Markdown files or folders to read (default: seeds/)")
    m.add_argument("--format", dest="result_format", choices=("text", "json"), default="text",
                   help="text: one path:line: \"text\" -> slug (confidence) line each (default); json: "
                   "a list of objects (path, line, text, target, confidence, source, how)")
    m.add_argument("--min-confidence", type=_fraction, default=None, metavar="X",
                   help="list mentions with at least this confidence, 0-1 (default: 0.4)")
    m.add_argument("--default-lang", type=_lang, default=None, metavar="TAG",
                   help="language of files whose front matter, folder and title script do not tell")
    m.add_argument("--wikilinks", action="store_true", help=_WIKILINKS_HELP)
    return parser


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds (0: no limit)")
    return seconds or None


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from 0 to 1")
    return number


def _conf(value: str) -> tuple[str, str]:
    key, sep, setting = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{value!r} is not KEY=VALUE")
    return key.strip(), setting


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return HANDLERS[args.command](args)
    except UsageError as exc:
        command = parser._subparsers._group_actions[0].choices[args.command]
        command.print_usage(sys.stderr)
        print(f"{command.prog}: error: {shown(str(exc))}", file=sys.stderr)
        return 2
    except LinkgraphError as exc:
        print(f"linkgraph {args.command}: error: {shown(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"linkgraph {args.command}: interrupted", file=sys.stderr)
        return 130


def _build(args: argparse.Namespace) -> int:
    from graph.pipeline import build
    from graph.progress import Progress
    from graph.reader import usable_jobs

    if args.engine == "spark":
        return _build_spark(args)
    if args.master or args.conf:
        raise UsageError("--master and --conf apply to --engine spark only")
    formats = dict.fromkeys(name for group in args.formats for name in group) if args.formats else None
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    progress = Progress(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    options = dict(formats=formats, base_iri=args.base_iri, default_lang=args.default_lang, related=args.related,
                   jobs=usable_jobs(args.jobs), cache_dir=cache_dir, wikilinks=args.wikilinks)
    if args.watch:
        return _watch(args, options)
    result = build(args.paths, args.out, observe=progress, **options)
    problems = result.resolution.problems
    if not args.quiet:
        _print_build(result, problems)
    return 1 if args.strict and problems else 0


def _build_spark(args: argparse.Namespace) -> int:
    from graph.report import summary
    from graph.spark.engine import build_spark

    if args.related or args.watch:
        raise UsageError("--related and --watch are for one machine: build without --engine spark (docs/spark.md)")
    formats = [name for group in args.formats for name in group] if args.formats else None
    result = build_spark(args.paths, args.out, formats, args.base_iri, args.default_lang, args.master, args.conf,
                         wikilinks=args.wikilinks)
    report = result.report
    if not args.quiet:
        for p in report.get("problems", ()):
            print(shown(f"{p['path']}:{p['line']}: {p['message']} [{p['code']}]"), file=sys.stderr)
        print(summary(report), file=sys.stderr)
        print(f"wrote {', '.join(result.written)}", file=sys.stderr)
    return 1 if args.strict and report["counts"]["problems"] else 0


def _print_problems(problems) -> None:
    """Each problem on stderr as ``path:line: message [code]``, as every command reports them."""
    for p in problems:
        print(shown(f"{p.path}:{p.line}: {p.message} [{p.code}]"), file=sys.stderr)


def _print_build(result, problems) -> None:
    from graph.report import summary

    for warning in result.warnings:
        print(f"linkgraph build: warning: {shown(warning)}", file=sys.stderr)
    _print_problems(problems)
    print(summary(result.report), file=sys.stderr)
    if result.model is not None:
        print(f"related terms: {result.model.note}", file=sys.stderr)
    print(f"wrote {', '.join(str(p) for p in result.written)}", file=sys.stderr)
    for name in result.skipped:
        print(f"not written: {EXPORTERS[name].filename} ({result.graph.number_of_nodes():,} nodes is above the "
              f"default set's limit; ask for it with --format {name})", file=sys.stderr)


def _watch(args: argparse.Namespace, options: dict) -> int:
    from graph.watch import watch_build

    def report(rebuild) -> None:
        if not rebuild.changed:  # the first build: as without --watch, then the watch line
            if not args.quiet:
                _print_build(rebuild.result, rebuild.result.resolution.problems)
            print(f"watching {', '.join(args.paths)} (Ctrl-C to stop)", file=sys.stderr)
            return
        names = shown(", ".join(rebuild.changed[:3])) + (f" and {len(rebuild.changed) - 3} more" if len(rebuild.changed) > 3 else "")
        if rebuild.error:
            print(f"{names} changed: error: {shown(rebuild.error)}; previous outputs kept", file=sys.stderr)
            return
        _print_problems(rebuild.new_problems)
        total = len(rebuild.result.resolution.problems)
        outcome = "rebuilt" if rebuild.published else "previous outputs kept, a changed file has new problems"
        print(f"{names} changed: {outcome} in {rebuild.seconds:.2f} s, {total} problems", file=sys.stderr)

    try:
        watch_build(args.paths, args.out, report, **options)
    except KeyboardInterrupt:
        # Ctrl-C is how a watch ends; the build it interrupted removed its staging folder, the
        # watch its spare files.
        pass
    return 0


def _related(args: argparse.Namespace) -> int:
    from graph.related import model_of, related
    from graph.related_index import load_index

    G = load_index(args.graph)
    try:
        results = related(G, args.term, args.n, explain=args.explain or args.json)
    except UnknownTerm as exc:
        closest = "; ".join(f"{name} ({slug})" if name != slug else slug for name, slug in exc.suggestions)
        print(shown(f"linkgraph related: error: no concept {exc.term!r} in {args.graph}/{INDEX_FILE}"
                    + (f"; closest: {closest}" if closest else "")), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"term": args.term, "results": [_result_json(i, r) for i, r in enumerate(results, 1)],
                          "model": model_of(G).to_json()}, ensure_ascii=False, indent=1))
        return 0
    if args.explain:
        print(f"scored with {model_of(G).note}")
    if not results:  # an empty answer would look like a failure
        print(shown(f"nothing related to {args.term}: no other concept shares a link, keyword, words, folder, "
                    "mention or name in code with it"))
    width = max((len(r.slug) for r in results), default=0)
    for i, r in enumerate(results, 1):
        print(shown(f"{i:>3}  {r.slug:<{width}}  {r.score:.3f}  {r.label}"))
        for reason in r.reasons if args.explain else ():
            print(f"{'':>5}- {shown(reason)}")
    return 0


def _result_json(rank: int, r) -> dict:
    return {"rank": rank, "slug": r.slug, "label": r.label, "lang": r.lang, "kind": r.kind, "score": r.score,
            "signals": dict(r.signals), "reasons": list(r.reasons)}


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number")
    return int(value)


def _query(args: argparse.Namespace) -> int:
    from graph.query import format_result, query

    result = query(args.graph, args.sparql, timeout=args.timeout, allow_service=args.allow_service)
    print(format_result(result, args.result_format))
    return 0


def _stats(args: argparse.Namespace) -> int:
    from graph.stats import format_stats, graph_stats, load_graph

    text = format_stats(graph_stats(load_graph(args.graph), args.top), args.result_format)
    print(text if args.result_format == "json" else "\n".join(shown(line) for line in text.split("\n")))
    return 0


def _check(args: argparse.Namespace) -> int:
    from graph.check import check_links, format_check, verdict

    result = check_links(args.paths, args.allow_missing, args.max_missing, args.default_lang, args.mentions,
                         args.wikilinks)
    text = format_check(result, args.result_format)
    if text:
        print(text)
    _print_problems(result.problems)
    print(verdict(result), file=sys.stderr)
    return 1 if result.failed else 0


def _mentions(args: argparse.Namespace) -> int:
    from graph.check import find_mentions
    from graph.mentions import format_mentions

    text = format_mentions(find_mentions(args.paths, args.default_lang, args.min_confidence, args.wikilinks),
                           args.result_format)
    if text:
        print(text)
    return 0


# Sub-command name -> handler(args) returning the exit code.
HANDLERS = {"build": _build, "related": _related, "query": _query, "stats": _stats, "check": _check,
            "mentions": _mentions}


def run() -> None:
    """Console entry point: exit without tearing the heap down object by object, which takes
    seconds after a large build; output streams are flushed first."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``linkgraph mentions | head``): what it wanted, it has; exit
        # quietly, as Unix tools do, instead of a traceback.
        code = 0
    try:
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
