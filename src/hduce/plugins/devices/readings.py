"""Reading queries: patients read their own, clinicians anyone's; every read is audited."""

import base64
import uuid
from datetime import datetime

import asyncpg
import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import CLINICAL_ROLES, Role
from hduce.core.context import AppContext
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.plugins.devices.errors import InvalidRequest
from hduce.plugins.devices.schemas import ReadingPage, ReadingRead

QUERY = """
SELECT id, device, patient, metric, value, unit, measured_at, received_at FROM reading
WHERE patient = $1 AND ($2::text IS NULL OR metric = $2)
  AND ($3::timestamptz IS NULL OR measured_at >= $3)
  AND ($4::timestamptz IS NULL OR measured_at < $4)
  AND ($5::timestamptz IS NULL OR (measured_at, id) < ($5, $6))
ORDER BY measured_at DESC, id DESC LIMIT $7
"""


class _Cursor(msgspec.Struct, array_like=True):
    measured_at: datetime
    id: int


def reader_of(principal: Principal, patient_id: uuid.UUID | None) -> uuid.UUID:
    """Whose readings the caller may list: a patient their own, a clinician the named patient."""
    if principal.has_any_role(*CLINICAL_ROLES):
        if patient_id is None:
            raise InvalidRequest("name the patient (`patient_id`)")
        return patient_id
    if principal.has_any_role(Role.PATIENT):
        if patient_id not in (None, principal.id):
            raise Forbidden("patients see only their own readings")
        return principal.id
    raise Forbidden("readings are for the patient and clinical staff")


def encode_cursor(row: asyncpg.Record) -> str:
    """An opaque position after `row`."""
    raw = msgspec.json.encode(_Cursor(row["measured_at"], row["id"]))
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> _Cursor:
    """The position a cursor names; 422 for anything else."""
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()), type=_Cursor)
    except (ValueError, msgspec.DecodeError):
        raise InvalidRequest("`cursor` is not one this API returned") from None


class ReadingQueries:
    """Pages of readings, newest first."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    async def page(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        metric: str | None,
        start: datetime | None,
        end: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> ReadingPage:
        """One page of the patient's readings; the read is recorded in the audit log."""
        patient = reader_of(principal, patient_id)
        if start is not None and end is not None and end <= start:
            raise InvalidRequest("`end` must be after `start`")
        after = decode_cursor(cursor) if cursor else None
        db = self._context.db
        async with db.transaction():
            rows = await db.fetch(
                QUERY,
                patient,
                metric,
                start,
                end,
                after.measured_at if after else None,
                after.id if after else None,
                limit + 1,
            )
            await self._context.registry.get(AuditLog).record(
                "devices.readings_read",
                actor_id=principal.id,
                subject_id=patient,
                detail={"metric": metric, "count": min(len(rows), limit)},
            )
        items = [
            ReadingRead(
                id=r["id"],
                device_id=r["device"],
                patient_id=r["patient"],
                metric=r["metric"],
                value=r["value"],
                unit=r["unit"],
                measured_at=r["measured_at"],
                received_at=r["received_at"],
            )
            for r in rows[:limit]
        ]
        more = len(rows) > limit
        return ReadingPage(
            items=items, next_cursor=encode_cursor(rows[limit - 1]) if more else None
        )
