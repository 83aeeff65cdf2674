"""`/fhir/R4/metadata`: the public `CapabilityStatement` of what this server serves."""

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler

from hduce.plugins.fhir.routes._openapi import FhirOperation, FhirResource, fhir_responses
from hduce.plugins.fhir.routes._responses import base_url, fhir_response
from hduce.plugins.fhir.schemas import Filters, capability_statement

WRITABLE = frozenset({"Appointment"})
SEARCH_ONLY = frozenset({"Observation", "AuditEvent"})


def metadata_route(served: dict[str, Filters]) -> HTTPRouteHandler:
    """`GET /metadata` describing the types in `served`, with their search filters (public)."""
    writable = WRITABLE & set(served)
    search_only = SEARCH_ONLY & set(served)

    @get(
        "/metadata",
        opt={"exclude_from_auth": True},
        security=[],
        responses=fhir_responses(FhirResource, public=True),
        operation_class=FhirOperation,
    )
    async def metadata(request: Request) -> Response[bytes]:
        """The server's `CapabilityStatement` (public)."""
        return fhir_response(capability_statement(base_url(request), served, writable, search_only))

    return metadata
