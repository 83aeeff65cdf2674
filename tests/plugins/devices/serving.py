"""A real `hduce serve` for the fault tests, a device in its database, and a QoS 1 stream."""

import asyncio
import hashlib
import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from hduce.runtime import free_port
from tests.plugins.devices.helpers import telemetry
from tests.plugins.devices.raw_qos import PUBACK, QosClient, raw_connection
from tests.support.processes import hduce_env, hduce_process

INSERT_OWNER = """
INSERT INTO account (id, email, username, password_hash, roles, status, email_verified_at)
VALUES ($1, $2, $3, 'not-a-hash', $4, 'active', now())
"""
INSERT_DEVICE = """
INSERT INTO device (id, kind, name, serial, patient, secret_hash, active, created_by,
                    invalid_messages)
VALUES ($1, 'pulse_oximeter', 'fault test', $2, $3, $4, true, $3, 0)
"""


@dataclass
class Serving:
    """A running `hduce serve`: its process, ports and log."""

    process: "subprocess.Popen[bytes]"
    http_port: int
    mqtt_port: int
    log: Path


@contextmanager
def serve(data_dir: Path, dsn: str, nats_url: str, log: Path, **env: str) -> Iterator[Serving]:
    """Start `hduce serve` on free ports (`env`: more settings); killed (with its children) when
    the block ends."""
    http_port, mqtt_port = free_port(), free_port()
    environ = hduce_env(
        HDUCE_DATA_DIR=str(data_dir),
        DATABASE_URL=dsn,
        HDUCE_NATS__URL=nats_url,
        HDUCE_SERVER__PORT=str(http_port),
        HDUCE_PLUGINS__DEVICES__PORT=str(mqtt_port),
        **env,
    )
    with hduce_process(["serve"], environ, log) as process:
        yield Serving(process, http_port, mqtt_port, log)


async def wait_green(serving: Serving, timeout: float = 90) -> None:
    """Wait until the MQTT health check is green."""
    url = f"http://127.0.0.1:{serving.http_port}/health/detailed"
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(int(timeout / 0.3)):
            try:
                checks = (await client.get(url)).json().get("checks", {})
                if checks.get("mqtt", {}).get("ok"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            assert serving.process.poll() is None, serving.log.read_text()[-3000:]
            await asyncio.sleep(0.3)
    raise AssertionError(serving.log.read_text()[-3000:])


async def new_device(dsn: str) -> tuple[str, str]:
    """A device of a new patient, written straight into the database; (id, secret)."""
    owner, device, secret = uuid.uuid4(), uuid.uuid4(), secrets.token_urlsafe(32)
    connection = await asyncpg.connect(dsn)
    try:
        name = f"fault_{owner.hex[:12]}"
        await connection.execute(INSERT_OWNER, owner, f"{name}@x.test", name, ["patient"])
        digest = hashlib.sha256(secret.encode()).hexdigest()
        await connection.execute(INSERT_DEVICE, device, device.hex, owner, digest)
    finally:
        await connection.close()
    return str(device), secret


def value_of(n: int) -> float:
    """The heart rate of message `n`: every message its own plausible value."""
    return 40 + n / 100


@dataclass
class Stream:
    """QoS 1 telemetry sent on one connection; which packet ids were acknowledged."""

    acked: set[int] = field(default_factory=set)

    def acked_values(self) -> set[float]:
        """The readings the broker promised to keep."""
        return {value_of(n) for n in self.acked}


@asynccontextmanager
async def streaming(port: int, device: str, secret: str) -> AsyncIterator[tuple[QosClient, Stream]]:
    """A device connection whose PUBACKs are collected in the background."""
    stream = Stream()
    async with raw_connection(port, device, secret, f"fault-{device}") as client:

        async def collect() -> None:
            while True:
                kind, body = await client.read(timeout=3600)
                if kind == PUBACK:
                    stream.acked.add(int.from_bytes(body[:2], "big"))

        reader = asyncio.create_task(collect())
        try:
            yield client, stream
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def send_paced(
    client: QosClient,
    device: str,
    count: int,
    *,
    per_tick: int,
    tick: float,
    after: Callable[[int], None] = lambda n: None,
) -> None:
    """Publish `count` messages (ids 1..count), `per_tick` every `tick` seconds; stops quietly
    when the connection breaks (a killed server)."""
    start = datetime.now(UTC) - timedelta(hours=1)
    for n in range(1, count + 1):
        measured = start + timedelta(seconds=n)
        payload = telemetry(("heart_rate", value_of(n), "bpm"), ts=measured)
        try:
            await client.publish(f"devices/{device}/telemetry", payload, qos=1, packet_id=n)
        except (ConnectionError, OSError):
            return
        after(n)
        if n % per_tick == 0:
            await asyncio.sleep(tick)


async def stored_values(dsn: str, device: str) -> list[float]:
    """Every stored reading value of the device (duplicates included)."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT value FROM reading WHERE device = $1", uuid.UUID(device)
        )
    finally:
        await connection.close()
    return [row["value"] for row in rows]


async def wait_stored(
    dsn: str, device: str, expected: set[float], timeout: float = 60
) -> list[float]:
    """The stored values once every expected one is there (or the timeout passed)."""
    for _ in range(int(timeout / 0.25)):
        values = await stored_values(dsn, device)
        if expected <= set(values):
            return values
        await asyncio.sleep(0.25)
    return await stored_values(dsn, device)
