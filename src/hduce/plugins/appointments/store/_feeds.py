"""Calendar feeds (stored by the hash of their secret) and the appointments a feed shows."""

import uuid
from datetime import datetime

import asyncpg

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountStatus
from hduce.core.sql_store import SqlStore
from hduce.plugins.appointments.store._appointment_rows import COLUMNS, FROM, AppointmentRow, to_row

FEED_COLUMNS = "id, practitioner AS practitioner_id, label, created_at"
FEED_ROWS = f"""
SELECT {COLUMNS} FROM {FROM}
WHERE a.practitioner = $1 AND a.status NOT IN ('held', 'cancelled') AND a.ends_at > $2
  AND a.starts_at < $3
ORDER BY a.starts_at
"""
# A feed stops with its practitioner's account (deactivated: the URL may be in a lost phone).
LIVE_FEED = f"""
SELECT f.practitioner FROM calendar_feed f JOIN {ACCOUNT_DIRECTORY} d ON d.id = f.practitioner
WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND d.status = $2
"""


class FeedStore(SqlStore):
    """The calendar_feed table's statements, and the appointments of a feed."""

    async def insert(
        self, practitioner_id: uuid.UUID, token_hash: str, label: str
    ) -> asyncpg.Record:
        """A new feed; its row (`FEED_COLUMNS`)."""
        record = await self.db.fetchrow(
            "INSERT INTO calendar_feed (id, practitioner, token_hash, label) "
            f"VALUES ($1, $2, $3, $4) RETURNING {FEED_COLUMNS}",
            uuid.uuid4(),
            practitioner_id,
            token_hash,
            label,
        )
        assert record is not None  # RETURNING always answers
        return record

    async def live(self, practitioner_id: uuid.UUID) -> list[asyncpg.Record]:
        """A practitioner's feeds that are not revoked, oldest first."""
        return await self.db.fetch(
            f"SELECT {FEED_COLUMNS} FROM calendar_feed "
            "WHERE practitioner = $1 AND revoked_at IS NULL ORDER BY created_at",
            practitioner_id,
        )

    async def revoke(self, practitioner_id: uuid.UUID, feed_id: uuid.UUID) -> bool:
        """Stop a feed; False if the practitioner has no such live feed."""
        status = await self.db.execute(
            "UPDATE calendar_feed SET revoked_at = now() "
            "WHERE id = $1 AND practitioner = $2 AND revoked_at IS NULL",
            feed_id,
            practitioner_id,
        )
        return status != "UPDATE 0"

    async def practitioner(self, token_hash: str) -> uuid.UUID | None:
        """The practitioner of a live feed with an active account, or None."""
        return await self.db.fetchval(LIVE_FEED, token_hash, AccountStatus.ACTIVE)

    async def appointments(
        self, practitioner_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[AppointmentRow]:
        """The practitioner's appointments (not held or cancelled) overlapping `[start, end)`."""
        records = await self.db.fetch(FEED_ROWS, practitioner_id, start, end)
        return [to_row(record) for record in records]
