"""Care teams: the doctors and nurses assigned to a patient, who get the patient's alerts."""

import uuid
from datetime import datetime

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import ACCOUNT_DIRECTORY, CLINICAL_ROLES, STAFF_ROLES, AccountStatus, Role
from hduce.core.db import HduceEngine
from hduce.core.errors import HduceError, NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.users.profiles import ProfileData, ProfileStore
from hduce.plugins.users.schemas import CareTeamMemberRead, CareTeamRead


class NotAClinician(HduceError):
    """Only active doctors and nurses join care teams."""

    status_code, slug, title = 422, "not-a-clinician", "Not a clinician"


class _Member(msgspec.Struct, frozen=True):
    clinician: uuid.UUID
    roles: list[str]
    status: str
    added_by: uuid.UUID
    added_at: datetime


_MEMBERS = (
    f"SELECT c.clinician, a.roles, a.status, c.added_by, c.added_at FROM care_team_member c "
    f"JOIN {ACCOUNT_DIRECTORY} a ON a.id = c.clinician WHERE c.patient = $1 ORDER BY c.added_at"
)


class CareTeamService:
    """Reads and changes care teams; provides `CareTeams` to the other plugins."""

    def __init__(self, db: HduceEngine, registry: Registry, profiles: ProfileStore) -> None:
        self._db = db
        self._registry = registry
        self._profiles = profiles

    async def clinicians(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        """The active doctors and nurses on the patient's care team; empty if it has none."""
        rows = await self._db.fetch(_MEMBERS, patient_id)
        return [
            row["clinician"]
            for row in rows
            if row["status"] == AccountStatus.ACTIVE and not CLINICAL_ROLES.isdisjoint(row["roles"])
        ]

    async def read(self, principal: Principal, patient_id: uuid.UUID) -> CareTeamRead:
        """A patient's care team: for the patient and for clinic staff (others: 404)."""
        if principal.id != patient_id and not principal.has_any_role(*STAFF_ROLES):
            raise NotFound("no such patient")
        await self._patient(patient_id)
        return await self._team(patient_id)

    async def add(
        self, principal: Principal, patient_id: uuid.UUID, clinician_id: uuid.UUID
    ) -> CareTeamRead:
        """Put an active doctor or nurse on a patient's care team (already there: unchanged)."""
        async with self._db.transaction():
            await self._patient(patient_id)
            await self._clinician(clinician_id)
            added = await self._db.fetchrow(
                "INSERT INTO care_team_member (id, patient, clinician, added_by, added_at) "
                "VALUES ($1, $2, $3, $4, now()) ON CONFLICT (patient, clinician) DO NOTHING "
                "RETURNING id",
                uuid.uuid4(),
                patient_id,
                clinician_id,
                principal.id,
            )
            if added is not None:
                await self._audit("users.care_team_added", principal, patient_id, clinician_id)
        return await self._team(patient_id)

    async def remove(
        self, principal: Principal, patient_id: uuid.UUID, clinician_id: uuid.UUID
    ) -> None:
        """Take a clinician off a patient's care team (404 if not on it)."""
        async with self._db.transaction():
            await self._patient(patient_id)
            removed = await self._db.fetchrow(
                "DELETE FROM care_team_member WHERE patient = $1 AND clinician = $2 RETURNING id",
                patient_id,
                clinician_id,
            )
            if removed is None:
                raise NotFound("this clinician is not on the patient's care team")
            await self._audit("users.care_team_removed", principal, patient_id, clinician_id)

    async def _team(self, patient_id: uuid.UUID) -> CareTeamRead:
        rows = [_Member(**row) for row in await self._db.fetch(_MEMBERS, patient_id)]
        profiles = await self._profiles.get_many(row.clinician for row in rows)
        members = [_to_read(row, profiles.get(row.clinician) or ProfileData()) for row in rows]
        return CareTeamRead(patient_id=patient_id, members=members)

    async def _patient(self, patient_id: uuid.UUID) -> None:
        row = await self._db.fetchrow(
            f"SELECT roles FROM {ACCOUNT_DIRECTORY} WHERE id = $1", patient_id
        )
        if row is None or Role.PATIENT not in row["roles"]:
            raise NotFound("no such patient")

    async def _clinician(self, clinician_id: uuid.UUID) -> None:
        row = await self._db.fetchrow(
            f"SELECT roles, status FROM {ACCOUNT_DIRECTORY} WHERE id = $1", clinician_id
        )
        if (
            row is None
            or row["status"] != AccountStatus.ACTIVE
            or CLINICAL_ROLES.isdisjoint(row["roles"])
        ):
            raise NotAClinician(f"{clinician_id} is not an active doctor or nurse")

    async def _audit(
        self, action: str, principal: Principal, patient_id: uuid.UUID, clinician_id: uuid.UUID
    ) -> None:
        await self._registry.get(AuditLog).record(
            action,
            actor_id=principal.id,
            subject_id=patient_id,
            detail={"clinician_id": str(clinician_id)},
        )


def _to_read(row: _Member, profile: ProfileData) -> CareTeamMemberRead:
    return CareTeamMemberRead(
        id=row.clinician,
        first_name=profile.first_name,
        last_name=profile.last_name,
        specialty=profile.specialty,
        roles=sorted(set(row.roles) & CLINICAL_ROLES),
        active=row.status == AccountStatus.ACTIVE,
        added_by=row.added_by,
        added_at=row.added_at,
    )
