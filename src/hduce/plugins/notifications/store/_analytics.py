"""The delivery counts and delays the analytics section is computed from."""

from datetime import datetime

from hduce.core.sql_store import SqlStore

BY_CHANNEL = """
SELECT channel, status, count(*) AS n FROM delivery
WHERE created_at >= $1 AND created_at < $2 GROUP BY channel, status
"""
SEND_DELAY = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at))
FROM delivery WHERE created_at >= $1 AND created_at < $2 AND status = 'sent'
"""


class DeliveryCounts(SqlStore):
    """Reads over the deliveries created in a period."""

    async def by_channel(self, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """Per channel, deliveries per status, created in `[start, end)`."""
        by_channel: dict[str, dict[str, int]] = {}
        for row in await self.db.fetch(BY_CHANNEL, start, end):
            by_channel.setdefault(row["channel"], {})[row["status"]] = row["n"]
        return by_channel

    async def median_send_delay(self, start: datetime, end: datetime) -> float | None:
        """Median seconds from queueing to sent of the deliveries created in `[start, end)`."""
        return await self.db.fetchval(SEND_DELAY, start, end)
