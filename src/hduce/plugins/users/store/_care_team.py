"""Care-team rows and the account facts care-team changes check."""

import uuid
from datetime import datetime

import msgspec

from hduce.contracts.auth import ACCOUNT_DIRECTORY
from hduce.core.sql_store import SqlStore

_MEMBERS = (
    f"SELECT c.clinician, a.roles, a.status, c.added_by, c.added_at FROM care_team_member c "
    f"JOIN {ACCOUNT_DIRECTORY} a ON a.id = c.clinician WHERE c.patient = $1 ORDER BY c.added_at"
)
_ACCOUNT = f"SELECT roles, status FROM {ACCOUNT_DIRECTORY} WHERE id = $1"
_ADD = (
    "INSERT INTO care_team_member (id, patient, clinician, added_by, added_at) "
    "VALUES ($1, $2, $3, $4, now()) ON CONFLICT (patient, clinician) DO NOTHING RETURNING id"
)
_REMOVE = "DELETE FROM care_team_member WHERE patient = $1 AND clinician = $2 RETURNING id"


class Member(msgspec.Struct, frozen=True):
    """A clinician on a care team, with their account's roles and status."""

    clinician: uuid.UUID
    roles: list[str]
    status: str
    added_by: uuid.UUID
    added_at: datetime


class AccountFacts(msgspec.Struct, frozen=True):
    """An account's roles and status."""

    roles: list[str]
    status: str


class CareTeamStore(SqlStore):
    """Reads and writes `care_team_member`, inside the caller's transaction when there is one."""

    async def members(self, patient_id: uuid.UUID) -> list[Member]:
        """The patient's care team, earliest added first."""
        return [Member(**row) for row in await self.db.fetch(_MEMBERS, patient_id)]

    async def account(self, account_id: uuid.UUID) -> AccountFacts | None:
        """An account's roles and status, or None."""
        row = await self.db.fetchrow(_ACCOUNT, account_id)
        return AccountFacts(**row) if row else None

    async def add(self, patient_id: uuid.UUID, clinician_id: uuid.UUID, by: uuid.UUID) -> bool:
        """Put a clinician on the team; False when they already were."""
        added = await self.db.fetchrow(_ADD, uuid.uuid4(), patient_id, clinician_id, by)
        return added is not None

    async def remove(self, patient_id: uuid.UUID, clinician_id: uuid.UUID) -> bool:
        """Take a clinician off the team; False when they were not on it."""
        return await self.db.fetchrow(_REMOVE, patient_id, clinician_id) is not None
