"""`/fhir/R4`: the router of every resource type the enabled plugins let this server serve."""

from typing import Any

from litestar import Router

from hduce.core.config import ServerSettings
from hduce.plugins.fhir.routes._appointments import APPOINTMENT_ROUTES
from hduce.plugins.fhir.routes._audit_events import AUDIT_ROUTES
from hduce.plugins.fhir.routes._devices import DEVICE_ROUTES
from hduce.plugins.fhir.routes._documents import DOCUMENT_ROUTES
from hduce.plugins.fhir.routes._general import check_general_parameters
from hduce.plugins.fhir.routes._metadata import metadata_route
from hduce.plugins.fhir.routes._observations import OBSERVATION_ROUTES
from hduce.plugins.fhir.routes._outcome import outcome_handlers, unrouted_handlers
from hduce.plugins.fhir.routes._people import PEOPLE_ROUTES
from hduce.plugins.fhir.routes._responses import FHIR_BASE, PUBLIC_BASE, public_base
from hduce.plugins.fhir.routes._schedules import SCHEDULE_ROUTES
from hduce.plugins.fhir.services import (
    APPOINTMENT_PARAMS,
    AUDIT_PARAMS,
    DEVICE_PARAMS,
    DOCUMENT_PARAMS,
    OBSERVATION_PARAMS,
    PATIENT_PARAMS,
    PRACTITIONER_PARAMS,
    ROLE_PARAMS,
    SCHEDULE_PARAMS,
    SLOT_PARAMS,
    FhirServices,
)


def fhir_router(services: FhirServices, server: ServerSettings) -> Router:
    """Every FHIR route under `/fhir/R4`: people and audit, and the rest whose plugins run.

    Absolute URLs in the answers start at `server.public_url` when it is configured.
    """
    # Each type served, with its search's filters (none: read only).
    served = {
        "Patient": PATIENT_PARAMS,
        "Practitioner": PRACTITIONER_PARAMS,
        "AuditEvent": AUDIT_PARAMS,
    }
    handlers: list[Any] = [*PEOPLE_ROUTES, *AUDIT_ROUTES]
    if services.appointments is not None:
        served["Appointment"] = APPOINTMENT_PARAMS
        handlers += APPOINTMENT_ROUTES
    if services.schedules is not None:
        served.update(PractitionerRole=ROLE_PARAMS, Schedule=SCHEDULE_PARAMS, Slot=SLOT_PARAMS)
        handlers += SCHEDULE_ROUTES
    if services.observations is not None:
        served["Observation"] = OBSERVATION_PARAMS
        handlers += OBSERVATION_ROUTES
    if services.devices is not None:
        served["Device"] = DEVICE_PARAMS
        handlers += DEVICE_ROUTES
    if services.documents is not None:
        served.update(DocumentReference=DOCUMENT_PARAMS, Binary={})
        handlers += DOCUMENT_ROUTES
    handlers.append(metadata_route(served))
    return Router(
        path=FHIR_BASE,
        route_handlers=handlers,
        before_request=check_general_parameters,
        exception_handlers=outcome_handlers(),
        tags=["fhir"],
        opt={PUBLIC_BASE: public_base(server)},
    )


__all__ = ["fhir_router", "unrouted_handlers"]
