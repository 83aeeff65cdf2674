"""`Device` read and search through the `DeviceDirectory` contract."""

from typing import Any

from hduce.contracts.devices import DeviceDirectory
from hduce.plugins.fhir.schemas import (
    PATIENT_PARAM,
    Filters,
    Found,
    Params,
    device,
    path_id,
    reference_id,
    search_of,
)
from hduce.plugins.fhir.services._caller import Caller

DEVICE_PARAMS: Filters = PATIENT_PARAM


class DeviceResources:
    """Devices for admins, doctors and nurses, as the REST API allows."""

    def __init__(self, directory: DeviceDirectory) -> None:
        self._directory = directory

    async def read(self, caller: Caller, device_id: str) -> dict[str, Any]:
        """One device (never its secret)."""
        return device(await self._directory.get(caller.principal, path_id(device_id, "Device")))

    async def search(self, caller: Caller, params: Params) -> Found:
        """Devices by registration time, optionally of one `patient`."""
        search = search_of(params, DEVICE_PARAMS)
        found, total = await self._directory.page(
            caller.principal,
            patient_id=reference_id(params, "patient", "Patient"),
            limit=search.page.count,
            offset=search.page.offset,
        )
        return [device(view) for view in found], total, search.page
