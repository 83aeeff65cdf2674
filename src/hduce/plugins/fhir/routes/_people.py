"""`/fhir/R4/Patient` and `Practitioner`: read and search."""

from hduce.plugins.fhir.routes._interactions import FhirCall, Found, Resource, read, search


@search("Patient")
async def search_patients(call: FhirCall) -> Found:
    """Search patients by `name`, `birthdate`, `identifier`, `email` (a patient finds only self)."""
    return await call.fhir.people.search_patients(call.principal, call.query, ip=call.ip)


@read("/Patient/{patient_id:str}")
async def read_patient(call: FhirCall, patient_id: str) -> Resource:
    """One patient: staff read any patient, a patient only themselves (else 404)."""
    return await call.fhir.people.patient(call.principal, patient_id, ip=call.ip)


@search("Practitioner")
async def search_practitioners(call: FhirCall) -> Found:
    """Active doctors and nurses by `name` or `identifier` (anyone signed in)."""
    return await call.fhir.people.search_practitioners(call.query)


@read("/Practitioner/{practitioner_id:str}")
async def read_practitioner(call: FhirCall, practitioner_id: str) -> Resource:
    """One active doctor or nurse (names only; anyone signed in)."""
    return await call.fhir.people.practitioner(practitioner_id)


PEOPLE_ROUTES = (search_patients, read_patient, search_practitioners, read_practitioner)
