"""PostgreSQL full-text search over `search_entry` (tsvector + GIN, ranked, highlighted)."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from hduce.core.db import HduceEngine
from hduce.core.events import EventBus
from hduce.core.registry import HealthStatus
from hduce.plugins.search.access import Scope
from hduce.plugins.search.backends.base import SearchQuery, marked_to_html, unique
from hduce.plugins.search.backends.postgres_sql import (
    COUNT,
    SEARCH,
    SUGGEST,
    Params,
    facets_sql,
    first_word,
    scope_condition,
    where,
)
from hduce.plugins.search.backends.semantic import SemanticSearch
from hduce.plugins.search.backends.vectors import ChunkStore
from hduce.plugins.search.entries import MARK_END, MARK_START, Entry
from hduce.plugins.search.lexicon import Lexicon
from hduce.plugins.search.schemas import SearchHit
from hduce.plugins.search.spelling import VOCABULARY, Speller

UPSERT = """
INSERT INTO search_entry (id, kind, ref_id, patient_id, practitioner_id, title, body, extra,
                          updated_at, dated_at, entities, indexed_at)
SELECT gen_random_uuid(), kind, ref_id, patient_id, practitioner_id, title, body, extra::jsonb,
       updated_at, dated_at, string_to_array(entities, E'\\n'), now()
FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
            $8::timestamptz[], $9::timestamptz[], $10::text[])
     AS new (kind, ref_id, patient_id, practitioner_id, title, body, extra, updated_at, dated_at,
             entities)
ON CONFLICT (kind, ref_id) DO UPDATE SET
    patient_id = EXCLUDED.patient_id, practitioner_id = EXCLUDED.practitioner_id,
    title = EXCLUDED.title, body = EXCLUDED.body, extra = EXCLUDED.extra,
    updated_at = EXCLUDED.updated_at, dated_at = EXCLUDED.dated_at,
    entities = EXCLUDED.entities, indexed_at = now()
WHERE search_entry.updated_at <= EXCLUDED.updated_at
RETURNING kind, ref_id
"""
DELETE = "DELETE FROM search_entry WHERE kind = $1 AND ref_id = ANY($2::uuid[])"
PRUNE = "DELETE FROM search_entry WHERE indexed_at < $1 RETURNING kind, ref_id"
HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=10, MaxFragments=2"
PENDING_EVENTS = (
    "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL AND available_at <= now() "
    "AND name = ANY($1::text[])"
)


class PostgresSearch:
    """The embedded default backend; its table is also the record every backend rebuilds from."""

    def __init__(
        self,
        db: HduceEngine,
        events: EventBus | None = None,
        lexicon: Lexicon | None = None,
        speller: Speller | None = None,
        chunks: ChunkStore | None = None,
    ) -> None:
        self._db = db
        self._events = events
        self._lexicon = lexicon or Lexicon("")
        self._speller = speller
        self.chunks = chunks
        self._semantic = SemanticSearch(db)

    async def upsert(self, entries: Sequence[Entry]) -> list[Entry]:
        """Write entries unless a newer version is stored; returns those written."""
        batch = unique(entries)
        if not batch:
            return []
        columns = list(zip(*(_row(entry) for entry in batch), strict=True))
        rows = await self._db.fetch(UPSERT, *(list(column) for column in columns))
        written = {(row["kind"], row["ref_id"]) for row in rows}
        if written:
            kinds, ref_ids = zip(*written, strict=True)
            await self._db.fetch(VOCABULARY, list(set(kinds)), list(ref_ids))
        stored = [entry for entry in batch if (entry.kind, entry.ref_id) in written]
        if self.chunks:
            await self.chunks.write(stored)
        return stored

    async def delete(self, kind: str, ref_ids: Sequence[uuid.UUID]) -> None:
        """Remove entries whose source is gone."""
        if ref_ids:
            await self._db.fetch(DELETE, kind, list(ref_ids))

    async def prune(self, before: datetime) -> int:
        """Remove entries not written since `before`."""
        return len(await self.pruned(before))

    async def pruned(self, before: datetime) -> list[tuple[str, uuid.UUID]]:
        """Remove entries not written since `before`; returns their keys."""
        return [(row["kind"], row["ref_id"]) for row in await self._db.fetch(PRUNE, before)]

    async def search(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        """One page of ranked, highlighted hits within `scope`, and their total (capped)."""
        if query.vector is not None and query.mode != "keyword":
            return await self._semantic.search(query, scope, self._keyword)
        return await self._keyword(query, scope)

    async def _keyword(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        parts = await self._parts(query.text)
        params = Params(parts)
        condition, cap = where(query, scope, params), params.add(query.candidates + 1)
        sql = SEARCH.format(
            where=condition,
            cap=cap,
            limit=params.add(query.limit),
            offset=params.add(query.offset),
            word=params.add(first_word(" ".join(parts))),
            chars=params.add(query.snippet_chars),
            headline=params.add(HEADLINE),
        )
        rows = await self._db.fetch(sql, *params.values)
        if rows or not query.offset:
            return [_hit(row) for row in rows], int(rows[0]["total"]) if rows else 0
        params = Params(parts)
        count = COUNT.format(
            where=where(query, scope, params), cap=params.add(query.candidates + 1)
        )
        counted = await self._db.fetchrow(count, *params.values)
        return [], int(counted[0]) if counted else 0

    async def facets(self, query: SearchQuery, scope: Scope) -> dict[str, dict[str, int]]:
        """Counts of the matches (at most `candidates`) by each of `query.facets`."""
        sql, args = facets_sql(query, scope, await self._parts(query.text))
        counted: dict[str, dict[str, int]] = {facet: {} for facet in query.facets}
        for row in await self._db.fetch(sql, *args):
            counted[row["facet"]][row["value"]] = row["n"]
        # Months read best in order; other facets stay most frequent first.
        if "date" in counted:
            counted["date"] = dict(sorted(counted["date"].items()))
        return counted

    async def suggest(self, prefix: str, scope: Scope, limit: int) -> list[str]:
        """Indexed words starting with `prefix` in entries within `scope`, most frequent first."""
        condition, args = scope_condition(scope, 3)
        rows = await self._db.fetch(SUGGEST.format(scope=condition), prefix, limit, *args)
        return [row["lexeme"] for row in rows]

    async def _parts(self, text: str) -> list[str]:
        """The query's parts: its lexicon terms with their synonyms, the other words corrected."""
        rest, groups = self._lexicon.expand(text)
        if rest and self._speller:
            rest = await self._speller.correct(rest)
        return ([rest] if rest else []) + ["\t".join(group) for group in groups]

    async def health(self) -> HealthStatus:
        """Events not yet handed to the indexing tasks (no entry count: it counts patients)."""
        pending = await self._db.fetchrow(PENDING_EVENTS, self._watched())
        return HealthStatus(True, {"backend": "postgres", "pending_events": pending[0]})

    def _watched(self) -> list[str]:
        subscriptions = self._events.subscriptions if self._events else []
        names = {s.event_type.name for s in subscriptions if s.task_name.startswith("search.")}
        return sorted(names)


def _row(entry: Entry) -> tuple[object, ...]:
    return (
        entry.kind,
        entry.ref_id,
        entry.patient_id,
        entry.practitioner_id,
        entry.title,
        entry.body,
        msgspec.json.encode(entry.extra).decode(),
        entry.updated_at,
        entry.dated_at,
        # unnest() cannot take a 2-D array of uneven rows: one line per key, split in SQL.
        "\n".join(entry.entities),
    )


def _hit(row: Mapping[str, Any]) -> SearchHit:
    extra = row["extra"]
    return SearchHit(
        kind=row["kind"],
        id=row["ref_id"],
        title=row["title"],
        snippet=marked_to_html(row["snippet"]),
        score=float(row["score"]),
        extra=msgspec.json.decode(extra) if isinstance(extra, str) else dict(extra),
    )
