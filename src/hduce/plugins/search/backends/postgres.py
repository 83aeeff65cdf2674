"""PostgreSQL full-text search over `search_entry` (tsvector + GIN, ranked, highlighted)."""

import re
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
from hduce.plugins.search.entries import MARK_END, MARK_START, Entry
from hduce.plugins.search.schemas import SearchHit

UPSERT = """
INSERT INTO search_entry (id, kind, ref_id, patient_id, practitioner_id, title, body, extra,
                          updated_at, indexed_at)
SELECT gen_random_uuid(), kind, ref_id, patient_id, practitioner_id, title, body, extra::jsonb,
       updated_at, now()
FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
            $8::timestamptz[])
     AS new (kind, ref_id, patient_id, practitioner_id, title, body, extra, updated_at)
ON CONFLICT (kind, ref_id) DO UPDATE SET
    patient_id = EXCLUDED.patient_id, practitioner_id = EXCLUDED.practitioner_id,
    title = EXCLUDED.title, body = EXCLUDED.body, extra = EXCLUDED.extra,
    updated_at = EXCLUDED.updated_at, indexed_at = now()
WHERE search_entry.updated_at <= EXCLUDED.updated_at
RETURNING kind, ref_id
"""
DELETE = "DELETE FROM search_entry WHERE kind = $1 AND ref_id = ANY($2::uuid[])"
PRUNE = "DELETE FROM search_entry WHERE indexed_at < $1 RETURNING kind, ref_id"
# Every word of the query is a prefix ("ali mar" finds "Alice Martin"), all must match; the
# `simple` config splits the text exactly as it split the indexed text, without stemming.
QUERY = (
    "to_tsquery('simple', coalesce((SELECT string_agg(quote_literal(lexeme) || ':*', ' & ') "
    "FROM unnest(to_tsvector('simple', $1))), ''))"
)
# The scope is part of the WHERE clause, so LIMIT, OFFSET and the total only see allowed rows.
# A patient's scope names no "every" kind, so the planner can start from their patient_id.
# Ranking every match of a common word reads every matching tsvector: only the most recent
# `candidates` matches ($5, the cap plus one, so a capped total shows) are ranked exactly, and
# the snippet is cut from at most `snippet_chars` ($7) around the first word's first occurrence
# ($6) instead of the whole text.
SEARCH = f"""
WITH query AS (SELECT {QUERY} AS q),
candidate AS MATERIALIZED (
    SELECT e.id, e.updated_at FROM search_entry e, query
    WHERE e.document @@ query.q AND ({{scope}})
    ORDER BY e.updated_at DESC, e.id
    LIMIT $5
),
page AS (
    SELECT c.id, ts_rank_cd(e.document, query.q) AS score,
           (SELECT count(*) FROM candidate) AS total
    FROM candidate c JOIN search_entry e ON e.id = c.id, query
    ORDER BY score DESC, c.updated_at DESC, c.id
    LIMIT $2 OFFSET $3
)
SELECT e.kind, e.ref_id, e.title, e.extra, page.score, page.total,
       ts_headline('simple', e.title || E'\\n' || substr(
           e.body, greatest(1, strpos(lower(e.body), $6) - $7 / 4), $7), query.q, $4) AS snippet
FROM page JOIN search_entry e ON e.id = page.id, query
ORDER BY page.score DESC, e.updated_at DESC, e.id
"""
COUNT = f"""
WITH query AS (SELECT {QUERY} AS q)
SELECT count(*) FROM (
    SELECT 1 FROM search_entry e, query WHERE e.document @@ query.q AND ({{scope}}) LIMIT $2
) AS capped
"""
SCOPE_PARAMS = 8
_WORDS = re.compile(r"\w+")
HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=10, MaxFragments=2"
PENDING_EVENTS = (
    "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL AND available_at <= now() "
    "AND name = ANY($1::text[])"
)


class PostgresSearch:
    """The embedded default backend; its table is also the record every backend rebuilds from."""

    def __init__(self, db: HduceEngine, events: EventBus | None = None) -> None:
        self._db = db
        self._events = events

    async def upsert(self, entries: Sequence[Entry]) -> list[Entry]:
        """Write entries unless a newer version is stored; returns those written."""
        batch = unique(entries)
        if not batch:
            return []
        columns = list(zip(*(_row(entry) for entry in batch), strict=True))
        rows = await self._db.fetch(UPSERT, *(list(column) for column in columns))
        written = {(row["kind"], row["ref_id"]) for row in rows}
        return [entry for entry in batch if (entry.kind, entry.ref_id) in written]

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
        """One page of ranked, highlighted hits within `scope`, and their total."""
        condition, args = scope_condition(scope, SCOPE_PARAMS)
        search = SEARCH.format(scope=condition)
        page = (query.limit, query.offset, HEADLINE, query.candidates + 1)
        snippet = (_first_word(query.text), query.snippet_chars)
        rows = await self._db.fetch(search, query.text, *page, *snippet, *args)
        if rows or not query.offset:
            total = int(rows[0]["total"]) if rows else 0
        else:
            condition, args = scope_condition(scope, 3)
            count = await self._db.fetchrow(
                COUNT.format(scope=condition), query.text, query.candidates + 1, *args
            )
            total = int(count[0]) if count else 0
        return [_hit(row) for row in rows], total

    async def health(self) -> HealthStatus:
        """Events not yet handed to the indexing tasks (no entry count: it counts patients)."""
        pending = await self._db.fetchrow(PENDING_EVENTS, self._watched())
        return HealthStatus(True, {"backend": "postgres", "pending_events": pending[0]})

    def _watched(self) -> list[str]:
        subscriptions = self._events.subscriptions if self._events else []
        names = {s.event_type.name for s in subscriptions if s.task_name.startswith("search.")}
        return sorted(names)


def scope_condition(scope: Scope, first: int) -> tuple[str, list[Any]]:
    """The scope as SQL over `search_entry e`, its parameters numbered from `$first`."""
    clauses, args = [], []
    if scope.every:
        clauses.append(f"e.kind = ANY(${first}::text[])")
        args.append(list(scope.every))
    if scope.own:
        n = first + len(args)
        clauses.append(f"(e.patient_id = ${n} AND e.kind = ANY(${n + 1}::text[]))")
        args += [scope.user_id, list(scope.own)]
    return " OR ".join(clauses) or "false", args


def _first_word(text: str) -> str:
    """The query's first word, lower-cased, to find where the snippet starts."""
    return next(iter(_WORDS.findall(text.lower())), "")


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
