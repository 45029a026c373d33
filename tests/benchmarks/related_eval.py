"""How good is ``linkgraph related``? Hide links, rebuild, and see whether related finds them.

    python3 tests/benchmarks/related_eval.py ../shared/corpora/investorswiki/Texts
    python3 tests/benchmarks/related_eval.py CORPUS [CORPUS ...] --seed 7 --tune-seeds 1,2,3

For a fixed seed, 20% of each concept's distinct link targets are hidden (rounded, at least one
for a concept with 3 or more), the graph and the related index are rebuilt without those links
(their anchor text stays in the body as plain words), and each concept that lost links asks
``related`` for its top 10. Concepts it still links to are left out of the ranking, as in link
prediction: the question is what else it should link to. A hidden target is recovered when it
is in the top 10. Prints recall@10 (hidden links recovered / hidden links) and MRR@10 (mean over
queries of 1 / rank of the first hidden target in the top 10) for each signal alone and for the
combination with ``graph.related.WEIGHTS``; ``--tune-seeds`` also chooses weights on other seeds
(coordinate ascent over GRID), so the table's seed stays held out.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from graph.build import build_graph  # noqa: E402
from graph.reader import read_corpus  # noqa: E402
from graph.related import SIGNALS, WEIGHTS, signal_scores  # noqa: E402
from graph.related_index import attach_text_index, read_index, write_index  # noqa: E402
from graph.resolve import MISSING, RESOLVED, resolve  # noqa: E402

HIDE = 0.2
TOP = 10


def hide_links(resolution, seed: int):
    """(resolution without the hidden links, {concept: hidden targets})."""
    targets: dict[str, set[str]] = defaultdict(set)
    for o in resolution.occurrences:
        if o.kind in (RESOLVED, MISSING) and o.target and o.target != o.source:
            targets[o.source].add(o.target)
    rng = random.Random(seed)
    hidden: dict[str, set[str]] = {}
    for source in sorted(targets):
        ts = sorted(targets[source])
        k = max(1, round(HIDE * len(ts))) if len(ts) >= 3 else round(HIDE * len(ts))
        if k:
            hidden[source] = set(rng.sample(ts, k))
    kept = tuple(o for o in resolution.occurrences if o.target not in hidden.get(o.source, ()))
    still = {o.target for o in kept if o.kind == MISSING}
    labels = {slug: v for slug, v in resolution.missing_labels.items() if slug in still}
    return dataclasses.replace(resolution, occurrences=kept, missing_labels=labels), hidden


def evaluate(queries, weights: dict[str, float]) -> tuple[float, float]:
    """(recall@10, MRR@10) of one weighting over precomputed signal scores."""
    found = total = 0
    rr = 0.0
    for scores, hidden in queries:
        combined: dict[str, float] = defaultdict(float)
        for name, w in weights.items():
            if w:
                for v, s in scores[name].items():
                    combined[v] += w * s
        top = sorted(combined, key=lambda v: (-combined[v], v))[:TOP]
        found += len(hidden & set(top))
        total += len(hidden)
        rr += next((1 / i for i, v in enumerate(top, 1) if v in hidden), 0.0)
    return found / total, rr / len(queries)


GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
START = {"links": 1.0, "cocitation": 0.3, "coupling": 0.3, "keywords": 0.1, "text": 0.5, "pagerank": 1.0,
         "section": 0.0}


def tune(query_sets) -> dict[str, float]:
    """Coordinate ascent on the summed recall@10 of several query sets, over GRID per signal."""
    def score(weights):
        return sum(evaluate(queries, weights)[0] for queries in query_sets)
    best, best_score = dict(START), score(START)
    for _ in range(4):
        improved = False
        for name in SIGNALS:
            for w in GRID:
                trial = {**best, name: w}
                trial_score = score(trial)
                if trial_score > best_score + 1e-9:
                    best, best_score, improved = trial, trial_score, True
        if not improved:
            break
    return best


def queries_of(corpus: Path, seed: int):
    """(queries with their signal scores, hidden links, hidden links to concepts still in the graph)."""
    resolution, hidden = hide_links(resolve(read_corpus([corpus])), seed)
    G = build_graph(resolution)
    attach_text_index(G, resolution.articles)
    buf = io.StringIO()
    write_index(G, buf)
    index = read_index(buf.getvalue())  # evaluate what `linkgraph related` reads
    queries = [(signal_scores(index, u, set(index.links_out(u))), hidden[u]) for u in sorted(hidden) if u in index]
    reachable = sum(1 for h in hidden.values() for v in h if v in index)
    return queries, sum(len(h) for h in hidden.values()), reachable


def _weights(text: str) -> dict[str, float]:
    pairs = (item.split("=") for item in text.split(","))
    return {name.strip(): float(w) for name, w in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", type=Path, nargs="+", metavar="CORPUS")
    parser.add_argument("--seed", type=int, default=7, help="seed of the links hidden for the tables (default 7)")
    parser.add_argument("--tune-seeds", type=lambda t: [int(x) for x in t.split(",")], default=[],
                        metavar="S,S,...", help="also choose weights on these seeds of every CORPUS (e.g. 1,2,3)")
    parser.add_argument("--weights", type=_weights, help="also evaluate these weights: name=w,name=w,...")
    args = parser.parse_args()

    rows = [(name, {name: 1.0}) for name in SIGNALS] + [("combination", dict(WEIGHTS))]
    if args.weights:
        rows.append(("combination, --weights", args.weights))
    if args.tune_seeds:
        t0 = time.perf_counter()
        tuned = tune([queries_of(c, seed)[0] for c in args.corpora for seed in args.tune_seeds])
        print(f"weights tuned on seeds {args.tune_seeds} of {len(args.corpora)} corpora "
              f"({time.perf_counter() - t0:.0f} s):", ", ".join(f"{k}={v}" for k, v in tuned.items() if v), "\n")
        rows.append(("combination, tuned now", tuned))
    for corpus in args.corpora:
        t0 = time.perf_counter()
        queries, n_hidden, reachable = queries_of(corpus, args.seed)
        print(f"{corpus}: {len(queries)} queries, {n_hidden} hidden links ({reachable} to concepts still "
              f"in the graph), seed {args.seed}, {time.perf_counter() - t0:.1f} s to rebuild and score\n")
        print("| signal | recall@10 | MRR@10 |\n|---|---|---|")
        for name, weights in rows:
            recall, mrr = evaluate(queries, weights)
            print(f"| {name} | {recall:.3f} | {mrr:.3f} |")
        print()


if __name__ == "__main__":
    main()
