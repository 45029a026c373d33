"""Benchmark `--watch` rebuilds (one process, one ``Memo``) of checkouts side by side; prints a
table, asserts nothing.

    nice -n 10 python3 tests/benchmarks/bench_watch.py --size 50000 --rounds 3 /work/main .

Each checkout runs in its own process, in turn (``--repeat`` times, alternating, so that load on
a shared machine falls on all of them alike): a cold build with a parse cache and a ``Memo``, then
``--rounds`` rounds of three edits of one article, each rebuilt into the same folder through the
memo, as ``linkgraph build --watch`` does: a link with new anchor text to a new (missing) target
appended ("link": a node is inserted, so GraphML and GEXF renumber the ids after it), then a line
of prose ("prose"), then a link to an existing article ("relink": every graph file changes in one
place). ``--pause`` seconds pass before each rebuild, as between a user's saves (memory a build
freed is handed back to a VM's host within seconds: docs/performance.md#the-watch-keeps-its-last-outputs-memory).
For each checkout and edit: the median over rounds and repeats of the
rebuild, its write stage (wall, and CPU seconds of the build's process: forked writers' are not
counted), the other stages, and the largest resident memory of the process after such a build.
The corpus comes from gen_corpus.py (cached in --corpora, as bench_build.py does); the edited
file is restored at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
STAGES = ("read", "resolve", "graph", "index", "write")


def child(root: Path, work: Path, rounds: int, jobs: int, pause: float = 0) -> list[dict]:
    """Run in a checkout's process: a cold build, then ``rounds`` × (link, prose, relink edits)."""
    from graph.memo import Memo
    from graph.pipeline import build

    memo, out, cache = Memo(), work / "out", work / "cache"
    files = sorted(root.rglob("*.md"))
    victim = files[7]
    original = victim.read_bytes()
    runs = []

    def run(edit: str) -> None:
        if edit != "cold":
            time.sleep(pause)
        marks: list[tuple[str, float, float]] = []

        def observe(stage: str, done: int = 0, total: int = 0) -> None:
            if not marks or marks[-1][0] != stage:
                marks.append((stage, time.perf_counter(), time.process_time()))

        start = time.perf_counter()
        build([root], out, jobs=jobs, cache_dir=cache, observe=observe, memo=memo)
        stages = {name: (marks[i + 1][1] - wall, marks[i + 1][2] - cpu) for i, (name, wall, cpu) in enumerate(marks[:-1])}
        runs.append({"edit": edit, "seconds": time.perf_counter() - start, "stages": stages, "rss": _rss()})

    try:
        run("cold")
        text = original
        for r in range(rounds):
            text += f"\nA [new link {r}](/watch-bench-{r}).\n".encode()
            victim.write_bytes(text)
            run("link")
            text += f"\nJust more prose, round {r}.\n".encode()
            victim.write_bytes(text)
            run("prose")
            text += f"\nSee also [{files[8 + r].stem}](/{files[8 + r].stem}).\n".encode()
            victim.write_bytes(text)
            run("relink")
    finally:
        victim.write_bytes(original)
    return runs


def _rss() -> float:
    """Resident memory of this process now, MB (what the watching process holds between builds)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="*", type=Path, default=[HERE.parent.parent])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--corpus", type=Path, help="a corpus folder instead of gen_corpus.py's of --size")
    parser.add_argument("--corpora", type=Path, default=Path(tempfile.gettempdir()) / "linkgraph-bench")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pause", type=float, default=0, help="seconds before each rebuild")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root, work, rounds = args.child
        print(json.dumps(child(Path(root), Path(work), int(rounds), args.jobs, args.pause)))
        return
    if args.corpus:
        root = args.corpus
    else:
        sys.path.insert(0, str(HERE.parent.parent))
        from tests.benchmarks.bench_build import corpus

        root = corpus(args.size, args.corpora)
    found: dict[str, list[dict]] = {}
    for _ in range(args.repeat):
        for checkout in args.checkouts:
            work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
            try:
                # The checkout's own code first on the path: its graph package, this script's loop.
                done = subprocess.run([sys.executable, "-c", "import runpy, sys; sys.path.insert(0, sys.argv[1]); "
                                       "sys.argv = sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                       str(checkout.resolve()), __file__, "--child", str(root), str(work),
                                       str(args.rounds), "-j", str(args.jobs), "--pause", str(args.pause)],
                                      capture_output=True, text=True, check=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            runs = json.loads(done.stdout.strip().splitlines()[-1])
            found.setdefault(str(checkout), []).extend(runs)
            print(f"{checkout}: " + ", ".join(f"{r['edit']} {r['seconds']:.2f} s (write {r['stages']['write'][0]:.2f}, "
                                              f"{r['rss']:.0f} MB)" for r in runs), flush=True)
    rows = [["checkout", "build", "n", "rebuild s", "write s (CPU)", *(f"{s} s" for s in STAGES[:-1]), "RSS after, MB"]]
    for checkout, runs in found.items():
        for edit in ("cold", "link", "prose", "relink"):
            mine = [r for r in runs if r["edit"] == edit]
            med = lambda f: statistics.median(f(r) for r in mine)  # noqa: E731
            rows.append([checkout, edit, str(len(mine)), f"{med(lambda r: r['seconds']):.2f}",
                         f"{med(lambda r: r['stages']['write'][0]):.2f} ({med(lambda r: r['stages']['write'][1]):.2f})",
                         *(f"{med(lambda r: r['stages'].get(s, (0, 0))[0]):.2f}" for s in STAGES[:-1]),
                         f"{max(r['rss'] for r in mine):.0f} (max)"])
    print(f"\n{root}, medians:\n")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


if __name__ == "__main__":
    main()
