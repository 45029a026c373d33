"""What the related index costs a build, and how fast ``linkgraph related`` answers.

    python3 tests/benchmarks/gen_corpus.py 50000 /tmp/corpus-50000
    python3 tests/benchmarks/related_bench.py /tmp/corpus-50000/Texts -o /tmp/related-50000

Reads and builds the graph once (not timed here: see bench_build.py), then prints the time to
index the texts, to find unlinked mentions, to fit the related model to the corpus's links (``graph.related_fit``) and to
write ``related-index.json``, its size, the time to load it, the time of
one query in a warm process (median of the terms asked), and the wall time of the whole
``linkgraph related TERM`` command, a fresh process each time, as a user sees it.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from graph.build import build_graph  # noqa: E402
from graph.output import write_file  # noqa: E402
from graph.reader import read_corpus  # noqa: E402
from graph.related import rank  # noqa: E402
from graph.related_fit import fit_related  # noqa: E402
from graph.related_index import (INDEX_FILE, attach_code_names, attach_mentions, attach_text_index, index_view,  # noqa: E402
                                 load_index, write_index)
from graph.resolve import resolve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--terms", type=int, default=9, help="how many terms to ask (spread over the slugs)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    resolution = resolve(read_corpus([args.corpus]))
    G = build_graph(resolution)
    t1 = time.perf_counter()
    attach_text_index(G, resolution.articles)
    t_text = time.perf_counter()
    attach_mentions(G, resolution)
    attach_code_names(G, resolution.articles)
    t2, c2 = time.perf_counter(), time.process_time()
    model = fit_related(index_view(G))
    t_fit, c_fit = time.perf_counter(), time.process_time()
    args.out.mkdir(parents=True, exist_ok=True)
    write_file(args.out / INDEX_FILE, lambda f: write_index(G, f))
    t3 = time.perf_counter()
    size = (args.out / INDEX_FILE).stat().st_size
    concepts = sorted(n for n, kind in G.nodes(data="kind") if kind == "article")
    by_in_links = sorted(concepts, key=lambda n: -G.in_degree(n))
    terms = list(dict.fromkeys(by_in_links[:3] + concepts[:: max(1, len(concepts) // (args.terms - 3))]))[:args.terms]
    G = resolution = None  # measure the query side without the build's memory

    t4 = time.perf_counter()
    index = load_index(args.out)
    t5 = time.perf_counter()
    queries = []
    for term in terms:
        t = time.perf_counter()
        rank(index, term, 10)
        queries.append(time.perf_counter() - t)
    commands, cpu = [], []
    for term in terms:
        t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "graph", "related", term, "--graph", str(args.out)], check=True,
                       capture_output=True)
        commands.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"{args.corpus}: {len(concepts)} articles; read + graph {t1 - t0:.1f} s (not part of the index)")
    print("| step | time |\n|---|---|")
    print(f"| index texts (attach_text_index) | {t_text - t1:.2f} s |")
    print(f"| find unlinked mentions in each body's lead (attach_mentions) | {t2 - t_text:.2f} s |")
    print(f"| fit the model ({model.note}; work {model.stats.get('work', 0):,}) | {t_fit - t2:.2f} s "
          f"({c_fit - c2:.2f} s CPU) |")
    print(f"| write {INDEX_FILE} ({size / 1e6:.1f} MB) | {t3 - t_fit:.2f} s |")
    print(f"| load it (load_index) | {t5 - t4:.2f} s |")
    print(f"| one query, warm (median / max of {len(terms)}, 3 most linked-to terms included) "
          f"| {statistics.median(queries):.3f} / {max(queries):.3f} s |")
    print(f"| `linkgraph related TERM`, whole command (median / max) "
          f"| {statistics.median(commands):.2f} / {max(commands):.2f} s |")
    # On a shared machine the wall time waits for other processes; CPU time is what the command
    # itself costs, its wall time on an idle machine.
    print(f"| `linkgraph related TERM`, whole command, CPU time (user + system; median / max) "
          f"| {statistics.median(cpu):.2f} / {max(cpu):.2f} s |")


if __name__ == "__main__":
    main()
