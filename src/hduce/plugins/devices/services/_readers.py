"""`ReadingReader` and `DeviceDirectory`: the REST API's reads and rules, for other plugins."""

import uuid
from datetime import datetime

from hduce.contracts.auth import Role
from hduce.contracts.devices import DeviceView, ReadingView
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.plugins.devices.schemas import DeviceRead
from hduce.plugins.devices.services._readings import ReadingQueries
from hduce.plugins.devices.services._registry import DeviceRegistry

# As the guard of `GET /api/v1/devices`.
DEVICE_READERS = (Role.ADMIN, Role.DOCTOR, Role.NURSE)


class Readings:
    """Pages of readings for other plugins (FHIR), through the REST API's query."""

    def __init__(self, queries: ReadingQueries, max_page_size: int) -> None:
        self._queries = queries
        self._max_page_size = max_page_size

    async def page(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        metric: str | None,
        start: datetime | None,
        end: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[ReadingView], str | None]:
        """Readings newest first and the next page's cursor; audited as `devices.readings_read`."""
        page = await self._queries.page(
            principal,
            patient_id=patient_id,
            metric=metric,
            start=start,
            end=end,
            cursor=cursor,
            limit=min(limit, self._max_page_size),
        )
        views = [
            ReadingView(
                id=r.id,
                device_id=r.device_id,
                patient_id=r.patient_id,
                metric=r.metric,
                value=r.value,
                unit=r.unit,
                measured_at=r.measured_at,
            )
            for r in page.items
        ]
        return views, page.next_cursor


class Devices:
    """Device reads for other plugins (FHIR), for the roles the REST routes let through."""

    def __init__(self, service: DeviceRegistry) -> None:
        self._service = service

    async def get(self, principal: Principal, device_id: uuid.UUID) -> DeviceView:
        """One device, for admins, doctors and nurses."""
        _ensure_reader(principal)
        return _device_view(await self._service.get(device_id))

    async def page(
        self, principal: Principal, *, patient_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[list[DeviceView], int]:
        """Devices by registration time, optionally of one patient."""
        _ensure_reader(principal)
        page = await self._service.page(
            patient_id=patient_id, active=None, limit=limit, offset=offset
        )
        return [_device_view(item) for item in page.items], page.total


def _ensure_reader(principal: Principal) -> None:
    if not principal.has_any_role(*DEVICE_READERS):
        raise Forbidden("devices are for admins, doctors and nurses")


def _device_view(read: DeviceRead) -> DeviceView:
    return DeviceView(
        id=read.id,
        kind=read.kind,
        name=read.name,
        serial=read.serial,
        patient_id=read.patient_id,
        active=read.active,
    )
