"""What the spool holds for the batch writer: records, waiting messages, unflushed batches."""

import uuid
from datetime import datetime
from typing import NamedTuple

import msgspec

from hduce.plugins.devices.services._writer import Accepted


class SpoolRecord(msgspec.Struct, array_like=True, frozen=True):
    """A valid message as written to the spool."""

    device_id: uuid.UUID
    received_at: datetime
    payload: bytes


class Held(NamedTuple):
    """A spooled message waiting for the database, and where the spool keeps it."""

    message: Accepted
    segment: int
    size: int


class Unflushed(NamedTuple):
    """Messages committed by server run `server` without waiting for the WAL flush, at `at`."""

    server: datetime
    at: float
    held: list[Held]
