"""`/fhir/R4/Observation`: device readings, searched by `patient`, `code` and `date`."""

from litestar import Request, Response, get
from litestar.di import NamedDependency

from hduce.core.security import principal_of
from hduce.plugins.fhir.observation_service import ObservationService
from hduce.plugins.fhir.params import paging
from hduce.plugins.fhir.search_response import cursor_bundle, query_of


@get("/Observation")
async def search_observations(
    request: Request, fhir_observations: NamedDependency[ObservationService]
) -> Response[bytes]:
    """Readings newest first: a patient's own; doctors and nurses name the `patient`. Audited."""
    query = query_of(request)
    found = await fhir_observations.search(principal_of(request), query)
    return cursor_bundle(request, "Observation", paging(query).count, found)


OBSERVATION_ROUTES = (search_observations,)
