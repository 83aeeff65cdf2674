"""Keep dead-lettered tasks in the `dead_letter` table."""

import uuid

import msgspec

from hduce.core.db import HduceEngine
from hduce.core.tasks import DeadLetterRecord


class DeadLetterStore:
    """Writes dead letters through the shared pool."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def __call__(self, record: DeadLetterRecord) -> None:
        """Insert one dead letter."""
        await self._db.shared_pool.execute(
            "INSERT INTO dead_letter (id, task_name, task_id, message, attempts, error) "
            "VALUES ($1, $2, $3, $4::jsonb, $5, $6)",
            uuid.uuid4(),
            record.task_name,
            record.task_id,
            msgspec.json.encode(record.message).decode(),
            record.attempts,
            record.error[:4000],
        )
