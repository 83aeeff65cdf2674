"""`AuditEvent` resources from the hash-chained audit log (admins only)."""

from datetime import datetime
from typing import Any

from hduce.contracts.audit import AuditEntry, AuditTrail
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.fhir.params import (
    LAST_UPDATED,
    Paging,
    Params,
    check_names,
    date_bounds,
    last_updated,
    midnight,
    paging,
    reference_id,
)
from hduce.plugins.fhir.people import IDENTIFIER_SYSTEM

AUDIT_PARAMS = frozenset({"agent", "entity", "date", LAST_UPDATED})
ACTION_SYSTEM = "urn:hduce:audit-action"


def audit_event(entry: AuditEntry) -> dict[str, Any]:
    """An `AuditEvent`: the action, when, who did it (and from where), whom it concerned."""
    agent: dict[str, Any] = {"requestor": entry.actor_id is not None}
    if entry.actor_id is not None:
        agent["who"] = {"identifier": {"system": IDENTIFIER_SYSTEM, "value": str(entry.actor_id)}}
    else:
        agent["who"] = {"display": "HDuce"}
    if entry.ip:
        agent["network"] = {"address": entry.ip, "type": "2"}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(entry.id),
        "meta": {"lastUpdated": entry.occurred_at.isoformat()},
        "type": {"system": ACTION_SYSTEM, "code": entry.action},
        "recorded": entry.occurred_at.isoformat(),
        "agent": [agent],
        "source": {"observer": {"display": "HDuce"}},
    }
    if entry.subject_id is not None:
        what = {"identifier": {"system": IDENTIFIER_SYSTEM, "value": str(entry.subject_id)}}
        resource["entity"] = [{"what": what}]
    return resource


class AuditEvents:
    """The audit log as `AuditEvent`s, for admins; each search is itself audited."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def search(
        self, principal: Principal, params: Params, *, ip: str | None
    ) -> tuple[list[dict[str, Any]], int, Paging]:
        """Events newest first by `agent` (actor id), `entity` (subject id) and `date`."""
        check_names(params, AUDIT_PARAMS)
        page = paging(params)
        start, before = date_bounds("date", params.get("date", []))
        # An entry never changes: its last update is when it was recorded.
        updated_from, updated_before = last_updated(params)
        found, total = await self._registry.get(AuditTrail).events(
            principal,
            actor_id=reference_id(params, "agent", "Patient"),
            subject_id=reference_id(params, "entity", "Patient"),
            occurred_from=_latest(midnight(start), updated_from),
            occurred_before=_earliest(midnight(before), updated_before),
            limit=page.count,
            offset=page.offset,
            ip=ip,
        )
        return [audit_event(entry) for entry in found], total, page


def _latest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)
