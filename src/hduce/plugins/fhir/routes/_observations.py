"""`/fhir/R4/Observation`: device readings, searched by `patient`, `code` and `date`."""

from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.core.security import Principal
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.routes._general import counting
from hduce.plugins.fhir.routes._openapi import FhirBundle, fhir_responses, search_operation
from hduce.plugins.fhir.routes._responses import cursor_bundle, query_of
from hduce.plugins.fhir.schemas import paging
from hduce.plugins.fhir.services import OBSERVATION_PARAMS, FhirServices, enabled


@get(
    "/Observation",
    responses=fhir_responses(FhirBundle),
    operation_class=search_operation(OBSERVATION_PARAMS),
)
async def search_observations(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Readings newest first: a patient's own; doctors and nurses name the `patient`. Audited."""
    if counting(request):
        raise BadSearch("`_summary=count` needs a total: Observation pages by cursor, without one")
    query = query_of(request)
    found = await enabled(fhir.observations).search(principal, query)
    return cursor_bundle(request, "Observation", paging(query).count, found)


OBSERVATION_ROUTES = (search_observations,)
