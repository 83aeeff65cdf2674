"""The devices services the routes reach through the `devices` dependency."""

from dataclasses import dataclass

from hduce.plugins.devices.alerting import AlertService
from hduce.plugins.devices.readings import ReadingQueries
from hduce.plugins.devices.service import DeviceService


@dataclass(frozen=True)
class DeviceServices:
    """Registry, readings, and alerts with thresholds."""

    registry: DeviceService
    readings: ReadingQueries
    alerts: AlertService
    max_page_size: int
