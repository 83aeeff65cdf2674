"""`/fhir/R4/AuditEvent`: the audit log searched by `agent`, `entity` and `date` (admins)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.core.http import client_ip
from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import bundle, query_of
from hduce.plugins.fhir.services import FhirServices


@get("/AuditEvent")
async def search_audit_events(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Audit events newest first (admins; the search is audited as `audit.read`)."""
    found = await fhir.audit.search(principal, query_of(request), ip=client_ip(request))
    return bundle(request, "AuditEvent", found)


AUDIT_ROUTES = (search_audit_events,)
