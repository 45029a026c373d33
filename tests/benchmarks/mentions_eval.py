"""How good is ``linkgraph mentions``? Unlink some links, keep their text, and see whether it finds them.

    python3 tests/benchmarks/mentions_eval.py ../shared/corpora/investorswiki/Texts
    python3 tests/benchmarks/mentions_eval.py CORPUS [CORPUS ...] --seed 7 --tune-seeds 1,2,3
    python3 tests/benchmarks/mentions_eval.py --time /tmp/corpus-50000/Texts

The links hidden are those of tests/benchmarks/related_eval.py for the same seed (20% of each
concept's distinct targets). Here each hidden link is removed from the Markdown itself, its
anchor text left in place as plain text (``[الأصل](/asset)`` becomes ``الأصل``), and the
corpus is read and resolved again, so mentions sees exactly a corpus whose authors never wrote
those links. A hidden (concept, target) pair is recovered when some file of the concept
mentions the target. Precision is over the pairs reported: a reported pair that was never
linked counts as wrong, so it is a lower bound (some are real missing links). Pairs to a target
the concept still links from another file (its other language) are not scored.

The baseline is exact matching of normalised titles, with the same prose and the same skips.
``--time`` only times reading, resolving and finding mentions on a corpus.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import defaultdict
from pathlib import Path

import pyromark

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from related_eval import hide_links  # noqa: E402

from graph.links import find_links  # noqa: E402
from graph.mentions import Lexicon, build_lexicon, concept_names, corpus_mentions, mention_candidates  # noqa: E402
from graph.model import LinkClass  # noqa: E402
from graph.reader import read_corpus  # noqa: E402
from graph.resolve import resolve  # noqa: E402

THRESHOLDS = (0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9)
_LINKED = (LinkClass.RESOLVED, LinkClass.MISSING, LinkClass.SELF)


def unlink(body: str, hidden_hrefs: set[str]) -> str:
    """The body with each link whose destination is in ``hidden_hrefs`` replaced by its text."""
    data = body.encode("utf-8")
    cuts = []  # (link start, link end, text start, text end) in bytes
    open_link = None
    for event, span in pyromark.events_with_range(body, options=pyromark.Options.ENABLE_TABLES):
        start = event.get("Start") if type(event) is dict else None
        if type(start) is dict and "Link" in start and open_link is None:
            open_link = [span["start"], span["end"], start["Link"]["dest_url"], None, None]
        elif open_link is not None and type(event) is dict and "End" not in event and "Start" not in event:
            if open_link[3] is None:
                open_link[3] = span["start"]
            open_link[4] = span["end"]
        elif type(event) is dict and event.get("End") == "Link" and open_link is not None:
            s, e, href, ts, te = open_link
            if href in hidden_hrefs:
                cuts.append((s, e, ts if ts is not None else s, te if te is not None else s))
            open_link = None
    for s, e, ts, te in sorted(cuts, reverse=True):
        data = data[:s] + data[ts:te] + data[e:]
    return data.decode("utf-8")


def hidden_corpus(corpus_path: Path, seed: int):
    """(resolution of the corpus with hidden links unlinked, {concept: hidden targets}, seconds to read)."""
    t0 = time.perf_counter()
    corpus = read_corpus([corpus_path])
    resolution = resolve(corpus)
    _, hidden = hide_links(resolution, seed)
    hrefs: dict[str, set[str]] = defaultdict(set)
    for o in resolution.occurrences:
        if o.target in hidden.get(o.source, ()):
            hrefs[o.path].add(o.link.href)
    articles = []
    for a in corpus.articles:
        if a.path in hrefs:
            body = unlink(a.body, hrefs[a.path])
            a = dataclasses.replace(a, body=body, links=tuple(find_links(body, a.path, a.body_line)[0]))
        articles.append(a)
    return resolve(dataclasses.replace(corpus, articles=tuple(articles))), hidden, time.perf_counter() - t0


def score(resolution, hidden, lexicon: Lexicon, keep=lambda m: True):
    """{threshold: (recall, precision, pairs reported)} and the seconds mentions took."""
    t0 = time.perf_counter()
    found = mention_candidates(resolution, lexicon)
    seconds = time.perf_counter() - t0
    still: dict[str, set[str]] = defaultdict(set)
    for o in resolution.occurrences:
        if o.kind in _LINKED and o.target:
            still[o.source].add(o.target)
    # A pair is reported at threshold t when any of its candidates reaches t (first_mentions).
    pairs: dict[tuple[str, str], float] = {}
    for mentions in found.values():
        for m in mentions:
            if keep(m) and m.target not in still[m.source]:
                pairs[m.source, m.target] = max(m.confidence, pairs.get((m.source, m.target), 0.0))
    truth = {(u, v) for u, vs in hidden.items() for v in vs}
    rows = {}
    for t in THRESHOLDS:
        chosen = {p for p, c in pairs.items() if c >= t}
        hits = len(chosen & truth)
        rows[t] = (hits / len(truth), hits / len(chosen) if chosen else 0.0, len(chosen))
    return rows, seconds


def evaluate(corpus_path: Path, seed: int) -> tuple[dict, dict, int, float, float]:
    """(method rows, baseline rows, hidden pairs, seconds to read, seconds of mentions)."""
    resolution, hidden, read_seconds = hidden_corpus(corpus_path, seed)
    method, seconds = score(resolution, hidden, build_lexicon(resolution))
    titles = Lexicon(n for n in concept_names(resolution.articles) if n.origin == "title")
    baseline, _ = score(resolution, hidden, titles, keep=lambda m: m.how == "title exact")
    return method, baseline, sum(len(h) for h in hidden.values()), read_seconds, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", type=Path, nargs="+", metavar="CORPUS")
    parser.add_argument("--seed", type=int, action="append", help="seed of the hidden links (repeatable; default 7)")
    parser.add_argument("--time", action="store_true", help="only time reading, resolving and mentions")
    args = parser.parse_args()
    if args.time:
        for corpus in args.corpora:
            t0 = time.perf_counter()
            resolution = resolve(read_corpus([corpus], jobs=2))
            t1 = time.perf_counter()
            lexicon = build_lexicon(resolution)
            t2, cpu = time.perf_counter(), time.process_time()
            found = corpus_mentions(resolution, lexicon)
            t3, cpu = time.perf_counter(), time.process_time() - cpu
            chars = sum(len(a.body) for a in resolution.articles)
            print(f"{corpus}: {len(resolution.articles)} articles, {chars / 1e6:.1f} M chars of body; "
                  f"read+resolve {t1 - t0:.1f} s, lexicon {t2 - t1:.1f} s ({lexicon.size} names), "
                  f"mentions {t3 - t2:.1f} s wall, {cpu:.1f} s CPU ({sum(map(len, found.values()))} reported, "
                  f"{chars / 1e6 / cpu:.2f} M chars per CPU second)")
        return
    for seed in args.seed or [7]:
        for corpus in args.corpora:
            method, baseline, n_hidden, read_seconds, seconds = evaluate(corpus, seed)
            print(f"{corpus}, seed {seed}: {n_hidden} hidden (concept, target) pairs; "
                  f"read {read_seconds:.1f} s, mentions {seconds:.1f} s\n")
            print("| min confidence | recall | precision | pairs reported |\n|---|---|---|---|")
            r, p, n = baseline[0.0]
            print(f"| baseline: exact normalised title | {r:.3f} | {p:.3f} | {n} |")
            for t, (r, p, n) in method.items():
                print(f"| {t:.2f} | {r:.3f} | {p:.3f} | {n} |")
            print()


if __name__ == "__main__":
    main()
