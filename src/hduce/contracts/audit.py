"""The audit plugin's contracts: the append-only, hash-chained log and its reading side."""

import uuid
from datetime import datetime
from typing import Any, Protocol

import msgspec

from hduce.core.security import Principal


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One event to append: what happened, by and about whom, from where, with what detail."""

    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None = None
    ip: str | None = None
    """The client's address; None: the address of the HTTP request being served, if any."""
    detail: dict[str, Any] | None = None


class AuditLog(Protocol):
    """The append-only, hash-chained security and clinical-access log (provided by audit).

    A provider implements `append`; `record` is the keyword form every caller uses.
    """

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
        await self.append(
            AuditRecord(
                action=action, actor_id=actor_id, subject_id=subject_id, ip=ip, detail=detail
            )
        )

    async def append(self, event: AuditRecord) -> None:
        """Append `event`, inside the caller's transaction when there is one."""


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One event of the audit log."""

    id: int
    occurred_at: datetime
    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    ip: str | None


class AuditQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A page of events: by whom, about whom, in `[occurred_from, occurred_before)` (None: any)."""

    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None
    limit: int = 50
    offset: int = 0


class ChainStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the hash chain is intact, and where it first breaks if not."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


class AuditTrail(Protocol):
    """Reading the audit log, for admins only; each read is itself audited (provided by audit)."""

    async def events(
        self, principal: Principal, query: AuditQuery, *, ip: str | None
    ) -> tuple[list[AuditEntry], int]:
        """Events newest first and the total; 403 for anyone but an admin."""

    async def verify(self, principal: Principal, *, ip: str | None) -> ChainStatus:
        """Walk the whole chain (audited); 403 for anyone but an admin."""
