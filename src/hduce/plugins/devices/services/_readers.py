"""`ReadingReader`, `DeviceDirectory`, `DeviceAlerts`: the REST API's rules, for other plugins."""

import uuid

import msgspec

from hduce.contracts.auth import Role
from hduce.contracts.devices import (
    AlertView,
    DeviceSpec,
    DeviceView,
    ReadingQuery,
    ReadingView,
)
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.core.validation import validated
from hduce.plugins.devices.schemas import DeviceCreate
from hduce.plugins.devices.services._alerts import AlertService
from hduce.plugins.devices.services._readings import ReadingQueries
from hduce.plugins.devices.services._registry import DeviceRegistry

# As the guards of `GET /api/v1/devices` and of the alert routes.
DEVICE_READERS = (Role.ADMIN, Role.DOCTOR, Role.NURSE)
ALERT_READERS = (Role.DOCTOR, Role.NURSE)


class Readings:
    """Pages of readings for other plugins (FHIR), through the REST API's query."""

    def __init__(self, queries: ReadingQueries, max_page_size: int) -> None:
        self._queries = queries
        self._max_page_size = max_page_size

    async def page(
        self, principal: Principal, query: ReadingQuery
    ) -> tuple[list[ReadingView], str | None]:
        """Readings newest first and the next page's cursor; audited as `devices.readings_read`."""
        limit = min(query.limit, self._max_page_size)
        page = await self._queries.page(principal, msgspec.structs.replace(query, limit=limit))
        views: list[ReadingView] = list(page.items)
        return views, page.next_cursor


class Devices:
    """Device reads for other plugins (FHIR), for the roles the REST routes let through."""

    def __init__(self, service: DeviceRegistry) -> None:
        self._service = service

    async def get(self, principal: Principal, device_id: uuid.UUID) -> DeviceView:
        """One device, for admins, doctors and nurses."""
        _ensure_reader(principal)
        return await self._service.get(device_id)

    async def page(
        self, principal: Principal, *, patient_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[list[DeviceView], int]:
        """Devices by registration time, optionally of one patient."""
        _ensure_reader(principal)
        page = await self._service.page(
            patient_id=patient_id, active=None, limit=limit, offset=offset
        )
        return list(page.items), page.total

    async def register(self, principal: Principal, spec: DeviceSpec) -> tuple[DeviceView, str]:
        """As `POST /api/v1/devices`: the device and its one-time secret (admins)."""
        _ensure_admin(principal)
        data = validated(msgspec.structs.asdict(spec), DeviceCreate)
        created = await self._service.register(principal, data)
        return created.device, created.credentials.secret

    async def rotate_secret(self, principal: Principal, device_id: uuid.UUID) -> str:
        """As `POST /api/v1/devices/{id}/rotate-secret`: the new one-time secret (admins)."""
        _ensure_admin(principal)
        return (await self._service.rotate_secret(principal, device_id)).secret


class Alerts:
    """Alerts and acknowledging them, for doctors and nurses, through `AlertService`."""

    def __init__(self, service: AlertService, max_page_size: int) -> None:
        self._service = service
        self._max_page_size = max_page_size

    async def open_alerts(self, principal: Principal, patient_id: uuid.UUID) -> list[AlertView]:
        """As `GET /api/v1/devices/alerts?patient_id=…&open_only=true` (audited)."""
        _ensure_clinician(principal)
        page = await self._service.page(
            principal, patient_id=patient_id, open_only=True, limit=self._max_page_size, offset=0
        )
        return list(page.items)

    async def get(self, principal: Principal, alert_id: uuid.UUID) -> AlertView:
        """One alert, open or acknowledged (audited as `devices.alert_read`)."""
        _ensure_clinician(principal)
        return await self._service.get(principal, alert_id)

    async def acknowledge(self, principal: Principal, alert_id: uuid.UUID) -> AlertView:
        """As `POST /api/v1/devices/alerts/{id}/acknowledge`."""
        _ensure_clinician(principal)
        return await self._service.acknowledge(principal, alert_id)


def _ensure_reader(principal: Principal) -> None:
    if not principal.has_any_role(*DEVICE_READERS):
        raise Forbidden("devices are for admins, doctors and nurses")


def _ensure_admin(principal: Principal) -> None:
    if not principal.has_any_role(Role.ADMIN):
        raise Forbidden("devices are registered by admins")


def _ensure_clinician(principal: Principal) -> None:
    if not principal.has_any_role(*ALERT_READERS):
        raise Forbidden("alerts are for doctors and nurses")
