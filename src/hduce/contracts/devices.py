"""Device facts other plugins react to (past-tense events), a reader of readings, numbers."""

import uuid
from datetime import datetime
from typing import Protocol

import msgspec

from hduce.core.events import Event
from hduce.core.security import Principal


class DeviceRegistered(Event, frozen=True):
    """An admin registered a medical device (its secret is never part of an event)."""

    name = "device.registered"
    device_id: uuid.UUID
    kind: str
    serial: str
    patient_id: uuid.UUID | None
    registered_by: uuid.UUID


class ThresholdCrossing(msgspec.Struct, frozen=True, kw_only=True):
    """A reading of a patient's device beyond one of their thresholds."""

    device_id: uuid.UUID
    patient_id: uuid.UUID
    metric: str
    value: float
    unit: str
    bound: str
    """`above` or `below`: which side of the threshold the value fell on."""
    threshold: float
    measured_at: datetime


class DeviceAlertRaised(Event, ThresholdCrossing, frozen=True):
    """A device reading crossed a threshold; the alert stays open until acknowledged."""

    name = "device.alert_raised"
    alert_id: uuid.UUID


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


class ReadingView(msgspec.Struct, frozen=True, kw_only=True):
    """One stored device reading (`metric` is one of the devices plugin's metric names)."""

    id: int
    device_id: uuid.UUID
    patient_id: uuid.UUID | None
    metric: str
    value: float
    unit: str
    measured_at: datetime


class ReadingQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which readings a page holds, newest first.

    Whose, of which metric (None: all), measured in `[start, end)` (None: unbounded), after
    the position `cursor` names (None: from the newest).
    """

    patient_id: uuid.UUID | None = None
    """The patient; a patient may leave it out (their own)."""
    metric: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    cursor: str | None = None
    limit: int = 100


class ReadingReader(Protocol):
    """Readings with the REST API's rules and audit (provided by devices)."""

    async def page(
        self, principal: Principal, query: ReadingQuery
    ) -> tuple[list[ReadingView], str | None]:
        """Readings newest first and the cursor of the next page (None at the end).

        A patient reads their own; doctors and nurses name the patient; others get 403.
        """


class DeviceView(msgspec.Struct, frozen=True, kw_only=True):
    """A registered device as other plugins may show it (never its secret)."""

    id: uuid.UUID
    kind: str
    name: str
    serial: str
    patient_id: uuid.UUID | None
    active: bool


class DeviceSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A device to register, assigned to a patient straight away unless `patient_id` is None."""

    kind: str
    name: str
    serial: str
    patient_id: uuid.UUID | None = None


class DeviceDirectory(Protocol):
    """Device reads with the REST API's rules: admins, doctors and nurses (provided by devices)."""

    async def get(self, principal: Principal, device_id: uuid.UUID) -> DeviceView:
        """One device (404 if unknown; 403 for other roles)."""

    async def page(
        self, principal: Principal, *, patient_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[list[DeviceView], int]:
        """Devices by registration time, optionally of one patient; and the total (else 403)."""

    async def register(self, principal: Principal, spec: DeviceSpec) -> tuple[DeviceView, str]:
        """Register a device and return it with its MQTT secret, shown once (admins; else 403)."""

    async def rotate_secret(self, principal: Principal, device_id: uuid.UUID) -> str:
        """Replace a device's secret and return the new one, shown once (admins; else 403)."""


class AlertView(ThresholdCrossing, frozen=True, kw_only=True):
    """A threshold alert as clinicians see it."""

    id: uuid.UUID
    raised_at: datetime
    acknowledged_at: datetime | None


class DeviceAlerts(Protocol):
    """Alerts and acknowledging them, for doctors and nurses (provided by devices)."""

    async def get(self, principal: Principal, alert_id: uuid.UUID) -> AlertView:
        """One alert, open or acknowledged (audited; 404 unknown, 403 for other roles)."""

    async def open_alerts(self, principal: Principal, patient_id: uuid.UUID) -> list[AlertView]:
        """The patient's unacknowledged alerts, newest first (audited; else 403)."""

    async def acknowledge(self, principal: Principal, alert_id: uuid.UUID) -> AlertView:
        """Close an alert (404 unknown, 409 already acknowledged, 403 for other roles)."""
