"""The silent-device rule: an assigned device not heard from for `silent_after` opens an alert."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.db import HduceEngine
from hduce.core.events import EventBus
from hduce.core.supervision import Supervisor
from hduce.plugins.devices.alerts import SILENCE

logger = logging.getLogger("hduce.devices")
SILENCE_CHECK = "silent-devices"

# One alert per silence: none while one is open, none again for the same `last_seen_at`.
RAISE_SILENCE_ALERTS = f"""
INSERT INTO device_alert (id, device, patient, metric, value, unit, bound, threshold,
                          measured_at, raised_at)
SELECT gen_random_uuid(), d.id, d.patient, '{SILENCE}',
       round(extract(epoch FROM now() - d.last_seen_at) / 60, 1)::float8, 'min', 'above',
       $1::float8 / 60,
       d.last_seen_at, now()
FROM device AS d
WHERE d.active AND d.patient IS NOT NULL
  AND d.last_seen_at < now() - make_interval(secs => $1::float8)
  AND NOT EXISTS (SELECT 1 FROM device_alert AS a WHERE a.device = d.id
                  AND a.metric = '{SILENCE}' AND a.measured_at >= d.last_seen_at)
ON CONFLICT (device) WHERE acknowledged_at IS NULL AND metric = '{SILENCE}' DO NOTHING
RETURNING id, device, patient, value, unit, threshold, measured_at
"""


class SilenceRule:
    """Looks for silent devices every `every` seconds while the web process runs."""

    def __init__(
        self,
        db: HduceEngine,
        events: EventBus,
        supervisor: Supervisor,
        *,
        silent_after: float,
        every: float,
    ) -> None:
        self._db = db
        self._supervisor = supervisor
        self._events = events
        self._silent_after = silent_after
        self._every = every

    async def check(self) -> int:
        """Open an alert (and publish `device.alert_raised`) per newly silent device."""
        async with self._db.transaction():
            rows = await self._db.fetch(RAISE_SILENCE_ALERTS, self._silent_after)
            for row in rows:
                await self._events.publish(
                    DeviceAlertRaised(
                        alert_id=row["id"],
                        device_id=row["device"],
                        patient_id=row["patient"],
                        metric=SILENCE,
                        value=row["value"],
                        unit=row["unit"],
                        bound="above",
                        threshold=row["threshold"],
                        measured_at=row["measured_at"],
                    )
                )
        return len(rows)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Check periodically while the block runs (never when `silent_after` is 0)."""
        if not self._silent_after:
            yield
            return
        self._supervisor.start(SILENCE_CHECK, lambda _beat: self._loop())
        try:
            yield
        finally:
            await self._supervisor.stop(SILENCE_CHECK)

    async def _loop(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                logger.exception("looking for silent devices failed")
            await asyncio.sleep(self._every)
