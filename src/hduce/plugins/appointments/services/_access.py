"""Who may see and change which appointments, schedules and waitlist entries."""

import uuid
from datetime import datetime

from hduce.contracts.appointments import FRONT_DESK_ROLES
from hduce.contracts.auth import CLINICAL_ROLES, STAFF_ROLES, Accounts, AccountStatus, Role
from hduce.core.errors import Forbidden, InvalidRequest, NotFound
from hduce.core.security import Principal
from hduce.plugins.appointments.errors import ChangedMeanwhile
from hduce.plugins.appointments.store import AppointmentRow, AppointmentStore

# Front desk and admins run the whole clinic's calendar.
FRONT_DESK = tuple(sorted(FRONT_DESK_ROLES))
# Any staff member books for any patient.
BOOKERS = tuple(sorted(STAFF_ROLES))
CLINICIANS = tuple(sorted(CLINICAL_ROLES))


def sees_all(principal: Principal) -> bool:
    """Admins and receptionists see every appointment."""
    return principal.has_any_role(*FRONT_DESK)


def is_staff(principal: Principal) -> bool:
    """Whether the caller works at the clinic."""
    return principal.has_any_role(*BOOKERS)


def can_see(principal: Principal, row: AppointmentRow) -> bool:
    """The patient, the practitioner, and the front desk see an appointment."""
    return principal.id in (row.patient, row.practitioner) or sees_all(principal)


def ensure_visible(principal: Principal, row: AppointmentRow | None) -> AppointmentRow:
    """The row if the caller may see it; otherwise 404, as if it did not exist."""
    if row is None or not can_see(principal, row):
        raise NotFound("no such appointment")
    return row


async def lock_visible(
    store: AppointmentStore,
    principal: Principal,
    appointment_id: uuid.UUID,
    unchanged_since: datetime | None = None,
) -> AppointmentRow:
    """The appointment locked for a change if the caller may see it; otherwise 404.

    `unchanged_since`: the `updated_at` the caller's change was made on; 412 if it changed since.
    """
    row = ensure_visible(principal, await store.get(appointment_id, lock=True))
    if unchanged_since is not None and row.updated_at != unchanged_since:
        raise ChangedMeanwhile("the appointment changed since it was read; read it again")
    return row


def acts_as_patient(principal: Principal, row: AppointmentRow) -> bool:
    """Whether the caller changes this appointment as its patient rather than as staff."""
    return not (is_staff(principal) and (sees_all(principal) or principal.id == row.practitioner))


def patient_for(principal: Principal, patient_id: uuid.UUID | None) -> uuid.UUID:
    """Whom a booking or waitlist entry is for: staff name any patient, patients only self."""
    if is_staff(principal):
        if patient_id is None:
            raise InvalidRequest.naming("patient_id", "staff must name the patient", "body")
        return patient_id
    if patient_id not in (None, principal.id):
        raise Forbidden("patients book only for themselves")
    return principal.id


async def bookable_patient(
    accounts: Accounts, principal: Principal, patient_id: uuid.UUID | None
) -> uuid.UUID:
    """`patient_for`, and when staff name the patient: an active patient's account, else 422.

    Staff naming themselves are checked too: a receptionist or doctor is nobody's patient.
    """
    patient_id = patient_for(principal, patient_id)
    if is_staff(principal):
        entry = await accounts.require(patient_id, Role.PATIENT, key="patient_id")
        if entry.status != AccountStatus.ACTIVE:
            said = f"the patient's account {patient_id} is {entry.status}"
            raise InvalidRequest.naming("patient_id", said, "body", detail=said)
    return patient_id


def ensure_manages_schedule(principal: Principal, practitioner_id: uuid.UUID) -> None:
    """Practitioners manage their own hours; the front desk manages everyone's."""
    if sees_all(principal):
        return
    if principal.id == practitioner_id and principal.has_any_role(*CLINICIANS):
        return
    raise Forbidden("only the practitioner, a receptionist or an admin manage these hours")
