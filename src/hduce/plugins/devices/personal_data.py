"""A person's data export, devices section: devices they had (when), readings, alerts, bounds."""

MAX_READINGS = 100_000
"""Newest readings included; older ones stay readable through `GET /api/v1/devices/readings`."""

DEVICE_DATA = {
    # Every device the person had, not only those they have now: their readings and alerts name
    # devices given to someone else since (who has them now is not theirs to see).
    "devices": (
        "SELECT id, kind, name, serial, active, created_at, deactivated_at, last_seen_at "
        "FROM device WHERE id IN (SELECT device FROM device_assignment WHERE patient = $1 "
        "UNION SELECT device FROM reading WHERE patient = $1 "
        "UNION SELECT device FROM device_alert WHERE patient = $1) ORDER BY created_at"
    ),
    "assignments": (
        "SELECT device, since, until FROM device_assignment WHERE patient = $1 ORDER BY since"
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
        "SELECT metric, above, below, above_inherits, below_inherits, updated_at "
        "FROM device_threshold WHERE patient = $1 "
        "ORDER BY metric"
    ),
}
