"""N-Triples is checked by pyoxigraph (strict) and rdflib: the same triples as graph.ttl."""

import pyoxigraph
import rdflib
from rdflib.compare import isomorphic

from graph.pipeline import build
from tests.conftest import written_file


def test_same_triples_as_turtle(glossary_build):
    nt = list(pyoxigraph.parse(path=str(written_file(glossary_build, "graph.nt")), format=pyoxigraph.RdfFormat.N_TRIPLES))
    ttl = list(pyoxigraph.parse(path=str(written_file(glossary_build, "graph.ttl")), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(nt) == len(set(nt)) == len(ttl) > 50
    assert set(nt) == set(ttl)  # no blank nodes, so isomorphic means equal
    a = rdflib.Graph().parse(str(written_file(glossary_build, "graph.nt")), format="nt")
    b = rdflib.Graph().parse(str(written_file(glossary_build, "graph.ttl")), format="turtle")
    assert isomorphic(a, b)


def test_one_triple_per_line(glossary_build):
    lines = written_file(glossary_build, "graph.nt").read_text(encoding="utf-8").splitlines()
    assert all(line.startswith("<") and line.endswith(" .") for line in lines)
    assert '<https://example.org/terms/broker> <http://www.w3.org/2004/02/skos/core#prefLabel> "Broker"@en .' in lines


def test_hostile_text_still_gives_a_valid_file(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out", formats=["turtle", "ntriples"])
    nt = set(pyoxigraph.parse(path=str(written_file(result, "graph.nt")), format=pyoxigraph.RdfFormat.N_TRIPLES))
    ttl = set(pyoxigraph.parse(path=str(written_file(result, "graph.ttl")), format=pyoxigraph.RdfFormat.TURTLE))
    assert nt == ttl
