"""`Device` resources and their search through the `DeviceDirectory` contract."""

import uuid
from typing import Any

from hduce.contracts.devices import DeviceDirectory, DeviceView
from hduce.core.errors import NotFound
from hduce.core.registry import Registry
from hduce.core.security import Principal
from hduce.plugins.fhir.params import Paging, Params, check_names, paging, reference_id

DEVICE_PARAMS = frozenset({"patient"})
SERIAL_SYSTEM = "urn:hduce:device-serial"


def device(view: DeviceView) -> dict[str, Any]:
    """A `Device`: serial, name, kind, whether it is active, and its patient."""
    resource: dict[str, Any] = {
        "resourceType": "Device",
        "id": str(view.id),
        "identifier": [{"system": SERIAL_SYSTEM, "value": view.serial}],
        "status": "active" if view.active else "inactive",
        "serialNumber": view.serial,
        "deviceName": [{"name": view.name, "type": "user-friendly-name"}],
        "type": {"text": view.kind},
    }
    if view.patient_id is not None:
        resource["patient"] = {"reference": f"Patient/{view.patient_id}"}
    return resource


class DeviceResources:
    """Devices for admins, doctors and nurses, as the REST API allows."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def read(self, principal: Principal, device_id: str) -> dict[str, Any]:
        """One device, else 404."""
        try:
            ident = uuid.UUID(device_id)
        except ValueError:
            raise NotFound("no such Device") from None
        return device(await self._registry.get(DeviceDirectory).get(principal, ident))

    async def search(
        self, principal: Principal, params: Params
    ) -> tuple[list[dict[str, Any]], int, Paging]:
        """Devices, optionally of one `patient`, by registration time."""
        check_names(params, DEVICE_PARAMS)
        page = paging(params)
        found, total = await self._registry.get(DeviceDirectory).page(
            principal,
            patient_id=reference_id(params, "patient", "Patient"),
            limit=page.count,
            offset=page.offset,
        )
        return [device(view) for view in found], total, page
