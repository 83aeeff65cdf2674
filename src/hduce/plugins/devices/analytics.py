"""The devices section of the clinic analytics: devices in use, readings and alerts."""

from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.core.db import HduceEngine

DEVICES = """
SELECT
  count(*) FILTER (WHERE active) AS active_devices,
  count(*) FILTER (WHERE active AND patient IS NOT NULL) AS assigned_devices,
  count(*) FILTER (WHERE last_seen_at >= $1 AND last_seen_at < $2) AS seen_devices
FROM device
"""
READINGS = """
SELECT metric, count(*) AS n, count(DISTINCT patient) AS patients FROM reading
WHERE measured_at >= $1 AND measured_at < $2 GROUP BY metric
"""
ALERTS = """
SELECT count(*) AS raised,
  count(*) FILTER (WHERE acknowledged_at IS NOT NULL) AS acknowledged,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - raised_at))
    AS median_ack_seconds
FROM device_alert WHERE raised_at >= $1 AND raised_at < $2
"""


class DeviceFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Devices now, readings measured and alerts raised in the period."""

    active_devices: int
    assigned_devices: int
    """Active devices assigned to a patient."""
    seen_devices: int
    """Devices whose latest message arrived in the period."""
    readings_by_metric: dict[str, int]
    monitored_patients_by_metric: dict[str, int]
    alerts_raised: int
    alerts_acknowledged_rate: float | None
    median_seconds_to_acknowledge: float | None


class DeviceAnalytics:
    """Computes `DeviceFigures` from the device, reading and alert tables."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def figures(self, start: datetime, end: datetime) -> DeviceFigures:
        """The figures for `[start, end)`."""
        devices = await self._db.fetchrow(DEVICES, start, end)
        readings = await self._db.fetch(READINGS, start, end)
        alerts = await self._db.fetchrow(ALERTS, start, end)
        assert devices is not None and alerts is not None  # aggregates always answer one row
        median = alerts["median_ack_seconds"]
        return DeviceFigures(
            active_devices=devices["active_devices"],
            assigned_devices=devices["assigned_devices"],
            seen_devices=devices["seen_devices"],
            readings_by_metric={r["metric"]: r["n"] for r in readings},
            monitored_patients_by_metric={r["metric"]: r["patients"] for r in readings},
            alerts_raised=alerts["raised"],
            alerts_acknowledged_rate=ratio(alerts["acknowledged"], alerts["raised"]),
            median_seconds_to_acknowledge=None if median is None else round(median, 1),
        )
