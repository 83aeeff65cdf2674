"""Who may read and search which `Patient` and `Practitioner`: the `/api/v1/users` rules."""

import uuid
from typing import Any

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import CLINICAL_ROLES, Role
from hduce.contracts.users import Demographics, DemographicsReader, PeopleQuery
from hduce.core.errors import NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.fhir import people
from hduce.plugins.fhir.params import (
    LAST_UPDATED,
    Paging,
    Params,
    check_names,
    date_bounds,
    last_updated,
    paging,
    single,
)

# As `GET /api/v1/users/{id}`: admins and clinic staff read patients, a patient only themselves.
PATIENT_READERS = (Role.ADMIN, Role.DOCTOR, Role.NURSE, Role.RECEPTIONIST)
PATIENT_PARAMS = frozenset({"name", "birthdate", "identifier", "email", "_id", LAST_UPDATED})
PRACTITIONER_PARAMS = frozenset({"name", "identifier", "_id", LAST_UPDATED})
PATIENTS = frozenset({Role.PATIENT.value})


class PeopleService:
    """Patients and practitioners through the `DemographicsReader` contract; reads audited."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def patient(
        self, principal: Principal, patient_id: str, *, ip: str | None
    ) -> dict[str, Any]:
        """One patient the caller may read, else 404 (existence stays private)."""
        found, _ = await self._search(self._patients(principal, _ids(patient_id)), Paging(1, 0))
        if not found:
            raise NotFound("no such Patient")
        await self._audit(principal, found, ip)
        return people.patient(found[0])

    async def search_patients(
        self, principal: Principal, params: Params, *, ip: str | None
    ) -> tuple[list[dict[str, Any]], int, Paging]:
        """The patients the caller may read that match `params`, one page."""
        check_names(params, PATIENT_PARAMS)
        born_from, born_before = date_bounds("birthdate", params.get("birthdate", []))
        page = paging(params)
        updated_from, updated_before = last_updated(params)
        query = msgspec.structs.replace(
            self._patients(principal, _wanted_ids(params)),
            name=single(params, "name"),
            email=single(params, "email"),
            born_from=born_from,
            born_before=born_before,
            updated_from=updated_from,
            updated_before=updated_before,
        )
        found, total = await self._search(query, page)
        await self._audit(principal, found, ip)
        return [people.patient(p) for p in found], total, page

    async def practitioner(self, practitioner_id: str) -> dict[str, Any]:
        """One active doctor or nurse, for anyone signed in."""
        query = PeopleQuery(roles=CLINICAL_ROLES, active_only=True, ids=_ids(practitioner_id))
        found, _ = await self._search(query, Paging(1, 0))
        if not found:
            raise NotFound("no such Practitioner")
        return people.practitioner(found[0])

    async def search_practitioners(
        self, params: Params
    ) -> tuple[list[dict[str, Any]], int, Paging]:
        """Active doctors and nurses matching `params`, one page."""
        check_names(params, PRACTITIONER_PARAMS)
        page = paging(params)
        updated_from, updated_before = last_updated(params)
        query = PeopleQuery(
            roles=CLINICAL_ROLES,
            active_only=True,
            ids=_wanted_ids(params),
            name=single(params, "name"),
            updated_from=updated_from,
            updated_before=updated_before,
        )
        found, total = await self._search(query, page)
        return [people.practitioner(p) for p in found], total, page

    def _patients(self, principal: Principal, ids: frozenset[uuid.UUID] | None) -> PeopleQuery:
        """Patient accounts among `ids`, narrowed to the caller for anyone but staff."""
        if not principal.has_any_role(*PATIENT_READERS):
            ids = frozenset({principal.id}) & ids if ids is not None else frozenset({principal.id})
        return PeopleQuery(roles=PATIENTS, ids=ids)

    async def _search(self, query: PeopleQuery, page: Paging) -> tuple[list[Demographics], int]:
        if query.ids is not None and not query.ids:
            return [], 0
        paged = msgspec.structs.replace(query, limit=page.count, offset=page.offset)
        return await self._registry.get(DemographicsReader).search(paged)

    async def _audit(self, principal: Principal, found: list[Demographics], ip: str | None) -> None:
        log = self._registry.get(AuditLog)
        for person in found:
            if person.id != principal.id:
                await log.record(
                    "users.profile_read",
                    actor_id=principal.id,
                    subject_id=person.id,
                    ip=ip,
                    detail={"via": "fhir"},
                )


def _ids(text: str) -> frozenset[uuid.UUID]:
    """The one id a path names, or none when it is no UUID."""
    try:
        return frozenset({uuid.UUID(text)})
    except ValueError:
        return frozenset()


def _wanted_ids(params: Params) -> frozenset[uuid.UUID] | None:
    """Ids from `_id` and `identifier` (`value` or `urn:hduce:account|value`), ANDed."""
    wanted: frozenset[uuid.UUID] | None = None
    for name in ("_id", "identifier"):
        text = single(params, name)
        if text is None:
            continue
        system, _, value = text.rpartition("|")
        ids = _ids(value) if system in {"", people.IDENTIFIER_SYSTEM} else frozenset()
        wanted = ids if wanted is None else wanted & ids
    return wanted
