"""Documents whose extraction task was dead-lettered: extracted again, or failed saying why.

A task is dead-lettered when every delivery failed, e.g. a PostgreSQL frozen long enough that
even the claim timed out each time. Nothing else would then finish its document, left `pending`
or `processing` for good; the web process looks for such documents every `stuck_check_interval`.
"""

import logging
from contextlib import AbstractAsyncContextManager

from hduce.core.plugin_env import PluginEnv
from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services.extraction._task import (
    EXTRACTION_TASKS,
    MAX_ATTEMPTS,
    Extraction,
)
from hduce.plugins.documents.store import ExtractionStore
from hduce.plugins.documents.tasks import ExtractionRequeued

logger = logging.getLogger("hduce.documents")

STUCK_CHECK = "stuck-extractions"
BATCH = 100
"""Documents handled per transaction; the next check takes the rest."""
DATABASE_TOO_SLOW = "TimeoutError()"
"""The dead-lettered error of a task whose statements timed out: the database was too slow."""


def given_up(tries: int, error: str) -> str:
    """Why a document's extraction task was dead-lettered, in words."""
    cause = "the database took too long to answer" if error == DATABASE_TOO_SLOW else error[:300]
    return f"its extraction task failed {tries} times and was given up ({cause})"


class StuckExtractions:
    """Requeues documents whose extraction task was given up; fails one given up 3 times.

    A requeued document out of attempts is failed by the claim of its new task, with the note.
    """

    def __init__(
        self, env: PluginEnv[DocumentsConfig], store: ExtractionStore, extraction: Extraction
    ) -> None:
        self._db = env.db
        self._events = env.events
        self._supervisor = env.supervisor
        self._every = float(env.config.stuck_check_interval)
        self._store = store
        self._extraction = extraction

    async def check(self) -> int:
        """Handle the documents stuck now; how many."""
        async with self._db.transaction():
            rows = await self._store.stuck(list(EXTRACTION_TASKS), BATCH)
            for row in rows:
                reason = given_up(row["tries"], row["error"])
                if row["given_up"] >= MAX_ATTEMPTS:
                    await self._extraction.give_up(row["id"], reason)
                    continue
                logger.warning("document %s: %s; extracting it again", row["id"], reason)
                await self._store.requeue(row["id"], reason)
                await self._events.publish(
                    ExtractionRequeued(document_id=row["id"], patient_id=row["patient"])
                )
        return len(rows)

    def running(self) -> AbstractAsyncContextManager[None]:
        """Check at once, then every `every` seconds, while the block runs."""
        failure = "looking for documents with a dead-lettered extraction failed"
        return self._supervisor.repeating(
            STUCK_CHECK, self.check, self._every, failure=failure, log=logger
        )
