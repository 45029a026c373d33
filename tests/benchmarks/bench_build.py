"""Benchmark ``linkgraph build`` end to end on generated corpora; prints tables, asserts nothing.

    python3 tests/benchmarks/bench_build.py                      # 1,000 / 10,000 / 50,000 files
    python3 tests/benchmarks/bench_build.py --sizes 10000 --compare-naive
    python3 tests/benchmarks/bench_build.py --sizes --bilingual 18000   # issue 11's side-by-side test

For each size (corpora are generated once by gen_corpus.py into --corpora, default
/tmp/linkgraph-bench) it runs, each in a fresh process so peak RSS is that run's own:

- the floor: read every file and run one regex over it for links (one process; run twice, the
  faster kept, so a cold page cache does not make it slow);
- a cold build with an empty parse cache, stage by stage (wall time, peak RSS so far; the read
  stage also shows the largest worker's peak);
- a rebuild into the same folder after adding a link to one file, as a user rebuilds (the
  cache serves the other files; unchanged pieces of the graph files are spliced);
- ``--watch`` latency: from saving a file with a new link to that link being in graph.nt, for a
  link to a target no file defines (a new node: the summary's "watch") and to an article;
- for the cold build, the peak of the summed PSS of the build and all its worker processes
  (sampled every 0.2 s from /proc; PSS counts pages shared copy-on-write once);
- with ``--compare-naive``, the same Turtle and GraphML content through the obvious stack:
  python-frontmatter per file and our link parser, ``nx.MultiDiGraph`` edge by edge,
  ``nx.write_graphml``, an rdflib Graph and its Turtle serializer — against our build of just
  those two formats, without cache;
- with ``--bilingual N``, issue 11's side-by-side test: on N files from gen_bilingual.py (two
  language folders with the same relative paths, relative ``../x/y.md`` links), the 50-line
  script a user would write (python-frontmatter, a regex, networkx, rdflib's Turtle serializer,
  ``nx.write_graphml``; ``naive_script``) against ``linkgraph build --format turtle,graphml``,
  time and peak memory of each, and the share of linkgraph's internal links that resolve.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))  # run from a checkout without installing


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds of this process and its finished children: less bent by other jobs than wall time."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def floor(root: Path) -> dict:
    """Read every file and find link-looking text with one regex: the least any build must do."""
    links = re.compile(rb"\]\(([^)\s]*)\)")
    start = time.perf_counter()
    n = found = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".md"):
                found += len(links.findall(Path(dirpath, name).read_bytes()))
                n += 1
    return {"seconds": time.perf_counter() - start, "files": n, "links": found, "rss_mb": rss_mb(), "cpu": cpu_s()}


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], ()))
    return found


class PssPeak:
    """Peak of the summed PSS of this process and its descendants, sampled in a thread."""

    def __init__(self) -> None:
        import threading
        self.peak_mb = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            total = sum(_pss_kb(pid) for pid in _descendants(os.getpid())) / 1024
            self.peak_mb = max(self.peak_mb, total)
            self.stop.wait(0.2)

    def __enter__(self) -> "PssPeak":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def watch_latency(root: Path, out: Path, cache: Path, jobs: int) -> dict:
    """Seconds from saving a file with a new link to the link being in graph.nt, under --watch:
    ``article``, a link to an article it did not link; ``new target``, a link to a target no file
    defines (a new node: every node after it in the sorted order moves, so every id does); then
    ``again``, the first edit once more: a watch's first rebuilds write into memory nothing of
    the watch held before (docs/performance.md#the-watch-keeps-its-last-outputs-memory), later
    ones as a user editing for a while sees them; then ``prose``, from saving a line of prose
    appended past the article's indexed lead (no link: no output changes) to the rebuild's end."""
    import queue
    import threading

    from graph.watch import watch_build

    builds: queue.Queue = queue.Queue()
    stop = threading.Event()
    # Each rebuild with when it ended: the prose edit is timed by a rebuild that began after it.
    heard = lambda rebuild: builds.put((time.perf_counter(), rebuild))  # noqa: E731
    thread = threading.Thread(target=watch_build, args=([root], out, heard, stop),
                              kwargs={"cache_dir": cache, "jobs": jobs}, daemon=True)
    thread.start()
    builds.get()  # the first build
    victim = sorted(root.rglob("*.md"))[7]
    original = victim.read_bytes()
    linked = set(re.findall(rb"\]\(/([^)#]+)\)", original))
    article = next(f.stem for f in sorted(root.rglob("*.md")) if f.stem.encode() not in linked and f != victim)
    graph_nt = out / "graph.nt"
    found = {}
    try:
        for name, target in (("article", article), ("new target", "watch-latency-target"), ("again", article)):
            seen = _identity(graph_nt)
            start = time.perf_counter()
            victim.write_bytes(original + f"\nA [new link](/{target}).\n".encode())
            found[name] = _published(graph_nt, seen, lambda data: _has_edge(data, victim.stem, target)) - start
            seen = _identity(graph_nt)
            victim.write_bytes(original)
            _published(graph_nt, seen, lambda data: not _has_edge(data, victim.stem, target))
        start = time.perf_counter()
        victim.write_bytes(original + b"\nSome more plain words at the end of this article.\n")
        # Not a rebuild already under way when the file was saved (the check for missed changes,
        # 2 s after the last one, may hold the file too): one that began after it.
        end, rebuild = builds.get()
        while victim.relative_to(root).as_posix() not in rebuild.changed or end - rebuild.seconds < start:
            end, rebuild = builds.get()
        found["prose"] = end - start
    finally:
        victim.write_bytes(original)
        stop.set()
        thread.join()
    return {"seconds": found["new target"], "article_seconds": found["article"], "again_seconds": found["again"],
            "prose_seconds": found["prose"]}


def _has_edge(nt: bytes, source: str, target: str) -> bool:
    """Whether N-Triples ``nt`` has a triple from ``source``'s IRI to ``target``'s (the link's)."""
    # bytes.find, not a regular expression: this runs on each published graph.nt (180 MB at
    # 50,000 files), inside the latency measured (a regex took 0.25 s, the first find 0.0001 s).
    subject, end = f"/{source}> <".encode(), f"/{target}> .".encode()
    at = nt.find(subject)
    while at >= 0:
        stop = nt.find(b"\n", at)
        if nt.endswith(end, at, stop):
            return True
        at = nt.find(subject, stop)
    return False


def _published(graph_nt: Path, seen: tuple[int, int], done) -> float:
    """When a graph.nt other than ``seen`` whose bytes pass ``done`` was published."""
    # The time is taken when the new file is seen, before reading it: reading and searching
    # 180 MB (at 50,000 files) is the measurer's work, not the watch's, and took 0.05-0.1 s.
    # A stat every 10 ms keeps the polling's own share of the latency small.
    while True:
        now = _identity(graph_nt)
        if now != seen:
            at, seen = time.perf_counter(), now
            if done(graph_nt.read_bytes()):
                return at
        time.sleep(0.01)


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def one_build(root: Path, out: Path, cache: Path | None, jobs: int, formats: list[str] | None = None) -> dict:
    from graph.pipeline import build

    marks: list[tuple[str, float, float, float, float]] = []

    def observe(stage: str, done: int = 0, total: int = 0) -> None:
        if not marks or marks[-1][0] != stage:
            marks.append((stage, time.perf_counter(), rss_mb(), rss_mb(resource.RUSAGE_CHILDREN), cpu_s()))

    start = time.perf_counter()
    kwargs = {"formats": formats} if formats else {}
    with PssPeak() as pss:
        result = build([root], out, jobs=jobs, cache_dir=cache, observe=observe, **kwargs)
    total = time.perf_counter() - start
    # CPU of a stage: this process and its finished workers (each stage's pool ends with it)
    stages = [
        {"stage": name, "seconds": marks[i + 1][1] - t, "rss_mb": marks[i + 1][2], "workers_rss_mb": marks[i + 1][3],
         "cpu": marks[i + 1][4] - cpu}
        for i, (name, t, _, _, cpu) in enumerate(marks[:-1])
    ]
    counts = result.report["counts"]
    return {"seconds": total, "stages": stages, "rss_mb": rss_mb(), "workers_rss_mb": rss_mb(resource.RUSAGE_CHILDREN),
            "cpu": cpu_s(),
            "pss_mb": pss.peak_mb, "skipped": list(result.skipped),
            "resolved": counts["link_occurrences"]["resolved"], "missing": counts["link_occurrences"]["missing"],
            "links": sum(counts["link_occurrences"].values()), "nodes": sum(counts["nodes"].values()),
            "edges": sum(counts["edges"].values())}


def naive(root: Path, out: Path) -> dict:
    """The same Turtle and GraphML content through the obvious stack, stage by stage."""
    import frontmatter
    import networkx as nx
    import rdflib

    from graph.build import build_graph
    from graph.fields import edge_fields, node_fields
    from graph.links import find_links
    from graph.reader import read_corpus
    from graph.resolve import resolve
    from graph.vocab import IRI, statements

    times = {}
    t = time.perf_counter()
    for path in sorted(root.rglob("*.md")):
        post = frontmatter.load(path)
        find_links(post.content)
    times["python-frontmatter + link parser"] = time.perf_counter() - t
    G = build_graph(resolve(read_corpus([root])))  # not timed: the content to write
    t = time.perf_counter()
    M = nx.MultiDiGraph()
    for node in G:
        M.add_node(node, **node_fields(G, node))
    for u, v, data in G.edges(data=True):
        M.add_edge(u, v, **edge_fields(data))
    times["nx.MultiDiGraph, edge by edge"] = time.perf_counter() - t
    t = time.perf_counter()
    nx.write_graphml(M, out / "naive.graphml")
    times["nx.write_graphml"] = time.perf_counter() - t
    t = time.perf_counter()
    g = rdflib.Graph()
    for s, p, o in statements(G, "https://example.org/linkgraph/"):
        g.add((rdflib.URIRef(s), rdflib.URIRef(p),
               rdflib.URIRef(o) if isinstance(o, IRI) else rdflib.Literal(o.text, lang=o.lang)))
    times["rdflib Graph"] = time.perf_counter() - t
    t = time.perf_counter()
    g.serialize(out / "naive.ttl", format="turtle")
    times["rdflib Turtle serializer"] = time.perf_counter() - t
    return {"seconds": sum(times.values()), "stages": times, "rss_mb": rss_mb(), "triples": len(g)}


def naive_script(root: Path, out: Path) -> dict:
    """The obvious script a user writes for Turtle + GraphML, timed end to end (issue 11)."""
    import posixpath
    from urllib.parse import quote

    import frontmatter
    import networkx as nx
    import rdflib
    from rdflib.namespace import RDF, SKOS

    start = time.perf_counter()
    link = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
    G = nx.DiGraph()
    for path in sorted(root.rglob("*.md")):
        post = frontmatter.load(path)
        rel = path.relative_to(root).as_posix()
        lang, _, page = rel.partition("/")
        slug = page.removesuffix(".md")
        G.add_node(slug, **{f"label_{lang}": str(post.get("title", slug))})
        for _, href in link.findall(post.content):
            if "://" in href:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), href.split("#")[0]))
            target = target.partition("/")[2].removesuffix(".md")
            if G.has_edge(slug, target):
                G[slug][target]["weight"] += 1
            else:
                G.add_edge(slug, target, weight=1)
    base = "https://example.org/linkgraph/"
    wiki_link = rdflib.URIRef("http://dbpedia.org/ontology/wikiPageWikiLink")
    g = rdflib.Graph()
    g.bind("skos", SKOS)
    for node, data in G.nodes(data=True):
        s = rdflib.URIRef(base + quote(node))
        g.add((s, RDF.type, SKOS.Concept))
        for key, label in data.items():
            g.add((s, SKOS.prefLabel, rdflib.Literal(label, lang=key.removeprefix("label_"))))
    for u, v in G.edges():
        g.add((rdflib.URIRef(base + quote(u)), wiki_link, rdflib.URIRef(base + quote(v))))
    g.serialize(out / "naive.ttl", format="turtle")
    nx.write_graphml(G, out / "naive.graphml")
    return {"seconds": time.perf_counter() - start, "rss_mb": rss_mb(), "cpu": cpu_s(), "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges(), "triples": len(g)}


def bilingual(files: int, corpora: Path, jobs: int) -> None:
    """Print issue 11's side-by-side comparison on a generated bilingual encyclopedia."""
    root = corpora / f"bilingual-{files}"
    if not (root / "en").exists():
        subprocess.run([sys.executable, str(HERE / "gen_bilingual.py"), str(files), str(root)], check=True)
    mb = sum(f.stat().st_size for f in root.rglob("*.md")) / 1e6
    work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
    try:
        slow = run_child("--child", "naive-script", str(root), str(work))
        fast = run_child("-j", str(jobs), "--child", "build-ttl-graphml", str(root), str(work / "fast"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    internal = fast["resolved"] + fast["missing"]
    print(f"## Bilingual encyclopedia: {files:,} files ({mb:.0f} MB), Turtle + GraphML\n")
    print(table([
        ["", "seconds", "CPU s", "peak memory MB", "nodes", "edges"],
        ["naive script (frontmatter, regex, networkx, rdflib, nx.write_graphml)", f"{slow['seconds']:.1f}",
         f"{slow['cpu']:.1f}", f"{slow['rss_mb']:.0f} (RSS, one process)", f"{slow['nodes']:,}", f"{slow['edges']:,}"],
        [f"linkgraph build --format turtle,graphml --no-cache -j {jobs}", f"{fast['seconds']:.1f}",
         f"{fast['cpu']:.1f}", f"{fast['pss_mb']:.0f} (PSS, every process; main RSS {fast['rss_mb']:.0f})",
         f"{fast['nodes']:,}", f"{fast['edges']:,}"],
    ]) + "\n")
    print("linkgraph's stages: " + ", ".join(f"{s['stage']} {s['seconds']:.1f} s ({s['cpu']:.1f} CPU s)"
                                             for s in fast["stages"]) + "\n")
    print(f"naive / linkgraph: {slow['seconds'] / fast['seconds']:.2f}x the time, linkgraph uses "
          f"{fast['pss_mb'] / slow['rss_mb']:.2f}x the memory; linkgraph resolved {fast['resolved']:,} of "
          f"{internal:,} internal link occurrences ({fast['resolved'] / max(1, internal):.1%}), "
          f"{fast['missing']:,} to missing targets\n")


def run_child(*args: str) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is JSON."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"bench_build: {' '.join(args[:4])} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def corpus(size: int, corpora: Path) -> Path:
    root = corpora / str(size)
    if not (root / "Texts").exists():
        subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), str(size), str(root)], check=True)
    return root / "Texts"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000],
                        help="corpus sizes (none: only --bilingual)")
    parser.add_argument("--corpora", type=Path, default=Path(tempfile.gettempdir()) / "linkgraph-bench")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--compare-naive", action="store_true", help="also run the obvious stack")
    parser.add_argument("--bilingual", type=int, metavar="N", help="also compare with the naive script on N "
                        "bilingual files (issue 11's test; 18000 is the encyclopedia's size)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, root, out, *rest = args.child
        if kind == "floor":
            print(json.dumps(floor(Path(root))))
        elif kind == "naive-script":
            print(json.dumps(naive_script(Path(root), Path(out))))
        elif kind == "naive":
            print(json.dumps(naive(Path(root), Path(out))))
        elif kind == "watch":
            print(json.dumps(watch_latency(Path(root), Path(out), Path(rest[0]), args.jobs)))
        elif kind == "build-ttl-graphml":
            print(json.dumps(one_build(Path(root), Path(out), None, args.jobs, ["turtle", "graphml"])))
        else:
            print(json.dumps(one_build(Path(root), Path(out), Path(rest[0]) if rest else None, args.jobs)))
        return

    print(f"# linkgraph build benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, -j {args.jobs}\n")
    summary = [["files", "MB", "links", "floor s", "cold build s", "build / floor", "CPU: build / floor", "peak RSS MB",
                "peak PSS, all processes MB", "rebuild after 1 change s", "rebuild / cold",
                "watch: save -> graph.nt s", "watch / cold", "watch, link to an article s",
                "watch, that link again s", "watch, prose s", "s per 1,000 files"]
               + (["naive s", "turtle+graphml build s", "naive / build"] if args.compare_naive else [])]
    for size in args.sizes:
        root = corpus(size, args.corpora)
        mb = sum(f.stat().st_size for f in root.rglob("*.md")) / 1e6
        work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
        try:
            # Twice, keeping the faster: the first may read from a cold page cache, which the build
            # after it does not (it reads the files the floor just read).
            low = min((run_child("--child", "floor", str(root), str(work)) for _ in range(2)),
                      key=lambda run: run["seconds"])
            cold = run_child("-j", str(args.jobs), "--child", "build", str(root), str(work / "cold"), str(work / "cache"))
            victim = sorted(root.rglob("*.md"))[size // 2]
            original = victim.read_bytes()
            victim.write_bytes(original + b"\nOne more line with [a link](/term-000001).\n")
            try:
                warm = run_child("-j", str(args.jobs), "--child", "build", str(root), str(work / "cold"), str(work / "cache"))
            finally:
                victim.write_bytes(original)
            watch = run_child("-j", str(args.jobs), "--child", "watch", str(root), str(work / "watched"), str(work / "cache"))
            print(f"## {size:,} files ({mb:.0f} MB, {cold['links']:,} links, {cold['nodes']:,} nodes, {cold['edges']:,} edges)\n")
            rows = [["stage", "cold s", "cold CPU s", "peak RSS MB (workers)", "rebuild s"]]
            warm_by_stage = {s["stage"]: s for s in warm["stages"]}
            for s in cold["stages"]:
                w = warm_by_stage.get(s["stage"], {"seconds": 0})
                rows.append([s["stage"], f"{s['seconds']:.2f}", f"{s['cpu']:.2f}",
                             f"{s['rss_mb']:.0f} ({s['workers_rss_mb']:.0f})", f"{w['seconds']:.2f}"])
            rows.append(["total", f"{cold['seconds']:.2f}", f"{cold['cpu']:.2f}",
                         f"{cold['rss_mb']:.0f} ({cold['workers_rss_mb']:.0f})", f"{warm['seconds']:.2f}"])
            rows.append(["floor: read + link regex", f"{low['seconds']:.2f}", f"{low['cpu']:.2f}", f"{low['rss_mb']:.0f}", ""])
            print(table(rows) + "\n")
            if cold["skipped"]:
                print(f"default set: {', '.join(cold['skipped'])} left out at this size\n")
            line = [f"{size:,}", f"{mb:.0f}", f"{cold['links']:,}", f"{low['seconds']:.2f}", f"{cold['seconds']:.2f}",
                    f"{cold['seconds'] / low['seconds']:.1f}x", f"{cold['cpu'] / low['cpu']:.1f}x",
                    f"{max(cold['rss_mb'], cold['workers_rss_mb']):.0f}",
                    f"{cold['pss_mb']:.0f}", f"{warm['seconds']:.2f}", f"{warm['seconds'] / cold['seconds']:.0%}",
                    f"{watch['seconds']:.2f}", f"{watch['seconds'] / cold['seconds']:.0%}",
                    f"{watch['article_seconds']:.2f} ({watch['article_seconds'] / cold['seconds']:.0%})",
                    f"{watch['again_seconds']:.2f} ({watch['again_seconds'] / cold['seconds']:.0%})",
                    f"{watch['prose_seconds']:.2f} ({watch['prose_seconds'] / cold['seconds']:.0%})",
                    f"{cold['seconds'] / size * 1000:.2f}"]
            if args.compare_naive:
                slow = run_child("--child", "naive", str(root), str(work))
                fast = run_child("-j", str(args.jobs), "--child", "build-ttl-graphml", str(root), str(work / "fast"))
                rows = [["same Turtle + GraphML content", "naive s", "linkgraph --format turtle,graphml --no-cache s"]]
                rows += [[k, f"{v:.2f}", ""] for k, v in slow["stages"].items()]
                rows.append(["total", f"{slow['seconds']:.2f} (peak RSS {slow['rss_mb']:.0f} MB)",
                             f"{fast['seconds']:.2f} (peak RSS {fast['rss_mb']:.0f} MB)"])
                print(table(rows) + "\n")
                line += [f"{slow['seconds']:.1f}", f"{fast['seconds']:.1f}", f"{slow['seconds'] / fast['seconds']:.1f}x"]
            summary.append(line)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if args.sizes:
        print("## Summary\n")
        print(table(summary) + "\n")
    if args.bilingual:
        bilingual(args.bilingual, args.corpora, args.jobs)


if __name__ == "__main__":
    main()
