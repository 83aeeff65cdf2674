"""`/fhir/R4/Device`: read and search by `patient` (admins, doctors and nurses)."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import DEVICE_PARAMS, DeviceResources

DEVICE_ROUTES = (
    *search_route("Device", DEVICE_PARAMS, "search_devices", DeviceResources.search),
    read_route("/Device/{device_id:str}", "read_device", DeviceResources.read),
)
