"""JSON-LD is expanded by pyld, rdflib and pyoxigraph to the same triples as graph.ttl."""

import json

import pyoxigraph
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from graph.exporters.ttl import MAX_LOCAL_NAME
from graph.pipeline import build
from tests.conftest import written_file


def turtle(result):
    return rdflib.Graph().parse(str(written_file(result, "graph.ttl")), format="turtle")


def test_pyld_expands_it_to_the_turtle_triples(glossary_build):
    doc = json.loads(written_file(glossary_build, "graph.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    g = rdflib.Graph().parse(data=nquads, format="nt")
    ttl = turtle(glossary_build)
    assert len(g) == len(ttl) > 50
    assert isomorphic(g, ttl)


def test_rdflib_and_pyoxigraph_read_the_turtle_triples(glossary_build):
    path = written_file(glossary_build, "graph.jsonld")
    assert isomorphic(rdflib.Graph().parse(str(path), format="json-ld"), turtle(glossary_build))
    ox = set(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.JSON_LD))
    ttl = set(pyoxigraph.parse(path=str(written_file(glossary_build, "graph.ttl")), format=pyoxigraph.RdfFormat.TURTLE))
    assert ox == ttl


def test_context_is_readable(glossary_build):
    doc = json.loads(written_file(glossary_build, "graph.jsonld").read_text(encoding="utf-8"))
    ctx = doc["@context"]
    assert ctx["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert ctx["links"] == {"@id": "dbo:wikiPageWikiLink", "@type": "@id"}
    broker = next(n for n in doc["@graph"] if n["@id"] == "https://example.org/terms/broker")
    assert broker["prefLabel"] == {"ar": 'سمسار "الأوراق"', "en": "Broker"}
    assert broker["slug"] == "broker"
    assert "https://example.org/terms/regulator" in broker["links"]
    # A keyword read from both an English article and an untagged one keeps its untagged label under
    # a plain term: JSON-LD 1.0 has no @none language-map key.
    assert ctx["prefLabelUntagged"] == {"@id": "skos:prefLabel"}
    keywords = [n for n in doc["@graph"] if "lg:Keyword" in n["@type"]]
    assert any(isinstance(n.get("prefLabelUntagged"), str) for n in keywords)


def test_reads_as_json_ld_1_0(glossary_build):
    # Jena riot's JSON-LD 1.0 reader stops at "@version": 1.1 (issue 14); tests/test_consumers.py runs it
    text = written_file(glossary_build, "graph.jsonld").read_text(encoding="utf-8")
    assert '"@version"' not in text and '"@none"' not in text
    doc = json.loads(text)
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "processingMode": "json-ld-1.0"})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), turtle(glossary_build))


def test_hostile_text_gives_the_same_triples(bad_corpus, tmp_path):
    result = build([bad_corpus], tmp_path / "out", formats=["turtle", "jsonld"])
    doc = json.loads(written_file(result, "graph.jsonld").read_text(encoding="utf-8"))
    g = rdflib.Graph().parse(data=jsonld.to_rdf(doc, {"format": "application/n-quads"}), format="nt")
    assert isomorphic(g, turtle(result))


def test_a_predicate_without_a_term_is_still_written(monkeypatch):
    import io

    import networkx as nx

    from graph.exporters import ExportOptions
    from graph.exporters import jsonld as exporter
    from graph.vocab import IRI, Literal

    x, y, lg = IRI("https://e.org/x"), IRI("https://e.org/y"), "https://w3id.org/linkgraph/ns#"
    long = lg + "n" * (MAX_LOCAL_NAME + 1)  # compacted no more than Turtle would (issue 14)
    extra = [(x, lg + "score", Literal("0.5")), (x, lg + "related", y), (x, lg + "note", Literal("نص", "ar")),
             (x, long, Literal("long"))]
    monkeypatch.setattr(exporter, "scheme_statements", lambda t: iter(extra))  # the graph is empty: only these
    out = io.StringIO()
    exporter.write(nx.DiGraph(), out, ExportOptions(base_iri="https://e.org/"))
    g = rdflib.Graph().parse(data=jsonld.to_rdf(json.loads(out.getvalue()), {"format": "application/n-quads"}),
                             format="nt")
    assert set(g) == {(rdflib.URIRef(x), rdflib.URIRef(lg + "score"), rdflib.Literal("0.5")),
                      (rdflib.URIRef(x), rdflib.URIRef(lg + "related"), rdflib.URIRef(y)),
                      (rdflib.URIRef(x), rdflib.URIRef(lg + "note"), rdflib.Literal("نص", lang="ar")),
                      (rdflib.URIRef(x), rdflib.URIRef(long), rdflib.Literal("long"))}
    assert f'"{long}": ' in out.getvalue() and '"lg:score": ' in out.getvalue()
