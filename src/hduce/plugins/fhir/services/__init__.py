"""The fhir services, built once from the contracts of the plugins they face, injected as `fhir`."""

from dataclasses import dataclass
from typing import TypeVar

from hduce.contracts.appointments import AppointmentDesk, SlotBoard
from hduce.contracts.audit import AuditLog, AuditTrail
from hduce.contracts.devices import DeviceDirectory, ReadingReader
from hduce.contracts.documents import DocumentShelf
from hduce.contracts.users import DemographicsReader
from hduce.core.errors import NotFound
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.fhir.config import FhirConfig
from hduce.plugins.fhir.services._appointments import APPOINTMENT_PARAMS, AppointmentService
from hduce.plugins.fhir.services._audit_events import AUDIT_PARAMS, AuditEvents
from hduce.plugins.fhir.services._caller import Caller
from hduce.plugins.fhir.services._devices import DEVICE_PARAMS, DeviceResources
from hduce.plugins.fhir.services._documents import DOCUMENT_PARAMS, DocumentResources
from hduce.plugins.fhir.services._observations import OBSERVATION_PARAMS, ObservationService
from hduce.plugins.fhir.services._people import (
    PATIENT_PARAMS,
    PRACTITIONER_PARAMS,
    PeopleService,
)
from hduce.plugins.fhir.services._schedules import (
    ROLE_PARAMS,
    SCHEDULE_PARAMS,
    SLOT_PARAMS,
    ScheduleService,
)

T = TypeVar("T")


@dataclass(frozen=True)
class FhirServices:
    """Every FHIR service; those over an optional plugin are None while it is disabled."""

    people: PeopleService
    audit: AuditEvents
    appointments: AppointmentService | None
    schedules: ScheduleService | None
    observations: ObservationService | None
    devices: DeviceResources | None
    documents: DocumentResources | None

    @classmethod
    def build(cls, env: PluginEnv[FhirConfig]) -> "FhirServices":
        """Resolve the contracts once (the plugins in `after` were set up first when enabled)."""
        people = env.require(DemographicsReader)
        desk = env.optional(AppointmentDesk).get()
        board = env.optional(SlotBoard).get()
        readings = env.optional(ReadingReader).get()
        directory = env.optional(DeviceDirectory).get()
        shelf = env.optional(DocumentShelf).get()
        return cls(
            people=PeopleService(people, env.require(AuditLog)),
            audit=AuditEvents(env.require(AuditTrail)),
            appointments=(
                AppointmentService(desk, board) if desk is not None and board is not None else None
            ),
            schedules=ScheduleService(board, people) if board is not None else None,
            observations=ObservationService(readings) if readings is not None else None,
            devices=DeviceResources(directory) if directory is not None else None,
            documents=DocumentResources(shelf) if shelf is not None else None,
        )


def enabled(service: T | None) -> T:
    """A service over an optional plugin (its routes are mounted only when it is built)."""
    if service is None:
        raise NotFound("this FHIR resource type is not served here")
    return service


__all__ = [
    "APPOINTMENT_PARAMS",
    "AUDIT_PARAMS",
    "DEVICE_PARAMS",
    "DOCUMENT_PARAMS",
    "OBSERVATION_PARAMS",
    "PATIENT_PARAMS",
    "PRACTITIONER_PARAMS",
    "ROLE_PARAMS",
    "SCHEDULE_PARAMS",
    "SLOT_PARAMS",
    "AppointmentService",
    "AuditEvents",
    "Caller",
    "DeviceResources",
    "DocumentResources",
    "FhirServices",
    "ObservationService",
    "PeopleService",
    "ScheduleService",
    "enabled",
]
