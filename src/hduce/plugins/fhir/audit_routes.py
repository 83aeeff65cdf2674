"""`/fhir/R4/AuditEvent`: the audit log searched by `agent`, `entity` and `date` (admins)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.core.http import client_ip
from hduce.core.security import principal_of
from hduce.plugins.fhir.audit_events import AuditEvents
from hduce.plugins.fhir.search_response import bundle, query_of


@get("/AuditEvent")
async def search_audit_events(
    request: Request, fhir_audit: NamedDependency[AuditEvents]
) -> Response[bytes]:
    """Audit events newest first (admins; the search is audited as `audit.read`)."""
    principal = principal_of(request)
    found = await fhir_audit.search(principal, query_of(request), ip=client_ip(request))
    return bundle(request, "AuditEvent", found)


AUDIT_ROUTES = (search_audit_events,)
