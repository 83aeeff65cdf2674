"""Worker liveness: every process that consumes tasks keeps its entry fresh in a NATS KV bucket."""

import asyncio
import contextlib
import os
import re
import secrets
import socket
import time

import msgspec
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import (
    BadRequestError,
    BucketNotFoundError,
    KeyDeletedError,
    KeyNotFoundError,
)
from nats.js.kv import KeyValue

from hduce.core.supervision import Beat
from hduce.core.tasks import TaskBroker

BUCKET = "HDUCE_WORKERS"
# Entries of workers that died are dropped by JetStream after this long (health ignores them
# much sooner, see `live_workers`).
BUCKET_MAX_AGE_SECONDS = 3600.0
MISSED_BEATS = 3
"""A worker not heard from for this many heartbeat intervals counts as dead."""
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class WorkerEntry(msgspec.Struct, frozen=True):
    """One task-consuming process, as it last reported itself."""

    name: str
    host: str
    pid: int
    concurrency: int
    at: float


async def workers_bucket(broker: TaskBroker) -> KeyValue:
    """The workers bucket, created on first use."""
    try:
        return await broker.js.key_value(BUCKET)
    except BucketNotFoundError:
        pass
    config = KeyValueConfig(
        bucket=BUCKET, history=1, ttl=BUCKET_MAX_AGE_SECONDS, storage=StorageType.FILE
    )
    try:
        return await broker.js.create_key_value(config)
    except BadRequestError:  # another process created it meanwhile
        return await broker.js.key_value(BUCKET)


class WorkerHeartbeat:
    """Puts this process's entry every `interval` seconds and withdraws it on a clean stop."""

    def __init__(self, broker: TaskBroker, concurrency: int, interval: float) -> None:
        self._broker = broker
        self._interval = interval
        host = socket.gethostname()
        self._key = ".".join(
            _KEY_UNSAFE.sub("-", part)
            for part in (broker.settings.durable, host, f"{os.getpid()}-{secrets.token_hex(3)}")
        )
        self._entry = WorkerEntry(
            name=self._key, host=host, pid=os.getpid(), concurrency=concurrency, at=0.0
        )

    async def announce(self) -> None:
        """Put the entry once, stamped now."""
        entry = msgspec.structs.replace(self._entry, at=time.time())
        bucket = await workers_bucket(self._broker)
        await bucket.put(self._key, msgspec.json.encode(entry))

    async def run(self, beat: Beat) -> None:
        """Announce forever (a supervised task); each successful put is a beat."""
        try:
            while True:
                await self.announce()
                beat()
                await asyncio.sleep(self._interval)
        finally:
            await asyncio.shield(self._withdraw())

    async def _withdraw(self) -> None:
        # Best effort: if NATS is down the entry simply goes stale.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                bucket = await workers_bucket(self._broker)
                await bucket.delete(self._key)


async def live_workers(broker: TaskBroker, stale_after: float) -> list[WorkerEntry]:
    """Workers of this deployment (same durable consumer) heard from within `stale_after` s."""
    bucket = await workers_bucket(broker)
    keys = await _deployment_keys(broker, _KEY_UNSAFE.sub("-", broker.settings.durable) + ".")
    entries = await asyncio.gather(*(bucket.get(key) for key in keys), return_exceptions=True)
    now = time.time()
    live = []
    for entry in entries:
        if isinstance(entry, KeyNotFoundError | KeyDeletedError):
            continue  # withdrawn by a clean stop, or deleted between listing and reading
        if isinstance(entry, BaseException):
            raise entry  # a failed read is the check's error, not "no worker"
        if not entry.value:
            continue
        worker = msgspec.json.decode(entry.value, type=WorkerEntry)
        if now - worker.at <= stale_after:
            live.append(worker)
    return live


async def _deployment_keys(broker: TaskBroker, prefix: str) -> list[str]:
    """The bucket's keys starting with `prefix`, from one stream-info request.

    Not nats-py's `KeyValue.keys()`: its watcher can see its end-of-listing marker before the
    entries still in flight and then lists no key at all (a busy host's health check saw no
    worker now and then); it also costs a consumer per call.
    """
    subject_prefix = f"$KV.{BUCKET}."
    info = await broker.js.stream_info(f"KV_{BUCKET}", subjects_filter=f"{subject_prefix}{prefix}>")
    return [subject.removeprefix(subject_prefix) for subject in info.state.subjects or {}]
