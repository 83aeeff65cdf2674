"""HTTP routes of care teams: `/users/{patient}/care-team`."""

import uuid

from litestar import Controller, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.auth import Role
from hduce.core.http import problems
from hduce.core.security import Principal, requires_roles
from hduce.plugins.users.schemas import CareTeamRead
from hduce.plugins.users.services import UsersServices

CARE_TEAM_EDITORS = [requires_roles(Role.ADMIN, Role.DOCTOR, Role.NURSE)]


class CareTeamController(Controller):
    """Which doctors and nurses look after a patient (they receive the patient's alerts)."""

    path = "/users/{patient_id:uuid}/care-team"
    tags = ["users"]

    @get(responses=problems(404))
    async def get_care_team(
        self,
        principal: NamedDependency[Principal],
        patient_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> CareTeamRead:
        """A patient's care team (the patient and clinic staff)."""
        return await users.care_team.read(principal, patient_id)

    @put("/{clinician_id:uuid}", guards=CARE_TEAM_EDITORS, responses=problems(403, 404, 422))
    async def add_to_care_team(
        self,
        principal: NamedDependency[Principal],
        patient_id: FromPath[uuid.UUID],
        clinician_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> CareTeamRead:
        """Put an active doctor or nurse on the team; idempotent (admins, doctors, nurses)."""
        return await users.care_team.add(principal, patient_id, clinician_id)

    @delete("/{clinician_id:uuid}", guards=CARE_TEAM_EDITORS, responses=problems(403, 404))
    async def remove_from_care_team(
        self,
        principal: NamedDependency[Principal],
        patient_id: FromPath[uuid.UUID],
        clinician_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> None:
        """Take a clinician off the team (admins, doctors, nurses)."""
        await users.care_team.remove(principal, patient_id, clinician_id)
