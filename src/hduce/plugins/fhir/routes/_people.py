"""`/fhir/R4/Patient` and `Practitioner`: read and search."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import PATIENT_PARAMS, PRACTITIONER_PARAMS, PeopleService

PATIENT_SEARCH = (
    "Search patients by `name`, `birthdate`, `identifier`, `email` (a patient finds only self)."
)
"""The search's OpenAPI description (longer than a method docstring's summary line may be)."""

PEOPLE_ROUTES = (
    *search_route(
        "Patient", PATIENT_PARAMS, "search_patients", PeopleService.search_patients, PATIENT_SEARCH
    ),
    read_route("/Patient/{patient_id:str}", "read_patient", PeopleService.patient),
    *search_route(
        "Practitioner",
        PRACTITIONER_PARAMS,
        "search_practitioners",
        PeopleService.search_practitioners,
    ),
    read_route(
        "/Practitioner/{practitioner_id:str}", "read_practitioner", PeopleService.practitioner
    ),
)
