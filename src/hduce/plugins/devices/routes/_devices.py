"""Routes of the device registry: admins manage devices, doctors and nurses may read them."""

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.schemas import Page
from hduce.core.security import Principal, requires_roles
from hduce.plugins.devices.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceCredentials,
    DeviceRead,
    PatientAssignment,
)
from hduce.plugins.devices.services import DeviceServices

ADMINS = [requires_roles(Role.ADMIN)]
READERS = [requires_roles(Role.ADMIN, Role.DOCTOR, Role.NURSE)]


class DeviceController(Controller):
    """Register devices, hand out their MQTT secret once, assign, rotate and deactivate."""

    path = "/devices"
    tags = ["devices"]

    @post(guards=ADMINS, responses=problems(403, 409, 422))
    async def create_device(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        data: JSONBody[DeviceCreate],
        devices: NamedDependency[DeviceServices],
    ) -> DeviceCreated:
        """Register a device; the answer holds its MQTT secret, shown this once only."""
        return await devices.inventory.register(principal, data, ip=client_ip(request))

    @get(guards=READERS, responses=problems(403))
    async def list_devices(
        self,
        devices: NamedDependency[DeviceServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: PageOffset = 0,
    ) -> Page[DeviceRead]:
        """Devices by registration time, optionally of one patient or active only."""
        return await devices.inventory.page(
            patient_id=patient_id, active=active, limit=limit, offset=offset
        )

    @get("/{device_id:uuid}", guards=READERS, responses=problems(403, 404))
    async def get_device(
        self, device_id: FromPath[uuid.UUID], devices: NamedDependency[DeviceServices]
    ) -> DeviceRead:
        """One device: assignment, last seen, invalid messages and the last error."""
        return await devices.inventory.get(device_id)

    @post(
        "/{device_id:uuid}/rotate-secret",
        guards=ADMINS,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def rotate_device_secret(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        device_id: FromPath[uuid.UUID],
        devices: NamedDependency[DeviceServices],
    ) -> DeviceCredentials:
        """A new secret (shown once); the old one is refused and its connection closed."""
        return await devices.inventory.rotate_secret(principal, device_id, ip=client_ip(request))

    @put("/{device_id:uuid}/patient", guards=ADMINS, responses=problems(403, 404, 409, 422))
    async def assign_device(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        device_id: FromPath[uuid.UUID],
        data: JSONBody[PatientAssignment],
        devices: NamedDependency[DeviceServices],
    ) -> DeviceRead:
        """Assign the device to a patient, or unassign it with `null` (409 once deactivated)."""
        return await devices.inventory.assign(
            principal, device_id, data.patient_id, ip=client_ip(request)
        )

    @post(
        "/{device_id:uuid}/deactivate",
        guards=ADMINS,
        status_code=HTTP_200_OK,
        responses=problems(403, 404),
    )
    async def deactivate_device(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        device_id: FromPath[uuid.UUID],
        devices: NamedDependency[DeviceServices],
    ) -> DeviceRead:
        """Refuse the device from now on and close its live MQTT connection."""
        return await devices.inventory.deactivate(principal, device_id, ip=client_ip(request))
