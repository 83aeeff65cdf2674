"""What the audit read API takes and returns."""

import uuid
from datetime import datetime
from typing import Any

import msgspec

from hduce.contracts.audit import AuditEntry
from hduce.core.schemas import Read


class AuditEventRead(AuditEntry, Read, frozen=True, kw_only=True):
    """One audit event with its place in the hash chain."""

    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Which events to read; every given field must match (`occurred_to` is exclusive)."""

    action: str | None = None
    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
