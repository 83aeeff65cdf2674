"""`AuditEvent` resources from entries of the hash-chained audit log."""

from typing import Any

from hduce.contracts.audit import AuditEntry
from hduce.plugins.fhir.schemas._people import IDENTIFIER_SYSTEM
from hduce.plugins.fhir.schemas._versions import meta

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
        "meta": meta(entry.occurred_at),
        "type": {"system": ACTION_SYSTEM, "code": entry.action},
        "recorded": entry.occurred_at.isoformat(),
        "agent": [agent],
        "source": {"observer": {"display": "HDuce"}},
    }
    if entry.subject_id is not None:
        what = {"identifier": {"system": IDENTIFIER_SYSTEM, "value": str(entry.subject_id)}}
        resource["entity"] = [{"what": what}]
    return resource
