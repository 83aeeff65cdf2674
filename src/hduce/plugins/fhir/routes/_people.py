"""`/fhir/R4/Patient` and `Practitioner`: read and search."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.http import client_ip
from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import bundle, fhir_response, query_of
from hduce.plugins.fhir.services import FhirServices


@get("/Patient")
async def search_patients(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Search patients by `name`, `birthdate`, `identifier`, `email` (a patient finds only self)."""
    found = await fhir.people.search_patients(principal, query_of(request), ip=client_ip(request))
    return bundle(request, "Patient", found)


@get("/Patient/{patient_id:str}")
async def read_patient(
    request: Request,
    patient_id: FromPath[str],
    principal: NamedDependency[Principal],
    fhir: NamedDependency[FhirServices],
) -> Response[bytes]:
    """One patient: staff read any patient, a patient only themselves (else 404)."""
    return fhir_response(await fhir.people.patient(principal, patient_id, ip=client_ip(request)))


@get("/Practitioner")
async def search_practitioners(
    request: Request, fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Active doctors and nurses by `name` or `identifier` (anyone signed in)."""
    found = await fhir.people.search_practitioners(query_of(request))
    return bundle(request, "Practitioner", found)


@get("/Practitioner/{practitioner_id:str}")
async def read_practitioner(
    practitioner_id: FromPath[str], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """One active doctor or nurse (names only; anyone signed in)."""
    return fhir_response(await fhir.people.practitioner(practitioner_id))


PEOPLE_ROUTES = (search_patients, read_patient, search_practitioners, read_practitioner)
