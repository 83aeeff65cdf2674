"""The `DocumentReader` contract: live documents in bulk, for read models such as search."""

import uuid
from collections.abc import Sequence

import asyncpg
import msgspec

from hduce.contracts.documents import DocumentSummary
from hduce.core.sql_store import SqlStore

ENTITY_KEYS = """
ARRAY(SELECT DISTINCT key FROM jsonb_array_elements(entities) AS found,
      LATERAL (VALUES (coalesce(found->>'code', found->>'value'))) AS coded (code),
      LATERAL (VALUES (found->>'kind' || ':' || lower(found->>'value'), false),
                      ('diagnosis:' || lower(split_part(code, '.', 1)), true),
                      ('diagnosis:' || lower(code), true)) AS keys (key, by_code)
      WHERE NOT coalesce(found->'context' ?| ARRAY['negated', 'family', 'hypothetical'], false)
        AND ((found->>'kind' IN ('medication', 'allergy') AND NOT by_code)
             OR (found->>'kind' IN ('diagnosis_code', 'diagnosis') AND by_code))
      ORDER BY key)
"""
"""A `document` row's `entity_keys` (see `DocumentSummary`), from its `entities` column alone:
search's upgrade backfill (migrations/search/2026-12-10T08:00) computes them the same way."""

SUMMARY = f"""
SELECT id, patient AS patient_id, title, kind, status, filename, content_type, page_count,
       coalesce(text, '') AS text, created_at, updated_at, {ENTITY_KEYS} AS entity_keys
FROM document WHERE deleted_at IS NULL
"""


COUNT = "SELECT count(*) FROM document WHERE deleted_at IS NULL"


def _summaries(records: list[asyncpg.Record]) -> list[DocumentSummary]:
    return [msgspec.convert(dict(record), DocumentSummary) for record in records]


class DocumentSummaries(SqlStore):
    """Reads live documents with their extracted text (never the deleted ones)."""

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[DocumentSummary]:
        """The live documents among `ids`."""
        records = await self.db.fetch(SUMMARY + " AND id = ANY($1::uuid[])", list(ids))
        return _summaries(records)

    async def summaries_page(self, *, after: uuid.UUID | None, limit: int) -> list[DocumentSummary]:
        """Up to `limit` live documents with an id above `after`, by id."""
        records = await self.db.fetch(
            SUMMARY + " AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2", after, limit
        )
        return _summaries(records)

    async def count(self) -> int:
        """How many live documents `summaries_page` walks through."""
        return int(await self.db.fetchval(COUNT))
