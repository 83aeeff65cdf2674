"""The `documents.extract` task: claim a pending document, extract in a process, store, announce."""

import logging
from typing import Any

import msgspec

from hduce.contracts.documents import (
    DocumentExtracted,
    DocumentKind,
    DocumentProcessed,
    DocumentStatus,
    DocumentUploaded,
)
from hduce.core.events import EventMeta
from hduce.plugins.documents.env import Env
from hduce.plugins.documents.extraction import ExtractionOptions
from hduce.plugins.documents.pool import ExtractionTimedOut, ExtractorCrashed, ExtractorPool

logger = logging.getLogger("hduce.documents")

MAX_ATTEMPTS = 3
"""Claims of one document before it is marked failed (workers that died while extracting it)."""
# `processing` too: a worker that died mid-extraction leaves it so, and the task is redelivered.
CLAIM = """
UPDATE document SET status = 'processing', attempts = attempts + 1, updated_at = now()
WHERE id = $1 AND status IN ('pending', 'processing') AND deleted_at IS NULL
RETURNING id, patient, kind, sha256, content_type, attempts
"""
FINISH = """
UPDATE document SET status = $2, text = $3, page_count = $4, entities = $5::jsonb, error = $6,
                    note = $7, extracted_at = now(), updated_at = now()
WHERE id = $1 AND status = 'processing' AND deleted_at IS NULL
RETURNING id
"""


class Extraction:
    """Runs extraction for `document.uploaded`; a redelivery of a finished document does nothing."""

    def __init__(self, env: Env, pool: ExtractorPool) -> None:
        self._env = env
        self._pool = pool
        self._options = ExtractionOptions.from_config(env.config)

    async def handle(self, event: DocumentUploaded, _meta: EventMeta) -> None:
        """Extract the document's text and entities (idempotent)."""
        claimed = await self._env.context.db.fetchrow(CLAIM, event.document_id)
        if claimed is None:
            return
        if claimed["attempts"] > MAX_ATTEMPTS:
            await self._finish(claimed, _failure(f"gave up after {MAX_ATTEMPTS} attempts"))
            return
        path = str(self._env.blobs.path(claimed["sha256"]))
        config = self._env.config
        try:
            result = await self._pool.extract(
                path,
                claimed["content_type"],
                self._options,
                seconds=float(config.extraction_timeout),
            )
        except (ExtractionTimedOut, ExtractorCrashed) as exc:
            # Each job has a process of its own: the failure is this file's, retrying repeats it.
            result = _failure(str(exc))
        await self._finish(claimed, result)

    async def _finish(self, claimed: Any, result: dict[str, Any]) -> None:
        status = DocumentStatus.DONE if result["ok"] else DocumentStatus.FAILED
        if status == DocumentStatus.FAILED:
            logger.warning("extraction of document %s failed: %s", claimed["id"], result["error"])
        async with self._env.context.db.transaction():
            finished = await self._env.context.db.fetchrow(
                FINISH,
                claimed["id"],
                status,
                result["text"] or None,
                result["page_count"],
                msgspec.json.encode(result["entities"]).decode(),
                result["error"],
                result.get("note"),
            )
            if finished is None:
                return  # deleted meanwhile
            fields = {
                "document_id": claimed["id"],
                "patient_id": claimed["patient"],
                "kind": DocumentKind(claimed["kind"]),
                "status": status,
                "page_count": result["page_count"],
                "entity_count": len(result["entities"]),
            }
            for fact in (DocumentProcessed, DocumentExtracted):
                await self._env.context.events.publish(fact(**fields))


def _failure(error: str) -> dict[str, Any]:
    return {"ok": False, "text": "", "page_count": None, "entities": [], "error": error}
