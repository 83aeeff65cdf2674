"""`/fhir/R4/Device`: read and search by `patient` (admins, doctors and nurses)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import bundle, fhir_response, query_of
from hduce.plugins.fhir.services import FhirServices, enabled


@get("/Device")
async def search_devices(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Devices by registration time, optionally of one `patient`."""
    found = await enabled(fhir.devices).search(principal, query_of(request))
    return bundle(request, "Device", found)


@get("/Device/{device_id:str}")
async def read_device(
    device_id: FromPath[str],
    principal: NamedDependency[Principal],
    fhir: NamedDependency[FhirServices],
) -> Response[bytes]:
    """One device (never its secret)."""
    return fhir_response(await enabled(fhir.devices).read(principal, device_id))


DEVICE_ROUTES = (search_devices, read_device)
