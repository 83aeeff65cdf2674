"""`AuditEvent` search over the hash-chained audit log through `AuditTrail` (admins only)."""

from datetime import datetime

from hduce.contracts.audit import AuditQuery, AuditTrail
from hduce.plugins.fhir.schemas import (
    LAST_UPDATED,
    Found,
    Params,
    audit_event,
    reference_id,
    search_of,
)
from hduce.plugins.fhir.services._caller import Caller

AUDIT_PARAMS = frozenset({"agent", "entity", "date", LAST_UPDATED})


class AuditEvents:
    """The audit log as `AuditEvent`s, for admins; each search is itself audited."""

    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    async def search(self, caller: Caller, params: Params) -> Found:
        """Audit events newest first (admins; the search is audited as `audit.read`).

        By `agent` (actor id), `entity` (subject id) and `date`.
        """
        search = search_of(params, AUDIT_PARAMS)
        query = AuditQuery(
            actor_id=reference_id(params, "agent", "Patient"),
            subject_id=reference_id(params, "entity", "Patient"),
            # An entry never changes: its last update is when it was recorded.
            occurred_from=_latest(search.day_from, search.updated_from),
            occurred_before=_earliest(search.day_before, search.updated_before),
            limit=search.page.count,
            offset=search.page.offset,
        )
        found, total = await self._trail.events(caller.principal, query, ip=caller.ip)
        return [audit_event(entry) for entry in found], total, search.page


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)
