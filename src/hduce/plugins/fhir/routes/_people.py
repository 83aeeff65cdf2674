"""`/fhir/R4/Patient` and `Practitioner`: read and search."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route

PEOPLE_ROUTES = (
    search_route(
        "Patient",
        "search_patients",
        "Search patients by `name`, `birthdate`, `identifier`, `email`"
        " (a patient finds only self).",
        lambda call: call.fhir.people.search_patients(call.principal, call.query, ip=call.ip),
    ),
    read_route(
        "/Patient/{patient_id:str}",
        "read_patient",
        "One patient: staff read any patient, a patient only themselves (else 404).",
        lambda call, patient_id: call.fhir.people.patient(call.principal, patient_id, ip=call.ip),
    ),
    search_route(
        "Practitioner",
        "search_practitioners",
        "Active doctors and nurses by `name` or `identifier` (anyone signed in).",
        lambda call: call.fhir.people.search_practitioners(call.query),
    ),
    read_route(
        "/Practitioner/{practitioner_id:str}",
        "read_practitioner",
        "One active doctor or nurse (names only; anyone signed in).",
        lambda call, practitioner_id: call.fhir.people.practitioner(practitioner_id),
    ),
)
