"""Every command the README shows works as written, and every CLI option is documented."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from graph.cli import make_parser
from tests.conftest import PROJECT, SHARED

README = (PROJECT / "README.md").read_text(encoding="utf-8")
COMMANDS = [
    line.strip()
    for block in re.findall(r"```sh\n(.*?)```", README, re.S)
    for line in block.splitlines()
    if line.strip()
]
RUNNABLE = [c for c in COMMANDS if c.startswith(("linkgraph ", "python3 -m graph ")) or c == "linkgraph build"]


def test_readme_shows_the_two_setup_commands():
    assert "python3 -m pip install -e . && linkgraph build" in COMMANDS
    assert "python3 -m pip install -e '.[test]' && python3 -m pytest" in COMMANDS


def test_install_commands_name_real_extras():
    pyproject = (PROJECT / "pyproject.toml").read_text()
    for command in COMMANDS:
        for extra in re.findall(r"\.\[(\w+)\]", command):
            assert re.search(rf"^{extra} = \[", pyproject, re.M), extra


@pytest.mark.parametrize("command", RUNNABLE)
def test_readme_command_runs(command, tmp_path):
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
    parser = make_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert f"linkgraph {name}" in README, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in README or f"{flag} " in README, flag
