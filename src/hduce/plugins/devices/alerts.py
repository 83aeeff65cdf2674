"""Threshold rules: a stored reading beyond its patient's bounds raises one open alert."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.db import HduceEngine
from hduce.core.events import EventBus
from hduce.plugins.devices.config import Threshold

SILENCE = "silence"
"""The metric of a silent-device alert (see `silence.py`); never a telemetry metric."""
INSERT_ALERT = f"""
INSERT INTO device_alert (id, device, patient, metric, value, unit, bound, threshold,
                          measured_at, raised_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
ON CONFLICT (patient, metric) WHERE acknowledged_at IS NULL AND metric <> '{SILENCE}' DO NOTHING
RETURNING id
"""
# `breach` in SQL, for a CTE after `batch` (device, metric, value) with the clinic defaults as
# arrays ($9 metric, $10 above, $11 below, see `default_bounds`): the rows of assigned devices
# beyond their patient's bounds, a doctor's row for the patient and metric replacing the default.
BREACHING = """
breaching AS (
    SELECT FROM batch b JOIN device d ON d.id = b.device AND d.active AND d.patient IS NOT NULL
    LEFT JOIN device_threshold t ON t.patient = d.patient AND t.metric = b.metric
    LEFT JOIN unnest($9::text[], $10::float8[], $11::float8[]) AS l(metric, above, below)
        ON l.metric = b.metric
    WHERE CASE WHEN t.patient IS NULL THEN b.value > l.above OR b.value < l.below
               ELSE b.value > t.above OR b.value < t.below END
    LIMIT 1
)"""


class StoredReading(NamedTuple):
    """A reading as inserted (the fields follow the `reading` columns)."""

    device: uuid.UUID
    patient: uuid.UUID | None
    metric: str
    value: float
    unit: str
    measured_at: datetime
    received_at: datetime


def breach(value: float, threshold: Threshold | None) -> tuple[str, float] | None:
    """(`above` or `below`, the bound) when `value` lies beyond `threshold`, else None."""
    if threshold is None:
        return None
    if threshold.above is not None and value > threshold.above:
        return "above", threshold.above
    if threshold.below is not None and value < threshold.below:
        return "below", threshold.below
    return None


class AlertRules:
    """Clinic defaults overridden per patient and metric by the `device_threshold` rows."""

    def __init__(
        self, db: HduceEngine, events: EventBus, defaults: Mapping[str, Threshold]
    ) -> None:
        self._db = db
        self._events = events
        self._defaults = dict(defaults)

    def default_bounds(self) -> tuple[list[str], list[float | None], list[float | None]]:
        """The clinic defaults as the arrays `BREACHING` takes: metrics, aboves, belows."""
        metrics = list(self._defaults)
        return (
            metrics,
            [self._defaults[m].above for m in metrics],
            [self._defaults[m].below for m in metrics],
        )

    async def thresholds_of(
        self, patients: list[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, str], Threshold]:
        """The per-patient overrides of `patients`, keyed by (patient, metric)."""
        rows = await self._db.fetch(
            "SELECT patient, metric, above, below FROM device_threshold "
            "WHERE patient = ANY($1::uuid[])",
            patients,
        )
        return {
            (row["patient"], row["metric"]): Threshold(above=row["above"], below=row["below"])
            for row in rows
        }

    async def raise_alerts(self, readings: list[StoredReading]) -> int:
        """Insert an alert and its event per (patient, metric) breached; inside the caller's tx."""
        assigned = [r for r in readings if r.patient is not None]
        if not assigned:
            return 0
        overrides = await self.thresholds_of(list({r.patient for r in assigned}))
        raised, seen = 0, set()
        for reading in assigned:
            key = (reading.patient, reading.metric)
            found = breach(reading.value, overrides.get(key, self._defaults.get(reading.metric)))
            if found is None or key in seen:
                continue
            seen.add(key)
            raised += await self._raise(reading, *found)
        return raised

    async def _raise(self, reading: StoredReading, bound: str, threshold: float) -> int:
        alert_id = uuid.uuid4()
        row = await self._db.fetchrow(
            INSERT_ALERT,
            alert_id,
            reading.device,
            reading.patient,
            reading.metric,
            reading.value,
            reading.unit,
            bound,
            threshold,
            reading.measured_at,
        )
        if row is None:
            return 0  # an alert for this patient and metric is still open
        assert reading.patient is not None
        await self._events.publish(
            DeviceAlertRaised(
                alert_id=alert_id,
                device_id=reading.device,
                patient_id=reading.patient,
                metric=reading.metric,
                value=reading.value,
                unit=reading.unit,
                bound=bound,
                threshold=threshold,
                measured_at=reading.measured_at,
            )
        )
        return 1
