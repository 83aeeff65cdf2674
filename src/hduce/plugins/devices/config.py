"""Settings of the devices plugin (`[plugins.devices]`)."""

import msgspec

from hduce.core.config import Duration, Section


class Threshold(Section):
    """Bounds of one metric: a reading above `above` or below `below` raises an alert."""

    above: float | None = None
    below: float | None = None


def default_thresholds() -> dict[str, Threshold]:
    """Clinic-wide defaults (a doctor overrides them per patient)."""
    return {
        "spo2": Threshold(below=92),
        "heart_rate": Threshold(above=120, below=45),
        "systolic": Threshold(above=180, below=90),
        "diastolic": Threshold(above=110),
        "temperature": Threshold(above=39.0, below=35.0),
        "glucose": Threshold(above=13.9, below=3.9),
    }


class DevicesConfig(Section):
    """The embedded MQTT broker, telemetry ingestion and alert thresholds."""

    host: str = "127.0.0.1"
    """Address the MQTT listener binds; `0.0.0.0` to reach devices on the network."""
    port: int = 1883
    """MQTT TCP port; 0 picks a free port (tests)."""
    max_connections: int = 1000
    """Most MQTT connections at once."""
    queue_size: int = 10_000
    """Telemetry messages waiting for the database; beyond this they are dropped and counted."""
    batch_size: int = 500
    """Most messages written in one transaction."""
    max_future_skew: Duration = Duration(300)
    """A reading's `ts` may be this far ahead of the server clock; later ones are invalid."""
    max_page_size: int = 500
    """Largest page of readings or alerts."""
    alert_url: str = "{public_url}/devices/alerts/{alert_id}"
    """The link in alert messages; `{public_url}` is `server.public_url`."""
    silent_after: Duration = Duration(0)
    """An assigned device not heard from for this long opens an alert; 0: no such alerts."""
    silent_check_every: Duration = Duration(60)
    """How often the web process looks for silent devices."""
    thresholds: dict[str, Threshold] = msgspec.field(default_factory=default_thresholds)
    """Default alert bounds per metric, e.g. `spo2 = { below = 92 }`."""
