"""The exporter registry: every file of every format, plus report.json and links.jsonl, is
byte-identical across two builds of the same input into different folders; lookups name the choices."""

import pytest

from graph.errors import UsageError
from graph.exporters import EXPORTERS, get_exporter
from graph.pipeline import build
from graph.report import LINKS_FILE, REPORT_FILE
from tests.conftest import GLOSSARY, written_file

FILES = [(e.name, filename) for e in EXPORTERS.values() for filename in e.filenames]
FILES += [("report", REPORT_FILE), ("links", LINKS_FILE)]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    # --related too, so the computed pairs (their own keys, edges and triples) are compared as well;
    # the folders differ in name and depth, so an output path leaking into a file would show.
    options = dict(formats=list(EXPORTERS), base_iri="https://example.org/terms/", related=3)
    first = build([GLOSSARY], tmp_path_factory.mktemp("first"), **options)
    second = build([GLOSSARY], tmp_path_factory.mktemp("second") / "deeper" / "out", **options)
    return first, second


def test_a_build_writes_exactly_the_registered_files(two_builds):
    first, second = two_builds
    assert sorted(p.name for p in first.written) == sorted(name for _, name in FILES)
    assert [p.name for p in first.written] == [p.name for p in second.written]


@pytest.mark.parametrize("fmt, filename", FILES, ids=[f"{fmt}:{name}" for fmt, name in FILES])
def test_byte_identical_between_builds(two_builds, fmt, filename):
    first, second = (written_file(result, filename).read_bytes() for result in two_builds)
    assert first, f"{filename} is empty"
    assert first == second


def test_unknown_format_names_the_choices():
    assert get_exporter("gexf") is EXPORTERS["gexf"]
    with pytest.raises(UsageError, match="choose from: turtle, graphml"):
        get_exporter("rdfxml")
