"""`/fhir/R4/AuditEvent`: the audit log searched by `agent`, `entity` and `date` (admins)."""

from hduce.plugins.fhir.routes._interactions import search_route

AUDIT_ROUTES = (
    search_route(
        "AuditEvent",
        "search_audit_events",
        "Audit events newest first (admins; the search is audited as `audit.read`).",
        lambda call: call.fhir.audit.search(call.principal, call.query, ip=call.ip),
    ),
)
