"""The records between stages: Occurrences reads like the tuple of its Occurrence records."""

import pytest

from graph.model import Article, Link, LinkClass, Occurrence, Occurrences


def article(slug, n):
    links = tuple(Link(f"/{slug}-{i}", f"text {i}", i + 5, "", "inline") for i in range(n))
    return Article(f"{slug}.md", slug, "en", "", slug, "", (), (), links, "")


ARTICLES = (article("a", 3), article("b", 0), article("c", 2))
KINDS = [LinkClass.RESOLVED, LinkClass.MISSING, LinkClass.EXTERNAL, LinkClass.SELF, LinkClass.UNSAFE]
TARGETS = ["x", "a-1", None, "c", None]
EXPECTED = tuple(Occurrence(a.slug, a.path, link, kind, target) for a, link, kind, target in
                 zip([ARTICLES[0]] * 3 + [ARTICLES[2]] * 2, ARTICLES[0].links + ARTICLES[2].links, KINDS, TARGETS))


def occurrences():
    return Occurrences(ARTICLES, bytes(LinkClass.ALL.index(k) for k in KINDS), TARGETS)


def test_occurrences_read_like_the_tuple_of_their_records():
    found = occurrences()
    assert tuple(found) == EXPECTED and found == EXPECTED and len(found) == 5
    assert all(type(o) is Occurrence for o in found)
    assert [found[i] for i in range(-5, 5)] == list(EXPECTED[-5:] + EXPECTED)
    for start in range(6):
        for stop in range(start, 7):
            assert found[start:stop] == EXPECTED[start:stop]
    assert found[::2] == EXPECTED[::2] and found[4:1] == ()
    with pytest.raises(IndexError):
        found[5]


def test_occurrences_need_one_class_and_target_per_link():
    with pytest.raises(ValueError):
        Occurrences(ARTICLES, bytes(4), TARGETS[:4])
