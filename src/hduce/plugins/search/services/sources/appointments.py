"""Appointments, from the appointments plugin's `AppointmentReader`, with names from users."""

import uuid

from hduce.contracts.appointments import FRONT_DESK_ROLES, AppointmentSummary
from hduce.contracts.users import Demographics
from hduce.plugins.search.services._entries import Entry, clean, joined
from hduce.plugins.search.services.sources.base import SummarySource
from hduce.plugins.search.services.sources.patients import full_name

KIND = "appointment"


def appointment_entry(row: AppointmentSummary, people: dict[uuid.UUID, Demographics]) -> Entry:
    """The entry of one appointment: type, patient and time as title; the rest as body."""
    patient, practitioner = people.get(row.patient_id), people.get(row.practitioner_id)
    patient_name = full_name(patient) if patient else ""
    practitioner_name = full_name(practitioner) if practitioner else ""
    when = row.local_start
    versions = [row.updated_at, *(p.updated_at for p in (patient, practitioner) if p)]
    return Entry(
        kind=KIND,
        ref_id=row.id,
        patient_id=row.patient_id,
        practitioner_id=row.practitioner_id,
        title=clean(f"{row.type_name} · {patient_name} · {when}"),
        body=joined(
            f"with {practitioner_name}" if practitioner_name else None,
            f"status {row.status}",
            row.reason,
        ),
        extra={
            "status": row.status,
            "starts_at": row.starts_at.isoformat(),
            "local_start": when,
            "type_id": str(row.type_id),
            "type_name": row.type_name,
            "patient_name": patient_name,
            "practitioner_name": practitioner_name,
        },
        updated_at=max(v for v in versions if v is not None),
        dated_at=row.starts_at,
    )


class AppointmentSource(SummarySource[AppointmentSummary]):
    """Appointments with their patient's and practitioner's names.

    The front desk and admins read them all; anyone else (a doctor, a nurse, a patient) those
    naming them as patient or practitioner (`practitioner_id`), as the appointments API does.
    """

    kind = KIND
    readers = FRONT_DESK_ROLES

    async def _with_names(self, rows: list[AppointmentSummary]) -> list[Entry]:
        ids = {row.patient_id for row in rows} | {row.practitioner_id for row in rows}
        people = await self._people.demographics(list(ids))
        by_id = {person.id: person for person in people}
        return [appointment_entry(row, by_id) for row in rows]
