"""The one telemetry format devices publish on `devices/<device id>/telemetry`.

```json
{"ts": "2026-12-01T09:30:00Z",
 "readings": [{"metric": "systolic", "value": 128, "unit": "mmHg"},
              {"metric": "diastolic", "value": 84, "unit": "mmHg"}]}
```
`ts` (when measured, with a UTC offset) may be left out: the arrival time is used then.
"""

import math
from datetime import datetime, timedelta
from typing import Annotated

import msgspec

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


_decoder = msgspec.json.Decoder(Telemetry)


def parse(payload: bytes, *, received_at: datetime, max_skew: timedelta) -> Telemetry:
    """Decode and check one message; raise `InvalidTelemetry` with a short reason."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidTelemetry(f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        telemetry = _decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise InvalidTelemetry(str(exc)) from None
    if telemetry.ts is not None:
        if telemetry.ts.tzinfo is None:
            raise InvalidTelemetry("`ts` needs a UTC offset, e.g. 2026-12-01T09:30:00Z")
        if telemetry.ts > received_at + max_skew:
            raise InvalidTelemetry("`ts` is in the future")
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
    return telemetry
