"""The spool's limits on the real broker: no acknowledgement while it cannot take a message.

Each test starts a clinic of its own (its spool set apart), so none shares a process with
another module's clinic while it runs.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from hduce.core.config import Settings
from tests.plugins.devices.helpers import (
    broker_port,
    devices_settings,
    eventually,
    register,
    telemetry,
)
from tests.plugins.devices.raw_qos import PUBACK, PUBCOMP, PUBREC, QosClient, raw_connection
from tests.plugins.devices.readings import READING_OF, publish_marker, reading_count
from tests.plugins.users.clinic import Clinic, running_clinic


@asynccontextmanager
async def connected_device(
    settings: Settings, **devices: Any
) -> AsyncIterator[tuple[Clinic, str, QosClient]]:
    """A clinic whose devices plugin is set with `devices`, and one device signed in to it."""
    async with running_clinic(devices_settings(settings, **devices)) as clinic:
        admin = await clinic.member("admin")
        device, secret = await register(clinic, admin, await clinic.member("patient"))
        async with raw_connection(broker_port(clinic), device, secret, f"c-{device}") as client:
            yield clinic, device, client


async def refused(clinic: Clinic) -> int:
    """Telemetry messages the broker did not acknowledge (spool full or its write failed)."""
    detail = (await clinic.health_detailed()).json()["checks"]["mqtt"]["detail"]
    return int(detail["messages_refused"])


async def test_a_full_spool_acknowledges_nothing_and_says_so(settings: Settings) -> None:
    # Smaller than any message: every telemetry message is refused.
    async with running_clinic(devices_settings(settings, spool_max_bytes=16)) as clinic:
        admin = await clinic.member("admin")
        device, secret = await register(clinic, admin, await clinic.member("patient"))
        topic = f"devices/{device}/telemetry"
        async with raw_connection(broker_port(clinic), device, secret, f"f-{device}") as client:
            await client.publish(topic, telemetry(("spo2", 95, "%")), qos=1, packet_id=1)
            await client.publish(f"devices/{device}/status", b"online", qos=1, packet_id=2)
            await client.expect(PUBACK, 2)  # the status came later and was answered first
        health = (await clinic.health_detailed()).json()["checks"]["mqtt"]
        assert health["ok"] is False
        assert health["detail"]["spool_full"] is True
        assert health["detail"]["messages_refused"] == 1
        assert (
            await clinic.fetch("SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device)) == []
        )


async def test_a_reading_the_disk_could_not_keep_is_not_acknowledged_and_the_next_is(
    settings: Settings, tmp_path: Path
) -> None:
    # Segments of 64 bytes: each message starts a new one, and segment 2 is a full disk.
    configured = {"spool_dir": str(tmp_path), "spool_segment_bytes": 64}
    async with connected_device(settings, **configured) as (clinic, device, client):
        topic = f"devices/{device}/telemetry"
        await client.publish(topic, telemetry(("spo2", 94, "%")), qos=1, packet_id=1)
        await client.expect(PUBACK, 1)  # in segment 1
        (tmp_path / "2.seg").symlink_to("/dev/full")
        await client.publish(topic, telemetry(("spo2", 95, "%")), qos=1, packet_id=2)
        async with asyncio.timeout(10):
            while await refused(clinic) < 1:  # its write failed: no PUBACK, the device resends
                await asyncio.sleep(0.05)
        await client.publish(topic, telemetry(("spo2", 96, "%")), qos=1, packet_id=3)
        await client.expect(PUBACK, 3)  # the next write goes to a new segment
        await eventually(clinic, READING_OF, uuid.UUID(device), 96)
        assert await refused(clinic) == 1
        assert await reading_count(clinic, device, 95) == 0
        assert await reading_count(clinic, device, 94) == 1


async def test_a_qos2_resend_while_the_first_is_being_written_waits_for_it(
    settings: Settings,
) -> None:
    # A long flush wait: the resend arrives while the first copy is not yet durable.
    async with connected_device(settings, spool_flush_window="300ms") as (clinic, device, client):
        topic = f"devices/{device}/telemetry"
        await client.publish(topic, telemetry(("spo2", 93, "%")), qos=2, packet_id=3)
        await client.publish(topic, telemetry(("spo2", 93, "%")), qos=2, packet_id=3, dup=True)
        await client.expect(PUBREC, 3)  # only once the reading is durable
        await client.pubrel(3)
        await client.expect(PUBCOMP, 3)
        # Nothing else is owed for packet 3: the next answer is the marker's PUBACK.
        await publish_marker(clinic, client, device, 66, 4)
        assert await reading_count(clinic, device, 93) == 1
