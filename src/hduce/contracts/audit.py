"""The audit plugin's contracts: the append-only, hash-chained log and its reading side."""

import uuid
from datetime import datetime
from typing import Any, Protocol

import msgspec

from hduce.core.security import Principal


class AuditLog(Protocol):
    """The append-only, hash-chained security and clinical-access log (provided by auth)."""

    async def record(
        self,
        action: str,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None = None,
        ip: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one event, inside the caller's transaction when there is one."""


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One event of the audit log."""

    id: int
    occurred_at: datetime
    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    ip: str | None
    hash: str


class ChainStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the hash chain is intact, and where it first breaks if not."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


class AuditTrail(Protocol):
    """Reading the audit log, for admins only; each read is itself audited (provided by audit)."""

    async def events(
        self,
        principal: Principal,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None,
        occurred_from: datetime | None,
        occurred_before: datetime | None,
        limit: int,
        offset: int,
        ip: str | None,
    ) -> tuple[list[AuditEntry], int]:
        """Events newest first and the total; 403 for anyone but an admin."""

    async def verify(self, principal: Principal, *, ip: str | None) -> ChainStatus:
        """Walk the whole chain (audited); 403 for anyone but an admin."""
