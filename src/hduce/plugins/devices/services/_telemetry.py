"""The one telemetry format devices publish on `devices/<device id>/telemetry`.

```json
{"ts": "2026-12-01T09:30:00Z",
 "readings": [{"metric": "systolic", "value": 128, "unit": "mmHg"},
              {"metric": "diastolic", "value": 84, "unit": "mmHg"}]}
```
`ts` (when measured, with a UTC offset) may be left out: the arrival time is used then.
`id` (optional, up to 64 characters, no NUL: PostgreSQL text cannot hold it) names the
message; a message sent again with the same `id` (or, without one, the same bytes with the same
`ts`) is stored once.
"""

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

import msgspec

from hduce.core.numbers import shown_value

UNITS: dict[str, str] = {
    "heart_rate": "bpm",
    "spo2": "%",
    "systolic": "mmHg",
    "diastolic": "mmHg",
    "temperature": "°C",
    "weight": "kg",
    "glucose": "mmol/L",
    "respiratory_rate": "/min",
}
"""Every metric a device may send and the one unit it must be sent in (UCUM codes)."""

KINDS = ("blood_pressure", "pulse_oximeter", "thermometer", "scale", "glucose_meter", "other")
"""What a registered device may be."""

MAX_READINGS = 50
MAX_PAYLOAD_BYTES = 16_384
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No device measured anything before this; an earlier `ts` is a clock that was never set."""


class Bounds(Protocol):
    """The plausible values of one metric (`min` and `max` included)."""

    min: float
    max: float


class InvalidTelemetry(ValueError):
    """A message that does not follow the telemetry format; the text says why."""


class Measurement(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One value of one metric."""

    metric: str
    value: float
    unit: str


class Telemetry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One message: a measurement time and one or more measurements."""

    readings: Annotated[list[Measurement], msgspec.Meta(min_length=1, max_length=MAX_READINGS)]
    ts: datetime | None = None
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


_decoder = msgspec.json.Decoder(Telemetry)


def parse(
    payload: bytes,
    *,
    received_at: datetime,
    max_skew: timedelta,
    ranges: Mapping[str, Bounds],
) -> Telemetry:
    """Decode and check one message; raise `InvalidTelemetry` with a short reason."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidTelemetry(f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        telemetry = _decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise InvalidTelemetry(str(exc)) from None
    _refuse_duplicate_keys(payload, telemetry)
    if telemetry.id is not None and "\x00" in telemetry.id:
        raise InvalidTelemetry("`id` holds a NUL character (U+0000)")
    if telemetry.ts is not None:
        if telemetry.ts.tzinfo is None:
            raise InvalidTelemetry("`ts` needs a UTC offset, e.g. 2026-12-01T09:30:00Z")
        if telemetry.ts > received_at + max_skew:
            raise InvalidTelemetry("`ts` is in the future")
        if telemetry.ts < EARLIEST:
            raise InvalidTelemetry(f"`ts` is before {EARLIEST:%Y-%m-%d}")
    for reading in telemetry.readings:
        expected = UNITS.get(reading.metric)
        if expected is None:
            raise InvalidTelemetry(f"unknown metric {reading.metric!r}")
        if reading.unit != expected:
            raise InvalidTelemetry(
                f"{reading.metric} must be in {expected!r}, not {reading.unit!r}"
            )
        if not math.isfinite(reading.value):
            raise InvalidTelemetry(f"{reading.metric} is not a finite number")
        outside = out_of_range(reading.metric, reading.value, ranges)
        if outside:
            raise InvalidTelemetry(outside)
    return telemetry


def out_of_range(metric: str, value: float, ranges: Mapping[str, Bounds]) -> str | None:
    """Why `value` is no plausible `metric` (outside its configured range); None if it is."""
    bounds = ranges.get(metric)
    if bounds is None or bounds.min <= value <= bounds.max:
        return None
    return (
        f"{metric} {shown_value(value)} is outside "
        f"{shown_value(bounds.min)}..{shown_value(bounds.max)}"
    )


def _refuse_duplicate_keys(payload: bytes, telemetry: Telemetry) -> None:
    """Refuse a key given twice in one object (msgspec keeps the last one silently).

    Without a backslash every JSON string is two `"` in the bytes. A decoded message has
    `readings`, `metric`, `value`, `unit` (and `ts`, `id` when set) as keys, and string values
    for all but `readings` and `value`; each repeated key adds a string, so when the count of
    `"` is exactly that, nothing repeats and the full check (a second parse) is skipped.
    """
    strings = 1 + 5 * len(telemetry.readings)
    strings += 2 * (telemetry.ts is not None) + 2 * (telemetry.id is not None)
    if b"\\" in payload or payload.count(b'"') != 2 * strings:
        json.loads(payload, object_pairs_hook=_unique_pairs)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InvalidTelemetry(f"duplicate key `{key}`")
        found[key] = value
    return found


def message_key(payload: bytes, telemetry: Telemetry, received_at: datetime) -> str:
    """What makes a message the same message when it is sent again (unique per device).

    The device's `id` when it gave one; else a hash of the bytes, which hold `ts`. Without
    `ts` the arrival time is hashed in too, so equal readings sent twice stay two readings.
    """
    if telemetry.id is not None:
        return f"id:{telemetry.id}"
    digest = hashlib.sha256(payload)
    if telemetry.ts is None:
        digest.update(received_at.isoformat().encode())
    return f"sha256:{digest.hexdigest()}"
