"""Request and response bodies of the devices API."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from hduce.contracts.devices import AlertView, DeviceView, ReadingView
from hduce.core.schemas import Input, Read
from hduce.core.text_patterns import matching

DeviceKind = Literal[
    "blood_pressure", "pulse_oximeter", "thermometer", "scale", "glucose_meter", "other"
]
Metric = Literal[
    "heart_rate",
    "spo2",
    "systolic",
    "diastolic",
    "temperature",
    "weight",
    "glucose",
    "respiratory_rate",
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Serial = Annotated[
    str,
    matching(
        r"^\S(.*\S)?$",
        "one line, not starting or ending with white space",
        min_length=1,
        max_length=100,
    ),
]


class DeviceCreate(Input):
    """A device to register; `patient_id` assigns it to a patient straight away."""

    kind: DeviceKind
    name: Name
    serial: Serial
    patient_id: uuid.UUID | None = None


class PatientAssignment(Input):
    """Whom the device measures from now on; null unassigns it."""

    patient_id: uuid.UUID | None


class DeviceRead(DeviceView, Read, frozen=False, kw_only=True):
    """A registered device (never its secret)."""

    created_at: datetime
    deactivated_at: datetime | None
    last_seen_at: datetime | None
    """Last reading, connection or disconnection."""
    presence: Literal["online", "offline"]
    """Whether the device has a live MQTT connection."""
    presence_changed_at: datetime | None
    offline_reason: str | None
    """Why it went offline: `disconnected` (it said so), `keepalive_expired`, `connection_lost`,
    `closed` (deactivated or secret rotated), `server_stopped` or `server_lost` (its server was
    killed)."""
    invalid_messages: int
    last_error: str | None
    last_error_at: datetime | None
    telemetry_topic: str


class DeviceCredentials(msgspec.Struct, kw_only=True):
    """What to configure on the device: shown once, only the hash is kept."""

    device_id: uuid.UUID
    username: str
    """The MQTT username (the device id)."""
    secret: str
    """The MQTT password; lost secrets are replaced with `rotate-secret`."""
    telemetry_topic: str


class DeviceCreated(msgspec.Struct, kw_only=True):
    """The new device and its credentials."""

    device: DeviceRead
    credentials: DeviceCredentials


class ReadingRead(ReadingView, Read, frozen=False, kw_only=True):
    """One stored reading."""

    received_at: datetime


class ReadingPage(msgspec.Struct, kw_only=True):
    """Readings, newest first; pass `next_cursor` as `cursor` for the next page."""

    items: list[ReadingRead]
    next_cursor: str | None


class AlertRead(AlertView, Read, frozen=False, kw_only=True):
    """A reading beyond a threshold and whether someone acknowledged it."""

    acknowledged_by: uuid.UUID | None


_SIDE = (
    "a finite number inside the metric's plausible range (`plugins.devices.ranges`); null: "
    "no bound on this side for the patient (it never alerts); left out: the clinic's bound"
)
Source = Literal["patient", "clinic", "none"]
_WHO = "a doctor for this patient (null: no bound), the clinic, or nobody (none: no bound)"


class ThresholdSet(Input):
    """A patient's bounds for one metric; at least one side (`DELETE` resets both)."""

    above: Annotated[
        float | msgspec.UnsetType | None,
        msgspec.Meta(description=f"A reading above it alerts: {_SIDE}."),
    ] = msgspec.UNSET
    below: Annotated[
        float | msgspec.UnsetType | None,
        msgspec.Meta(description=f"A reading below it alerts: {_SIDE}."),
    ] = msgspec.UNSET


class ThresholdRead(msgspec.Struct, kw_only=True):
    """The bounds in force for one patient and metric, and where each comes from."""

    metric: str
    unit: str
    above: float | None
    below: float | None
    source: Annotated[
        Source, msgspec.Meta(description="`patient` when a doctor set a side for this patient.")
    ]
    above_source: Annotated[Source, msgspec.Meta(description=f"Who set `above`: {_WHO}.")]
    below_source: Annotated[Source, msgspec.Meta(description=f"Who set `below`: {_WHO}.")]
