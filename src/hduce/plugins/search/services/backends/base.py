"""The `SearchBackend` protocol every backend implements."""

import html
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

import msgspec

from hduce.core.registry import HealthStatus
from hduce.plugins.search.schemas import SearchHit
from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.store import MARK_END, MARK_START

FACETS = ("kind", "document_kind", "date", "entity", "patient")
"""What `facets=` may count: entry kind, document kind, month, entity key, patient id."""


class Filters(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Conditions every hit meets besides the words (dates are whole days, both included)."""

    entities: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    patient_id: uuid.UUID | None = None

    @property
    def given(self) -> bool:
        """Whether any condition is set."""
        return bool(self.entities) or any((self.date_from, self.date_to, self.patient_id))


class SearchQuery(msgspec.Struct, frozen=True):
    """Validated query text, filters and the page wanted; `text` may be empty with filters."""

    text: str
    limit: int
    offset: int
    candidates: int = 2000
    """Most matches counted and ranked; beyond them the total is capped."""
    snippet_chars: int = 1000
    """Characters of text a snippet is cut from."""
    filters: Filters = Filters()
    facets: tuple[str, ...] = ()
    mode: str = "keyword"
    """`keyword`, `semantic` (vectors) or `hybrid` (both, fused by rank)."""
    vector: tuple[float, ...] | None = None
    """The query's embedding (semantic and hybrid)."""


class SearchBackend(Protocol):
    """Stores entries and answers queries limited to a caller's scope."""

    async def upsert(self, entries: Sequence[Entry]) -> list[Entry]:
        """Write entries unless a newer version is stored; returns those written."""

    async def delete(self, kind: str, ref_ids: Sequence[uuid.UUID]) -> None:
        """Remove entries whose source is gone."""

    async def prune(self, before: datetime) -> int:
        """Remove entries not written since `before` (after a full rebuild); returns how many."""

    async def search(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        """One page of hits within `scope`, best first, and the total the scope allows."""

    async def facets(self, query: SearchQuery, scope: Scope) -> dict[str, dict[str, int]]:
        """Counts of the hits the query's mode finds (keyword: at most `candidates`) by facet."""

    async def suggest(self, prefix: str, scope: Scope, limit: int) -> list[str]:
        """Indexed words starting with `prefix` in entries within `scope`, most frequent first."""

    async def health(self) -> HealthStatus:
        """Whether the backend answers, with figures for `/health/detailed`."""


def marked_to_html(marked: str) -> str:
    """Escape highlighted text for HTML, then turn the markers into `<mark>` tags."""
    text = html.escape(marked).replace("\f", "\n")
    return text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def unique(entries: Sequence[Entry]) -> list[Entry]:
    """The last entry for each (kind, ref_id), so one batch never writes a row twice."""
    return list({(e.kind, e.ref_id): e for e in entries}.values())
