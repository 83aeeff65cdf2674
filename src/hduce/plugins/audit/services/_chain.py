"""The hash chain: a row's canonical encoding and SHA-256, verifying the log, its health check."""

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from hduce.core.registry import HealthStatus
from hduce.plugins.audit.store import AuditStore

GENESIS_HASH = "0" * 64
VERIFY_BATCH = 1000


class ChainReport(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of walking the chain: intact, or the first row whose link is broken."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    last_id: int | None = None
    last_hash: str = GENESIS_HASH

    def summary(self) -> str:
        """One human-readable line."""
        if self.ok:
            return (
                f"audit chain intact: {self.checked} events, head {self.last_id} {self.last_hash}"
            )
        return (
            f"audit chain broken at event {self.first_broken_id}: {self.reason} "
            f"({self.checked} events checked)"
        )


def event_hash(
    *,
    prev_hash: str,
    event_id: int,
    occurred_at: datetime,
    action: str,
    actor_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    ip: str | None,
    detail: str,
) -> str:
    """SHA-256 over the canonical encoding; `detail` is PostgreSQL's normal `jsonb::text` form.

    Appends compute the same in SQL (`store.APPEND`); this is the verifier's independent copy.
    """
    fields = [
        prev_hash,
        event_id,
        occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        action,
        str(actor_id) if actor_id else None,
        str(subject_id) if subject_id else None,
        ip,
        detail,
    ]
    return hashlib.sha256(msgspec.json.encode(fields)).hexdigest()


HASHED = ("prev_hash", "occurred_at", "action", "actor_id", "subject_id", "ip", "detail")
"""The columns hashed besides the id, by their `event_hash` names."""


def row_hash(row: Mapping[str, Any]) -> str:
    """The hash a row (stored, or about to be) should carry, computed from its content."""
    return event_hash(event_id=row["id"], **{name: row[name] for name in HASHED})


async def verify_chain(store: AuditStore, *, batch_size: int = VERIFY_BATCH) -> ChainReport:
    """Walk every row in id order, in batches, and report the first broken link.

    The chain head is read first: the walk must reach the event it names, with its hash, or the
    newest events were removed (later appends are walked too, and checked like the rest).
    """
    head = await store.head()
    head_id, head_hash = head if head is not None else (None, GENESIS_HASH)
    expected_prev, last_id, checked = GENESIS_HASH, 0, 0
    while rows := await store.rows_after(last_id, batch_size):
        for row in rows:
            reason = _broken(row, expected_prev)
            if reason is None and row["id"] == head_id and row["hash"] != head_hash:
                reason = "hash does not match the chain head's (the newest events were replaced)"
            if reason is not None:
                return ChainReport(
                    ok=False, checked=checked, first_broken_id=row["id"], reason=reason
                )
            checked += 1
            expected_prev, last_id = row["hash"], row["id"]
    if head_id is not None and last_id < head_id:
        return ChainReport(
            ok=False, checked=checked, first_broken_id=head_id, reason=_gap(last_id, head_id)
        )
    return ChainReport(ok=True, checked=checked, last_id=last_id or None, last_hash=expected_prev)


def _gap(last_id: int, head_id: int) -> str:
    if not last_id:
        return f"the log is empty but its head names event {head_id}"
    return f"events after {last_id} are missing (the chain head names event {head_id})"


def _broken(row: Mapping[str, Any], expected_prev: str) -> str | None:
    if row["prev_hash"] != expected_prev:
        return (
            "prev_hash does not match the previous event's hash (an event was removed or inserted)"
        )
    if row["hash"] != row_hash(row):
        return "hash does not match the event's content (the event was altered)"
    return None


# pg_trigger.tgenabled: 'O' fires in origin mode, 'A' always; 'D' disabled, 'R' replica only.
ENABLED_STATES = ("O", "A")


async def audit_health(store: AuditStore) -> HealthStatus:
    """Cheap on purpose: the whole chain is verified by `hduce audit verify`, not here."""
    # No head id: how many events the clinic logs is not an operational fact.
    append_only = await store.trigger_state() in ENABLED_STATES
    return HealthStatus(ok=append_only, detail={"append_only": append_only})
