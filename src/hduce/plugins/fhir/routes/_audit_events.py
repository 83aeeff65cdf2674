"""`/fhir/R4/AuditEvent`: the audit log searched by `agent`, `entity` and `date` (admins)."""

from hduce.plugins.fhir.routes._interactions import search_route
from hduce.plugins.fhir.services import AUDIT_PARAMS, AuditEvents

AUDIT_ROUTES = (
    *search_route("AuditEvent", AUDIT_PARAMS, "search_audit_events", AuditEvents.search),
)
