"""`/fhir/R4/Device`: read and search by `patient` (admins, doctors and nurses)."""

from hduce.plugins.fhir.routes._interactions import FhirCall, Found, Resource, read, search
from hduce.plugins.fhir.services import enabled


@search("Device")
async def search_devices(call: FhirCall) -> Found:
    """Devices by registration time, optionally of one `patient`."""
    return await enabled(call.fhir.devices).search(call.principal, call.query)


@read("/Device/{device_id:str}")
async def read_device(call: FhirCall, device_id: str) -> Resource:
    """One device (never its secret)."""
    return await enabled(call.fhir.devices).read(call.principal, device_id)


DEVICE_ROUTES = (search_devices, read_device)
