"""Waitlist entries: columns named as `WaitlistRead`'s fields, the next patient to offer a slot."""

import uuid
from datetime import date, datetime

import asyncpg

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountStatus
from hduce.core.sql_store import SqlStore
from hduce.plugins.appointments.schemas import WaitlistCreate

ENTRY_COLUMNS = """
id, patient AS patient_id, practitioner AS practitioner_id, appointment_type AS type_id,
from_date, to_date, status, offered_appointment AS offered_appointment_id, offer_expires_at,
created_at
"""
ENTRY = f"SELECT {ENTRY_COLUMNS} FROM waitlist_entry"
# Only active patients: a deactivated one's entry waits, unoffered, until they are back.
NEXT_WAITING = f"""
SELECT id, patient FROM waitlist_entry
WHERE practitioner = $1 AND appointment_type = $2 AND status = 'waiting'
  AND from_date <= $3 AND to_date >= $3
  AND EXISTS (SELECT 1 FROM {ACCOUNT_DIRECTORY} d
              WHERE d.id = patient AND d.status = '{AccountStatus.ACTIVE}')
ORDER BY created_at, id
FOR UPDATE SKIP LOCKED
"""
LIMIT = 1000


class WaitlistStore(SqlStore):
    """The waitlist_entry table's statements; each joins the caller's transaction."""

    async def insert(self, patient_id: uuid.UUID, wait: WaitlistCreate) -> asyncpg.Record:
        """A new waiting entry of the patient for `wait` (its `patient_id` is not read); its row."""
        record = await self.db.fetchrow(
            "INSERT INTO waitlist_entry (id, patient, practitioner, appointment_type, from_date, "
            "to_date, status) VALUES ($1, $2, $3, $4, $5, $6, 'waiting') "
            f"RETURNING {ENTRY_COLUMNS}",
            uuid.uuid4(),
            patient_id,
            wait.practitioner_id,
            wait.type_id,
            wait.from_date,
            wait.to_date,
        )
        assert record is not None  # RETURNING always answers
        return record

    async def same_wait(self, patient_id: uuid.UUID, wait: WaitlistCreate) -> uuid.UUID | None:
        """The patient's live entry for exactly `wait` (practitioner, type and dates), if any."""
        return await self.db.fetchval(
            "SELECT id FROM waitlist_entry WHERE patient = $1 AND practitioner = $2 "
            "AND appointment_type = $3 AND from_date = $4 AND to_date = $5 "
            "AND status IN ('waiting', 'offered') LIMIT 1",
            patient_id,
            wait.practitioner_id,
            wait.type_id,
            wait.from_date,
            wait.to_date,
        )

    async def live(self) -> list[asyncpg.Record]:
        """Waiting and offered entries, oldest first."""
        return await self.db.fetch(
            ENTRY + f" WHERE status IN ('waiting', 'offered') ORDER BY created_at LIMIT {LIMIT}"
        )

    async def of_account(self, account_id: uuid.UUID) -> list[asyncpg.Record]:
        """The entries of a patient or practitioner, newest first."""
        return await self.db.fetch(
            ENTRY + " WHERE patient = $1 OR practitioner = $1 ORDER BY created_at DESC "
            f"LIMIT {LIMIT}",
            account_id,
        )

    async def lock(self, entry_id: uuid.UUID) -> asyncpg.Record | None:
        """One entry, locked `FOR UPDATE`, or None."""
        return await self.db.fetchrow(ENTRY + " WHERE id = $1 FOR UPDATE", entry_id)

    async def set_status(self, entry_id: uuid.UUID, status: str) -> None:
        """Move an entry to `status`."""
        await self.db.execute(
            "UPDATE waitlist_entry SET status = $2, updated_at = now() WHERE id = $1",
            entry_id,
            status,
        )

    async def next_waiting(
        self, practitioner_id: uuid.UUID, type_id: uuid.UUID, local_date: date
    ) -> list[asyncpg.Record]:
        """Waiting entries (`id, patient`) that suit a slot, first come first, locked."""
        return await self.db.fetch(NEXT_WAITING, practitioner_id, type_id, local_date)

    async def offers_involving(self, account_id: uuid.UUID) -> list[asyncpg.Record]:
        """Offered entries (`id, practitioner_id`) of a patient or with a practitioner."""
        return await self.db.fetch(
            "SELECT id, practitioner AS practitioner_id FROM waitlist_entry "
            "WHERE status = 'offered' AND (patient = $1 OR practitioner = $1)",
            account_id,
        )

    async def withdraw_offer(self, entry_id: uuid.UUID) -> None:
        """Put an offered entry back to waiting, without its offer."""
        await self.db.execute(
            "UPDATE waitlist_entry SET status = 'waiting', offered_appointment = NULL, "
            "offer_expires_at = NULL, updated_at = now() WHERE id = $1",
            entry_id,
        )

    async def offered(
        self, entry_id: uuid.UUID, appointment_id: uuid.UUID, expires_at: datetime
    ) -> None:
        """Mark an entry offered the held `appointment_id` until `expires_at`."""
        await self.db.execute(
            "UPDATE waitlist_entry SET status = 'offered', offered_appointment = $2, "
            "offer_expires_at = $3, updated_at = now() WHERE id = $1",
            entry_id,
            appointment_id,
            expires_at,
        )
