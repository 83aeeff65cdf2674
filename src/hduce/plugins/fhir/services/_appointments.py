"""`Appointment` read, search, create (book) and update (status) through `AppointmentDesk`."""

import re
import uuid
from datetime import datetime
from typing import Any

from hduce.contracts.appointments import (
    AppointmentDesk,
    AppointmentFilter,
    AppointmentStatus,
    SlotBoard,
)
from hduce.contracts.auth import STAFF_ROLES
from hduce.core.errors import InvalidRequest
from hduce.core.security import Principal
from hduce.plugins.fhir.errors import BadResource, VersionConflict
from hduce.plugins.fhir.schemas import (
    FROM_FHIR,
    LAST_UPDATED,
    PATIENT_PARAM,
    Filters,
    Found,
    Param,
    Params,
    appointment,
    booking,
    check_id,
    check_length,
    check_unchanged,
    codes,
    instants,
    path_id,
    reference_id,
    requested_status,
    search_of,
    validated,
)
from hduce.plugins.fhir.services._caller import Caller

APPOINTMENT_PARAMS: Filters = {
    **PATIENT_PARAM,
    "practitioner": Param("reference", "The practitioner: Practitioner/<id> or <id>"),
    "date": instants("When it starts"),
    "status": Param("token", f"The status: {', '.join(sorted(FROM_FHIR))}", ored=True),
    LAST_UPDATED: instants("When the appointment, or its type (its name shows), last changed"),
}
ELEMENTS = {
    "reason": "Appointment.description",
    "starts_at": "Appointment.start",
    "type_id": "Appointment.serviceType",
    "practitioner_id": "Appointment.participant",
    "patient_id": "Appointment.participant",
}
"""The element of the body each field of a `BookingRequest` comes from."""
CANCEL_ELEMENTS = {"reason": "Appointment.cancelationReason.text"}
"""The element a cancellation's reason comes from."""
_AT_FIELD = re.compile(r"^(?P<message>.*) - at `\$\.(?P<field>\w+)`$")


class AppointmentService:
    """Appointments as FHIR resources; the desk applies the REST API's rules and audit."""

    def __init__(self, desk: AppointmentDesk, board: SlotBoard) -> None:
        self._desk = desk
        self._board = board

    async def read(self, caller: Caller, appointment_id: str) -> dict[str, Any]:
        """One appointment the caller may see (else 404)."""
        ident = path_id(appointment_id, "Appointment")
        view = await self._desk.get(caller.principal, ident)
        return appointment(view, (await self._type_changes())[view.type_id])

    async def search(self, caller: Caller, params: Params) -> Found:
        """Search by `patient`, `practitioner`, `date` (eq/ge/gt/le/lt) and `status`.

        Statuses are ORed by commas. The caller's visible appointments, by start, one page.
        """
        search = search_of(params, APPOINTMENT_PARAMS)
        statuses = codes(params, APPOINTMENT_PARAMS, "status", FROM_FHIR)
        query = AppointmentFilter(
            patient_id=reference_id(params, "patient", "Patient"),
            practitioner_id=reference_id(params, "practitioner", "Practitioner"),
            statuses=frozenset().union(*(FROM_FHIR[s] for s in statuses)) if statuses else None,
            start=search.date_from,
            end=search.date_before,
            **search.window(),
        )
        found, total = await self._desk.search(caller.principal, query)
        changes = await self._type_changes() if found else {}
        return [appointment(view, changes[view.type_id]) for view in found], total, search.page

    async def create(self, principal: Principal, body: Any, base_url: str) -> dict[str, Any]:
        """Book the slot the body describes through the booking service (taken: 409).

        `base_url` is this server's `/fhir/R4`: a participant may name it in absolute references.
        A given `end` or `minutesDuration` must be the length of a visit of the type booked.
        """
        booker = None if principal.has_any_role(*STAFF_ROLES) else principal.id
        resource = validated(body, booker=booker)
        request = booking(body, resource, base_url)
        if request.patient_id is None and principal.has_any_role(*STAFF_ROLES):
            raise BadResource("Appointment.participant: staff name the patient (Patient/<id>)")
        if resource.end is not None or resource.minutesDuration is not None:
            lengths = {t.id: t.duration_minutes for t in await self._board.types()}
            if request.type_id in lengths:  # else the booking service refuses the type
                check_length(resource, request.starts_at, lengths[request.type_id])
        try:
            booked = await self._desk.book(principal, request)
        except InvalidRequest as exc:
            raise BadResource(_in_fhir_terms(exc.detail)) from None
        return appointment(booked, (await self._type_changes())[booked.type_id])

    async def update(
        self, principal: Principal, appointment_id: str, body: Any, version: str | None = None
    ) -> dict[str, Any]:
        """Apply the status change the body asks for with the REST API's rules (see README).

        400 when the body's `id` is not the URL's or another element differs from the stored;
        412 when `version` (an `If-Match`) is given and not the current `versionId`, also when
        the appointment changes between this read and the change.
        """
        resource = validated(body)
        check_id(resource, appointment_id)
        current = await self._desk.get(principal, path_id(appointment_id, "Appointment"))
        type_changed = (await self._type_changes())[current.type_id]
        read = appointment(current, type_changed)
        if version is not None and version != read["meta"]["versionId"]:
            raise VersionConflict(
                f"If-Match: version {version} is not the current one ({read['meta']['versionId']})"
                "; read the Appointment again"
            )
        status = requested_status(resource, current)
        check_unchanged(body, resource, current, status)
        if status is None:
            return read
        since = current.updated_at if version is not None else None
        if status != AppointmentStatus.CANCELLED:
            changed = await self._desk.change_status(
                principal, current.id, status, unchanged_since=since
            )
            return appointment(changed, type_changed)
        reason = resource.cancelationReason.text if resource.cancelationReason else None
        if not reason:
            raise BadResource("cancelling needs cancelationReason.text")
        try:
            cancelled = await self._desk.cancel(
                principal, current.id, reason, unchanged_since=since
            )
            return appointment(cancelled, type_changed)
        except InvalidRequest as exc:
            raise BadResource(_in_fhir_terms(exc.detail, CANCEL_ELEMENTS)) from None

    async def _type_changes(self) -> dict[uuid.UUID, datetime]:
        """When each appointment type last changed (renamed: its appointments show the name)."""
        return {offered.id: offered.updated_at for offered in await self._board.types()}


def _in_fhir_terms(detail: str, elements: dict[str, str] = ELEMENTS) -> str:
    """A validation message naming the body's element instead of the REST field."""
    match = _AT_FIELD.match(detail)
    if match is None or match["field"] not in elements:
        return detail
    return f"{elements[match['field']]}: {match['message']}"
