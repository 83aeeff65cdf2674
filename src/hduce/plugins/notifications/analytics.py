"""The notifications section of the clinic analytics: what was sent, on which channel, how fast."""

from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.plugins.notifications.store import DeliveryCounts


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
    """Computes `DeliveryFigures` from the delivery counts."""

    def __init__(self, counts: DeliveryCounts) -> None:
        self._counts = counts

    async def figures(self, start: datetime, end: datetime) -> DeliveryFigures:
        """The figures for deliveries created in `[start, end)`."""
        by_channel = await self._counts.by_channel(start, end)
        delay = await self._counts.median_send_delay(start, end)
        sent = sum(statuses.get("sent", 0) for statuses in by_channel.values())
        failed = sum(statuses.get("failed", 0) for statuses in by_channel.values())
        return DeliveryFigures(
            by_channel=by_channel,
            failure_rate=ratio(failed, sent + failed),
            median_send_delay_seconds=None if delay is None else round(delay, 3),
        )
