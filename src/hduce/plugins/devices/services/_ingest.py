"""Telemetry ingestion: checked and fsynced to the spool before the broker acknowledges it.

One writer (`_batches.BatchWriter`) moves it into PostgreSQL in batches, retrying until the
database is back.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from hduce.core.db import Database
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.services._alert_rules import AlertRules
from hduce.plugins.devices.services._batches import BatchWriter
from hduce.plugins.devices.services._held import Held, SpoolRecord
from hduce.plugins.devices.services._spool import Spool, SpoolFull
from hduce.plugins.devices.services._telemetry import InvalidTelemetry, parse
from hduce.plugins.devices.services._writer import Accepted
from hduce.plugins.devices.store import TelemetryStore

logger = logging.getLogger("hduce.devices")

Seen = Callable[[uuid.UUID], None]
"""Told the device of every message the broker hands over (presence: it is connected)."""
Settled = Callable[[bool], None]
"""Told once whether a kept message may be acknowledged (True) or was not kept after all."""


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(SpoolRecord).decode


def spool_dir(config: DevicesConfig, data_dir: str) -> Path:
    """The configured spool directory, by default under the data dir."""
    return Path(config.spool_dir or Path(data_dir) / "devices" / "spool")


class TelemetryIngest(BatchWriter):
    """Accepts telemetry for the broker (durably); `BatchWriter` stores it in PostgreSQL."""

    def __init__(
        self,
        db: Database,
        store: TelemetryStore,
        config: DevicesConfig,
        alerts: AlertRules,
        spool: Spool,
        seen: Seen,
    ) -> None:
        stuck_after = float(config.writer_stuck_after)
        super().__init__(db, store, alerts, spool, config.batch_size, stuck_after)
        self._seen = seen
        self._config = config
        self._max_skew = timedelta(seconds=float(config.max_future_skew))
        spool.on_durable = self._spooled
        spool.on_failed = self._not_spooled
        self._refused_size = 0  # the last message that did not fit; 0: none since one did

    def open(self) -> int:
        """Open the spool and queue what the last run left unstored; returns how many."""
        for segment, body in self.spool.open():
            record = _decode(body)
            accepted = self._check(record.device_id, record.payload, record.received_at)
            if accepted is None:
                self.spool.release(segment, len(body))
            else:
                self.waiting.append(Held(accepted, segment, len(body)))
        if self.waiting:
            logger.info("replaying %d spooled telemetry messages", len(self.waiting))
            self._wake.set()
        return len(self.waiting)

    def close(self) -> None:
        """Close the spool; what is still in it is stored after the next start."""
        self.spool.close()

    @property
    def full(self) -> bool:
        """A message was refused for want of room, and there is still no room for it."""
        return bool(self._refused_size) and not self.spool.has_room(self._refused_size)

    def _check(self, device_id: uuid.UUID, payload: bytes, at: datetime) -> Accepted | None:
        """The parsed message, or None (counted, and noted for the device) when invalid."""
        try:
            telemetry = parse(
                payload, received_at=at, max_skew=self._max_skew, ranges=self._config.ranges
            )
        except InvalidTelemetry as exc:
            self.refuse(device_id, str(exc))
            return None
        return Accepted(device_id, payload, at, telemetry)

    def refuse(self, device_id: uuid.UUID, reason: str) -> None:
        """Count a message of the device that is not stored (`invalid`), noted on its row."""
        self._invalid.add(device_id, reason)
        self._count("invalid")
        self._wake.set()

    def keep(self, device_id: uuid.UUID, payload: bytes, settled: Settled | None) -> bool:
        """Take a message to store; False when the spool cannot take it (do not acknowledge).

        An invalid message is refused for good (counted) and may be acknowledged at once. A
        valid one goes to the spool, and `settled` is told once its group is fsynced, or failed.
        """
        self._seen(device_id)
        received_at = datetime.now(UTC)
        accepted = self._check(device_id, payload, received_at)
        if accepted is None:
            if settled is not None:
                settled(True)
            return True
        body = _encode(SpoolRecord(device_id, received_at, payload))
        try:
            self.spool.append(body, (accepted, settled))
        except SpoolFull as exc:
            if not self._refused_size:
                logger.warning("%s: telemetry is not acknowledged until it drains", exc)
            self._refused_size = len(body)
            self._count("refused")
            return False
        self._refused_size = 0
        return True

    async def accept(self, device_id: uuid.UUID, payload: bytes) -> bool:
        """Whether the message may be acknowledged, once `keep` settled it (QoS 2's flow)."""
        settled: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if not self.keep(device_id, payload, lambda durable: _settle(settled, durable)):
            return False
        return await settled

    def _spooled(
        self, segment: int, group: list[tuple[tuple[Accepted, Settled | None], int]]
    ) -> None:
        self.waiting.extend(Held(accepted, segment, size) for (accepted, _), size in group)
        self._wake.set()
        for (_, settled), _ in group:
            if settled is not None:
                settled(True)

    def _not_spooled(self, items: list[tuple[Accepted, Settled | None]], exc: OSError) -> None:
        logger.error("writing the telemetry spool failed (%s): %d messages", exc, len(items))
        self._count("refused", len(items))
        for _, settled in items:
            if settled is not None:
                settled(False)


def _settle(future: "asyncio.Future[bool]", durable: bool) -> None:
    if not future.done():  # not cancelled: its client is still waiting
        future.set_result(durable)
