"""Appointments, from the appointments plugin's `AppointmentReader`, with names from users."""

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.contracts.appointments import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentFact,
    AppointmentNoShow,
    AppointmentReader,
    AppointmentRescheduled,
    AppointmentSummary,
    AppointmentTypeRenamed,
)
from hduce.contracts.auth import STAFF_ROLES
from hduce.contracts.users import Demographics, DemographicsReader
from hduce.core.events import EventBus, EventMeta
from hduce.core.registry import Registry
from hduce.plugins.search.entries import Entry, clean, joined
from hduce.plugins.search.sources.base import Batch
from hduce.plugins.search.sources.patients import full_name

if TYPE_CHECKING:
    from hduce.plugins.search.indexer import Indexer

KIND = "appointment"
FACTS: tuple[type[AppointmentFact], ...] = (
    AppointmentBooked,
    AppointmentConfirmed,
    AppointmentCancelled,
    AppointmentRescheduled,
    AppointmentCheckedIn,
    AppointmentCompleted,
    AppointmentNoShow,
)


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


class AppointmentSource:
    """Indexes appointments on every lifecycle event (the handler re-reads the appointment)."""

    kind = KIND
    readers = STAFF_ROLES

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The appointments among `ids`."""
        return await self._with_names(await self._registry.get(AppointmentReader).summaries(ids))

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of appointments by id."""
        reader = self._registry.get(AppointmentReader)
        rows = await reader.summaries_page(after=after, limit=limit)
        return await self._with_names(rows), rows[-1].id if len(rows) == limit else None

    def subscribe(self, events: EventBus, indexer: "Indexer") -> None:
        """One task per appointment event, each re-reading the appointment; renamed types too."""

        async def changed(event: AppointmentFact, _meta: EventMeta) -> None:
            await indexer.refresh(KIND, [event.appointment_id])

        async def renamed(event: AppointmentTypeRenamed, _meta: EventMeta) -> None:
            await indexer.refresh_matching(KIND, "type_id", str(event.type_id))

        for fact in FACTS:
            verb = fact.name.removeprefix("appointment.")
            events.subscribe(fact, changed, task_name=f"search.index_appointment_{verb}")
        events.subscribe(AppointmentTypeRenamed, renamed, task_name="search.index_type_renamed")

    async def _with_names(self, rows: list[AppointmentSummary]) -> list[Entry]:
        ids = {row.patient_id for row in rows} | {row.practitioner_id for row in rows}
        people = await self._registry.get(DemographicsReader).demographics(list(ids))
        by_id = {person.id: person for person in people}
        return [appointment_entry(row, by_id) for row in rows]
