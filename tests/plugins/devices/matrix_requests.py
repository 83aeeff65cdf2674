"""Requests of the authorization matrix for the devices routes, with their set-up.

Each sender takes a matrix cell (`clinic`, `caller`, `target`, `call`), seeds a device (and an
alert) of the target patient directly in the database, and sends the request as the caller.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from httpx import Response

from tests.plugins.devices.helpers import API

Sender = Callable[[Any], Awaitable[Response]]
BASE = "/api/v1/devices"


async def seed_device(clinic: Any, patient: uuid.UUID) -> uuid.UUID:
    """An active device assigned to `patient`."""
    device_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO device (id, kind, name, serial, patient, secret_hash, active, created_by, "
        "created_at, invalid_messages) VALUES ($1, 'scale', 'Matrix', $2, $3, $4, true, $3, "
        "now(), 0)",
        device_id,
        f"matrix-{device_id.hex}",
        patient,
        "0" * 64,
    )
    return device_id


async def seed_alert(clinic: Any, patient: uuid.UUID) -> uuid.UUID:
    """An open SpO2 alert of `patient`."""
    device_id = await seed_device(clinic, patient)
    alert_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO device_alert (id, device, patient, metric, value, unit, bound, threshold, "
        "measured_at, raised_at) VALUES ($1, $2, $3, 'spo2', 85, '%', 'below', 92, now(), now())",
        alert_id,
        device_id,
        patient,
    )
    return alert_id


def on_device(method: str, suffix: str = "", body: Callable[[Any], object] | None = None) -> Sender:
    """A request on a device of the target."""

    async def send(cell: Any) -> Response:
        device_id = await seed_device(cell.clinic, cell.target.id)
        return await cell.call(method, f"{API}/{device_id}{suffix}", body(cell) if body else None)

    return send


async def acknowledge(cell: Any) -> Response:
    alert_id = await seed_alert(cell.clinic, cell.target.id)
    return await cell.call("POST", f"{API}/alerts/{alert_id}/acknowledge")


def on_patient(method: str, suffix: str = "", body: object = None) -> Sender:
    """A request naming the target patient in the path."""

    async def send(cell: Any) -> Response:
        return await cell.call(method, f"{API}/thresholds/{cell.target.id}{suffix}", body)

    return send


async def readings(cell: Any) -> Response:
    return await cell.call("GET", f"{API}/readings?patient_id={cell.target.id}")


DEVICE_REQUESTS: dict[tuple[str, str], Sender] = {
    ("POST", BASE): lambda cell: cell.call(
        "POST", API, {"kind": "scale", "name": "Matrix", "serial": uuid.uuid4().hex}
    ),
    ("GET", f"{BASE}/{{device_id}}"): on_device("GET"),
    ("POST", f"{BASE}/{{device_id}}/rotate-secret"): on_device("POST", "/rotate-secret"),
    ("PUT", f"{BASE}/{{device_id}}/patient"): on_device(
        "PUT", "/patient", lambda cell: {"patient_id": str(cell.target.id)}
    ),
    ("POST", f"{BASE}/{{device_id}}/deactivate"): on_device("POST", "/deactivate"),
    ("GET", f"{BASE}/readings"): readings,
    ("POST", f"{BASE}/alerts/{{alert_id}}/acknowledge"): acknowledge,
    ("GET", f"{BASE}/thresholds/{{patient_id}}"): on_patient("GET"),
    ("PUT", f"{BASE}/thresholds/{{patient_id}}/{{metric}}"): on_patient(
        "PUT", "/spo2", {"below": 90}
    ),
    ("DELETE", f"{BASE}/thresholds/{{patient_id}}/{{metric}}"): on_patient("DELETE", "/spo2"),
}
