"""Device facts other plugins may react to (past-tense events)."""

import uuid
from datetime import datetime

from hduce.core.events import Event


class DeviceRegistered(Event, frozen=True):
    """An admin registered a medical device (its secret is never part of an event)."""

    name = "device.registered"
    device_id: uuid.UUID
    kind: str
    serial: str
    patient_id: uuid.UUID | None
    registered_by: uuid.UUID


class DeviceAlertRaised(Event, frozen=True):
    """A device reading crossed a threshold; the alert stays open until acknowledged."""

    name = "device.alert_raised"
    alert_id: uuid.UUID
    device_id: uuid.UUID
    patient_id: uuid.UUID
    metric: str
    value: float
    unit: str
    bound: str
    """`above` or `below`: which side of the threshold the value fell on."""
    threshold: float
    measured_at: datetime


class DeviceCameOnline(Event, frozen=True):
    """A device signed in to the MQTT broker (it had no live connection before)."""

    name = "device.online"
    device_id: uuid.UUID
    patient_id: uuid.UUID | None
    at: datetime


class DeviceWentOffline(Event, frozen=True):
    """A device's last MQTT connection ended."""

    name = "device.offline"
    device_id: uuid.UUID
    patient_id: uuid.UUID | None
    reason: str
    """`disconnected` (it said so), `keepalive_expired`, `connection_lost`, `closed` (by an
    admin's action) or `server_stopped`."""
    at: datetime
