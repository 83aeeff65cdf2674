"""Set-up shared by the devices tests: settings, registering devices, real MQTT clients."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import msgspec
from amqtt.broker import Broker

from hduce.core.config import Settings
from hduce.plugins.devices import DevicesPlugin
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, Member, identity_settings
from tests.support.context import EVENTUALLY, wait_for_row
from tests.support.scratch import scratch_dir

API = "/api/v1/devices"
DEVICE_PLUGINS = (*IDENTITY_PLUGINS, "notifications", "devices")


def devices_settings(settings: Settings, **devices: Any) -> Settings:
    """Identity test settings with notifications and devices (MQTT on a free loopback port)."""
    base = identity_settings(settings)
    server = msgspec.structs.replace(base.server, rate_limit_per_minute=100_000)
    # Each app its own telemetry spool: two apps never share (or replay) one.
    spool = scratch_dir("hduce-spool-")
    sections = {**base.plugins.sections, "devices": {"port": 0, "spool_dir": spool, **devices}}
    plugins = msgspec.structs.replace(base.plugins, enabled=DEVICE_PLUGINS, sections=sections)
    return msgspec.structs.replace(base, plugins=plugins, server=server)


def broker_port(clinic: Clinic) -> int:
    """The port the clinic's MQTT broker listens on."""
    broker = clinic.client.app.plugins.get(DevicesPlugin).broker
    port = broker.port if broker else None
    assert port, "the broker is not listening"
    return port


async def refusals(clinic: Clinic) -> dict[str, int]:
    """The broker's refusal counters from /health/detailed."""
    detail = (await clinic.health_detailed()).json()["checks"]["mqtt"]["detail"]
    return {k: v for k, v in detail.items() if k.startswith("refused_")}


def amqtt_of(clinic: Clinic) -> Broker:
    """The running amqtt broker inside the clinic."""
    devices = clinic.client.app.plugins.get(DevicesPlugin).broker
    assert devices is not None and devices._broker is not None
    return devices._broker


async def register(
    clinic: Clinic, admin: Member, patient: Member | None = None, kind: str = "pulse_oximeter"
) -> tuple[str, str]:
    """Register a device through the API; returns its id and secret."""
    body: dict[str, Any] = {"kind": kind, "name": "Ward oximeter", "serial": uuid.uuid4().hex}
    if patient is not None:
        body["patient_id"] = str(patient.id)
    response = await clinic.client.post(API, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    credentials = response.json()["credentials"]
    return credentials["username"], credentials["secret"]


async def push(clinic: Clinic, topic: str, payload: bytes) -> None:
    """A push from the app (QoS 1, through the broker), as notifications and commands send them."""
    devices = clinic.client.app.plugins.get(DevicesPlugin).broker
    assert devices is not None
    await clinic.in_app(devices.publish, topic, payload)


def token_of(member: Member) -> str:
    """The access token in a member's headers."""
    return member.headers["Authorization"].removeprefix("Bearer ")


@asynccontextmanager
async def mqtt(clinic: Clinic, username: str, password: str) -> AsyncIterator[aiomqtt.Client]:
    """A real MQTT client signed in to the clinic's broker."""
    client = aiomqtt.Client(
        "127.0.0.1",
        broker_port(clinic),
        username=username,
        password=password,
        identifier=f"{username}-{uuid.uuid4().hex[:6]}",
        timeout=5,
    )
    async with client:
        yield client


async def refused(clinic: Clinic, username: str, password: str) -> str:
    """Connect and expect a refusal; returns aiomqtt's reason."""
    try:
        async with mqtt(clinic, username, password):
            pass
    except aiomqtt.MqttError as exc:
        return str(exc)
    raise AssertionError(f"{username} was let in")


def telemetry(*readings: tuple[str, float, str], ts: datetime | None = None) -> bytes:
    """A telemetry payload in the documented format."""
    body: dict[str, Any] = {
        "readings": [{"metric": m, "value": v, "unit": u} for m, v, u in readings]
    }
    if ts is not None:
        body["ts"] = ts.astimezone(UTC).isoformat()
    return msgspec.json.encode(body)


NOTIFIED_WITHIN = 90.0
"""Seconds to wait for an alert's notifications: they queue behind the deliveries of the alerts
earlier tests raised in the same module's clinic (each one tells every clinician there)."""


async def eventually(clinic: Clinic, query: str, *args: object, timeout: float = EVENTUALLY) -> Any:
    """The first row `query` returns, waiting for one to appear."""
    return await clinic.in_app(
        lambda: wait_for_row(clinic.context.db.shared_pool, query, *args, timeout=timeout)
    )


async def next_message(client: aiomqtt.Client, timeout: float = 5) -> aiomqtt.Message:
    """The next message the client receives."""
    async with asyncio.timeout(timeout):
        async for message in client.messages:
            return message
    raise AssertionError("no message")
