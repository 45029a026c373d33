"""The exceptions linkgraph raises for failures it expects.

The CLI catches ``LinkgraphError`` and nothing else: a ``UsageError`` exits 2 under the
sub-command's usage line, any other ``LinkgraphError`` exits 1 with one line naming the path or
the cause. Anything else is a bug and keeps its traceback. Problems in the *input* (a bad file,
a broken link) are not exceptions: they are ``Problem`` records and the build goes on.
"""

from __future__ import annotations


class LinkgraphError(Exception):
    """An expected failure, reported as one line; the message names the path or the cause."""


class UsageError(LinkgraphError):
    """The command was asked for something it cannot mean: a missing input path, a bad option value."""


class OutputError(LinkgraphError):
    """The output folder or a file in it cannot be written (read-only, full disk, not a folder)."""


class GraphFolderError(LinkgraphError):
    """A folder a command reads a finished build from is missing, incomplete or damaged."""


class QueryError(LinkgraphError):
    """A SPARQL query failed to evaluate (or ran out of time)."""


class QuerySyntaxError(QueryError, UsageError):
    """The SPARQL text does not parse: the user's argument is wrong, so it is a usage error."""


class UnknownTerm(LinkgraphError, LookupError):
    """No concept has this slug, alias or title; ``suggestions`` are the closest names."""

    def __init__(self, term: str, suggestions: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(term)
        self.term = term
        self.suggestions = suggestions
        """(name as the user would type it, concept slug), closest first."""
