"""`AuditEvent` resources from the hash-chained audit log (admins only)."""

from typing import Any

from hduce.contracts.audit import AuditEntry, AuditTrail
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.fhir.params import (
    Paging,
    Params,
    check_names,
    date_bounds,
    midnight,
    paging,
    reference_id,
)
from hduce.plugins.fhir.people import IDENTIFIER_SYSTEM

AUDIT_PARAMS = frozenset({"agent", "entity", "date"})
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
        found, total = await self._registry.get(AuditTrail).events(
            principal,
            actor_id=reference_id(params, "agent", "Patient"),
            subject_id=reference_id(params, "entity", "Patient"),
            occurred_from=midnight(start),
            occurred_before=midnight(before),
            limit=page.count,
            offset=page.offset,
            ip=ip,
        )
        return [audit_event(entry) for entry in found], total, page
