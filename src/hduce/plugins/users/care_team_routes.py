"""HTTP routes of care teams: `/users/{patient}/care-team`."""

import uuid

from litestar import Controller, Request, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.auth import Role
from hduce.core.http import problems
from hduce.core.security import principal_of, requires_roles
from hduce.plugins.users.care_team import CareTeamService
from hduce.plugins.users.schemas import CareTeamRead

CARE_TEAM_EDITORS = [requires_roles(Role.ADMIN, Role.DOCTOR, Role.NURSE)]


class CareTeamController(Controller):
    """Which doctors and nurses look after a patient (they receive the patient's alerts)."""

    path = "/users/{patient_id:uuid}/care-team"
    tags = ["users"]

    @get(responses=problems(404))
    async def get_care_team(
        self,
        request: Request,
        patient_id: FromPath[uuid.UUID],
        users_care_team: NamedDependency[CareTeamService],
    ) -> CareTeamRead:
        """A patient's care team (the patient and clinic staff)."""
        return await users_care_team.read(principal_of(request), patient_id)

    @put("/{clinician_id:uuid}", guards=CARE_TEAM_EDITORS, responses=problems(403, 404, 422))
    async def add_to_care_team(
        self,
        request: Request,
        patient_id: FromPath[uuid.UUID],
        clinician_id: FromPath[uuid.UUID],
        users_care_team: NamedDependency[CareTeamService],
    ) -> CareTeamRead:
        """Put an active doctor or nurse on the team; idempotent (admins, doctors, nurses)."""
        return await users_care_team.add(principal_of(request), patient_id, clinician_id)

    @delete("/{clinician_id:uuid}", guards=CARE_TEAM_EDITORS, responses=problems(403, 404))
    async def remove_from_care_team(
        self,
        request: Request,
        patient_id: FromPath[uuid.UUID],
        clinician_id: FromPath[uuid.UUID],
        users_care_team: NamedDependency[CareTeamService],
    ) -> None:
        """Take a clinician off the team (admins, doctors, nurses)."""
        await users_care_team.remove(principal_of(request), patient_id, clinician_id)
