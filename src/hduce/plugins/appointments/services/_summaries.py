"""The `AppointmentReader` contract: appointment summaries in bulk, without clinical notes."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from hduce.contracts.appointments import AppointmentSummary
from hduce.core.db import HduceEngine
from hduce.plugins.appointments.services._messages import readable

_SELECT = (
    "SELECT a.id, a.patient, a.practitioner, a.appointment_type, t.name AS type_name, a.status, "
    "a.starts_at, a.ends_at, a.reason, coalesce(s.timezone, 'UTC') AS timezone, a.updated_at "
    "FROM appointment a JOIN appointment_type t ON t.id = a.appointment_type "
    "LEFT JOIN practitioner_schedule s ON s.practitioner = a.practitioner"
)
_BY_IDS = f"{_SELECT} WHERE a.id = ANY($1::uuid[])"
_PAGE = f"{_SELECT} WHERE $1::uuid IS NULL OR a.id > $1 ORDER BY a.id LIMIT $2"


class AppointmentSummaries:
    """Reads appointments for read models (search); one query per call."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[AppointmentSummary]:
        """The appointments among `ids` that exist."""
        return [_to_summary(row) for row in await self._db.fetch(_BY_IDS, list(ids))]

    async def summaries_page(
        self, *, after: uuid.UUID | None, limit: int
    ) -> list[AppointmentSummary]:
        """Up to `limit` appointments with an id above `after`, by id."""
        return [_to_summary(row) for row in await self._db.fetch(_PAGE, after, limit)]


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
