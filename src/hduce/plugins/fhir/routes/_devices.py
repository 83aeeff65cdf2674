"""`/fhir/R4/Device`: read and search by `patient` (admins, doctors and nurses)."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import enabled

DEVICE_ROUTES = (
    search_route(
        "Device",
        "search_devices",
        "Devices by registration time, optionally of one `patient`.",
        lambda call: enabled(call.fhir.devices).search(call.principal, call.query),
    ),
    read_route(
        "/Device/{device_id:str}",
        "read_device",
        "One device (never its secret).",
        lambda call, device_id: enabled(call.fhir.devices).read(call.principal, device_id),
    ),
)
