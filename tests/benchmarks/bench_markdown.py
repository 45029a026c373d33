"""Compare Markdown parsers on the link-extraction job; prints a table, asserts nothing.

    python3 -m pip install -e '.[bench]'
    python3 tests/benchmarks/bench_markdown.py /tmp/linkgraph-bench/10000/Texts --files 3000

Each candidate parses the same bodies (front matter removed) and walks its output to count
links, the least our link finder must do. Candidates that are not installed are skipped.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path


def candidates():
    try:
        import pyromark
        opts = pyromark.Options.ENABLE_TABLES

        def with_ranges(s):
            return sum(1 for e, _ in pyromark.events_with_range(s, options=opts, merge_text=True)
                       if type(e) is dict and "Link" in (e.get("Start") or ()))
        yield "pyromark (pulldown-cmark, Rust), events with byte ranges", with_ranges
    except ImportError:
        pass
    try:
        import markdown_it_pyrs
        md = markdown_it_pyrs.MarkdownIt("commonmark").enable("table")

        def rs(s):
            n, stack = 0, [md.tree(s)]
            while stack:
                node = stack.pop()
                n += node.name == "link"
                stack.extend(node.children)
            return n
        yield "markdown-it-pyrs (markdown-it.rs, Rust), tree", rs
    except ImportError:
        pass
    try:
        from markdown_it import MarkdownIt
        mdi = MarkdownIt("commonmark").enable("table")
        yield "markdown-it-py (pure Python), tokens", lambda s: sum(
            1 for t in mdi.parse(s) for c in (t.children or ()) if c.type == "link_open")
    except ImportError:
        pass
    try:
        import mistune
        ast = mistune.create_markdown(renderer=None)

        def mis(s):
            n, stack = 0, list(ast(s))
            while stack:
                node = stack.pop()
                n += node.get("type") == "link"
                stack.extend(node.get("children") or ())
            return n
        yield "mistune (pure Python), AST", mis
    except ImportError:
        pass
    rx = re.compile(r"\]\(([^)\s]*)\)")
    yield "regex floor (not a parser: counts code and images too)", lambda s: len(rx.findall(s))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--files", type=int, default=3000)
    args = parser.parse_args()
    bodies = [p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
              for p in sorted(args.corpus.rglob("*.md"))[: args.files]]
    mb = sum(len(b.encode()) for b in bodies) / 1e6
    print(f"{len(bodies)} bodies, {mb:.1f} MB\n\n| parser | seconds | MB/s | links |\n|---|---|---|---|")
    for name, count in candidates():
        start = time.perf_counter()
        n = sum(count(b) for b in bodies)
        took = time.perf_counter() - start
        print(f"| {name} | {took:.2f} | {mb / took:.0f} | {n:,} |")


if __name__ == "__main__":
    main()
