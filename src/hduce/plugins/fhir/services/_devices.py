"""`Device` read and search through the `DeviceDirectory` contract."""

from typing import Any

from hduce.contracts.devices import DeviceDirectory
from hduce.core.security import Principal
from hduce.plugins.fhir.schemas import (
    Found,
    Params,
    device,
    path_id,
    reference_id,
    search_of,
)

DEVICE_PARAMS = frozenset({"patient"})


class DeviceResources:
    """Devices for admins, doctors and nurses, as the REST API allows."""

    def __init__(self, directory: DeviceDirectory) -> None:
        self._directory = directory

    async def read(self, principal: Principal, device_id: str) -> dict[str, Any]:
        """One device, else 404."""
        return device(await self._directory.get(principal, path_id(device_id, "Device")))

    async def search(self, principal: Principal, params: Params) -> Found:
        """Devices, optionally of one `patient`, by registration time."""
        search = search_of(params, DEVICE_PARAMS)
        found, total = await self._directory.page(
            principal,
            patient_id=reference_id(params, "patient", "Patient"),
            limit=search.page.count,
            offset=search.page.offset,
        )
        return [device(view) for view in found], total, search.page
