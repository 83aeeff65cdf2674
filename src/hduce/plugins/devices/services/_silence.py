"""The silent-device rule: an assigned device not heard from for `silent_after` opens an alert."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.supervision import Supervisor
from hduce.plugins.devices.store import SILENCE, AlertStore

logger = logging.getLogger("hduce.devices")
SILENCE_CHECK = "silent-devices"


class SilenceRule:
    """Looks for silent devices every `every` seconds while the web process runs."""

    def __init__(
        self,
        db: Database,
        store: AlertStore,
        events: EventBus,
        supervisor: Supervisor,
        *,
        silent_after: float,
        every: float,
    ) -> None:
        self._db = db
        self._store = store
        self._supervisor = supervisor
        self._events = events
        self._silent_after = silent_after
        self._every = every

    async def check(self) -> int:
        """Open an alert (and publish `device.alert_raised`) per newly silent device."""
        async with self._db.transaction():
            rows = await self._store.raise_silence_alerts(self._silent_after)
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
