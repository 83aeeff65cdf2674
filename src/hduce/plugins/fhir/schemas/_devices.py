"""`Device` resources from the devices plugin's views."""

from typing import Any

from hduce.contracts.devices import DeviceView

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
