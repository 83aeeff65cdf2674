"""Reading queries: patients read their own, clinicians anyone's; every read is audited."""

import base64
import uuid
from datetime import datetime

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import CLINICAL_ROLES, Role
from hduce.contracts.devices import ReadingQuery
from hduce.core.db import Database
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.core.time_zones import as_utc
from hduce.plugins.devices.errors import InvalidRequest
from hduce.plugins.devices.schemas import ReadingPage, ReadingRead
from hduce.plugins.devices.store import ReadingStore


class _Cursor(msgspec.Struct, array_like=True):
    measured_at: datetime
    id: int


def reader_of(principal: Principal, patient_id: uuid.UUID | None) -> uuid.UUID:
    """Whose readings the caller may list: a patient their own, a clinician the named patient."""
    if principal.has_any_role(*CLINICAL_ROLES):
        if patient_id is None:
            raise InvalidRequest.naming("patient_id", "name the patient")
        return patient_id
    if principal.has_any_role(Role.PATIENT):
        if patient_id not in (None, principal.id):
            raise Forbidden("patients see only their own readings")
        return principal.id
    raise Forbidden("readings are for the patient and clinical staff")


def encode_cursor(reading: ReadingRead) -> str:
    """An opaque position after `reading`."""
    raw = msgspec.json.encode(_Cursor(reading.measured_at, reading.id))
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> _Cursor:
    """The position a cursor names; 422 for anything else."""
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()), type=_Cursor)
    except (ValueError, msgspec.DecodeError):
        raise InvalidRequest.naming("cursor", "not one this API returned") from None


class ReadingQueries:
    """Pages of readings, newest first."""

    def __init__(self, db: Database, store: ReadingStore, audit: AuditLog) -> None:
        self._db = db
        self._store = store
        self._audit = audit

    async def page(
        self, principal: Principal, query: ReadingQuery, *, ip: str | None = None
    ) -> ReadingPage:
        """One page of the patient's readings; the read (from `ip`) is recorded in the audit log."""
        patient = reader_of(principal, query.patient_id)
        # A bound without an offset is UTC, beside one with an offset too.
        start, end, limit = as_utc(query.start), as_utc(query.end), query.limit
        if start is not None and end is not None and end <= start:
            raise InvalidRequest.naming("end", "must be after `start`")
        after = decode_cursor(query.cursor) if query.cursor else None
        async with self._db.transaction():
            rows = await self._store.page(
                patient,
                metric=query.metric,
                start=start,
                end=end,
                after=(after.measured_at, after.id) if after else None,
                limit=limit + 1,
            )
            await self._audit.record(
                "devices.readings_read",
                actor_id=principal.id,
                subject_id=patient,
                ip=ip,
                detail={"metric": query.metric, "count": min(len(rows), limit)},
            )
        items = ReadingRead.from_rows(rows[:limit])
        more = len(rows) > limit
        return ReadingPage(items=items, next_cursor=encode_cursor(items[-1]) if more else None)
