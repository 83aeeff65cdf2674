"""The `AppointmentReader` contract: appointment summaries in bulk, without clinical notes."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hduce.contracts.appointments import AppointmentSummary
from hduce.plugins.appointments.services._messages import readable
from hduce.plugins.appointments.store import ReportStore


@dataclass(frozen=True, eq=False)
class AppointmentSummaries:
    """Reads appointments for read models (search); one query per call."""

    store: ReportStore

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[AppointmentSummary]:
        """The appointments among `ids` that exist."""
        return [_to_summary(row) for row in await self.store.summaries(ids)]

    async def summaries_page(
        self, *, after: uuid.UUID | None, limit: int
    ) -> list[AppointmentSummary]:
        """Up to `limit` appointments with an id above `after`, by id."""
        return [_to_summary(row) for row in await self.store.summaries_page(after, limit)]

    async def count(self) -> int:
        """How many appointments `summaries_page` walks through."""
        return await self.store.count()


def _to_summary(row: Mapping[str, Any]) -> AppointmentSummary:
    return AppointmentSummary(
        id=row["id"],
        patient_id=row["patient"],
        practitioner_id=row["practitioner"],
        type_id=row["appointment_type"],
        type_name=row["type_name"],
        status=row["status"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        reason=row["reason"],
        timezone=row["timezone"],
        local_start=readable(row["starts_at"], row["timezone"]),
        updated_at=row["updated_at"],
    )
