"""The silent-device rule: an assigned device not heard from for `silent_after` opens an alert."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import KW_ONLY, dataclass

from hduce.contracts.devices import DeviceAlertRaised
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.supervision import Supervisor
from hduce.plugins.devices.store import SILENCE, AlertStore

logger = logging.getLogger("hduce.devices")
SILENCE_CHECK = "silent-devices"


@dataclass(frozen=True, eq=False)
class SilenceRule:
    """Looks for silent devices every `every` seconds while the web process runs."""

    db: Database
    store: AlertStore
    events: EventBus
    supervisor: Supervisor
    _: KW_ONLY
    silent_after: float
    every: float

    async def check(self) -> int:
        """Open an alert (and publish `device.alert_raised`) per newly silent device."""
        async with self.db.transaction():
            rows = await self.store.raise_silence_alerts(self.silent_after)
            for row in rows:
                await self.events.publish(
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
        if not self.silent_after:
            yield
            return
        failure = "looking for silent devices failed"
        async with self.supervisor.repeating(
            SILENCE_CHECK, self.check, self.every, failure=failure, log=logger
        ):
            yield
