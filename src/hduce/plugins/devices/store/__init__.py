"""All SQL of the devices plugin, run through `env.db` (it joins the caller's transaction)."""

from dataclasses import dataclass

from hduce.core.stores import StoreBundle
from hduce.plugins.devices.store._alerts import SILENCE, AlertStore
from hduce.plugins.devices.store._devices import KICK_CHANNEL, DeviceStore
from hduce.plugins.devices.store._presence import PresenceStore
from hduce.plugins.devices.store._readings import ReadingStore
from hduce.plugins.devices.store._reports import ReportStore
from hduce.plugins.devices.store._telemetry import Bounds, Columns, TelemetryStore


@dataclass(frozen=True)
class Stores(StoreBundle):
    """Every store of the plugin, over one `Database`."""

    devices: DeviceStore
    alerts: AlertStore
    readings: ReadingStore
    telemetry: TelemetryStore
    presence: PresenceStore
    reports: ReportStore


__all__ = [
    "KICK_CHANNEL",
    "SILENCE",
    "AlertStore",
    "Bounds",
    "Columns",
    "DeviceStore",
    "PresenceStore",
    "ReadingStore",
    "ReportStore",
    "Stores",
    "TelemetryStore",
]
