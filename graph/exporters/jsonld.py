"""JSON-LD, streamed from ``graph.vocab.statements``: one node object per line under a readable
``@context`` (short terms, language maps for labels and definitions).

No JSON-LD 1.1 feature is used, so the context declares no ``@version`` and JSON-LD 1.0 processors
(Jena riot's jsonld-java reader) read every document: text whose language is unknown goes under
its own plain term (``prefLabelUntagged``) rather than a 1.1 ``@none`` language-map key.

A predicate the context has no term for is still written, as its prefixed name with expanded
value objects, so a new statement in ``graph.vocab`` can never be dropped silently here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import TextIO

import networkx as nx

from graph.exporters.ttl import MAX_LOCAL_NAME
from graph.splice import Piece, file_context, node_run, render
from graph.vocab import (DBO, DCTERMS, LG, PREFIXES, RDF, SDO, SKOS, IRI, Group, Literal, Statement, Terms,
                         scheme_statements, subject_groups)

_ID, _TEXT, _LANGS = "id", "text", "langs"
# predicate IRI -> (term, how its objects are written)
TERMS: dict[str, tuple[str, str]] = {
    SKOS + "prefLabel": ("prefLabel", _LANGS),
    SKOS + "definition": ("definition", _LANGS),
    LG + "slug": ("slug", _TEXT),
    LG + "alias": ("alias", _TEXT),
    DCTERMS + "source": ("source", _TEXT),
    DCTERMS + "subject": ("subject", _ID),
    DBO + "wikiPageWikiLink": ("links", _ID),
    SKOS + "inScheme": ("inScheme", _ID),
    SDO + "inDefinedTermSet": ("inDefinedTermSet", _ID),
}
UNTAGGED = "Untagged"
"""Suffix of the plain term that holds a language-mapped predicate's text of unknown language."""
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,%d}$" % (MAX_LOCAL_NAME - 1))
_SUBJECT, _PREDICATE = itemgetter(0), itemgetter(1)
_TYPE, _NO_TERM = RDF + "type", (None, None)
_NAMESPACES = sorted(((p, ns) for p, ns in PREFIXES.items() if p != "rdf"), key=lambda item: -len(item[1]))


def context() -> dict:
    """The ``@context``: vocabulary prefixes and one short term per predicate."""
    ctx: dict = {prefix: ns for prefix, ns in _NAMESPACES}
    for iri, (term, how) in TERMS.items():
        definition: dict = {"@id": _compact(iri)}
        if how == _ID:
            definition["@type"] = "@id"
        elif how == _LANGS:
            definition["@container"] = "@language"
        ctx[term] = definition
        if how == _LANGS:
            ctx[term + UNTAGGED] = {"@id": _compact(iri)}
    return ctx


def write(G: nx.DiGraph, out: TextIO, options) -> None:
    """Write the graph as JSON-LD to a text stream."""
    out.writelines(render(pieces(G, options)))


def pieces(G: nx.DiGraph, options) -> Iterator[Piece]:
    """The file as keyed pieces (``graph.splice``): the context and the schemes, one piece per
    node, each of its objects after a comma (the schemes always come first), then the end."""
    yield file_context("graph.jsonld", options.base_iri)
    t = Terms.of(G, options.base_iri)
    head = ['{\n "@context": {\n', ",\n".join(f"  {_dumps(k)}: {_dumps(v)}" for k, v in context().items()),
            '\n },\n "@graph": [', _objects(scheme_statements(t))[1:]]
    yield "".join(head)
    yield node_run(G, lambda node: _objects_of((G, t, node)))
    yield "\n ]\n}\n"


def _objects_of(args) -> str:
    return "".join([",\n  " + _dumps(_grouped(subject, groups)) for subject, groups in subject_groups(*args)])


def _objects(statements: Iterable[Statement]) -> str:
    return "".join(",\n  " + _dumps(_node(subject, triples)) for subject, triples in groupby(statements, _SUBJECT))


def _node(subject: IRI, triples) -> dict:
    node: dict = {"@id": str(subject)}
    for predicate, group in groupby(triples, _PREDICATE):
        objects = [o for _, _, o in group]
        if predicate == RDF + "type" and all(isinstance(o, IRI) for o in objects):
            node["@type"] = _one_or_many([_compact(o) for o in objects])
            continue
        term, how = TERMS.get(predicate, (None, None))
        if how == _LANGS and all(isinstance(o, Literal) for o in objects):
            _put_texts(node, term, objects)
        elif how in (_ID, _TEXT):
            node[term] = _one_or_many([_value(o, how) for o in objects])
        else:
            node[_compact(predicate)] = [_value(o, None) for o in objects]
    return node


def _grouped(subject: IRI, groups: list[Group]) -> dict:
    """``_node`` of one subject's statements grouped (``graph.vocab.subject_groups``): the same
    object (tests/test_vocab.py), a run of IRIs taken as it is (the JSON encoder writes an IRI,
    a str, as it writes ``str(iri)``)."""
    node: dict = {"@id": str(subject)}
    for predicate, objects, iris in groups:
        if iris and predicate == _TYPE:
            node["@type"] = _one_or_many([_compact(o) for o in objects])
            continue
        term, how = TERMS.get(predicate, _NO_TERM)
        if iris and how == _ID:
            node[term] = _one_or_many(objects)
        elif how == _LANGS and all(isinstance(o, Literal) for o in objects):
            _put_texts(node, term, objects)
        elif how in (_ID, _TEXT):
            node[term] = _one_or_many([_value(o, how) for o in objects])
        else:
            node[_compact(predicate)] = [_value(o, None) for o in objects]
    return node


def _put_texts(node: dict, term: str, objects: list[Literal]) -> None:
    """A language-mapped term's literals into ``node``: ``{lang: text or texts}`` under ``term``,
    the untagged ones under ``term + UNTAGGED``."""
    langs: dict[str, list[str]] = {}
    untagged = [o.text for o in objects if not o.lang]
    for o in objects:
        if o.lang:
            langs.setdefault(o.lang, []).append(o.text)
    if langs:
        node[term] = {lang: _one_or_many(texts) for lang, texts in langs.items()}
    if untagged:
        node[term + UNTAGGED] = _one_or_many(untagged)


def _value(o: IRI | Literal, how: str | None) -> object:
    if isinstance(o, IRI):
        return str(o) if how == _ID else {"@id": str(o)}
    if o.datatype:
        return {"@value": o.text, "@type": o.datatype}
    if o.lang:
        return {"@value": o.text, "@language": o.lang}
    return o.text if how == _TEXT else {"@value": o.text}


def _compact(iri: str) -> str:
    found = _COMPACTED.get(iri)
    if found is None:
        found = _COMPACTED[iri] = next((f"{prefix}:{iri[len(ns):]}" for prefix, ns in _NAMESPACES
                                        if iri.startswith(ns) and _LOCAL.match(iri[len(ns):])), str(iri))
    return found


_COMPACTED: dict[str, str] = {}
"""IRI -> its compact form: types and predicates, a few IRIs named once per node."""


def _one_or_many(values: list) -> object:
    return values[0] if len(values) == 1 else values


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
