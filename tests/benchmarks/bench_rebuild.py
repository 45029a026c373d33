"""Benchmark rebuilds into the same output folder, stage by stage; prints a table, asserts nothing.

    python3 tests/benchmarks/bench_rebuild.py --size 10000

A cold build (empty parse cache, empty output folder), then, each into that same folder (so the
previous outputs and their chunk tables are there to splice from), rebuilds after: nothing
changed, a body edit that adds a link, a title edit, a new file, a deleted file. Each build runs
in a fresh process. For each: seconds per stage, and per output file how many pieces were
rendered and how many copied from the previous file (``graph.splice``). Corpora come from
gen_corpus.py (cached in --corpora, as bench_build.py does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.benchmarks.bench_build import corpus, table  # noqa: E402


def one_build(root: Path, out: Path, cache: Path, jobs: int) -> dict:
    from graph.pipeline import build

    marks: list[tuple[str, float]] = []

    def observe(stage: str, done: int = 0, total: int = 0) -> None:
        if not marks or marks[-1][0] != stage:
            marks.append((stage, time.perf_counter()))

    start = time.perf_counter()
    result = build([root], out, jobs=jobs, cache_dir=cache, observe=observe)
    total = time.perf_counter() - start
    stages = {name: marks[i + 1][1] - t for i, (name, t) in enumerate(marks[:-1])}
    return {"seconds": total, "stages": stages, "spliced": result.spliced, "warnings": list(result.warnings)}


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--corpora", type=Path, default=Path(tempfile.gettempdir()) / "linkgraph-bench")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root, out, cache = map(Path, args.child)
        print(json.dumps(one_build(root, out, cache, args.jobs)))
        return
    source = corpus(args.size, args.corpora)
    work = Path(tempfile.mkdtemp(prefix="lg-rebuild-"))
    root = work / "in"
    shutil.copytree(source, root)  # the edits below must not touch the shared corpus
    files = sorted(root.rglob("*.md"))
    victim, other = files[len(files) // 2], files[len(files) // 3]

    def append_link(path: Path) -> None:
        path.write_bytes(path.read_bytes() + b"\nOne more line with [a link](/term-000001).\n")

    def retitle(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title: ", "title: Renamed ", 1), encoding="utf-8")

    changes = [
        ("cold (no cache, empty folder)", lambda: None),
        ("nothing changed", lambda: None),
        ("one body: a link added", lambda: append_link(victim)),
        ("one title changed", lambda: retitle(other)),
        ("one file added", lambda: (root / victim.parent / "bench-new.md").write_text(
            "---\ntitle: New\n---\nSee [x](/term-000002).\n", encoding="utf-8")),
        ("one file deleted", lambda: other.unlink()),
    ]
    runs = []
    try:
        for name, change in changes:
            change()
            runs.append((name, run_child("-j", str(args.jobs), "--child", str(root), str(work / "out"), str(work / "cache"))))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cold = runs[0][1]["seconds"]
    stages = list(runs[0][1]["stages"])
    print(f"# rebuilds into the same folder: {args.size:,} files, {os.cpu_count()} cores, -j {args.jobs}\n")
    rows = [["build", "total s", "/ cold", *stages]]
    for name, run in runs:
        rows.append([name, f"{run['seconds']:.2f}", f"{run['seconds'] / cold:.0%}",
                     *(f"{run['stages'].get(s, 0):.2f}" for s in stages)])
    print(table(rows) + "\n")
    files_spliced = sorted(runs[0][1]["spliced"])
    rows = [["build", *files_spliced]]
    for name, run in runs:
        rows.append([name, *(f"{run['spliced'][f][0]}/{sum(run['spliced'][f])}" for f in files_spliced)])
    print("pieces rendered / all pieces, per file:\n")
    print(table(rows))
    for name, run in runs:
        for w in run["warnings"]:
            print(f"warning ({name}): {w}")


if __name__ == "__main__":
    main()
