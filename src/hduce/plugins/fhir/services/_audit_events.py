"""`AuditEvent` search over the hash-chained audit log through `AuditTrail` (admins only)."""

from datetime import datetime

import msgspec

from hduce.contracts.audit import AuditEntry, AuditQuery, AuditTrail
from hduce.plugins.fhir.schemas import (
    LAST_UPDATED_PARAM,
    Filters,
    Found,
    Paging,
    Param,
    Params,
    audit_event,
    instant_bounds,
    instant_value,
    instants,
    reference_id,
    search_of,
    single,
)
from hduce.plugins.fhir.services._caller import Caller

SNAPSHOT = "_snapshot"
"""The `recorded` instant of the newest event a first page showed: its later pages stop there."""
PEOPLE = ("Patient", "Practitioner")
"""What an event's actor and subject (accounts) may be named as: `<type>/<id>` or `<id>`."""
_ACCOUNT = "Patient/<id>, Practitioner/<id> or an account id"
AUDIT_PARAMS: Filters = {
    "agent": Param("reference", f"Who acted: {_ACCOUNT}"),
    "entity": Param("reference", f"Whom it concerned: {_ACCOUNT}"),
    "date": instants("When it was recorded"),
    **LAST_UPDATED_PARAM,
    SNAPSHOT: Param("date", "The newest event later pages show: a first page's links carry it"),
}


class AuditEvents:
    """The audit log as `AuditEvent`s, for admins; each search is itself audited."""

    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    async def search(self, caller: Caller, params: Params) -> Found:
        """Audit events newest first (admins; the search is audited as `audit.read`).

        By `agent` (actor), `entity` (subject) and `date`. Each page read is audited as
        the newest event, so a first page pins `_snapshot` in its links: the next pages show the
        log as it was then, without the entries of the reads since.
        """
        search = search_of(params, AUDIT_PARAMS)
        snapshot = single(params, SNAPSHOT)
        _, snapshot_end = instant_bounds(SNAPSHOT, [f"le{snapshot}"] if snapshot else [])
        query = AuditQuery(
            actor_id=reference_id(params, "agent", *PEOPLE),
            subject_id=reference_id(params, "entity", *PEOPLE),
            # An entry never changes: its last update is when it was recorded.
            occurred_from=_latest(search.date_from, search.updated_from),
            occurred_before=_earliest(search.date_before, search.updated_before, snapshot_end),
            limit=search.page.count,
            offset=search.page.offset,
        )
        found, total = await self._trail.events(caller.principal, query, ip=caller.ip)
        return [audit_event(entry) for entry in found], total, _pinned(search.page, snapshot, found)


def _pinned(page: Paging, snapshot: str | None, found: list[AuditEntry]) -> Paging:
    """`page` with the snapshot its links page: the asked one, else a first page's newest."""
    if snapshot is None and page.offset == 0 and found:
        snapshot = instant_value(found[0].occurred_at)
    return msgspec.structs.replace(page, pinned=((SNAPSHOT, snapshot),)) if snapshot else page


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)
