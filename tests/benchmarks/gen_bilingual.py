"""Generate a seeded bilingual encyclopedia corpus, for the side-by-side benchmark of issue 11.

    python3 tests/benchmarks/gen_bilingual.py 18000 /tmp/bilingual-18000

writes ``N`` files, half in ``en/`` and half in ``ru/`` with the same relative paths
(``en/economics/bank-rate-00042.md`` and ``ru/economics/bank-rate-00042.md``): the shape of an
English/Russian encyclopedia whose articles sit in topic folders and link each other with
relative file links. Each article has YAML front matter (title, description, tags) and a
2-5 KB body with headings, lists and a code block; 24-48 links (36 on average) written
``[anchor](../topic/slug.md)`` (or ``slug.md`` within the same folder), their targets drawn
from a Zipf-like law; ~5% point at files nobody wrote, ~5% carry a ``#section`` fragment, ~2%
cross to the other language folder (``../../ru/topic/slug.md``) and ~3% are external. The same
arguments always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
from itertools import accumulate
from pathlib import Path

ENGLISH = (
    "market bank rate loan credit money price trade economy capital interest inflation currency "
    "exchange fund asset debt bond stock share profit loss tax income budget policy reserve "
    "deposit account payment value growth crisis history theory model system law state company "
    "industry labour wage energy resource supply demand"
).split()
RUSSIAN = (
    "рынок банк ставка кредит деньги цена торговля экономика капитал процент инфляция валюта "
    "обмен фонд актив долг облигация акция прибыль убыток налог доход бюджет политика резерв "
    "депозит счёт платёж стоимость рост кризис история теория модель система закон государство "
    "компания промышленность труд зарплата энергия ресурс предложение спрос"
).split()
TOPICS = ("economics", "finance", "banking", "history", "law", "politics", "industry", "trade",
          "energy", "labour", "accounting", "insurance", "statistics", "geography", "biography",
          "technology", "agriculture", "transport", "taxation", "markets")
LANGS = (("en", ENGLISH), ("ru", RUSSIAN))


class Encyclopedia:
    def __init__(self, n_articles: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = n_articles
        self.paths = [f"{self.rng.choice(TOPICS)}/{self.rng.choice(ENGLISH)}-{self.rng.choice(ENGLISH)}-{i:05d}"
                      for i in range(n_articles)]
        self.n_missing = max(1, n_articles // 10)
        self.missing = [f"{self.rng.choice(TOPICS)}/unwritten-{i:05d}" for i in range(self.n_missing)]
        self.weights = list(accumulate(1 / (r + 1) ** 0.9 for r in range(n_articles)))
        self.missing_weights = list(accumulate(1 / (r + 1) ** 1.1 for r in range(self.n_missing)))
        self.order = list(range(n_articles))
        self.rng.shuffle(self.order)  # popular targets are spread over the folders

    def words(self, pool: tuple[str, ...] | list[str], n: int) -> str:
        return " ".join(self.rng.choices(pool, k=n))

    def sentence(self, pool: list[str]) -> str:
        return self.words(pool, self.rng.randint(6, 14)).capitalize() + "."

    def href(self, source: str, lang: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return f"https://example.org/{self.words(ENGLISH, 1)}"
        if roll < 0.08:
            target = self.missing[rng.choices(range(self.n_missing), cum_weights=self.missing_weights)[0]]
        else:
            target = self.paths[self.order[rng.choices(range(self.n), cum_weights=self.weights)[0]]]
        folder, name = target.split("/")
        if rng.random() < 0.02:  # into the other language's folder
            other = "ru" if lang == "en" else "en"
            href = f"../../{other}/{target}.md"
        elif folder == source.split("/")[0]:
            href = f"{name}.md"
        else:
            href = f"../{target}.md"
        return href + (f"#{self.words(ENGLISH, 1)}" if rng.random() < 0.05 else "")

    def article(self, i: int, lang: str, pool: list[str]) -> str:
        rng = self.rng
        source = self.paths[i]
        title = self.words(pool, rng.randint(1, 3)).capitalize()
        tags = ", ".join(rng.sample(TOPICS, rng.randint(1, 3)))
        parts = [f"---\ntitle: {title} {i}\ndescription: {self.sentence(pool)}\ntags: [{tags}]\n---\n",
                 f"# {title} {i}\n"]
        links_left = rng.randint(24, 48)
        size, target_size = 0, rng.randint(2000, 5000)
        while size < target_size or links_left > 0:
            roll = rng.random()
            if roll < 0.1:
                block = f"## {self.words(pool, 2).capitalize()}\n"
            elif roll < 0.2:
                block = "\n".join(f"- {self.sentence(pool)}" for _ in range(rng.randint(2, 4))) + "\n"
            elif roll < 0.23:
                block = f"```\n{self.words(ENGLISH, 5)} [not a link](../in/code.md)\n```\n"
            else:
                sentences = [self.sentence(pool) for _ in range(rng.randint(2, 5))]
                for _ in range(min(links_left, rng.randint(1, 5))):
                    k = rng.randrange(len(sentences))
                    anchor = self.words(pool, rng.randint(1, 3))
                    sentences[k] = f"{sentences[k][:-1]} [{anchor}]({self.href(source, lang)})."
                    links_left -= 1
                block = " ".join(sentences) + "\n"
            parts.append("\n" + block)
            size += len(block.encode()) + 1
        return "".join(parts)


def generate(n_files: int, out: Path, seed: int = 7) -> tuple[int, int]:
    """Write the corpus (``n_files`` rounded down to even); returns (files written, bytes written)."""
    gen = Encyclopedia(n_files // 2, seed)
    total = 0
    for lang, pool in LANGS:
        for i, path in enumerate(gen.paths):
            file = out / lang / f"{path}.md"
            file.parent.mkdir(parents=True, exist_ok=True)
            data = gen.article(i, lang, list(pool)).encode("utf-8")
            file.write_bytes(data)
            total += len(data)
    return 2 * gen.n, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=int, help="number of files to write (half per language), e.g. 18000")
    parser.add_argument("out", type=Path, help="output folder (the corpus root, holding en/ and ru/)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    files, size = generate(args.files, args.out, args.seed)
    print(f"{files} files, {size / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
