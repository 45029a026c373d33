"""The memo a long-lived process keeps across builds (``graph.memo.Memo``, ``--watch``) never
changes a byte: seeded random sequences of edits, each rebuilt through one memo and compared
with a cold build of the same files.

The named cases (tests/test_incremental.py, tests/test_watch.py) each test one change; here
changes pile up, so a memo entry kept past the change that should have dropped it (a stale
count, name, lexicon, edge or model) shows as a byte that differs from the cold build.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

import graph.cache as cache_module
from graph import related_fit, workers
from graph.exporters import html
from graph.memo import Memo
from graph.pipeline import build
from tests.conftest import snapshot, unplaced, write_files

# Arabic and English words that become titles, anchors and prose, so that names repeat across
# articles (mentions, anchor names, inflected forms with the article and clinging prefixes).
AR = ["سوق", "الأسهم", "بنك", "وسيط", "المخاطر", "إدارة", "السندات", "فائدة", "عائد", "رأس", "المال", "صندوق"]
EN = ["market", "stock", "bank", "broker", "risk", "bond", "yield", "fund", "capital", "interest", "equity"]
ARTICLES = 48  # past the fit's 40 concepts with 3 links or more: the model is fitted, not defaulted
EDITS = ["prose", "add-link", "drop-link", "anchor", "retitle", "keywords", "new-file", "new-file", "delete",
         "rename", "break", "touch", "add-link", "prose", "alias", "alias", "code", "code"]


def _title(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.sample(words, rng.choice((1, 1, 2))))


def _article(rng: random.Random, slugs: list[str], lang: str, title: str | None = None) -> str:
    words = AR if lang == "ar" else EN
    title = title or _title(rng, words)
    lines = [f"title: {title}"]
    if rng.random() < 0.4:
        lines.append(f"keywords: [{', '.join(rng.sample(words, 2))}]")
    if rng.random() < 0.2:
        lines.append(f"aliases: [{rng.choice(EN)}-{rng.randrange(9)}]")
    body = []
    for _ in range(rng.randint(3, 6)):
        target = rng.choice(slugs + ["missing-" + rng.choice(EN)])
        anchor = rng.choice(words) if rng.random() < 0.7 else _title(rng, words)
        prefix = rng.choice(("", "و", "بال", "ل")) if lang == "ar" else ""
        body.append(f"{' '.join(rng.sample(words, 3))} {prefix}[{anchor}](/{target}).")
    body.append(" ".join(rng.choice(words) for _ in range(12)))
    if rng.random() < 0.3:
        body.append(_code(rng, slugs))
    return "---\n" + "\n".join(lines) + "\n---\n" + "\n".join(body) + "\n"


def _code(rng: random.Random, slugs: list[str]) -> str:
    """A line naming a concept in code (graph.code_names): by its slug, or a word a title may be."""
    return f"Use `{rng.choice(slugs + EN)}` or [`{rng.choice(EN)}`](/{rng.choice(slugs)})."


def _corpus(rng: random.Random, root: Path) -> list[str]:
    slugs = [f"term-{i:02d}" for i in range(ARTICLES)]
    files = {}
    for slug in slugs:
        files[f"ar/{slug}.md"] = _article(rng, slugs, "ar").encode()
        if rng.random() < 0.25:  # an English twin: same slug, other language folder
            files[f"en/{slug}.md"] = _article(rng, slugs, "en").encode()
    write_files(root, files)
    return slugs


def _edit(rng: random.Random, root: Path, slugs: list[str], kind: str) -> str:
    """One change of ``kind`` to a random file of the corpus under ``root``; returns what it did."""
    files = sorted(root.rglob("*.md"))
    path = rng.choice(files)
    text = path.read_text(encoding="utf-8")
    lang = path.parent.name
    words = AR if lang == "ar" else EN
    if kind == "prose":
        text += f"{' '.join(rng.choice(words) for _ in range(6))} {rng.choice(words)}.\n"
    elif kind == "code":
        text += _code(rng, slugs) + "\n"
    elif kind == "add-link":
        text += f"{rng.choice(words)} [{_title(rng, words)}](/{rng.choice(slugs + ['missing-new'])}).\n"
    elif kind == "drop-link":
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text, count=1)
    elif kind == "retitle":
        text = re.sub(r"^title: .*$", f"title: {_title(rng, words)}", text, count=1, flags=re.M)
    elif kind == "keywords":
        text = text.replace("---\n", f"---\nkeywords: [{rng.choice(words)}]\n", 1) if "keywords:" not in text \
            else re.sub(r"^keywords: .*\n", "", text, count=1, flags=re.M)
    elif kind == "anchor":  # the same link, other words: anchor names and their shares move
        text = re.sub(r"\[[^\]]*\]", f"[{_title(rng, words)}]", text, count=1)
    elif kind == "new-file":  # often a missing target, which becomes an article
        slug = rng.choice(["missing-" + rng.choice(EN), f"term-{rng.randrange(ARTICLES + 5):02d}"])
        new = root / rng.choice(("ar", "en")) / f"{slug}.md"
        new.parent.mkdir(exist_ok=True)
        new.write_text(_article(rng, slugs, new.parent.name), encoding="utf-8")
        return f"{kind} {new.relative_to(root)}"
    elif kind == "delete":
        path.unlink()
        return f"{kind} {path.relative_to(root)}"
    elif kind == "rename":
        target = path.with_name(f"renamed-{rng.randrange(100)}.md")
        if not target.exists():
            path.rename(target)
        return f"{kind} {path.relative_to(root)}"
    elif kind == "alias":  # a linked missing target becomes an article's alias, or moves to another
        # article: the articles linking it keep their links and classes, and their targets change.
        texts = {f: f.read_text(encoding="utf-8") for f in files}
        wanted = sorted({m for t in texts.values() for m in re.findall(r"\]\(/(missing-\w+)\)", t)})
        alias = wanted[0] if wanted else "missing-none"
        held = f"aliases: [{alias}]\n"
        linking = {f.stem for f, t in texts.items() if f"](/{alias})" in t}  # not a self link
        path = rng.choice([f for f, t in texts.items() if f.stem not in linking and held not in t])
        for other, was in texts.items():
            if held in was:
                other.write_text(was.replace(held, ""), encoding="utf-8")
        text = re.sub(r"^aliases: .*\n", "", texts[path], count=1, flags=re.M).replace("---\n", "---\n" + held, 1)
    elif kind == "break":  # a front matter never closed: problems, and the build goes on
        text = text.replace("---\n", "", 2).replace("title:", "---\ntitle:", 1)
    path.write_text(text, encoding="utf-8")
    return f"{kind} {path.relative_to(root)}"


def _stamps(root: Path) -> dict[str, tuple]:
    """What a watcher reports a change of: a file's content or name, a folder's appearing or going."""
    return {str(p): (st.st_ino, st.st_size, st.st_mtime_ns) if p.is_file() else () for p in root.rglob("*")
            if (st := p.stat())}


@pytest.mark.parametrize("seed, hinted, jobs", [(1, False, 1), (2, True, 1), (3, True, 2)])
def test_random_edits_rebuilt_through_one_memo_give_the_cold_bytes(tmp_path, monkeypatch, seed, hinted, jobs):
    # hinted: each build is told the paths that changed, as --watch tells it what the watcher
    # reported (graph.reader.rediscover), and lists and stats nothing else. jobs 2: the fit's
    # queries and the explorer's hubs are shared with a forked process at any size (the cold
    # builds compared with are one process's), while the graph files are written ahead in a thread.
    if jobs > 1:
        monkeypatch.setattr(related_fit, "MIN_SHARED", 2)
        monkeypatch.setattr(workers, "SHARE_MEMORY_BUDGET", 1 << 50)
        monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # as on an idle machine
        forked = []
        shared = workers.Sharing.map
        monkeypatch.setattr(workers.Sharing, "map", lambda self, name, items: forked.append((name, self.forked))
                            or shared(self, name, items))
    # Files here are written moments before each build, so their stamps would be racy
    # (graph.cache.RACY_NS) and every file read again; in a watch, files are saved seconds apart,
    # and an unchanged file is the same article, whose links the memo keeps keys for by identity.
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    rng = random.Random(seed)
    root = tmp_path / "in"
    slugs = _corpus(rng, root)
    memo, out = Memo(), tmp_path / "out"
    build([root], out, cache_dir=tmp_path / "cache", memo=memo, jobs=jobs)
    assert "too few" not in memo.model.note  # the fit runs, and its memo is exercised too
    done = []
    for kind in rng.sample(EDITS, len(EDITS)):  # every kind of edit, in an order of the seed's
        before = _stamps(root)
        done.append(_edit(rng, root, slugs, kind))
        after = _stamps(root)
        touched = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)} if hinted else None
        build([root], out, cache_dir=tmp_path / "cache", memo=memo, touched=touched, jobs=jobs)
        cold = tmp_path / "cold"
        build([root], cold)
        assert unplaced(snapshot(out)) == unplaced(snapshot(cold)), f"after {done}"
        # What the watch keeps to write into (graph.output.Spare) is no output's file.
        kept = [p.stat() for p in tmp_path.glob(".out.linkgraph-staging/spare-*/**/*") if p.is_file()]
        assert kept and {s.st_nlink for s in kept} == {1}
        assert not {s.st_ino for s in kept} & {p.stat().st_ino for p in out.rglob("*") if p.is_file()}
        shutil.rmtree(cold)
    if jobs > 1:  # both were shared with a worker, in the first build and in rebuilds
        assert {name for name, pool in forked if pool} == {related_fit._SCORE, related_fit._ASCEND, html.RANK_HUB}


@pytest.mark.parametrize("times_kept", [False, True])
def test_an_output_changed_between_builds_of_a_memo_is_checked_again(tmp_path, monkeypatch, times_kept):
    # The memo spares checksumming the pieces copied from files its last build wrote while their
    # stamps are unchanged; a file rewritten in place since, to the same size, is checked again,
    # even when its modification time is set back (only the kernel sets the change time).
    import graph.pipeline as pipeline

    trusted: dict[str, bool] = {}
    write_spliced = pipeline.write_spliced

    def spy(path, pieces, state, previous, shown, trust, free):
        trusted[path.name] = trust
        return write_spliced(path, pieces, state, previous, shown, trust, free)

    monkeypatch.setattr(pipeline, "write_spliced", spy)
    rng = random.Random(2)
    root = tmp_path / "in"
    _corpus(rng, root)
    memo, out = Memo(), tmp_path / "out"
    build([root], out, memo=memo)
    build([root], out, memo=memo)  # the memo now holds stamps of files this process wrote
    assert set(trusted.values()) == {True}  # untouched since: linked whole, yet still trusted
    nt = out / "graph.nt"
    data, before = nt.read_bytes(), nt.stat()
    at = data.rindex(b"<")
    nt.write_bytes(data[:at] + b"{" + data[at + 1:])
    if times_kept:
        os.utime(nt, ns=(before.st_atime_ns, before.st_mtime_ns))
    _edit(rng, root, [], "prose")
    trusted.clear()
    warm = build([root], out, memo=memo)
    assert [name for name, trust in trusted.items() if not trust] == ["graph.nt"]
    assert [w for w in warm.warnings if "changed since the last build" in w] == [
        f"{nt} changed since the last build (1 of its pieces no longer matched their checksums): they were rendered again"]
    cold = build([root], tmp_path / "cold")
    assert unplaced(snapshot(out)) == unplaced(snapshot(tmp_path / "cold"))
    assert warm.spliced["graph.nt"].stale == 1 and cold.warnings == ()


def test_the_related_index_fields_kept_by_the_memo_are_those_encoded_afresh(tmp_path, monkeypatch):
    # graph.exporters.related keeps each field's text while its value is the very object the
    # last build encoded: after each kind of edit the file equals a cold build's, and fields were kept.
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    rng = random.Random(4)
    root = tmp_path / "in"
    slugs = _corpus(rng, root)
    memo, out = Memo(), tmp_path / "out"
    build([root], out, memo=memo, formats=["related"])
    kept = 0
    for kind in ["prose", "add-link", "retitle", "delete"]:
        _edit(rng, root, slugs, kind)
        last = dict(memo.write.fields)
        build([root], out, memo=memo, formats=["related"])
        kept += sum(found is last.get(name) for name, found in memo.write.fields.items())
        build([root], tmp_path / "cold", formats=["related"])
        assert snapshot(out) == snapshot(tmp_path / "cold"), kind
        shutil.rmtree(tmp_path / "cold")
    assert kept >= 10
