"""The broker's life: started with the web app, flushed and stopped with it, never in workers."""

import socket
import uuid

import asyncpg
import pytest

from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.contracts.notifications import PushPublisher
from hduce.core.config import Settings
from tests.plugins.devices.helpers import broker_port, devices_settings, mqtt, register, telemetry
from tests.plugins.users.clinic import running_clinic


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port` again (as servers do, with SO_REUSEADDR).

    Without it, the connections the broker closed (TIME_WAIT) would keep a bind failing.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def test_shutdown_stores_what_was_queued_and_frees_the_port(
    settings: Settings, raw_pool: asyncpg.Pool
) -> None:
    count = 200
    async with running_clinic(devices_settings(settings)) as clinic:
        admin = await clinic.member("admin")
        patient = await clinic.member("patient")
        device, secret = await register(clinic, admin, patient)
        port = broker_port(clinic)
        assert not port_is_free(port)
        async with mqtt(clinic, device, secret) as client:
            for n in range(count):
                payload = telemetry(("heart_rate", 40 + n, "bpm"))
                await client.publish(f"devices/{device}/telemetry", payload, qos=1)
    stored = await raw_pool.fetchval(
        "SELECT count(*) FROM reading WHERE device = $1", uuid.UUID(device)
    )
    assert stored == count
    assert port_is_free(port)


async def test_a_worker_runs_no_broker_but_pushes_over_nats(settings: Settings) -> None:
    configured = devices_settings(settings)
    plugins = load_plugins(configured)
    context = build_context(configured, "worker", configured.database.url, configured.nats.url)
    setup_plugins(context, plugins)
    devices = next(p for p in plugins if p.name == "devices")
    assert devices.broker is None  # type: ignore[attr-defined]
    assert context.registry.get(PushPublisher) is devices.push  # type: ignore[attr-defined]
    assert "mqtt" not in context.registry.health_checks


async def test_a_taken_port_fails_the_start_with_a_clear_message(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        configured = devices_settings(settings, port=port)
        with pytest.raises(Exception) as caught:
            async with running_clinic(configured):
                pass
    assert f"127.0.0.1:{port}" in repr(caught.value) + str(caught.value.__cause__)
