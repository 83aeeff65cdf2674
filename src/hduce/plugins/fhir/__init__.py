"""The fhir plugin: a FHIR R4 REST facade over the other plugins' contracts."""

from collections.abc import Sequence

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.appointments import AppointmentDesk
from hduce.contracts.devices import DeviceDirectory, ReadingReader
from hduce.contracts.documents import DocumentShelf
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.plugins.fhir.appointment_service import AppointmentService
from hduce.plugins.fhir.audit_events import AuditEvents
from hduce.plugins.fhir.devices import DeviceResources
from hduce.plugins.fhir.documents import DocumentResources
from hduce.plugins.fhir.observation_service import ObservationService
from hduce.plugins.fhir.people_service import PeopleService
from hduce.plugins.fhir.routes import fhir_router
from hduce.plugins.fhir.schedule_service import ScheduleService


class FhirPlugin(HducePlugin):
    """`/fhir/R4`: FHIR resources read, searched and written through other plugins' contracts."""

    name = "fhir"
    description = "FHIR R4 API under /fhir/R4 (application/fhir+json)"
    requires = ("audit", "auth", "users")
    after = ("appointments", "devices", "documents")

    def setup(self, context: AppContext) -> None:
        """Build the services over the registry's contracts."""
        super().setup(context)
        self.people = PeopleService(context.registry)
        self.appointments = AppointmentService(context.registry)
        self.observations = ObservationService(context.registry)
        self.devices = DeviceResources(context.registry)
        self.documents = DocumentResources(context.registry)
        self.audit = AuditEvents(context.registry)
        self.schedules = ScheduleService(context.registry)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/fhir/R4` router."""
        registry = self.context.registry
        return (
            fhir_router(
                appointments=registry.provides(AppointmentDesk),
                devices=registry.provides(ReadingReader) and registry.provides(DeviceDirectory),
                documents=registry.provides(DocumentShelf),
            ),
        )

    def dependencies(self) -> dict[str, Provide]:
        """Provide the `fhir_*` services."""
        return {
            "fhir_people": Provide(self._provide_people, sync_to_thread=False, use_cache=True),
            "fhir_appointments": Provide(
                self._provide_appointments, sync_to_thread=False, use_cache=True
            ),
            "fhir_observations": Provide(
                self._provide_observations, sync_to_thread=False, use_cache=True
            ),
            "fhir_devices": Provide(self._provide_devices, sync_to_thread=False, use_cache=True),
            "fhir_audit": Provide(self._provide_audit, sync_to_thread=False, use_cache=True),
            "fhir_documents": Provide(
                self._provide_documents, sync_to_thread=False, use_cache=True
            ),
            "fhir_schedules": Provide(
                self._provide_schedules, sync_to_thread=False, use_cache=True
            ),
        }

    def _provide_people(self) -> PeopleService:
        return self.people

    def _provide_appointments(self) -> AppointmentService:
        return self.appointments

    def _provide_observations(self) -> ObservationService:
        return self.observations

    def _provide_devices(self) -> DeviceResources:
        return self.devices

    def _provide_documents(self) -> DocumentResources:
        return self.documents

    def _provide_audit(self) -> AuditEvents:
        return self.audit

    def _provide_schedules(self) -> ScheduleService:
        return self.schedules
