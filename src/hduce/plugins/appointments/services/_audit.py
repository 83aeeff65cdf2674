"""The audit of appointment and schedule changes: who did what to whose appointment or hours."""

import uuid
from dataclasses import dataclass
from typing import Any

from hduce.contracts.audit import AuditLog
from hduce.core.security import Principal
from hduce.plugins.appointments.store import AppointmentRow


@dataclass(frozen=True, eq=False)
class AppointmentAudit:
    """Records `appointments.<action>` events, in the caller's transaction.

    Details name what was changed (ids, dates, kinds), never free text (reasons, notes), where
    staff may write clinical or personal details.
    """

    log: AuditLog

    async def appointment(self, action: str, principal: Principal, row: AppointmentRow) -> None:
        """Audit staff acting on `row`, about its patient; its patient's own changes are not.

        As with a patient's own profile, only others' access to the appointment is recorded.
        """
        if principal.id == row.patient:
            return
        await self.log.record(
            f"appointments.{action}",
            actor_id=principal.id,
            subject_id=row.patient,
            detail={"appointment_id": str(row.id)},
        )

    async def schedule(
        self, action: str, principal: Principal, practitioner_id: uuid.UUID, **detail: Any
    ) -> None:
        """Audit a change to a practitioner's hours or exceptions, about the practitioner."""
        await self.log.record(
            f"appointments.{action}",
            actor_id=principal.id,
            subject_id=practitioner_id,
            detail=detail,
        )
