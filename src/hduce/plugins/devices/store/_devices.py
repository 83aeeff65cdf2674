"""The device table: the registry's rows (columns named as `DeviceRead`'s) and MQTT sign-in."""

import uuid
from typing import Any

import asyncpg

from hduce.core.sql_store import SqlStore

COLUMNS = (
    "id, kind, name, serial, patient AS patient_id, active, created_at, deactivated_at, "
    "last_seen_at, online, presence_changed_at, offline_reason, invalid_messages, last_error, "
    "last_error_at"
)
FILTER = "($1::uuid IS NULL OR patient = $1) AND ($2::bool IS NULL OR active = $2)"
KICK_CHANNEL = "hduce_device_kicks"
"""The PostgreSQL NOTIFY channel telling every broker to close a device's connections (its id)."""


class DeviceStore(SqlStore):
    """The device table's statements; each joins the caller's transaction."""

    async def insert(
        self,
        *,
        device_id: uuid.UUID,
        kind: str,
        name: str,
        serial: str,
        patient_id: uuid.UUID | None,
        secret_hash: str,
        created_by: uuid.UUID,
    ) -> asyncpg.Record:
        """A new active device; its row (`UniqueViolationError` when the serial is taken)."""
        row = await self.db.fetchrow(
            "INSERT INTO device (id, kind, name, serial, patient, secret_hash, active, "
            "created_by, created_at, invalid_messages) "
            f"VALUES ($1, $2, $3, $4, $5, $6, true, $7, now(), 0) RETURNING {COLUMNS}",
            device_id,
            kind,
            name,
            serial,
            patient_id,
            secret_hash,
            created_by,
        )
        assert row is not None
        return row

    async def get(self, device_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
        """One device's row (locked for update with `lock`), or None."""
        suffix = " FOR UPDATE" if lock else ""
        return await self.db.fetchrow(
            f"SELECT {COLUMNS} FROM device WHERE id = $1{suffix}", device_id
        )

    async def page(
        self, *, patient_id: uuid.UUID | None, active: bool | None, limit: int, offset: int
    ) -> tuple[list[asyncpg.Record], int]:
        """Rows by registration time, optionally of one patient or by state, and the total."""
        rows = await self.db.fetch(
            f"SELECT {COLUMNS}, count(*) OVER () AS total FROM device WHERE {FILTER} "
            "ORDER BY created_at, id LIMIT $3 OFFSET $4",
            patient_id,
            active,
            limit,
            offset,
        )
        total = rows[0]["total"] if rows else await self._count(patient_id, active)
        return rows, total

    async def _count(self, *args: Any) -> int:
        return await self.db.fetchval(f"SELECT count(*) FROM device WHERE {FILTER}", *args)

    async def set_secret(self, device_id: uuid.UUID, secret_hash: str) -> None:
        """Replace the device's secret hash."""
        await self.db.execute(
            "UPDATE device SET secret_hash = $2 WHERE id = $1", device_id, secret_hash
        )

    async def assign(self, device_id: uuid.UUID, patient_id: uuid.UUID | None) -> asyncpg.Record:
        """Assign the device to `patient_id` (None: unassign); its row.

        The device table's triggers close its current `device_assignment` and open the new one
        in the same transaction, at the time of this statement.
        """
        row = await self.db.fetchrow(
            f"UPDATE device SET patient = $2 WHERE id = $1 RETURNING {COLUMNS}",
            device_id,
            patient_id,
        )
        assert row is not None
        return row

    async def deactivate(self, device_id: uuid.UUID) -> asyncpg.Record:
        """Mark the device inactive (since the first time); its row."""
        row = await self.db.fetchrow(
            "UPDATE device SET active = false, deactivated_at = coalesce(deactivated_at, now()) "
            f"WHERE id = $1 RETURNING {COLUMNS}",
            device_id,
        )
        assert row is not None
        return row

    async def kick(self, device_id: uuid.UUID) -> None:
        """Have every broker close the device's live connections once the transaction commits."""
        await self.db.execute("SELECT pg_notify($1, $2)", KICK_CHANNEL, str(device_id))

    async def sign_in(self, device_id: uuid.UUID) -> asyncpg.Record | None:
        """The device's `secret_hash` and `active`, for MQTT sign-in; None if unknown."""
        return await self.db.fetchrow(
            "SELECT secret_hash, active FROM device WHERE id = $1", device_id
        )
