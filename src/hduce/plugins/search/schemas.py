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


class SearchPage(msgspec.Struct, kw_only=True):
    """A page of hits and how many the caller may see in all."""

    hits: list[SearchHit]
    total: int
    limit: int
    offset: int
