"""How long the build's related fit (``graph.related_fit.fit_model``) takes, optionally against other code.

    python3 tests/benchmarks/gen_corpus.py 50000 /tmp/corpus-50000
    python3 -m graph build /tmp/corpus-50000/Texts -o /tmp/out-50000 --format related
    git worktree add --detach /tmp/linkgraph-before main
    nice -n 10 python3 tests/benchmarks/bench_fit.py /tmp/out-50000 --repeat 5 --against /tmp/linkgraph-before

Each run is a fresh process that reads a build's ``related-index.json`` (not timed) and times one
``fit_model`` on it, the fit a cold build runs and a rebuild runs again after a link edit (its
inputs changed). With ``--against DIR`` (a checkout of other code) the runs alternate between this
checkout and DIR, so that both meet the same load on a shared machine; prints each run, the median
of each, their ratio, and whether both fitted the same model (a speed-up must not change it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
RUN = """
import hashlib, json, sys, time
from pathlib import Path
from graph.related_fit import fit_model
from graph.related_index import read_index
G = read_index(Path(sys.argv[1]).read_text(encoding="utf-8"))
start = time.perf_counter()
model = fit_model(G, int(sys.argv[2]))
seconds = time.perf_counter() - start
print(seconds, hashlib.sha256(json.dumps(model.to_json(), sort_keys=True).encode()).hexdigest()[:12])
"""


def fit_once(code: Path, index: Path, seed: int) -> tuple[float, str]:
    """Seconds of one fit with the code of checkout ``code``, and a digest of the model it fitted."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", RUN, str(index), str(seed)], env=env, cwd=code,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outs", type=Path, nargs="+", metavar="OUT", help="a build's output folder (or its index file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per index and code (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="the fit's seed (default 0, as a build)")
    parser.add_argument("--against", type=Path, help="a checkout of other code to time alternately")
    args = parser.parse_args()
    codes = {"this": HERE} | ({"against": args.against.resolve()} if args.against else {})
    for out in args.outs:
        index = out / "related-index.json" if out.is_dir() else out
        times: dict[str, list[float]] = {name: [] for name in codes}
        models: dict[str, set[str]] = {name: set() for name in codes}
        for run in range(args.repeat):
            for name, code in codes.items():
                seconds, model = fit_once(code, index, args.seed)
                times[name].append(seconds)
                models[name].add(model)
                print(f"{out} run {run + 1} {name}: {seconds:.2f} s (model {model})", flush=True)
        medians = {name: statistics.median(t) for name, t in times.items()}
        line = ", ".join(f"{name} {m:.2f} s" for name, m in medians.items())
        if args.against:
            same = len(models["this"] | models["against"]) == 1
            line += f"; against / this {medians['against'] / medians['this']:.2f}x; " + \
                    ("the same model" if same else "MODELS DIFFER")
        print(f"{out}: fit_model median of {args.repeat}: {line}")


if __name__ == "__main__":
    main()
