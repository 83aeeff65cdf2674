"""The `documents.extract` task: claim a pending document, extract in a process, store, announce."""

import asyncio
import logging
import uuid
from typing import Any

import msgspec

from hduce.contracts.documents import (
    DocumentExtracted,
    DocumentFact,
    DocumentKind,
    DocumentProcessed,
    DocumentStatus,
)
from hduce.core.events import EventMeta
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services._files import BlobStore
from hduce.plugins.documents.services.extraction._extract import ExtractionOptions
from hduce.plugins.documents.services.extraction._pool import (
    ExtractionStopped,
    ExtractionTimedOut,
    ExtractorCrashed,
    ExtractorKilled,
    ExtractorPool,
)
from hduce.plugins.documents.services.extraction._slot import memory_limit
from hduce.plugins.documents.store import ExtractionStore

logger = logging.getLogger("hduce.documents")

EXTRACTION_TASKS = ("documents.extract", "documents.extract_again")
"""The tasks that extract a document: on its upload, and once requeued (see `_stuck`)."""
MAX_ATTEMPTS = 3
"""Claims of one document before it is marked failed (workers that died or lost the database
before storing its result; a clean stop gives its claim back), and extraction processes killed
from outside while reading it (each retry in a fresh process)."""
GAVE_UP = (
    f"its extraction started {MAX_ATTEMPTS} times and never finished (the worker was killed or "
    "crashed, or lost the database, before storing the result)"
)
NOT_STORED = "its result could not be stored: the database took too long to write it"
"""Noted on the document by an attempt whose result timed out, so a claim giving up says so."""


class Extraction:
    """Runs extraction for `document.uploaded` or a requeue; a finished document's does nothing."""

    def __init__(
        self,
        env: PluginEnv[DocumentsConfig],
        store: ExtractionStore,
        files: BlobStore,
        pool: ExtractorPool,
    ) -> None:
        self._db = env.db
        self._events = env.events
        self._seconds = float(env.config.extraction_timeout)
        self._store = store
        self._files = files
        self._pool = pool
        self._options = ExtractionOptions.from_config(env.config)
        self._memory = memory_limit(env.config.extraction_memory_limit)

    async def handle(self, event: DocumentFact, _meta: EventMeta) -> None:
        """Extract the document's text and entities (idempotent)."""
        claimed = await self._store.claim(event.document_id)
        if claimed is None:
            return
        if claimed["attempts"] > MAX_ATTEMPTS:
            await self._finish(claimed, _failure(claimed["last_error"] or GAVE_UP))
            return
        try:
            await self._run(claimed)
        except (asyncio.CancelledError, ExtractionStopped):
            # The worker is stopping cleanly: the task is handed back, and this attempt with it.
            await self._store.give_back(claimed["id"])
            raise

    async def give_up(self, document_id: uuid.UUID, error: str) -> None:
        """Claim an unfinished document one last time and mark it failed with `error`."""
        claimed = await self._store.claim(document_id)
        if claimed is not None:
            await self._finish(claimed, _failure(error))

    async def _run(self, claimed: Any) -> None:
        """Extract a claimed document and store the result."""
        path = str(self._files.path(claimed["sha256"]))
        try:
            result = await self._extract(claimed["id"], path, claimed["content_type"])
        except (ExtractionTimedOut, ExtractorCrashed) as exc:
            # Each job has a process of its own: the failure is this file's, retrying repeats it.
            result = _failure(str(exc))
        try:
            await self._finish(claimed, result)
        except TimeoutError:
            # A slow or frozen database, as a lost one: retried (the result is bounded by
            # `max_entities`); the note tells why, should the last claim give up.
            await self._store.note(claimed["id"], NOT_STORED)
            raise

    async def _extract(self, document: uuid.UUID, path: str, content_type: str) -> dict[str, Any]:
        """Extract in a fresh process again when one is killed from outside, a few times."""
        for kill in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._pool.extract(
                    path, content_type, self._options, seconds=self._seconds
                )
            except ExtractorKilled as exc:
                logger.warning("document %s: %s (%d of %d)", document, exc, kill, MAX_ATTEMPTS)
        return _failure(
            f"the extraction process was killed {MAX_ATTEMPTS} times while reading this file "
            f"(by the system or an operator; it may need more than {self._memory})"
        )

    async def _finish(self, claimed: Any, result: dict[str, Any]) -> None:
        status = DocumentStatus.DONE if result["ok"] else DocumentStatus.FAILED
        entities = (await asyncio.to_thread(msgspec.json.encode, result["entities"])).decode()
        async with self._db.transaction():
            if not await self._store.finish(claimed["id"], status, result, entities):
                return  # deleted meanwhile
            if status == DocumentStatus.FAILED:
                logger.warning(
                    "extraction of document %s failed: %s", claimed["id"], result["error"]
                )
            fields = {
                "document_id": claimed["id"],
                "patient_id": claimed["patient"],
                "kind": DocumentKind(claimed["kind"]),
                "status": status,
                "page_count": result["page_count"],
                "entity_count": len(result["entities"]),
            }
            # One outbox statement for both: `document.extracted` is the older name of the fact.
            facts = (DocumentProcessed, DocumentExtracted)
            await self._events.publish_many([(fact(**fields), None) for fact in facts])


def _failure(error: str) -> dict[str, Any]:
    return {"ok": False, "text": "", "page_count": None, "entities": [], "error": error}
