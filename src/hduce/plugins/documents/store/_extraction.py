"""Extraction's statements: claim a document for a worker, then store what was found."""

import uuid
from typing import Any

import asyncpg

from hduce.contracts.documents import DocumentStatus
from hduce.core.sql_store import SqlStore

# `processing` too: a worker that died mid-extraction leaves it so, and the task is redelivered.
# `last_error`: why the attempt before could not store its result, if it knew (see `NOTE`).
CLAIM = """
WITH claimed AS (
    SELECT id, error FROM document
    WHERE id = $1 AND status IN ('pending', 'processing') AND deleted_at IS NULL
    FOR UPDATE
)
UPDATE document SET status = 'processing', attempts = attempts + 1, error = NULL,
                    updated_at = now()
FROM claimed WHERE document.id = claimed.id
RETURNING document.id, patient, kind, sha256, content_type, attempts, claimed.error AS last_error
"""
NOTE = """
UPDATE document SET error = $2, updated_at = now()
WHERE id = $1 AND status = 'processing' AND deleted_at IS NULL
"""
# A worker that stops cleanly hands its task back: the attempt it had claimed is not counted.
GIVE_BACK = """
UPDATE document SET attempts = attempts - 1, updated_at = now()
WHERE id = $1 AND status = 'processing' AND attempts > 0
"""
# Documents still waiting whose extraction task was dead-lettered after their last change: no
# task is left to finish them. A task's message carries the event's payload as its second arg.
# Read from the dead letters (few), not from the waiting documents (a backlog may be long).
# `given_up`: how many of the document's extraction tasks were dead-lettered in all.
STUCK = """
WITH named AS (
    SELECT message->'args'->1->>'document_id' AS document, error, attempts, created_at
    FROM dead_letter WHERE task_name = ANY($1::text[])
), letter AS (
    SELECT document::uuid AS document, error, attempts, created_at,
           count(*) OVER same AS given_up, row_number() OVER (same ORDER BY created_at DESC) AS nth
    FROM named WHERE document ~ '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
    WINDOW same AS (PARTITION BY document)
)
SELECT document.id, document.patient, letter.error, letter.attempts AS tries, letter.given_up
FROM letter JOIN document ON document.id = letter.document
WHERE letter.nth = 1 AND letter.created_at > document.updated_at
  AND document.status IN ('pending', 'processing') AND document.deleted_at IS NULL
ORDER BY document.updated_at LIMIT $2
FOR UPDATE OF document SKIP LOCKED
"""
# The note tells why, should the requeued task's claim find the document out of attempts.
REQUEUE = "UPDATE document SET error = $2, updated_at = now() WHERE id = $1"
FINISH = """
UPDATE document SET status = $2, text = $3, page_count = $4, entities = $5::jsonb, error = $6,
                    note = $7, extracted_at = now(), updated_at = now()
WHERE id = $1 AND status = 'processing' AND deleted_at IS NULL
RETURNING id
"""


class ExtractionStore(SqlStore):
    """The claim and the result of one document's extraction."""

    async def claim(self, document_id: uuid.UUID) -> asyncpg.Record | None:
        """Mark a live, unfinished document `processing` (one more attempt); None if it is not."""
        return await self.db.fetchrow(CLAIM, document_id)

    async def note(self, document_id: uuid.UUID, error: str) -> None:
        """Keep why a claimed document's result could not be stored, for the last claim to tell."""
        await self.db.execute(NOTE, document_id, error)

    async def give_back(self, document_id: uuid.UUID) -> None:
        """Uncount the claim of an extraction cut short by its worker stopping."""
        await self.db.execute(GIVE_BACK, document_id)

    async def stuck(self, task_names: list[str], limit: int) -> list[asyncpg.Record]:
        """Lock unfinished documents whose extraction task was dead-lettered since they changed."""
        return await self.db.fetch(STUCK, task_names, limit)

    async def requeue(self, document_id: uuid.UUID, error: str) -> None:
        """Note why a document's task was dead-lettered (and when), before it is sent again."""
        await self.db.execute(REQUEUE, document_id, error)

    async def finish(
        self, document_id: uuid.UUID, status: DocumentStatus, result: dict[str, Any], entities: str
    ) -> bool:
        """Store the result of a claimed document; False if it was deleted meanwhile."""
        finished = await self.db.fetchrow(
            FINISH,
            document_id,
            status,
            result["text"] or None,
            result["page_count"],
            entities,
            result["error"],
            result.get("note"),
        )
        return finished is not None
