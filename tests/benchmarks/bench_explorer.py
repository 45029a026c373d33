"""Time the explorer's parts on a built graph: layout, graph data, hub rankings, the whole page.

    python3 tests/benchmarks/bench_explorer.py /tmp/corpus-10000/Texts --repeat 5
    PYTHONPATH=/path/to/other/checkout python3 tests/benchmarks/bench_explorer.py CORPUS

Builds the corpus once in this process (``graph.html`` only, so the index stage runs), then
renders each part of the page ``--repeat`` times, as a rebuild of a watch does in its writer,
and prints the median wall and CPU seconds of each, with a digest of the page's bytes (the
same digest from two checkouts: the same page). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

from graph.exporters import html
from graph.pipeline import build


def timed(repeat: int, work) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeat`` calls of ``work``, and what the last returned."""
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        value = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder of Markdown articles")
    parser.add_argument("--repeat", type=int, default=5, help="renders of each part (default 5)")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    G = build([args.corpus], out, formats=["html"], jobs=2).graph
    articles = sum(1 for _, kind in G.nodes(data="kind") if kind == "article")
    small, k, k_large = html.RELATED_LIMIT
    limit = k if articles <= small else k_large
    order = list(G)
    ids = {node: i for i, node in enumerate(order)}
    print(f"{args.corpus}: {len(G):,} nodes, {articles:,} articles, {limit} ranked; medians of {args.repeat}")
    for name, work in (("layout", lambda: html.layout(G, order, ids)),
                       ("graph data (with the layout)", lambda: html._graph_data(G)),
                       (f"related terms of {limit} articles", lambda: html._related_data((G, limit))),
                       ("the whole page", lambda: "".join(html.render(html.pieces(G))))):
        wall, cpu, value = timed(args.repeat, work)
        print(f"  {name}: {wall:.3f} s ({cpu:.3f} CPU s)")
    print(f"page digest {hashlib.blake2b(value.encode(), digest_size=8).hexdigest()}")


if __name__ == "__main__":
    main()
