"""How good is ``linkgraph related``? Hide links, rebuild, and see whether related finds them.

    python3 tests/benchmarks/related_eval.py ../shared/corpora/investorswiki/Texts --seed 11

For a fixed seed, 20% of each concept's distinct link targets are hidden (rounded, at least one
for a concept with 3 or more): each hidden link is removed from the Markdown itself, its anchor
text left in place as plain words (``[الأصل](/asset)`` becomes ``الأصل``, as in
``mentions_eval.py``), the corpus is read and resolved again, and the graph and the related index
are built from it, so every signal (the text index and mentions alike) sees a corpus whose authors
never wrote those links. ``--graph-only`` hides them from the graph alone, as this script did
before: the Markdown keeps the link, so the text index reads its anchor words but mentions,
which skips link text, never sees them. The model is fitted to the rebuilt
index as a build does (``graph.related_fit``, its own fixed seed, on links that are not hidden),
and each concept that lost links asks ``related`` for its top 10. Concepts it still links to are
left out of the ranking, as in link prediction: the question is what else it should link to. A
hidden target is recovered when it is in the top 10. Prints recall@10 (hidden links recovered /
hidden links) and MRR@10 (mean over queries of 1 / rank of the first hidden target in the top
10) for each signal alone, the combination with the default weights, and the fitted one.
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
from graph.related import DEFAULT_MODEL, SIGNALS, signal_scores  # noqa: E402
from graph.related_fit import fit_model  # noqa: E402
from graph.related_index import (attach_code_names, attach_mentions, attach_text_index, read_index,  # noqa: E402
                                 write_index)
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


def evaluate(queries, weights) -> tuple[float, float]:
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


def rebuilt(corpus: Path, seed: int, graph_only: bool = False):
    """(related index of ``corpus`` without the hidden links of ``seed``, {concept: hidden targets})."""
    if graph_only:
        resolution, hidden = hide_links(resolve(read_corpus([corpus])), seed)
    else:
        from mentions_eval import hidden_corpus  # it imports hide_links from here

        resolution, hidden, _ = hidden_corpus(corpus, seed)
    G = build_graph(resolution)
    attach_text_index(G, resolution.articles)
    attach_mentions(G, resolution)
    attach_code_names(G, resolution.articles)
    buf = io.StringIO()
    write_index(G, buf)
    return read_index(buf.getvalue()), hidden  # evaluate what `linkgraph related` reads


def run(corpus: Path, seed: int, graph_only: bool = False):
    """Rebuild ``corpus`` without the hidden links of ``seed``, fit, and return the table's rows and facts."""
    t0 = time.perf_counter()
    index, hidden = rebuilt(corpus, seed, graph_only)
    t1 = time.perf_counter()
    model = fit_model(index)
    t2 = time.perf_counter()
    asked = [u for u in sorted(hidden) if u in index]
    default = [(signal_scores(index, u, set(index.links_out(u))), hidden[u]) for u in asked]
    fitted = [(signal_scores(index, u, set(index.links_out(u)), model=model), hidden[u]) for u in asked]
    rows = [(f"`{name}`" + (" (TF-IDF)" if name == "text" else ""), evaluate(default, {name: 1.0}))
            for name in SIGNALS]
    if model.hub != DEFAULT_MODEL.hub:
        rows.append((f"`pagerank`, fitted hub discount {model.hub:g}",
                     evaluate(fitted, {"pagerank": 1.0})))
    rows.append(("combination, default weights", evaluate(default, DEFAULT_MODEL.weights)))
    rows.append(("**combination, fitted**", evaluate(fitted, model.weights)))
    facts = {"queries": len(asked), "hidden": sum(len(h) for h in hidden.values()),
             "reachable": sum(1 for h in hidden.values() for v in h if v in index),
             "build": t1 - t0, "fit": t2 - t1, "model": model}
    return rows, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", type=Path, nargs="+", metavar="CORPUS")
    parser.add_argument("--seed", type=int, default=11, help="seed of the links hidden for the tables (default 11)")
    parser.add_argument("--graph-only", action="store_true",
                        help="hide links from the graph only, keeping them in the Markdown (the earlier protocol)")
    args = parser.parse_args()
    for corpus in args.corpora:
        rows, f = run(corpus, args.seed, args.graph_only)
        print(f"{corpus}, seed {args.seed}: {f['queries']} queries, {f['hidden']} hidden links ({f['reachable']} to "
              f"concepts still in the graph); read + graph + index {f['build']:.1f} s, fit {f['fit']:.1f} s")
        print(f"model: {f['model'].note}\n")
        print("| signal | recall@10 | MRR@10 |\n|---|---|---|")
        for name, (recall, mrr) in rows:
            print(f"| {name} | {recall:.3f} | {mrr:.3f} |")
        best = max(r for name, (r, _) in rows if name.startswith("`"))
        fitted, text = rows[-1][1][0], rows[[n for n, _ in rows].index("`text` (TF-IDF)")][1][0]
        print(f"\nfitted / best single signal: {fitted / max(best, 1e-9):.2f}×; fitted / TF-IDF: {fitted / max(text, 1e-9):.2f}×\n")


if __name__ == "__main__":
    main()
