"""Reads for the clinic analytics and for whom an alert concerns."""

from datetime import datetime

import asyncpg

from hduce.core.sql_store import SqlStore

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


class ReportStore(SqlStore):
    """Aggregates over devices, readings and alerts; the active accounts holding some roles."""

    async def devices(self, start: datetime, end: datetime) -> asyncpg.Record:
        """Active, assigned, and seen in `[start, end)` devices."""
        row = await self.db.fetchrow(DEVICES, start, end)
        assert row is not None  # an aggregate always answers one row
        return row

    async def readings(self, start: datetime, end: datetime) -> list[asyncpg.Record]:
        """Readings measured and patients measured in `[start, end)`, per metric."""
        return await self.db.fetch(READINGS, start, end)

    async def alerts(self, start: datetime, end: datetime) -> asyncpg.Record:
        """Alerts raised in `[start, end)`, acknowledged ones and the median time to it."""
        row = await self.db.fetchrow(ALERTS, start, end)
        assert row is not None  # an aggregate always answers one row
        return row
