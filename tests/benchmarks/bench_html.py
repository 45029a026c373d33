"""Measure the HTML explorer of a corpus: export time, file size, load time and frame rate in Chromium.

    python3 tests/benchmarks/bench_html.py ../shared/corpora/investorswiki/Texts
    python3 tests/benchmarks/gen_corpus.py 30000 /tmp/c30k && python3 tests/benchmarks/bench_html.py /tmp/c30k

Builds ``graph.html`` only (timing each stage of the build), opens it from disk in Debian's
headless Chromium (software rendering: ``--disable-gpu``, so a desktop browser does better) and
prints: the time from navigation to the first drawn frame, and the frame rate of 60 redraws at
rest and of 60 wheel-zoom steps. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from graph.pipeline import build

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FRAMES = """async (zoom) => {
  const canvas = document.getElementById('canvas'), stats = window.linkgraph.stats;
  const f0 = stats.frames, t0 = performance.now();
  for (let k = 0; k < 60; k++) {
    if (zoom) canvas.dispatchEvent(new WheelEvent('wheel', {deltaY: k < 30 ? -40 : 40, clientX: 450,
                                                   clientY: 400, bubbles: true, cancelable: true}));
    else window.linkgraph.redraw();
    await new Promise(r => requestAnimationFrame(r));
  }
  await new Promise(r => requestAnimationFrame(r));
  return {frames: stats.frames - f0, ms: performance.now() - t0};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder of Markdown articles")
    parser.add_argument("--out", help="where to write graph.html (default: a temporary folder)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-html-"))
    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    result = build([args.corpus], out, formats=["html"], jobs=2,
                   observe=lambda stage, done=0, total=0: done or marks.append((stage, time.perf_counter())))
    marks.append(("end", time.perf_counter()))
    G = result.graph
    page = out / "graph.html"
    print(f"{args.corpus}: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges")
    print("build stages: " + ", ".join(f"{a} {t2 - t1:.1f} s" for (a, t1), (_, t2) in zip(marks, marks[1:])
                                       if t2 - t1 >= 0.05) + f"; total {marks[-1][1] - t0:.1f} s")
    print(f"graph.html: {page.stat().st_size / 1e6:.2f} MB")

    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        start = time.perf_counter()
        tab.goto(page.resolve().as_uri())
        tab.wait_for_selector("body[data-ready]", state="attached", timeout=120_000)
        wall = time.perf_counter() - start
        stats = tab.evaluate("window.linkgraph.stats")
        print(f"load: {wall:.2f} s from navigation to the first frame (page's own clock: "
              f"{stats['readyMs'] / 1000:.2f} s, of which script {stats['scriptMs'] / 1000:.2f} s)")
        for name, zoom in (("redraw at rest", False), ("wheel zoom", True)):
            r = tab.evaluate(FRAMES, zoom)
            print(f"{name}: {r['frames'] / r['ms'] * 1000:.0f} frames/s ({r['ms'] / max(r['frames'], 1):.0f} ms a frame)")
        browser.close()


if __name__ == "__main__":
    main()
