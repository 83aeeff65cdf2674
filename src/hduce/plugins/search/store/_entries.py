"""`search_entry` rows: versioned upserts, deletes, prunes, and the entries naming a person."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from hduce.core.sql_store import SqlStore

# The written rows' words that start with a letter go to `search_vocabulary` in the same
# statement: a prefix search relies on it naming every word of the index (`_sql.WORDS_OF_PREFIX`).
UPSERT = """
WITH written AS (
    INSERT INTO search_entry (id, kind, ref_id, patient_id, practitioner_id, title, body, extra,
                              updated_at, dated_at, entities, folded_title, folded_body,
                              indexed_at)
    SELECT gen_random_uuid(), kind, ref_id, patient_id, practitioner_id, title, body,
           extra::jsonb, updated_at, dated_at, string_to_array(entities, E'\\n'),
           folded_title, folded_body, now()
    FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[],
                $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[],
                $12::text[])
         AS new (kind, ref_id, patient_id, practitioner_id, title, body, extra, updated_at,
                 dated_at, entities, folded_title, folded_body)
    ON CONFLICT (kind, ref_id) DO UPDATE SET
        patient_id = EXCLUDED.patient_id, practitioner_id = EXCLUDED.practitioner_id,
        title = EXCLUDED.title, body = EXCLUDED.body, extra = EXCLUDED.extra,
        updated_at = EXCLUDED.updated_at, dated_at = EXCLUDED.dated_at,
        entities = EXCLUDED.entities, folded_title = EXCLUDED.folded_title,
        folded_body = EXCLUDED.folded_body, indexed_at = now()
    WHERE search_entry.updated_at <= EXCLUDED.updated_at
    RETURNING kind, ref_id, document
),
words AS (
    INSERT INTO search_vocabulary (word)
    SELECT DISTINCT lexeme FROM written, unnest(written.document) AS t
    WHERE lexeme ~ '^[[:alpha:]]'
    ORDER BY lexeme
    ON CONFLICT DO NOTHING
)
SELECT kind, ref_id FROM written
"""
DELETE = "DELETE FROM search_entry WHERE kind = $1 AND ref_id = ANY($2::uuid[])"
PRUNE = "DELETE FROM search_entry WHERE indexed_at < $1 RETURNING kind, ref_id"
PENDING_EVENTS = (
    "SELECT count(*) FROM outbox WHERE dispatched_at IS NULL AND available_at <= now() "
    "AND name = ANY($1::text[])"
)
MENTIONS = (
    "SELECT kind, ref_id FROM search_entry WHERE kind <> 'patient' "
    "AND (patient_id = $1 OR practitioner_id = $1)"
)
MATCHING = "SELECT ref_id FROM search_entry WHERE kind = $1 AND extra->>$2 = $3"
Key = tuple[str, uuid.UUID]


class EntryStore(SqlStore):
    """Writes and finds `search_entry` rows."""

    async def upsert(self, columns: Sequence[list[object]]) -> set[Key]:
        """Write rows given column by column (see `UPSERT`) unless newer; the keys written."""
        rows = await self.db.fetch(UPSERT, *columns)
        return {(row["kind"], row["ref_id"]) for row in rows}

    async def delete(self, kind: str, ref_ids: Sequence[uuid.UUID]) -> None:
        """Remove the entries of `kind` with these source ids."""
        await self.db.execute(DELETE, kind, list(ref_ids))

    async def pruned(self, before: datetime) -> list[Key]:
        """Remove entries not written since `before`; their keys."""
        return [(row["kind"], row["ref_id"]) for row in await self.db.fetch(PRUNE, before)]

    async def mentions(self, person_id: uuid.UUID) -> list[Key]:
        """Entries other than the person's own that name them (as patient or practitioner)."""
        return [(row["kind"], row["ref_id"]) for row in await self.db.fetch(MENTIONS, person_id)]

    async def matching(self, kind: str, key: str, value: str) -> list[uuid.UUID]:
        """Source ids of the entries of `kind` whose display field `key` is `value`."""
        return [row["ref_id"] for row in await self.db.fetch(MATCHING, kind, key, value)]

    async def pending_events(self, names: list[str]) -> int:
        """Outbox events of `names` not yet handed to their tasks."""
        return int(await self.db.fetchval(PENDING_EVENTS, names))
