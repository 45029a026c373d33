"""The README and docs/*.md: every command they show works as written, every CLI option is
documented, links between them lead somewhere, and the README stays a README."""

import os
import re
import shlex
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from graph.cli import make_parser
from tests.conftest import PROJECT, SHARED

DOCS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
TEXTS = {path: path.read_text(encoding="utf-8") for path in DOCS}
README = TEXTS[PROJECT / "README.md"]
README_LIMIT = 25_000


def sh_commands(text: str) -> list[str]:
    """The non-empty lines of every ```sh block."""
    return [line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)
            for line in block.splitlines() if line.strip()]


def runnable(command: str) -> bool:
    return command.startswith(("linkgraph ", "python3 -m graph ")) or command == "linkgraph build"


# command -> the first file showing it (a command shown twice runs once)
COMMANDS = {c: path.relative_to(PROJECT).as_posix() for path, text in reversed(TEXTS.items()) for c in sh_commands(text)}
RUNNABLE = sorted((doc, c) for c, doc in COMMANDS.items() if runnable(c))


def test_readme_shows_the_two_setup_commands():
    commands = sh_commands(README)
    assert "python3 -m pip install -e . && linkgraph build" in commands
    assert "python3 -m pip install -e '.[test]' && python3 -m pytest" in commands


def test_readme_is_short():
    # The limit is the brief's; reference material belongs in docs/*.md.
    assert len(README.encode("utf-8")) <= README_LIMIT


def test_install_commands_name_real_extras():
    pyproject = (PROJECT / "pyproject.toml").read_text()
    for command in COMMANDS:
        for extra in re.findall(r"\.\[(\w+)\]", command):
            assert re.search(rf"^{extra} = \[", pyproject, re.M), extra


@pytest.mark.parametrize("doc, command", RUNNABLE, ids=[f"{d}: {c[:60]}" for d, c in RUNNABLE])
def test_documented_command_runs(doc, command, tmp_path):
    if "../shared" in command and not SHARED.exists():
        pytest.skip("needs ../shared, which only developer and CI machines have")
    if shutil.which("linkgraph") is None and command.startswith("linkgraph"):
        pytest.skip("linkgraph is not installed on PATH (pip install -e .)")
    # Run in a copy of the project so the commands write where they say without touching ours.
    work = tmp_path / "project"
    shutil.copytree(PROJECT, work, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".*"))
    if SHARED.exists():
        os.symlink(SHARED, tmp_path / "shared")
    args = [arg.replace("/tmp/", f"{tmp_path}/tmp-") for arg in shlex.split(command)]
    run = subprocess.run(args, cwd=work, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    if args[:2] == ["linkgraph", "build"] and len(args) == 2:
        for name in ("graph.ttl", "graph.graphml", "report.json"):
            assert (work / "exports" / name).read_bytes() == (PROJECT / "exports" / name).read_bytes()


def test_every_command_and_option_is_documented():
    everything = "\n".join(TEXTS.values())
    parser = make_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert f"linkgraph {name}" in README, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in everything or f"{flag} " in everything, f"linkgraph {name} {flag}"


def test_code_map_names_every_module():
    layout = TEXTS[PROJECT / "docs" / "code-map.md"]
    modules = [p for p in (PROJECT / "graph").rglob("*.py") if not p.name.startswith("__")]
    assert modules
    for module in modules:
        assert f" {module.name} " in layout or f" {module.name}," in layout or f"{module.name}\n" in layout, \
            f"docs/code-map.md does not mention {module.relative_to(PROJECT)}"


def _without_code(text: str) -> str:
    return re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))


def anchors(text: str) -> set[str]:
    """The fragment ids GitHub gives the headings of a Markdown file."""
    ids: set[str] = set()
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#+ (.+)$", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M), re.M):
        slug = "".join(c for c in heading.lower()
                       if c.isalnum() or c in " -_" or unicodedata.category(c).startswith("M")).replace(" ", "-")
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        ids.add(slug if n == 0 else f"{slug}-{n}")
    return ids


def relative_links(path: Path) -> list[tuple[str, str]]:
    """(target file or '', fragment) of every link in the file that is not a URL."""
    found = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _without_code(TEXTS[path])):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue
        file, _, fragment = target.partition("#")
        found.append((file, fragment))
    return found


def test_anchor_ids_follow_github():
    text = "# Title\n## The explorer: `graph.html`\n## N-Triples: `graph.nt` (`--format ntriples`)\n## Title\n"
    assert anchors(text) == {"title", "the-explorer-graphhtml", "n-triples-graphnt---format-ntriples", "title-1"}


@pytest.mark.parametrize("path", DOCS, ids=[p.relative_to(PROJECT).as_posix() for p in DOCS])
def test_relative_links_lead_somewhere(path):
    links = relative_links(path)
    for file, fragment in links:
        target = (path.parent / file).resolve() if file else path
        assert target.exists(), f"{path.name} links to {file}, which does not exist"
        if fragment:
            assert target.suffix == ".md", f"{path.name}: #{fragment} in a file that is not Markdown"
            assert fragment in anchors(target.read_text(encoding="utf-8")), \
                f"{path.name} links to {file}#{fragment}: no such heading"


def test_readme_links_every_doc():
    linked = {(PROJECT / file).resolve() for file, _ in relative_links(PROJECT / "README.md") if file}
    for doc in DOCS[1:]:
        assert doc.resolve() in linked, f"README does not link to {doc.relative_to(PROJECT)}"
