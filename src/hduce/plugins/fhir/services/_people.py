"""Who may read and search which `Patient` and `Practitioner`: the `/api/v1/users` rules."""

import uuid
from typing import Any

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import CLINICAL_ROLES, AccountStatus, Role
from hduce.contracts.users import Demographics, DemographicsReader, PeopleQuery
from hduce.core.errors import NotFound
from hduce.core.security import Principal
from hduce.plugins.fhir.schemas import (
    IDENTIFIER_SYSTEM,
    LAST_UPDATED_PARAM,
    Filters,
    Found,
    Paging,
    Param,
    Params,
    check_names,
    date_bounds,
    days,
    last_updated,
    one_id,
    paging,
    patient,
    practitioner,
    search_of,
    single,
    wanted_ids,
)
from hduce.plugins.fhir.services._caller import Caller

# As `GET /api/v1/users/{id}`: admins and clinic staff read patients, a patient only themselves.
PATIENT_READERS = (Role.ADMIN, Role.DOCTOR, Role.NURSE, Role.RECEPTIONIST)
_IDS: Filters = {
    "_id": Param("token", "The account id", ored=True),
    "identifier": Param("token", "The account id: urn:hduce:account|<id> or <id>", ored=True),
}
PRACTITIONER_PARAMS: Filters = {
    "name": Param("string", "The start of a first, last or full name"),
    **_IDS,
    **LAST_UPDATED_PARAM,
}
PATIENT_PARAMS: Filters = {
    **PRACTITIONER_PARAMS,
    "birthdate": days("The birth date"),
    "email": Param("token", "The e-mail address"),
}
PATIENTS = frozenset({Role.PATIENT.value})


class PeopleService:
    """Patients and practitioners through the `DemographicsReader` contract; reads audited."""

    def __init__(self, people: DemographicsReader, audit: AuditLog) -> None:
        self._people = people
        self._audit_log = audit

    async def patient(self, caller: Caller, patient_id: str) -> dict[str, Any]:
        """One patient: staff read any patient, a patient only themselves (else 404).

        A 404 keeps whether the patient exists private.
        """
        query = self._patients(caller.principal, one_id(patient_id))
        found, _ = await self._search(query, Paging(1, 0))
        if not found:
            raise NotFound("no such Patient")
        await self._audit(caller, found)
        return patient(found[0])

    async def search_patients(self, caller: Caller, params: Params) -> Found:
        """Search patients by name, birth date, identifier or e-mail (a patient finds only self).

        The patients the caller may read that match `params`, one page.
        """
        check_names(params, PATIENT_PARAMS)
        born_from, born_before = date_bounds("birthdate", params.get("birthdate", []))
        page = paging(params)
        updated_from, updated_before = last_updated(params)
        query = msgspec.structs.replace(
            self._patients(caller.principal, _wanted_ids(params, PATIENT_PARAMS)),
            name=single(params, "name"),
            email=single(params, "email"),
            born_from=born_from,
            born_before=born_before,
            updated_from=updated_from,
            updated_before=updated_before,
        )
        found, total = await self._search(query, page)
        await self._audit(caller, found)
        return [patient(p) for p in found], total, page

    async def practitioner(self, caller: Caller, practitioner_id: str) -> dict[str, Any]:
        """One doctor or nurse (names only; anyone signed in); a deactivated one `active: false`.

        Their appointments still name them. An account awaiting approval is no one yet (404).
        """
        query = PeopleQuery(roles=CLINICAL_ROLES, ids=one_id(practitioner_id))
        found, _ = await self._search(query, Paging(1, 0))
        if not found or found[0].status == AccountStatus.PENDING_APPROVAL:
            raise NotFound("no such Practitioner")
        return practitioner(found[0])

    async def search_practitioners(self, caller: Caller, params: Params) -> Found:
        """Active doctors and nurses by `name` or `identifier` (anyone signed in)."""
        search = search_of(params, PRACTITIONER_PARAMS)
        query = PeopleQuery(
            roles=CLINICAL_ROLES,
            active_only=True,
            ids=_wanted_ids(params, PRACTITIONER_PARAMS),
            name=single(params, "name"),
            updated_from=search.updated_from,
            updated_before=search.updated_before,
        )
        found, total = await self._search(query, search.page)
        return [practitioner(p) for p in found], total, search.page

    def _patients(self, principal: Principal, ids: frozenset[uuid.UUID] | None) -> PeopleQuery:
        """Patient accounts among `ids`, narrowed to the caller for anyone but staff."""
        if not principal.has_any_role(*PATIENT_READERS):
            ids = frozenset({principal.id}) & ids if ids is not None else frozenset({principal.id})
        return PeopleQuery(roles=PATIENTS, ids=ids)

    async def _search(self, query: PeopleQuery, page: Paging) -> tuple[list[Demographics], int]:
        if query.ids is not None and not query.ids:
            return [], 0
        paged = msgspec.structs.replace(query, limit=page.count, offset=page.offset)
        return await self._people.search(paged)

    async def _audit(self, caller: Caller, found: list[Demographics]) -> None:
        for person in found:
            if person.id != caller.principal.id:
                await self._audit_log.record(
                    "users.profile_read",
                    actor_id=caller.principal.id,
                    subject_id=person.id,
                    ip=caller.ip,
                    detail={"via": "fhir"},
                )


def _wanted_ids(params: Params, filters: Filters) -> frozenset[uuid.UUID] | None:
    """Ids from `_id` and `identifier` (`value` or `urn:hduce:account|value`, ORed by commas)."""
    systems = (IDENTIFIER_SYSTEM,)
    return wanted_ids(params, filters, {"_id": systems, "identifier": systems}, "|")
