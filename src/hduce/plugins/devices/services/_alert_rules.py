"""Threshold rules: a stored reading beyond its patient's bounds raises one open alert."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.events import EventBus
from hduce.plugins.devices.config import Threshold
from hduce.plugins.devices.schemas import Source
from hduce.plugins.devices.store import AlertStore, Bounds


class StoredReading(NamedTuple):
    """A reading as inserted (the fields follow the `reading` columns)."""

    device: uuid.UUID
    patient: uuid.UUID | None
    metric: str
    value: float
    unit: str
    measured_at: datetime
    received_at: datetime


class InForce(NamedTuple):
    """The bounds of one patient and metric, each with who set it (`ThresholdRead`)."""

    above: float | None
    below: float | None
    above_source: Source
    below_source: Source


def in_force(row: Mapping[str, Any] | None, clinic: Threshold | None) -> InForce:
    """A doctor's `device_threshold` row (if any) laid over the clinic's bounds, side by side.

    A side the row inherits is the clinic's; any other side is the row's (null: no bound).
    """
    found: dict[str, tuple[float | None, Source]] = {}
    for side in ("above", "below"):
        if row is not None and not row[f"{side}_inherits"]:
            found[side] = row[side], "patient"
        else:
            bound = getattr(clinic, side) if clinic is not None else None
            found[side] = bound, "clinic" if bound is not None else "none"
    (above, above_source), (below, below_source) = found["above"], found["below"]
    return InForce(above, below, above_source, below_source)


def breach(value: float, bounds: InForce) -> tuple[str, float] | None:
    """(`above` or `below`, the bound) when `value` lies beyond `bounds`, else None."""
    if bounds.above is not None and value > bounds.above:
        return "above", bounds.above
    if bounds.below is not None and value < bounds.below:
        return "below", bounds.below
    return None


class AlertRules:
    """Clinic defaults overridden per patient and metric by the `device_threshold` rows."""

    def __init__(
        self, store: AlertStore, events: EventBus, defaults: Mapping[str, Threshold]
    ) -> None:
        self._store = store
        self._events = events
        self._defaults = dict(defaults)

    def default_bounds(self) -> Bounds:
        """The clinic defaults as the arrays the batch writer's breach check takes."""
        metrics = list(self._defaults)
        return (
            metrics,
            [self._defaults[m].above for m in metrics],
            [self._defaults[m].below for m in metrics],
        )

    async def thresholds_of(
        self, patients: list[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, str], asyncpg.Record]:
        """The per-patient `device_threshold` rows of `patients`, keyed by (patient, metric)."""
        rows = await self._store.thresholds(patients)
        return {(row["patient"], row["metric"]): row for row in rows}

    async def raise_alerts(self, readings: list[StoredReading]) -> int:
        """An alert and its event per (patient, metric, bound) breached, in the caller's tx."""
        assigned = [r for r in readings if r.patient is not None]
        if not assigned:
            return 0
        overrides = await self.thresholds_of(list({r.patient for r in assigned}))
        raised, seen = 0, set()
        for reading in assigned:
            key = (reading.patient, reading.metric)
            bounds = in_force(overrides.get(key), self._defaults.get(reading.metric))
            found = breach(reading.value, bounds)
            if found is None or (*key, found[0]) in seen:
                continue
            seen.add((*key, found[0]))
            raised += await self._raise(reading, *found)
        return raised

    async def _raise(self, reading: StoredReading, bound: str, threshold: float) -> int:
        assert reading.patient is not None
        alert = DeviceAlertRaised(
            alert_id=uuid.uuid4(),
            device_id=reading.device,
            patient_id=reading.patient,
            metric=reading.metric,
            value=reading.value,
            unit=reading.unit,
            bound=bound,
            threshold=threshold,
            measured_at=reading.measured_at,
        )
        if not await self._store.insert_alert(alert):
            return 0  # an alert for this patient, metric and bound is still open
        await self._events.publish(alert)
        return 1
