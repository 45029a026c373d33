"""Generate a seeded, realistic synthetic corpus in our user's format, for benchmarks.

    python3 tests/benchmarks/gen_corpus.py 50000 /tmp/corpus-50000

writes ``Texts/Arabic/<slug>.md`` for most articles and ``Texts/English/<slug>.md`` twins for a
share of the slugs (together ``N`` files): YAML front matter (title, description, a
comma-separated ``keywords`` string), 4-6 KB bodies mixing Arabic and Latin text with headings,
lists, block quotes, code blocks (whose link-like text must not count), and 10-30 root-relative
links per article, their targets drawn from a Zipf-like distribution with ~10% pointing at
slugs that have no article. The same arguments always give the same bytes.

    python3 tests/benchmarks/gen_corpus.py 4000 /tmp/dense-4000 --topics 80 --links 30-45

makes a link-dense corpus with structure to find: each article belongs to one of ``--topics``
topics (named by a word in its title), and each of its links goes with probability
``--hub-share`` (default 0.4) to the Zipf-distributed popular articles, the hubs, and otherwise
to an article of its own topic.
"""

from __future__ import annotations

import argparse
import random
from itertools import accumulate
from pathlib import Path

ARABIC = (
    "السوق المالية الأسهم السندات المستثمر الشركة الوسيط التداول السعر العائد المخاطر الأصول "
    "الخصوم رأس المال الفائدة التضخم البنك المركزي الهيئة التنظيمية الحساب الهامش العقد الخيار "
    "المؤشر الصندوق الاستثمار المحفظة السيولة الربح الخسارة الضريبة الدخل القيمة السوقية التقييم "
    "التحليل الأساسي الفني الاقتصاد النمو الركود الدين الائتمان التصنيف العملة الصرف السلع الذهب النفط"
).split()
LATIN = (
    "market stock bond investor broker trading price yield risk asset liability capital interest "
    "inflation bank regulator account margin contract option index fund portfolio liquidity profit "
    "loss tax income value valuation analysis growth recession debt credit rating currency exchange"
).split()
KEYWORDS = ("Investing", "Trading", "Careers", "Banking", "Taxes", "Bonds", "Stocks", "Crypto",
            "Personal Finance", "Economics", "Derivatives", "Regulation", "Markets", "Insurance")
HEADINGS = ("ما هو", "فهم", "يسلط الضوء", "التعليمات", "الخط السفلي", "مثال", "Features", "History")


def slug_of(i: int) -> str:
    return f"term-{i:06d}"


class Generator:
    def __init__(self, n_articles: int, seed: int, topics: int = 0, links: tuple[int, int] = (10, 30),
                 hub_share: float = 0.4) -> None:
        self.rng = random.Random(seed)
        self.n = n_articles
        self.topics, self.links, self.hub_share = topics, links, hub_share
        # Its own generator, so that the default corpus (no topics) keeps its bytes.
        topic_rng = random.Random(seed + 1)
        self.topic_of = [topic_rng.randrange(topics) for _ in range(n_articles)] if topics else []
        self.members: list[list[int]] = [[] for _ in range(topics)]
        for j, t in enumerate(self.topic_of):
            self.members[t].append(j)
        # Targets follow a Zipf-like law; 10% of links go to slugs that have no article
        # (numbered past the last one), themselves Zipf-distributed.
        self.n_missing = max(1, n_articles // 5)
        self.article_weights = list(accumulate(1 / (r + 1) ** 1.1 for r in range(n_articles)))
        self.missing_weights = list(accumulate(1 / (r + 1) ** 1.1 for r in range(self.n_missing)))
        self.article_order = list(range(n_articles))
        self.rng.shuffle(self.article_order)  # popular targets are spread over the slug space

    def words(self, pool: list[str], n: int) -> str:
        return " ".join(self.rng.choices(pool, k=n))

    def sentence(self, arabic: bool) -> str:
        main, other = (ARABIC, LATIN) if arabic else (LATIN, ARABIC)
        text = self.words(main, self.rng.randint(6, 12))
        if self.rng.random() < 0.3:
            text += " " + self.words(other, self.rng.randint(1, 3))
        return text + "."

    def link(self, arabic: bool, i: int) -> str:
        if self.topics and self.rng.random() >= self.hub_share:
            target = self.rng.choice(self.members[self.topic_of[i]])
            anchor = self.words(ARABIC if arabic else LATIN, self.rng.randint(1, 3))
            return f"[{anchor}](/{slug_of(target)})"
        if self.rng.random() < 0.1:
            rank = self.rng.choices(range(self.n_missing), cum_weights=self.missing_weights)[0]
            target = self.n + rank
        else:
            rank = self.rng.choices(range(self.n), cum_weights=self.article_weights)[0]
            target = self.article_order[rank]
        anchor = self.words(ARABIC if arabic else LATIN, self.rng.randint(1, 3))
        return f"[{anchor}](/{slug_of(target)})"

    def article(self, i: int, arabic: bool) -> str:
        rng = self.rng
        pool = ARABIC if arabic else LATIN
        title = self.words(pool, rng.randint(2, 4)).title() if not arabic else self.words(pool, rng.randint(2, 4))
        if self.topics:
            title += f" {pool[self.topic_of[i] % len(pool)]}"
        keywords = ",".join(rng.sample(KEYWORDS, rng.randint(1, 4)))
        parts = [f"---\nkeywords: {keywords}\ntitle: {title} {i}\ndescription: {self.sentence(arabic)}\n---\n",
                 f"# {title} {i}\n"]
        links_left = rng.randint(*self.links)
        size = sum(len(p.encode()) for p in parts)
        target_size = rng.randint(4000, 6000)
        while size < target_size or links_left > 0:
            roll = rng.random()
            if roll < 0.12:
                block = f"## {rng.choice(HEADINGS)} {self.words(pool, 2)}\n"
            elif roll < 0.22:
                block = "\n".join(f"- {self.sentence(arabic)}" for _ in range(rng.randint(2, 4))) + "\n"
            elif roll < 0.28:
                block = f"> {self.sentence(arabic)}\n>\n"
            elif roll < 0.32:
                block = f"```\n{self.words(LATIN, 6)} [not a link](/in-code)\n```\n"
            else:
                sentences = [self.sentence(arabic) for _ in range(rng.randint(2, 4))]
                for _ in range(min(links_left, rng.randint(1, 4))):
                    k = rng.randrange(len(sentences))
                    sentences[k] = sentences[k][:-1] + " " + self.link(arabic, i) + "."
                    links_left -= 1
                block = " ".join(sentences) + "\n"
            parts.append("\n" + block)
            size += len(block.encode()) + 1
        return "".join(parts)


def generate(n_files: int, out: Path, seed: int = 42, twin_share: float = 0.2, topics: int = 0,
             links: tuple[int, int] = (10, 30), hub_share: float = 0.4) -> tuple[int, int]:
    """Write the corpus; returns (files written, bytes written)."""
    n_arabic = round(n_files / (1 + twin_share))
    gen = Generator(n_arabic, seed, topics, links, hub_share)
    total = 0
    for folder, count, arabic in (("Arabic", n_arabic, True), ("English", n_files - n_arabic, False)):
        (out / "Texts" / folder).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            data = gen.article(i, arabic).encode("utf-8")
            (out / "Texts" / folder / f"{slug_of(i)}.md").write_bytes(data)
            total += len(data)
    return n_files, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", type=int, help="number of files to write (e.g. 1000, 10000, 50000)")
    parser.add_argument("out", type=Path, help="output folder (the corpus root is OUT/Texts)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--topics", type=int, default=0, help="topics links stay within (default: none)")
    parser.add_argument("--links", type=lambda t: tuple(map(int, t.split("-"))), default=(10, 30), metavar="MIN-MAX",
                        help="links per article (default 10-30)")
    parser.add_argument("--hub-share", type=float, default=0.4, help="share of a topic corpus's links to hubs")
    args = parser.parse_args()
    files, size = generate(args.articles, args.out, args.seed, topics=args.topics, links=args.links,
                           hub_share=args.hub_share)
    print(f"{files} files, {size / 1e6:.1f} MB in {args.out / 'Texts'}")


if __name__ == "__main__":
    main()
