"""The devices section of a person's data export: their devices, readings, alerts and bounds."""

MAX_READINGS = 100_000
"""Newest readings included; older ones stay readable through `GET /api/v1/devices/readings`."""

DEVICE_DATA = {
    "devices": (
        "SELECT id, kind, name, serial, active, created_at, deactivated_at, last_seen_at "
        "FROM device WHERE patient = $1 ORDER BY created_at"
    ),
    "readings": (
        "SELECT device, metric, value, unit, measured_at FROM reading WHERE patient = $1 "
        f"ORDER BY measured_at DESC LIMIT {MAX_READINGS}"
    ),
    "alerts": (
        "SELECT id, device, metric, value, unit, bound, threshold, measured_at, raised_at, "
        "acknowledged_at FROM device_alert WHERE patient = $1 ORDER BY raised_at"
    ),
    "thresholds": (
        "SELECT metric, above, below, updated_at FROM device_threshold WHERE patient = $1 "
        "ORDER BY metric"
    ),
}
