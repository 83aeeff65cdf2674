"""`/fhir/R4` routes: `metadata`, `Patient` and `Practitioner`, and the router of them all."""

from typing import Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from hduce.core.http import client_ip
from hduce.core.security import principal_of
from hduce.plugins.fhir.appointment_routes import APPOINTMENT_ROUTES
from hduce.plugins.fhir.appointment_service import APPOINTMENT_PARAMS
from hduce.plugins.fhir.audit_events import AUDIT_PARAMS
from hduce.plugins.fhir.audit_routes import AUDIT_ROUTES
from hduce.plugins.fhir.capability import capability_statement
from hduce.plugins.fhir.device_routes import DEVICE_ROUTES
from hduce.plugins.fhir.devices import DEVICE_PARAMS
from hduce.plugins.fhir.document_routes import DOCUMENT_ROUTES
from hduce.plugins.fhir.documents import DOCUMENT_PARAMS
from hduce.plugins.fhir.media import fhir_response
from hduce.plugins.fhir.observation_routes import OBSERVATION_ROUTES
from hduce.plugins.fhir.observation_service import OBSERVATION_PARAMS
from hduce.plugins.fhir.outcome import outcome_handlers
from hduce.plugins.fhir.people_service import PATIENT_PARAMS, PRACTITIONER_PARAMS, PeopleService
from hduce.plugins.fhir.schedule_routes import SCHEDULE_ROUTES
from hduce.plugins.fhir.schedule_service import ROLE_PARAMS, SCHEDULE_PARAMS, SLOT_PARAMS
from hduce.plugins.fhir.search_response import FHIR_BASE, base_url, bundle, query_of

SEARCHES = {
    "Patient": PATIENT_PARAMS,
    "Practitioner": PRACTITIONER_PARAMS,
    "AuditEvent": AUDIT_PARAMS,
}
SEARCH_ONLY = frozenset({"Observation", "AuditEvent"})


def metadata_route(searches: dict[str, frozenset[str]]) -> HTTPRouteHandler:
    """`GET /metadata` describing the resource types in `searches` (public)."""
    writable = frozenset({"Appointment"} & set(searches))
    search_only = SEARCH_ONLY & set(searches)

    @get("/metadata", opt={"exclude_from_auth": True}, security=[])
    async def metadata(request: Request) -> Response[bytes]:
        """The server's `CapabilityStatement` (public)."""
        return fhir_response(
            capability_statement(base_url(request), searches, writable, search_only)
        )

    return metadata


@get("/Patient")
async def search_patients(
    request: Request, fhir_people: NamedDependency[PeopleService]
) -> Response[bytes]:
    """Search patients by `name`, `birthdate`, `identifier`, `email` (a patient finds only self)."""
    found = await fhir_people.search_patients(
        principal_of(request), query_of(request), ip=client_ip(request)
    )
    return bundle(request, "Patient", found)


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
    """Active doctors and nurses by `name` or `identifier` (anyone signed in)."""
    return bundle(
        request, "Practitioner", await fhir_people.search_practitioners(query_of(request))
    )


@get("/Practitioner/{practitioner_id:str}")
async def read_practitioner(
    practitioner_id: FromPath[str], fhir_people: NamedDependency[PeopleService]
) -> Response[bytes]:
    """One active doctor or nurse (names only; anyone signed in)."""
    return fhir_response(await fhir_people.practitioner(practitioner_id))


def fhir_router(*, appointments: bool, devices: bool, documents: bool) -> Router:
    """Every FHIR route under `/fhir/R4`; other resources if their plugins run."""
    searches = dict(SEARCHES)
    handlers: list[Any] = [
        search_patients,
        read_patient,
        search_practitioners,
        read_practitioner,
        *AUDIT_ROUTES,
    ]
    if appointments:
        searches.update(
            Appointment=APPOINTMENT_PARAMS,
            PractitionerRole=ROLE_PARAMS,
            Schedule=SCHEDULE_PARAMS,
            Slot=SLOT_PARAMS,
        )
        handlers += [*APPOINTMENT_ROUTES, *SCHEDULE_ROUTES]
    if devices:
        searches.update(Observation=OBSERVATION_PARAMS, Device=DEVICE_PARAMS)
        handlers += [*OBSERVATION_ROUTES, *DEVICE_ROUTES]
    if documents:
        searches["DocumentReference"] = DOCUMENT_PARAMS
        handlers += DOCUMENT_ROUTES
    handlers.append(metadata_route(searches))
    return Router(
        path=FHIR_BASE,
        route_handlers=handlers,
        exception_handlers=outcome_handlers(),
        tags=["fhir"],
    )
