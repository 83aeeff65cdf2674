"""The devices section of the clinic analytics: devices in use, readings and alerts."""

from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.plugins.devices.store import ReportStore


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


async def device_figures(reports: ReportStore, start: datetime, end: datetime) -> DeviceFigures:
    """The figures for `[start, end)`, from the device, reading and alert tables."""
    devices = await reports.devices(start, end)
    readings = await reports.readings(start, end)
    alerts = await reports.alerts(start, end)
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
