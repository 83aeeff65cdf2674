"""What the audit read API returns."""

import uuid
from datetime import datetime
from typing import Any

import msgspec


class AuditEventRead(msgspec.Struct, frozen=True, kw_only=True):
    """One audit event with its place in the hash chain."""

    id: int
    occurred_at: datetime
    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    ip: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditEventPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of audit events, newest first, with the number matching the filters."""

    items: list[AuditEventRead]
    total: int
    limit: int
    offset: int
