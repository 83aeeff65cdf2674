"""The device_alert and device_threshold tables: staff's lists, thresholds and raised alerts."""

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.sql_store import SqlStore

SILENCE = "silence"
"""The metric of a silent-device alert; never a telemetry metric."""
ALERT_COLUMNS = (
    "id, device AS device_id, patient AS patient_id, metric, value, unit, bound, threshold, "
    "measured_at, raised_at, acknowledged_at, acknowledged_by"
)
OPEN_FILTER = "($1::uuid IS NULL OR patient = $1) AND (NOT $2 OR acknowledged_at IS NULL)"
# One open alert per patient, metric and direction: a breach below does not wait for the open
# alert above (heart rate 130, then 35) to be acknowledged.
INSERT_ALERT = f"""
INSERT INTO device_alert (id, device, patient, metric, value, unit, bound, threshold,
                          measured_at, raised_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
ON CONFLICT (patient, metric, bound) WHERE acknowledged_at IS NULL AND metric <> '{SILENCE}'
DO NOTHING
RETURNING id
"""
# One alert per silence: none while one is open for the device and its patient, none again for
# the same silence. A device is silent since it was last heard from, or since it was assigned to
# its patient if that is later (a device never heard from included): a patient is not told of
# silence from before they had it. A former patient's open silence alert stays open (theirs to
# review) and does not keep the device's new patient from being told. Its value and threshold
# are minutes rounded as people read them (20 s is 0.33, not 0.3333333333333333: messages
# show a number with every digit it has).
RAISE_SILENCE_ALERTS = f"""
INSERT INTO device_alert (id, device, patient, metric, value, unit, bound, threshold,
                          measured_at, raised_at)
SELECT gen_random_uuid(), d.id, a.patient, '{SILENCE}',
       round(extract(epoch FROM now() - s.since) / 60, 1)::float8, 'min', 'above',
       round(($1::float8 / 60)::numeric, 2)::float8,
       s.since, now()
FROM device AS d
JOIN device_assignment AS a ON a.device = d.id AND a.until IS NULL
CROSS JOIN LATERAL (SELECT greatest(d.last_seen_at, a.since) AS since) AS s
WHERE d.active
  AND s.since < now() - make_interval(secs => $1::float8)
  AND NOT EXISTS (SELECT 1 FROM device_alert AS x WHERE x.device = d.id
                  AND x.patient = a.patient AND x.metric = '{SILENCE}'
                  AND x.measured_at >= s.since)
ON CONFLICT (device, patient) WHERE acknowledged_at IS NULL AND metric = '{SILENCE}' DO NOTHING
RETURNING id, device, patient, value, unit, threshold, measured_at
"""


class AlertStore(SqlStore):
    """Alerts and per-patient thresholds; each statement joins the caller's transaction."""

    async def page(
        self, *, patient_id: uuid.UUID | None, open_only: bool, limit: int, offset: int
    ) -> tuple[list[asyncpg.Record], int]:
        """Alert rows newest first, optionally of one patient or only open ones, and the total."""
        rows = await self.db.fetch(
            f"SELECT {ALERT_COLUMNS}, count(*) OVER () AS total FROM device_alert "
            f"WHERE {OPEN_FILTER} ORDER BY raised_at DESC, id LIMIT $3 OFFSET $4",
            patient_id,
            open_only,
            limit,
            offset,
        )
        return rows, rows[0]["total"] if rows else 0

    async def one(self, alert_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record | None:
        """One alert's row (locked until the transaction ends with `for_update`), or None."""
        lock = " FOR UPDATE" if for_update else ""
        return await self.db.fetchrow(
            f"SELECT {ALERT_COLUMNS} FROM device_alert WHERE id = $1{lock}", alert_id
        )

    async def acknowledge(self, alert_id: uuid.UUID, by: uuid.UUID) -> asyncpg.Record:
        """Mark the alert acknowledged now by `by`; its row."""
        row = await self.db.fetchrow(
            "UPDATE device_alert SET acknowledged_at = now(), acknowledged_by = $2 "
            f"WHERE id = $1 RETURNING {ALERT_COLUMNS}",
            alert_id,
            by,
        )
        assert row is not None
        return row

    async def thresholds(self, patients: list[uuid.UUID]) -> list[asyncpg.Record]:
        """The per-patient bounds of `patients`; a side that `*_inherits` is the clinic's."""
        return await self.db.fetch(
            "SELECT patient, metric, above, below, above_inherits, below_inherits "
            "FROM device_threshold WHERE patient = ANY($1::uuid[])",
            patients,
        )

    async def set_threshold(
        self, patient_id: uuid.UUID, metric: str, sides: Mapping[str, Any], *, by: uuid.UUID
    ) -> None:
        """Replace the patient's bounds for `metric` (`sides`: the columns of `thresholds`)."""
        await self.db.execute(
            "INSERT INTO device_threshold (id, patient, metric, above, below, above_inherits, "
            "below_inherits, updated_by, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) "
            "ON CONFLICT (patient, metric) DO UPDATE SET above = excluded.above, "
            "below = excluded.below, above_inherits = excluded.above_inherits, "
            "below_inherits = excluded.below_inherits, updated_by = excluded.updated_by, "
            "updated_at = now()",
            uuid.uuid4(),
            patient_id,
            metric,
            sides["above"],
            sides["below"],
            sides["above_inherits"],
            sides["below_inherits"],
            by,
        )

    async def reset_threshold(self, patient_id: uuid.UUID, metric: str) -> None:
        """Drop the patient's bounds for `metric` (the clinic default applies again)."""
        await self.db.execute(
            "DELETE FROM device_threshold WHERE patient = $1 AND metric = $2", patient_id, metric
        )

    async def insert_alert(self, alert: DeviceAlertRaised) -> bool:
        """Open `alert`; False when one is open already for its patient, metric and bound."""
        row = await self.db.fetchrow(
            INSERT_ALERT,
            alert.alert_id,
            alert.device_id,
            alert.patient_id,
            alert.metric,
            alert.value,
            alert.unit,
            alert.bound,
            alert.threshold,
            alert.measured_at,
        )
        return row is not None

    async def raise_silence_alerts(self, silent_after: float) -> list[asyncpg.Record]:
        """Open an alert per assigned device silent for `silent_after` s; the new ones' rows."""
        return await self.db.fetch(RAISE_SILENCE_ALERTS, silent_after)
