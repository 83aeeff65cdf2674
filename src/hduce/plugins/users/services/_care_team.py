"""Care teams: the doctors and nurses assigned to a patient, who get the patient's alerts."""

import uuid
from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import CLINICAL_ROLES, STAFF_ROLES, AccountStatus, Role
from hduce.core.db import Database
from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.users.errors import NotAClinician
from hduce.plugins.users.schemas import CareTeamMemberRead, CareTeamRead
from hduce.plugins.users.store import CareTeamStore, Member, ProfileData, ProfileStore


@dataclass(frozen=True, eq=False)
class CareTeamService:
    """Reads and changes care teams; provides `CareTeams` to the other plugins."""

    _db: Database
    _store: CareTeamStore
    _audit: AuditLog
    _profiles: ProfileStore

    async def clinicians(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        """The active doctors and nurses on the patient's care team; empty if it has none."""
        return [
            member.clinician
            for member in await self._store.members(patient_id)
            if member.status == AccountStatus.ACTIVE and not CLINICAL_ROLES.isdisjoint(member.roles)
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
            if await self._store.add(patient_id, clinician_id, by=principal.id):
                await self._record("users.care_team_added", principal, patient_id, clinician_id)
        return await self._team(patient_id)

    async def remove(
        self, principal: Principal, patient_id: uuid.UUID, clinician_id: uuid.UUID
    ) -> None:
        """Take a clinician off a patient's care team (404 if not on it)."""
        async with self._db.transaction():
            await self._patient(patient_id)
            if not await self._store.remove(patient_id, clinician_id):
                raise NotFound("this clinician is not on the patient's care team")
            await self._record("users.care_team_removed", principal, patient_id, clinician_id)

    async def _team(self, patient_id: uuid.UUID) -> CareTeamRead:
        members = await self._store.members(patient_id)
        profiles = await self._profiles.get_many(member.clinician for member in members)
        reads = [_to_read(member, profiles.get(member.clinician)) for member in members]
        return CareTeamRead(patient_id=patient_id, members=reads)

    async def _patient(self, patient_id: uuid.UUID) -> None:
        account = await self._store.account(patient_id)
        if account is None or Role.PATIENT not in account.roles:
            raise NotFound("no such patient")

    async def _clinician(self, clinician_id: uuid.UUID) -> None:
        account = await self._store.account(clinician_id)
        if (
            account is None
            or account.status != AccountStatus.ACTIVE
            or CLINICAL_ROLES.isdisjoint(account.roles)
        ):
            raise NotAClinician(f"{clinician_id} is not an active doctor or nurse")

    async def _record(
        self, action: str, principal: Principal, patient_id: uuid.UUID, clinician_id: uuid.UUID
    ) -> None:
        await self._audit.record(
            action,
            actor_id=principal.id,
            subject_id=patient_id,
            detail={"clinician_id": str(clinician_id)},
        )


def _to_read(member: Member, profile: ProfileData | None) -> CareTeamMemberRead:
    profile = profile or ProfileData()
    return CareTeamMemberRead(
        id=member.clinician,
        first_name=profile.first_name,
        last_name=profile.last_name,
        specialty=profile.specialty,
        roles=sorted(set(member.roles) & CLINICAL_ROLES),
        active=member.status == AccountStatus.ACTIVE,
        added_by=member.added_by,
        added_at=member.added_at,
    )
