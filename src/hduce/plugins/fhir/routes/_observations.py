"""`/fhir/R4/Observation`: device readings, searched by `patient`, `code` and `date`."""

from hduce.plugins.fhir.routes._interactions import search_route
from hduce.plugins.fhir.services import OBSERVATION_PARAMS, ObservationService

OBSERVATION_ROUTES = (
    *search_route(
        "Observation",
        OBSERVATION_PARAMS,
        "search_observations",
        ObservationService.search,
        "Readings newest first: a patient's own; doctors and nurses name the `patient`. Audited.",
    ),
)
