"""API views of search results."""

import uuid
from typing import Any

import msgspec


class SearchHit(msgspec.Struct, kw_only=True):
    """One result; `snippet` is HTML-escaped text whose matches are wrapped in `<mark>`."""

    kind: str
    id: uuid.UUID
    title: str
    snippet: str
    score: float
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    chunk: int | None = None
    """Semantic and hybrid: the number of the chunk nearest the query (0 is the first)."""
    page: int | None = None
    """Documents, semantic and hybrid: the page that chunk starts on."""


class Suggestions(msgspec.Struct, kw_only=True):
    """Completions of what was typed: indexed words first, then lexicon terms."""

    suggestions: list[str]


class SearchPage(msgspec.Struct, kw_only=True):
    """A page of hits and how many the caller may see in all (at most `max_candidates`)."""

    hits: list[SearchHit]
    total: int
    total_capped: bool = False
    """True when more entries match than were counted: `total` is then a lower bound."""
    facets: dict[str, dict[str, int]] = msgspec.field(default_factory=dict)
    """Per facet asked for, the count of matches by value (months in order, others by count)."""
    limit: int
    offset: int
