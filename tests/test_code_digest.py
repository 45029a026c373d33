"""The digest of modules' source that tells whether state an earlier build left was made by the same code."""

import importlib
import sys

import pytest

from graph.code_digest import code_digest


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """``write(name, text)``: a throwaway module ``name`` on the import path, never imported."""
    monkeypatch.syspath_prepend(str(tmp_path))
    code_digest.cache_clear()

    def write(name: str, text: str) -> None:
        path = tmp_path.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        importlib.invalidate_caches()  # the import system caches folder listings

    yield write
    code_digest.cache_clear()


def test_a_change_to_a_module_changes_its_digest_once_read_again(modules):
    modules("lg_probe_a", "X = 1\n")
    first = code_digest("lg_probe_a")
    modules("lg_probe_a", "X = 2\n")
    assert code_digest("lg_probe_a") == first  # read once per process: a running build sees one code
    code_digest.cache_clear()
    assert code_digest("lg_probe_a") != first
    assert "lg_probe_a" not in sys.modules  # read, not imported


def test_the_same_source_gives_the_same_digest(modules):
    modules("lg_probe_a", "X = 1\n")
    first = code_digest("lg_probe_a")
    code_digest.cache_clear()
    assert code_digest("lg_probe_a") == first and len(first) == 16


def test_other_sets_of_modules_give_other_digests(modules):
    modules("lg_probe_a", "X = 1\n")
    modules("lg_probe_b", "Y = 1\n")
    found = {code_digest(*names) for names in [("lg_probe_a",), ("lg_probe_b",), ("lg_probe_a", "lg_probe_b")]}
    assert len(found) == 3


def test_order_and_repeats_do_not_count(modules):
    modules("lg_probe_a", "X = 1\n")
    modules("lg_probe_b", "Y = 1\n")
    assert code_digest("lg_probe_a", "lg_probe_b") == code_digest("lg_probe_b", "lg_probe_a", "lg_probe_b")


def test_code_moved_between_modules_changes_the_digest(modules):
    modules("lg_probe_a", "X = 1\nY = 1\n")
    modules("lg_probe_b", "")
    first = code_digest("lg_probe_a", "lg_probe_b")
    modules("lg_probe_a", "X = 1\n")
    modules("lg_probe_b", "Y = 1\n")
    code_digest.cache_clear()
    assert code_digest("lg_probe_a", "lg_probe_b") != first


def test_a_package_is_its_init_file(modules):
    modules("lg_probe_pkg.__init__", "X = 1\n")
    modules("lg_probe_pkg.part", "Y = 1\n")
    first = code_digest("lg_probe_pkg")
    modules("lg_probe_pkg.part", "Y = 2\n")
    code_digest.cache_clear()
    assert code_digest("lg_probe_pkg") == first
    modules("lg_probe_pkg.__init__", "X = 2\n")
    code_digest.cache_clear()
    assert code_digest("lg_probe_pkg") != first


@pytest.mark.parametrize("name", ["lg_probe_nowhere", "sys"])  # none; built in
def test_a_module_without_a_source_file_is_an_error(modules, name):
    with pytest.raises(ModuleNotFoundError):
        code_digest(name)
