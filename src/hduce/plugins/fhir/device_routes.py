"""`/fhir/R4/Device`: read and search by `patient` (admins, doctors and nurses)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import principal_of
from hduce.plugins.fhir.devices import DeviceResources
from hduce.plugins.fhir.media import fhir_response
from hduce.plugins.fhir.search_response import bundle, query_of


@get("/Device")
async def search_devices(
    request: Request, fhir_devices: NamedDependency[DeviceResources]
) -> Response[bytes]:
    """Devices by registration time, optionally of one `patient`."""
    found = await fhir_devices.search(principal_of(request), query_of(request))
    return bundle(request, "Device", found)


@get("/Device/{device_id:str}")
async def read_device(
    request: Request, device_id: FromPath[str], fhir_devices: NamedDependency[DeviceResources]
) -> Response[bytes]:
    """One device (never its secret)."""
    return fhir_response(await fhir_devices.read(principal_of(request), device_id))


DEVICE_ROUTES = (search_devices, read_device)
