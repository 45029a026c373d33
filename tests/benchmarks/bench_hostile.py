"""Hostile inputs at full size (issue 10): wall time and peak memory of a build; prints, asserts nothing.

    nice -n 10 python3 tests/benchmarks/bench_hostile.py            # every case
    nice -n 10 python3 tests/benchmarks/bench_hostile.py --only keywords-100k

Each case runs ``linkgraph build --no-cache -q`` (or the cache case with its cache) in a fresh
process beside a small ordinary corpus, so its peak RSS is that build's own. The tests use the
same shapes at small sizes; these are the sizes the issue measured (76 MB, 7 M links; 1 M
targets; 20,000 and 100,000 keywords; random cache shards under 300 files), and two for names
in code (8 MB of distinct code spans; a name written as code by, and naming, 5,000 pages).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def ordinary(root: Path, n: int = 300) -> None:
    for i in range(n):
        (root / f"a{i:04d}.md").write_text(f"---\ntitle: A {i}\nkeywords: k{i % 7}\n---\n[n](/a{(i + 1) % n:04d})\n")


def links_file(root: Path, mb: int) -> None:
    """A file of about ``mb`` MB of links (11 bytes each: 7 M links at 76 MB)."""
    line = "".join(f"[x](/t{i % 9})" for i in range(1000)) + "\n"
    with open(root / "links.md", "w") as f:
        for _ in range(mb * 1_000_000 // len(line)):
            f.write(line)


def targets_file(root: Path, n: int) -> None:
    """One file linking to ``n`` distinct targets (under the size limit for n <= 500,000)."""
    with open(root / "targets.md", "w") as f:
        f.writelines(f"[t](/t{i}) " + ("\n" if i % 50 == 49 else "") for i in range(n))


def keywords_file(root: Path, n: int) -> None:
    (root / "keywords.md").write_text("---\ntitle: K\nkeywords: " + ", ".join(f"kw {i}" for i in range(n)) + "\n---\n")


def code_file(root: Path, mb: int) -> None:
    """A file of about ``mb`` MB of distinct inline code spans (``graph.code_names`` reads the first 10,000)."""
    with open(root / "code.md", "w") as f:
        f.write("---\ntitle: Code\n---\n")
        for i in range(mb * 1_000_000 // 12):
            f.write(f"`n{i:07d}` ")


def shared_names(root: Path, n: int) -> None:
    """``n`` pages named ``overview`` in their own folders, each writing `overview` in code: a name
    of ``n`` concepts in ``n`` articles (``graph.code_names.MAX_OWNERS``: it names none)."""
    for i in range(n):
        (root / f"f{i}").mkdir()
        (root / f"f{i}" / "overview.md").write_text(f"---\ntitle: Overview {i}\n---\nSee `overview`.\n")


CASES = {
    "links-76mb": lambda root: links_file(root, 76),
    "links-8mb": lambda root: links_file(root, 8),
    "targets-500k": lambda root: targets_file(root, 500_000),
    "keywords-20k": lambda root: keywords_file(root, 20_000),
    "keywords-100k": lambda root: keywords_file(root, 100_000),
    "code-spans-8mb": lambda root: code_file(root, 8),
    "shared-code-name-5k": lambda root: shared_names(root, 5_000),
    "cache-random-shards": None,
}


_MEASURE = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL).returncode; "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)")


def run(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB of the build process and its workers, exit code), measured by a
    fresh parent process so no earlier case's peak counts."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "graph", "build", *args], cwd=PROJECT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)}, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kb, code = done.stdout.split()
    return seconds, int(peak_kb) / 1024, int(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=CASES, action="append")
    args = parser.parse_args()
    print(f"{'case':<22} {'seconds':>8} {'peak MB':>8} {'exit':>5}")
    for name in args.only or CASES:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp, "in")
            root.mkdir()
            ordinary(root)
            out = str(Path(tmp, "out"))
            if name == "cache-random-shards":
                cache = Path(tmp, "cache")
                run([str(root), "-o", out, "-q", "--cache-dir", str(cache), "-j", "1"])
                for shard in cache.rglob("*.marshal"):
                    shard.write_bytes(os.urandom(shard.stat().st_size))
                seconds, peak, code = run([str(root), "-o", out, "-q", "--cache-dir", str(cache), "-j", "1"])
            else:
                CASES[name](root)
                seconds, peak, code = run([str(root), "-o", out, "-q", "--no-cache", "-j", "1"])
        print(f"{name:<22} {seconds:>8.2f} {peak:>8.0f} {code:>5}", flush=True)


if __name__ == "__main__":
    main()
