"""Turtle is checked by reading it back with pyoxigraph (strict) and rdflib."""

import io
import re

import pyoxigraph
import pytest
import rdflib

from graph.errors import UsageError
from graph.exporters import ExportOptions
from graph.exporters.ttl import MAX_LOCAL_NAME, write
from graph.pipeline import build
from graph.vocab import check_base_iri
from tests.conftest import write_files

SKOS = "http://www.w3.org/2004/02/skos/core#"


def read_both(path):
    ox = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    rd = rdflib.Graph().parse(str(path), format="turtle")
    assert len(ox) == len(rd) > 0
    return ox, rd


def test_glossary_turtle_is_read_by_both_parsers(glossary_build):
    ox, rd = read_both(glossary_build.written[0])
    labels = {(str(s), str(o), o.language) for s, p, o in rd if str(p) == SKOS + "prefLabel"}
    assert ("https://example.org/terms/broker", 'سمسار "الأوراق"', "ar") in labels
    assert ("https://example.org/terms/broker", "Broker", "en") in labels
    links = {(str(s), str(o)) for s, p, o in rd if str(p) == "http://dbpedia.org/ontology/wikiPageWikiLink"}
    assert len(links) == glossary_build.report["counts"]["edges"]["links_to"]


def test_one_iri_per_concept_and_every_iri_is_a_uri(glossary_build):
    ox, _ = read_both(glossary_build.written[0])
    iris = {t.subject.value for t in ox} | {t.object.value for t in ox if isinstance(t.object, pyoxigraph.NamedNode)}
    assert all(re.fullmatch(r"[\x21-\x7e]+", iri) for iri in iris)  # percent-encoded: ASCII only
    slugs = {}
    for t in ox:
        if t.predicate.value == "https://w3id.org/linkgraph/ns#slug":
            slugs.setdefault(t.object.value, set()).add(t.subject.value)
    assert all(len(s) == 1 for s in slugs.values())


def test_arabic_slug_iri_is_percent_encoded(tmp_path):
    root = write_files(tmp_path / "in", {"Arabic/بنك.md": "---\ntitle: بنك\n---\n".encode()})
    result = build([root], tmp_path / "out", formats=["turtle"])
    text = (tmp_path / "out" / "graph.ttl").read_text()
    assert "<https://example.org/linkgraph/%D8%A8%D9%86%D9%83>" in text
    read_both(tmp_path / "out" / "graph.ttl")
    assert result.report["counts"]["nodes"]["article"] == 1


def test_hostile_text_still_gives_a_valid_file(bad_corpus, tmp_path):
    build([bad_corpus], tmp_path / "out", formats=["turtle"])
    ox, rd = read_both(tmp_path / "out" / "graph.ttl")
    labels = {str(o) for _, p, o in rd if str(p) == SKOS + "prefLabel"}
    assert 'Q"uote \\ back newctl' in labels


@pytest.mark.parametrize("text", ['quote " in', "back\\slash", "new\nline", "tab\tand\rcr", "trail\\"])
def test_literal_escapes_round_trip(text):
    import networkx as nx
    G = nx.DiGraph(label_order=())
    G.add_node("x", kind="article", slug="x", labels={"en": text}, descriptions={}, sources=(), aliases=(), keywords=())
    out = io.StringIO()
    write(G, out, ExportOptions(base_iri="https://e.org/"))
    ox = pyoxigraph.parse(out.getvalue(), format=pyoxigraph.RdfFormat.TURTLE)
    assert text in {t.object.value for t in ox if t.predicate.value == SKOS + "prefLabel"}


@pytest.mark.parametrize("base", ["example.org/", "https://e.org/no-slash", "https://e.org/a b/", "https://e.org/<x>/",
                                  "http://x/%zz/", "http://[::1/", "http://x/%/", "http://x/#a#", "http://x/\u202e/",
                                  "http://x/\u2067a/", "http://x/\x7f/"])
def test_bad_base_iri_is_refused(base):
    with pytest.raises(UsageError):
        check_base_iri(base)


def test_long_local_names_are_full_iris(tmp_path):
    # Virtuoso rejects prefixed names with a local part over 498 characters (issue 14)
    at_limit, over = "a" * MAX_LOCAL_NAME, "b" * (MAX_LOCAL_NAME + 1)
    root = write_files(tmp_path / "in", {"x.md": f"[one](/{at_limit}) [two](/{over}) [three](/{over * 5})".encode()})
    build([root], tmp_path / "out", formats=["turtle"])
    text = (tmp_path / "out" / "graph.ttl").read_text()
    assert f"c:{at_limit} " in text or f"c:{at_limit}," in text
    assert f"<https://example.org/linkgraph/{over}>" in text and f"c:{over}" not in text
    longest = max(len(m) for m in re.findall(r"\bc:([A-Za-z0-9_-]+)", text))
    assert longest == MAX_LOCAL_NAME
    read_both(tmp_path / "out" / "graph.ttl")


@pytest.mark.parametrize("base", ["http://[::1]/g/", "http://x/é/", "tag:example.org,2026:terms#", "http://x:8080/%C3%A9/"])
def test_unusual_but_valid_base_iris_give_files_strict_parsers_read(tmp_path, base):
    """Issue 10, point 9: whatever base IRI is accepted, pyoxigraph reads every RDF file with it."""
    from tests.conftest import GLOSSARY

    result = build([GLOSSARY], tmp_path, formats=["turtle", "ntriples", "jsonld"], base_iri=base)
    ttl = pyoxigraph.parse(path=str(tmp_path / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    nt = pyoxigraph.parse(path=str(tmp_path / "graph.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    jsonld = pyoxigraph.parse(path=str(tmp_path / "graph.jsonld"), format=pyoxigraph.RdfFormat.JSON_LD)
    assert len(set(ttl)) == len(set(nt)) == len(set(jsonld)) > result.graph.number_of_nodes()
