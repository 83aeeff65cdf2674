"""`Device` read and search through the `DeviceDirectory` contract."""

from typing import Any

from hduce.contracts.devices import DeviceDirectory
from hduce.core.security import Principal
from hduce.plugins.fhir.schemas import (
    Found,
    Params,
    check_names,
    device,
    paging,
    path_id,
    reference_id,
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
        check_names(params, DEVICE_PARAMS)
        page = paging(params)
        found, total = await self._directory.page(
            principal,
            patient_id=reference_id(params, "patient", "Patient"),
            limit=page.count,
            offset=page.offset,
        )
        return [device(view) for view in found], total, page
