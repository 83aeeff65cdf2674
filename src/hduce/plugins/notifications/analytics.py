"""The notifications section of the clinic analytics: what was sent, on which channel, how fast."""

from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.core.db import HduceEngine

BY_CHANNEL = """
SELECT channel, status, count(*) AS n FROM delivery
WHERE created_at >= $1 AND created_at < $2 GROUP BY channel, status
"""
SEND_DELAY = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at))
  AS delay
FROM delivery WHERE created_at >= $1 AND created_at < $2 AND status = 'sent'
"""


class DeliveryFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Deliveries created in the period."""

    by_channel: dict[str, dict[str, int]]
    """Per channel, deliveries per status (`sent`, `logged`, `failed`, `skipped`, `pending`,
    `deferred`); `logged`: e-mail written to the log, not sent."""
    failure_rate: float | None
    """Failed over sent plus failed, all channels."""
    median_send_delay_seconds: float | None
    """Median time from queueing to sent (quiet hours and retries included)."""


class DeliveryAnalytics:
    """Computes `DeliveryFigures` from the delivery table."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def figures(self, start: datetime, end: datetime) -> DeliveryFigures:
        """The figures for deliveries created in `[start, end)`."""
        rows = await self._db.fetch(BY_CHANNEL, start, end)
        delayed = await self._db.fetchrow(SEND_DELAY, start, end)
        delay = delayed["delay"] if delayed else None
        by_channel: dict[str, dict[str, int]] = {}
        for row in rows:
            by_channel.setdefault(row["channel"], {})[row["status"]] = row["n"]
        sent = sum(statuses.get("sent", 0) for statuses in by_channel.values())
        failed = sum(statuses.get("failed", 0) for statuses in by_channel.values())
        return DeliveryFigures(
            by_channel=by_channel,
            failure_rate=ratio(failed, sent + failed),
            median_send_delay_seconds=None if delay is None else round(delay, 3),
        )
