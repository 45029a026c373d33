"""One call from input paths to written outputs: read -> resolve -> build -> export -> report."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import networkx as nx

from graph.build import build_graph
from graph.code_digest import code_digest
from graph.exporters import EXPORTERS, ExportOptions, get_exporter
from graph.index_state import INDEX_STATE, index_digest, index_inputs, state_text, stored_index
from graph.memo import Memo
from graph.model import Resolution
from graph.numbered import positions
from graph.output import STATE_DIR, OutputFolder, read_state_file, write_file
from graph.parse import ParseOptions
from graph.reader import Discovery, discover, read_corpus, rediscover
from graph.related import related_table
from graph.related_fit import fit_related
from graph.related_index import (INDEX_FILE, RelatedModel, attach_code_names, attach_mentions, attach_text_index,
                                 index_view)
from graph.report import LINKS_FILE, REPORT_FILE, link_keys, make_report, pieces_links, write_links, write_report
from graph.resolve import resolve
from graph.splice import Previous, Spliced, node_keys, read_table, table_path, write_spliced
from graph.vocab import DEFAULT_BASE_IRI, check_base_iri
from graph.workers import Sharing, fork_available, memory_used, pool, share_jobs

Observer = Callable[..., None]
"""``observe(stage, done=0, total=0)``: a stage starts (``read``, ``resolve``, ``graph``,
``index``, ``write`` — every output file, in parallel when ``jobs`` > 1 — and ``done``), or
reading has done ``done`` of ``total`` files."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made: the graph, the resolved corpus, the report and the files written."""

    graph: nx.DiGraph
    resolution: Resolution
    report: dict
    written: tuple[Path, ...]
    """The files now in the output folder; empty when ``publish`` kept the previous build."""
    skipped: tuple[str, ...] = ()
    """Formats of the default set left out at this size (see EXPLORER_MAX_NODES)."""
    warnings: tuple[str, ...] = ()
    """Things the user should know that did not stop the build (a damaged cache or state)."""
    spliced: Mapping[str, Spliced] = field(default_factory=dict)
    """File -> pieces (rendered, copied from the previous build, copied and renumbered), for
    files written in pieces (``graph.splice``)."""
    model: RelatedModel | None = None
    """The related model, when an output needed the index stage (``Exporter.index``, ``related``)."""


class _Carried(dict):
    """One build's memo: an entry of the previous build's is carried over when this build uses it."""

    def __init__(self, previous: Mapping) -> None:
        super().__init__()
        self.previous = previous

    def get(self, key, default=None):
        if key in self:
            return self[key]
        value = self.previous.get(key, default)
        if value is not default:
            self[key] = value
        return value


def build(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    default_lang: str | None = None,
    related: int = 0,
    jobs: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    observe: Observer | None = None,
    publish: Callable[[Resolution], bool] | None = None,
    memo: Memo | None = None,
    wikilinks: bool = False,
    touched: Collection[str] | None = None,
) -> BuildResult:
    """Build the graph of the Markdown files under ``paths`` and write ``formats`` to ``out_dir``.

    ``formats`` None is the default set: every format, the explorer only up to
    EXPLORER_MAX_NODES nodes. ``jobs`` parse processes; ``cache_dir`` holds the parse cache
    (None: no cache); ``observe(stage, done, total)`` is told when each stage starts and how
    reading advances; ``publish(resolution)`` False keeps the previous outputs (``--watch``
    while a file is broken); ``memo``, kept by the caller across builds, spares work a rebuild
    would redo (``--watch``); ``wikilinks`` reads ``[[Page]]`` links (``ParseOptions.wikilinks``);
    ``touched``, with a memo: the paths changed since its build, as a watcher reported them: no
    other file is listed or stat-ed (None: all are; ``graph.reader.rediscover``).
    """
    with _no_cyclic_gc(freeze=memo is not None):
        return _build(paths, out_dir, formats, base_iri, default_lang, related, jobs, cache_dir, observe, publish,
                      memo, wikilinks, touched)


EXPLORER_MAX_NODES = 10_000
"""Above this many nodes the default set leaves the explorer out (``--format html`` still
writes it): at 48,000 nodes it is ~13 s of a build and a 23 MB page (docs/performance.md)."""


PARALLEL_WRITE_EDGES = 20_000
"""Below this many edges, files are written one after the other: a process costs more than it saves."""
WRITE_MEMORY_BUDGET = 1_000_000_000
"""Bytes the write stage may hold, counting every process. A forked writer shares the graph
copy-on-write, but reading an object updates its reference count, so each writer copies the
pages it reads: about a third of the build's memory (COPIED_SHARE, measured at 10,000 and
50,000 files). Writers are forked only as far as they fit in this budget; past it, files are
written one after the other in the build's own process (docs/performance.md#memory)."""
COPIED_SHARE = 1 / 3


def write_jobs(jobs: int, edges: int, used: int) -> int:
    """How many processes write the files of a graph of ``edges`` edges, when the build holds
    ``used`` bytes: up to ``jobs``, as many as WRITE_MEMORY_BUDGET allows; 1 writes in-process."""
    if edges < PARALLEL_WRITE_EDGES:
        return 1
    while jobs > 1 and used * (1 + jobs * COPIED_SHARE) > WRITE_MEMORY_BUDGET:
        jobs -= 1
    return jobs


_TASKS: list[Callable[[], object]] = []


NUMBERED = ("graph.graphml", "graph.gexf")
"""Files of ``graph.numbered.numbered_pieces``, which share the positions of the nodes."""
EXPLORER_FILE = EXPORTERS["html"].filename


def _write_all(tasks: list[Callable[[], object]], jobs: int) -> list:
    """Run each file's writer and return what each returned, in order; with ``jobs`` > 1, in
    forked processes that share the finished graph copy-on-write. Each file has one writer, so
    bytes never depend on order."""
    global _TASKS
    if jobs <= 1 or len(tasks) < 2 or not fork_available():
        return [task() for task in tasks]
    _TASKS = tasks  # read by the forked workers; the writers are closures and cannot be pickled
    try:
        with pool(min(jobs, len(tasks))) as workers:
            # A worker's exception is re-raised here, so a failed write fails the build.
            return workers.map(_write_task, range(len(tasks)), chunksize=1)
    finally:
        _TASKS = []


def _write_task(i: int) -> object:
    return _TASKS[i]()


@contextmanager
def _no_cyclic_gc(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector: a build allocates millions of small, acyclic objects
    (links, tuples, graph dicts) and the collector re-scans them all for nothing (seconds at
    50,000 articles). Reference counting still frees memory as usual. ``freeze`` (a build under a
    memo, in a process that builds again): what the build left is moved out of the collector's
    sight (``gc.freeze``) before it resumes, or its first full pass after each rebuild would
    scan the memo's millions of objects (~3 s at 50,000 files, holding the interpreter) to find
    next to nothing: the graph is in no cycle (``graph.build.KnowledgeGraph``), and what a later
    build drops is freed by reference counting, frozen or not. A build does leave a few hundred
    small objects in cycles (JSON encoders' closures, ``ctypes`` library types: ~140 a build at
    50,000 files), frozen with the rest, so every FULL_COLLECTION_EVERY-th frozen build collects
    everything instead; a build that failed (a traceback holds cycles) freezes nothing."""
    global _frozen_builds
    enabled = gc.isenabled()
    gc.disable()
    built = False
    try:
        yield
        built = True
    finally:
        if freeze and built:
            _frozen_builds += 1
            if _frozen_builds < FULL_COLLECTION_EVERY:
                gc.freeze()
            else:
                _frozen_builds = 0
                gc.unfreeze()
                gc.collect()
        if enabled:
            gc.enable()


FULL_COLLECTION_EVERY = 64
"""A watch's builds from one full collection to the next (``_no_cyclic_gc``): what cycles its
builds leave (~20 KB each at 50,000 files) is freed then."""
_frozen_builds = 0


def _build(paths, out_dir, formats, base_iri, default_lang, related, jobs, cache_dir, observe, publish,
           memo, wikilinks=False, touched=None) -> BuildResult:
    exporters = [get_exporter(name) for name in (formats if formats is not None else EXPORTERS)]
    options = ExportOptions(base_iri=check_base_iri(base_iri))
    # Locked and checked before any work, so a folder that cannot take the outputs (or that
    # another build is writing) is reported at once, not after a minute of parsing.
    with OutputFolder(out_dir, output_names(), spare=memo.spare if memo else None) as folder:
        result = _make(folder, paths, exporters, options, default_lang, related, jobs, cache_dir,
                       observe or (lambda name, done=0, total=0: None), default_set=formats is None, memo=memo,
                       wikilinks=wikilinks, touched=touched)
        if publish is not None and not publish(result.resolution):
            return replace(result, written=())
        folder.commit()
    if memo:
        # Only a published build's: the files of one that was not are gone with its staging
        # folder. Stamped once the previous build is removed (leaving the folder): that changes
        # the change time of each file linked whole into this one.
        state = folder.out / STATE_DIR
        memo.write.files = {name: (_settled(folder.out / name), _settled(table_path(state, name)))
                            for name in result.spliced}
    return result


def _make(folder, paths, exporters, options, default_lang, related, jobs, cache_dir, stage, default_set,
          memo=None, wikilinks=False, touched=None) -> BuildResult:
    stage("read")
    found, names = _listed(paths, memo, touched)
    corpus = read_corpus(found, ParseOptions(default_lang, wikilinks=wikilinks), jobs, cache_dir,
                         lambda done, total: stage("read", done, total), lead_only=True,
                         known=memo.files if memo else None, touched=names)
    stage("resolve")
    resolution = resolve(corpus, memo.resolved if memo else None)
    stage("graph")
    G = build_graph(resolution, default_lang, memo.graph if memo else None)
    skipped = ()
    if default_set and G.number_of_nodes() > EXPLORER_MAX_NODES:
        skipped = ("html",)
        exporters = [e for e in exporters if e.name not in skipped]
    model = inputs = audit = None
    kept = memo.write if memo else None
    options = replace(options, memo=kept)
    occurrences = resolution.occurrences
    ahead = None
    if related or any(e.index for e in exporters):
        stage("index")
        stored, warning = (memo.model, None) if memo and memo.model else _stored_model(folder)
        # The write stage's keys of the link audit and of the nodes digest the links and the graph,
        # made once (the nodes' not before the related terms they hold).
        audit = tuple(link_keys(occurrences, kept))
        keys = None if related else node_keys(G, kept)
        inputs = index_inputs(G, resolution, audit, keys, memo.index_inputs if memo else None)
        reused, damaged = (_kept_index(memo, inputs, G), None) if memo else _stored_index(folder, inputs, G)
        if not reused and keys is not None and kept is not None and kept.files:
            ahead = _write_ahead(folder, G, _writers(G, [e for e in exporters if not e.index], options)
                                 + [_links_writer(occurrences, audit)], kept)
        model = reused or _index(G, resolution, memo, stored, jobs)
        if not reused and any(e.name == "html" for e in exporters):
            _rank_hubs(G, jobs)
        if memo:
            memo.index = (inputs, G.graph["index_view"])
        folder.warnings += tuple(w for w in (warning, damaged) if w)
        _store_model(folder, model)
    if related:
        G.graph["related"] = related_table(G, related)
    report = make_report(G, resolution)
    writers = _writers(G, exporters, options)
    writers.append((REPORT_FILE, lambda f: write_report(report, f), None))
    stage("write")
    node_keys(G, kept)  # once, before the writers fork (and a memo is updated in this process only)
    if kept is not None and any(name in NUMBERED for name, _, _ in writers):
        positions(G, kept)
    keys = audit if audit is not None else None if kept is None else tuple(link_keys(occurrences, kept))
    writers.append(_links_writer(occurrences, keys))
    early = ahead[0] if ahead else set()
    late = [(name, write, pieces) for name, write, pieces in writers if name not in early]
    previous, warnings = _previous(folder, [name for name, _, pieces in late if pieces])
    written = kept.files if kept else {}
    # The edges counted from the adjacency, not G.number_of_edges(): that walks a degree view of
    # every node (0.09 s at 50,000 files) and caches it in G, and the view refers to G, so a graph
    # no one holds any more was freed only by the cyclic collector, every ~11th build of a watch
    # (3.4 s to free the graphs of ten builds at 50,000 files, held until then).
    forks = 1 if ahead else write_jobs(jobs, sum(map(len, G._succ.values())), memory_used())
    if kept is not None and forks > 1 and any(name == EXPLORER_FILE for name, _, _ in late):
        _lay_out(G, kept)
    done = dict(zip((name for name, _, _ in late),
                    _write_all([_task(folder, name, write, pieces, previous.get(name), written.get(name))
                                for name, write, pieces in late], forks)))
    if ahead:
        done.update(ahead[1].result())  # a writer's error is raised here
        warnings = ahead[2] + warnings
    done = [done[name] for name, _, _ in writers]
    spliced = {}
    for (name, write, pieces), (result, linked) in zip(writers, done):
        now = _settled(folder.out / name) if linked is not None else None
        if linked is not None and (now and now[:4], now) != linked:
            # Linked whole from the previous build's file, which someone changed while this build
            # ran: that change must not pass for this build's bytes. Its modification time tells
            # of a change since before it was read, its change time of one since it was linked,
            # even with the modification time set back (the link itself sets the change time).
            (folder.staging / name).unlink()
            result, _ = _task(folder, name, write, pieces, None, None)()
        if pieces:
            spliced[name] = result
    if inputs and any(name == INDEX_FILE for name, _, _ in writers):
        _store_index(folder, inputs)
    stage("done")
    warnings += tuple(f"{folder.out / name} changed since the last build ({done.stale} of its pieces no longer "
                      "matched their checksums): they were rendered again" for name, done in spliced.items() if done.stale)
    return BuildResult(G, resolution, report, tuple(folder.out / name for name, _, _ in writers), skipped,
                       corpus.warnings + folder.warnings + warnings, spliced, model)


def _writers(G: nx.DiGraph, exporters: Iterable, options: ExportOptions) -> list[tuple[str, Callable, Callable | None]]:
    """(file name, writer, pieces or None) of every file of ``exporters``."""
    return [(filename, lambda f, w=write: w(G, f, options), pieces and (lambda p=pieces: p(G, options)))
            for exporter in exporters for filename, write, pieces in exporter.pieces()]


def _links_writer(occurrences, keys: tuple | None) -> tuple[str, Callable, Callable]:
    """The link audit's writer (``links.jsonl``), its pieces keyed by ``keys`` (``link_keys``)."""
    return LINKS_FILE, lambda f: write_links(occurrences, f), lambda: pieces_links(occurrences, keys)


def _write_ahead(folder: OutputFolder, G: nx.DiGraph, writers: list, kept) -> tuple[set[str], Future, tuple[str, ...]]:
    """Start ``writers`` in a thread (``OutputFolder.beside``): a watch's rebuild writes the files
    that do not read the related index (every graph file, the link audit) while the index stage
    runs. Under the memo those writes are mostly the kernel copying unchanged pieces
    (``os.copy_file_range``: ~1 GB at 50,000 files), which holds no interpreter lock, so the two
    overlap on a second core. A cold build does not: its writers are Python, which would only
    contend for the lock (tried: docs/performance.md), and writers are not forked beside a thread.
    Returns the file names, the future of file name -> what its writer returned, and warnings."""
    if any(name in NUMBERED for name, _, _ in writers):
        positions(G, kept)  # here, not in the thread: the writers after the index stage read it too
    previous, warnings = _previous(folder, [name for name, _, pieces in writers if pieces])
    tasks = [(name, _task(folder, name, write, pieces, previous.get(name), kept.files.get(name)))
             for name, write, pieces in writers]
    return {name for name, _ in tasks}, folder.beside(lambda: {name: task() for name, task in tasks}), warnings


def _lay_out(G: nx.DiGraph, kept) -> None:
    """The explorer's positions, decided in this process before its writer forks: the watch's memo
    keeps them (``graph.exporters.html_layout``), so its first rebuild places a new node by the
    rule instead of laying the whole graph out again (0.35 s at 10,000 files). The forked writer
    finds them made."""
    from graph.exporters.html_layout import positions as explorer_positions  # igraph: only for the page

    order = list(G)
    explorer_positions(G, order, {node: i for i, node in enumerate(order)}, kept)


def _listed(paths, memo: Memo | None, touched: Collection[str] | None) -> tuple[Discovery, frozenset[str] | None]:
    """The files to read, and the names of those that may have changed (None: any): under a memo
    told what changed, its last listing brought up to date; else ``discover``."""
    paths = tuple(map(os.fspath, paths))
    hinted = None
    if memo is not None and touched is not None and memo.listing is not None and memo.listing[0] == paths:
        hinted = rediscover(paths, memo.listing[1], touched)
    found, names = hinted or (discover(paths), None)
    if memo is not None:
        memo.listing = (paths, found)
    return found, names


def _index(G: nx.DiGraph, resolution: Resolution, memo: Memo | None, previous: RelatedModel | None,
           jobs: int = 1) -> RelatedModel:
    """The index stage: text index, mentions and names in code attached to ``G``, and the related
    model fitted to the corpus's own links (docs/related.md#self-tuning), once for every output
    that reads them (the index file, ``--related``, the explorer); ``previous`` is kept if fitted
    to the same inputs.
    ``jobs``: processes that may share the fit's queries (``graph.workers.share_jobs``)."""
    texts, names = (_Carried(memo.texts), _Carried(memo.names)) if memo else (None, None)
    attach_text_index(G, resolution.articles, memo=texts, previous=memo.text_index if memo else None,
                      texts=memo.node_texts if memo else None, kept=memo.text_state if memo else None)
    attach_mentions(G, resolution, memo=memo.scans if memo else None)
    attach_code_names(G, resolution.articles, memo=memo.code if memo else None)
    view = index_view(G, names, memo.index_parts if memo else None, memo.index[1] if memo and memo.index else None)
    model = fit_related(view, previous=previous, kept=memo.fit_inputs if memo else None, jobs=jobs)
    if memo:
        # Plain dicts: a _Carried keeps its predecessor, and a chain of them would hold every build's.
        memo.texts, memo.names, memo.model = dict(texts), dict(names), model
        memo.text_index = G.graph["text_index"]
    return model


def _rank_hubs(G: nx.DiGraph, jobs: int) -> None:
    """The explorer's hubs ranked now (``html.rank_hubs``), by this process and forked ones, when
    ``jobs`` and the memory allow more than one (``share_jobs``): the explorer's writer, in this
    process or forked, finds them in ``G``. Else its writer ranks them, as it always did."""
    share = share_jobs(jobs)
    if share <= 1:
        return
    from graph.exporters import html  # igraph: only for the page

    with Sharing(share, {html.RANK_HUB: html.hub_ranker(G)}) as sharing:
        html.rank_hubs(G, sharing)


def _task(folder: OutputFolder, name: str, write, pieces, previous: Previous | None,
          wrote: tuple | None) -> Callable[[], object]:
    """The writer of one file: spliced from the previous build's file when it has pieces. It
    returns what it wrote, and when that is the previous file itself (hard-linked whole), that
    file's stamp taken before reading it and its ``_settled`` stamp once linked. ``wrote``: the
    stamps (``_settled``) of the file and its chunk table as this process's last published build
    left them (``WriteMemo.files``): when the previous file and table still have them, they hold
    what that build wrote, and the pieces copied from it need no checksum."""
    new, shown = folder.staging / name, folder.out / name
    if pieces is None:
        def whole() -> tuple[None, None]:
            folder.free(new)
            write_file(new, write, shown)
            return None, None
        return whole

    def task() -> tuple[Spliced, tuple | None]:
        before = _stamp(previous.path) if previous else None  # before any of it is read
        trusted = previous is not None and wrote is not None and wrote == (
            _settled(previous.path), _settled(table_path(folder.out / STATE_DIR, name)))
        done = write_spliced(new, pieces(), folder.staging / STATE_DIR, previous, shown, trusted, folder.free)
        after = _settled(new)
        linked = before is not None and after is not None and after[:2] == before[:2]
        return done, (before, after) if linked else None
    return task


def _settled(path: Path) -> tuple[int, ...] | None:
    """``_stamp`` and the change time, which only the kernel sets: a file rewritten in place to the
    same size with its modification time set back still has another."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What tells a file changed: device, inode, size, modification time (``_settled`` without
    the change time, which a hard link sets)."""
    found = _settled(path)
    return found and found[:4]


def _previous(folder: OutputFolder, names: list[str]) -> tuple[dict[str, Previous], tuple[str, ...]]:
    """The previous build's files that can be spliced from, with their chunk tables; a damaged
    table is a warning (its file is written whole)."""
    found, warnings = {}, []
    for name in names:
        if name not in folder.reusable:
            continue
        table, warning = read_table(folder.out / STATE_DIR, name)
        if table is not None:
            found[name] = Previous(folder.out / name, table)
        if warning:
            warnings.append(warning)
    return found, tuple(warnings)


MODEL_STATE = "related-model.json"
"""In the state folder: the last fitted model, with a digest of the code that fitted it."""
_FIT_MODULES = ("graph.related", "graph.related_fit", "graph.related_index")
"""The code a model depends on besides its inputs: the fit, the signals, the index view."""


def _stored_model(folder: OutputFolder) -> tuple[RelatedModel | None, str | None]:
    """The model the previous build into this folder fitted, fitted by this code, if its state
    describes its outputs (``OutputFolder.reusable``); a damaged one is a warning."""
    path = folder.out / STATE_DIR / MODEL_STATE
    if not folder.reusable:  # no state, or one that does not describe the outputs (already warned)
        return None, None
    try:
        data = json.loads(read_state_file(path).decode("utf-8"))
        if data["code"] != code_digest(*_FIT_MODULES).hex():
            return None, None  # another version of linkgraph fitted it
        return RelatedModel.from_json(data["model"]), None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        return None, f"{path} is damaged or not linkgraph's ({why}): ignored, the related model is fitted again"


def _store_model(folder: OutputFolder, model: RelatedModel) -> None:
    state = folder.staging / STATE_DIR
    state.mkdir(exist_ok=True)
    # Not sort_keys: the weights keep their order, which the index file shows as is.
    code = code_digest(*_FIT_MODULES).hex()
    text = json.dumps({"code": code, "model": model.to_json()}, ensure_ascii=False, indent=1)
    write_file(state / MODEL_STATE, lambda f: f.write(text + "\n"), folder.out / STATE_DIR / MODEL_STATE)


def _stored_index(folder: OutputFolder, inputs: str, G: nx.DiGraph) -> tuple[RelatedModel | None, str | None]:
    """The previous build's related index, read back from its file into ``G`` (``index_view``), and
    its model, when its index stage read ``inputs`` too (``graph.index_state``): the stage is then
    skipped. None when it cannot be (no state, other inputs, the file edited since); a state file
    that is not linkgraph's is also a warning."""
    if INDEX_FILE not in folder.reusable:  # no state, or one that does not describe the outputs
        return None, None
    view, warning = stored_index(folder.out / STATE_DIR, folder.out / INDEX_FILE, inputs)
    if view is None:
        return None, warning
    G.graph["index_view"] = view
    return view.model, None


def _kept_index(memo: Memo, inputs: str, G: nx.DiGraph) -> RelatedModel | None:
    """Under a memo (``--watch``), the last build's related index and model, put in ``G`` as
    ``_stored_index`` does, when its index stage read ``inputs`` too (an edit that leaves the
    index's inputs alone: prose past the lead, a touch); the memo's parts then still describe them."""
    if memo.index is None or memo.index[0] != inputs or memo.model is None:
        return None
    G.graph["index_view"] = memo.index[1]
    return memo.model


def _store_index(folder: OutputFolder, inputs: str) -> None:
    """Keep the digest of the index stage's inputs and of the index file this build wrote, so that
    the next build can read its index back from that file (``_stored_index``)."""
    state = folder.staging / STATE_DIR
    state.mkdir(exist_ok=True)
    folder.free(state / INDEX_STATE)  # as every file a build writes (a watch's spare one goes first)
    try:
        text = state_text(inputs, index_digest(read_state_file(folder.staging / INDEX_FILE)))
    except (OSError, ValueError):  # an index past MAX_STATE_BYTES (~2 million concepts) is never read back
        return
    write_file(state / INDEX_STATE, lambda f: f.write(text), folder.out / STATE_DIR / INDEX_STATE)


def output_names() -> set[str]:
    """Every file name a build may write into its output folder (of any format)."""
    return {REPORT_FILE, LINKS_FILE, *(name for e in EXPORTERS.values() for name in e.filenames)}
