"""Every statement of staff_notes."""

import uuid
from typing import Any

from hduce.core.sql_store import SqlStore


class NoteStore(SqlStore):
    """Every statement on `staff_note`."""

    async def add(self, author: uuid.UUID, body: str) -> Any:
        """Insert a note; its row."""
        return await self.db.fetchrow(
            "INSERT INTO staff_note (author, body) VALUES ($1, $2) RETURNING id, author, body",
            author,
            body,
        )

    async def every(self) -> list[Any]:
        """Every note, oldest first."""
        return await self.db.fetch("SELECT id, author, body FROM staff_note ORDER BY created_at")

    async def count(self) -> int:
        """How many notes there are."""
        return int(await self.db.fetchval("SELECT count(*) FROM staff_note"))
