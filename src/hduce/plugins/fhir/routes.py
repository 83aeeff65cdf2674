"""`/fhir/R4` routes: `metadata`, `Patient` and `Practitioner` read and search."""

from typing import Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.http import client_ip
from hduce.core.security import principal_of
from hduce.plugins.fhir.bundle import searchset
from hduce.plugins.fhir.capability import capability_statement
from hduce.plugins.fhir.media import fhir_response
from hduce.plugins.fhir.outcome import outcome_handlers
from hduce.plugins.fhir.people_service import PATIENT_PARAMS, PRACTITIONER_PARAMS, PeopleService

FHIR_BASE = "/fhir/R4"
SEARCHES = {"Patient": PATIENT_PARAMS, "Practitioner": PRACTITIONER_PARAMS}


def base_url(request: Request[Any, Any, Any]) -> str:
    """The absolute URL of `/fhir/R4` as the client reached it."""
    return f"{str(request.base_url).rstrip('/')}{FHIR_BASE}"


def _bundle(request: Request, resource_type: str, found: Any) -> Response[bytes]:
    resources, total, page = found
    return fhir_response(
        searchset(base_url(request), resource_type, _query(request), page, resources, total)
    )


def _query(request: Request) -> dict[str, list[str]]:
    return {key: request.query_params.getall(key) for key in request.query_params}


@get("/metadata", opt={"exclude_from_auth": True}, security=[])
async def metadata(request: Request) -> Response[bytes]:
    """The server's `CapabilityStatement` (public)."""
    return fhir_response(capability_statement(base_url(request), SEARCHES, frozenset()))


@get("/Patient")
async def search_patients(
    request: Request, fhir_people: NamedDependency[PeopleService]
) -> Response[bytes]:
    """Search patients by `name`, `birthdate`, `identifier`, `email` (a patient finds only self)."""
    found = await fhir_people.search_patients(
        principal_of(request), _query(request), ip=client_ip(request)
    )
    return _bundle(request, "Patient", found)


@get("/Patient/{patient_id:str}")
async def read_patient(
    request: Request, patient_id: FromPath[str], fhir_people: NamedDependency[PeopleService]
) -> Response[bytes]:
    """One patient: staff read any patient, a patient only themselves (else 404)."""
    principal = principal_of(request)
    return fhir_response(await fhir_people.patient(principal, patient_id, ip=client_ip(request)))


@get("/Practitioner")
async def search_practitioners(
    request: Request, fhir_people: NamedDependency[PeopleService]
) -> Response[bytes]:
    """Active doctors and nurses by `name` or `identifier`."""
    principal_of(request)
    return _bundle(request, "Practitioner", await fhir_people.search_practitioners(_query(request)))


@get("/Practitioner/{practitioner_id:str}")
async def read_practitioner(
    request: Request, practitioner_id: FromPath[str], fhir_people: NamedDependency[PeopleService]
) -> Response[bytes]:
    """One active doctor or nurse (names only)."""
    principal_of(request)
    return fhir_response(await fhir_people.practitioner(practitioner_id))


def fhir_router() -> Router:
    """Every FHIR route under `/fhir/R4`, errors as `OperationOutcome`."""
    return Router(
        path=FHIR_BASE,
        route_handlers=[
            metadata,
            search_patients,
            read_patient,
            search_practitioners,
            read_practitioner,
        ],
        exception_handlers=outcome_handlers(),
        tags=["fhir"],
    )
