"""`/fhir/R4/AuditEvent`: the audit log searched by `agent`, `entity` and `date` (admins)."""

from hduce.plugins.fhir.routes._interactions import FhirCall, Found, search


@search("AuditEvent")
async def search_audit_events(call: FhirCall) -> Found:
    """Audit events newest first (admins; the search is audited as `audit.read`)."""
    return await call.fhir.audit.search(call.principal, call.query, ip=call.ip)


AUDIT_ROUTES = (search_audit_events,)
