"""The most any ranking can recover on a topic corpus of gen_corpus.py: the generator's own odds.

    python3 tests/benchmarks/gen_corpus.py 4000 /tmp/dense-4000 --topics 80 --links 30-45
    python3 tests/benchmarks/dense_ceiling.py /tmp/dense-4000/Texts 4000 --topics 80 --links 30-45 --seed 11

Hides the links ``related_eval.py`` hides for the same seed and ranks, for each concept that lost
links, every concept it does not still link to by the probability that one of its links goes
there, as the generator drew them: ``hub share × Zipf weight of the target`` (the popular
articles, and the 10% of those links that go to missing pages), plus ``(1 − hub share) / topic
size`` for a member of its own topic. Links are drawn independently of one another and of the
reverse links, so a target's chance of being a hidden link, given that it is not a remaining
one, grows with that probability alone: no ranking, from the links or the text, can expect to
beat this one's recall@10 on these hidden links. It reads the generator's topics, which no
signal sees; the point is the ceiling it gives the ``related_eval.py`` figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gen_corpus import Generator, slug_of  # noqa: E402
from related_eval import TOP, hide_links  # noqa: E402

from graph.build import build_graph  # noqa: E402
from graph.model import NodeKind  # noqa: E402
from graph.reader import read_corpus  # noqa: E402
from graph.resolve import MISSING, RESOLVED, resolve  # noqa: E402


def link_odds(gen: Generator, hub_share: float) -> tuple[dict[str, float], dict[str, int]]:
    """(slug -> chance a hub link goes there, slug -> topic), as ``gen`` draws them."""
    weights = [b - a for a, b in zip([0.0, *gen.article_weights], gen.article_weights)]
    missing = [b - a for a, b in zip([0.0, *gen.missing_weights], gen.missing_weights)]
    hub = {slug_of(a): 0.9 * w / sum(weights) for a, w in zip(gen.article_order, weights)}
    hub.update({slug_of(gen.n + r): 0.1 * w / sum(missing) for r, w in enumerate(missing)})
    return {slug: hub_share * p for slug, p in hub.items()}, {slug_of(i): t for i, t in enumerate(gen.topic_of)}


def ceiling(corpus: Path, files: int, topics: int, links: tuple[int, int], hub_share: float, seed: int,
            gen_seed: int = 42, twin_share: float = 0.2) -> tuple[float, int]:
    """(recall@10 of ranking by the generator's odds, hidden links) for the links ``seed`` hides."""
    gen = Generator(round(files / (1 + twin_share)), gen_seed, topics, links, hub_share)
    hub, topic = link_odds(gen, hub_share)
    size = [len(m) for m in gen.members]
    resolution, hidden = hide_links(resolve(read_corpus([corpus])), seed)
    kept: dict[str, set[str]] = {}
    for o in resolution.occurrences:
        if o.kind in (RESOLVED, MISSING) and o.target:
            kept.setdefault(o.source, set()).add(o.target)
    # Candidates: what the rebuilt graph holds, as for related_eval (a target linked only by
    # hidden links is gone from it).
    G = build_graph(resolution)
    concepts = sorted(v for v, kind in G.nodes(data="kind") if kind != NodeKind.KEYWORD)
    found = total = 0
    for u in sorted(hidden):
        t = topic.get(u)

        def odds(v: str) -> float:
            return hub.get(v, 0.0) + ((1 - hub_share) / size[t] if t is not None and topic.get(v) == t else 0.0)

        left = kept.get(u, set()) | {u}
        top = sorted((v for v in concepts if v not in left), key=lambda v: (-odds(v), v))[:TOP]
        found += len(hidden[u] & set(top))
        total += len(hidden[u])
    return found / total, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the Texts folder gen_corpus.py wrote")
    parser.add_argument("files", type=int, help="the number of files it was asked for")
    parser.add_argument("--topics", type=int, required=True)
    parser.add_argument("--links", type=lambda t: tuple(map(int, t.split("-"))), default=(10, 30), metavar="MIN-MAX")
    parser.add_argument("--hub-share", type=float, default=0.4)
    parser.add_argument("--gen-seed", type=int, default=42, help="gen_corpus.py's --seed")
    parser.add_argument("--seed", type=int, default=11, help="seed of the links hidden, as for related_eval.py")
    args = parser.parse_args()
    recall, hidden = ceiling(args.corpus, args.files, args.topics, args.links, args.hub_share, args.seed,
                             args.gen_seed)
    print(f"{args.corpus}, seed {args.seed}: {hidden} hidden links; ranking by the generator's own odds: "
          f"recall@{TOP} {recall:.3f}")


if __name__ == "__main__":
    main()
