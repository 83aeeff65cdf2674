"""Device presence: online/offline and last seen from the broker, events, the silent-device rule."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import (
    API,
    NOTIFIED_WITHIN,
    broker_port,
    devices_settings,
    eventually,
    mqtt,
    register,
    telemetry,
)
from tests.plugins.devices.raw_mqtt import RawMqtt
from tests.plugins.devices.test_alerts import join_care_team
from tests.plugins.users.clinic import Clinic, Member, running_clinic

PRESENCE = "SELECT * FROM device WHERE id = $1 AND online = $2"
SILENCE_ALERT = "SELECT * FROM device_alert WHERE device = $1 AND metric = 'silence'"


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A clinic whose assigned devices are silent after 2 s, checked every half second."""
    quick = devices_settings(settings, silent_after=2, silent_check_every=0.5)
    async with running_clinic(quick) as running:
        # Devices other modules left behind would all be silent here: they are done with.
        await running.execute("UPDATE device SET active = false WHERE active")
        yield running


async def event_of(clinic: Clinic, name: str, device: str, **fields: str) -> dict[str, Any]:
    """The payload of the outbox event `name` about `device` (with `fields`), once written."""
    where = "".join(f" AND payload->>'{key}' = '{value}'" for key, value in fields.items())
    row = await eventually(
        clinic,
        "SELECT payload::text AS payload FROM outbox "
        f"WHERE name = $1 AND payload->>'device_id' = $2{where}",
        name,
        device,
    )
    return msgspec.json.decode(row["payload"])


async def shown(clinic: Clinic, admin: Member, device: str) -> dict[str, Any]:
    """The device as `GET /devices/{id}` shows it."""
    response = await clinic.client.get(f"{API}/{device}", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_connect_and_disconnect_set_presence_and_publish_events(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    before = await shown(clinic, admin, device)
    assert (before["presence"], before["last_seen_at"]) == ("offline", None)
    async with mqtt(clinic, device, secret):
        await eventually(clinic, PRESENCE, uuid.UUID(device), True)
        now = await shown(clinic, admin, device)
        assert now["presence"] == "online" and now["last_seen_at"] is not None
        listed = await clinic.client.get(
            API, params={"patient_id": str(patient.id)}, headers=admin.headers
        )
        assert [d["presence"] for d in listed.json()["items"]] == ["online"]
        online = await event_of(clinic, "device.online", device)
        assert online["patient_id"] == str(patient.id)
        health = (await clinic.health_detailed()).json()["checks"]["mqtt"]
        assert health["detail"]["devices_online"] >= 1
    row = await eventually(clinic, PRESENCE, uuid.UUID(device), False)
    assert row["offline_reason"] == "disconnected"
    assert row["last_seen_at"] >= datetime.fromisoformat(now["last_seen_at"])
    offline = await event_of(clinic, "device.offline", device)
    assert offline["reason"] == "disconnected"
    after = await shown(clinic, admin, device)
    assert (after["presence"], after["offline_reason"]) == ("offline", "disconnected")


async def test_a_dropped_connection_and_an_expired_keepalive_set_the_device_offline(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    port = broker_port(clinic)
    client, _ = await RawMqtt.connect(port, device, device, secret)
    await eventually(clinic, PRESENCE, uuid.UUID(device), True)
    await client.close()  # no DISCONNECT: the device lost its network
    row = await eventually(clinic, PRESENCE, uuid.UUID(device), False)
    assert row["offline_reason"] == "connection_lost"
    client, _ = await RawMqtt.connect(port, device, device, secret, keepalive=1)
    try:
        await eventually(clinic, PRESENCE, uuid.UUID(device), True)
        row = await eventually(clinic, PRESENCE, uuid.UUID(device), False)  # silent: dropped
        assert row["offline_reason"] == "keepalive_expired"
    finally:
        await client.close()
    await event_of(clinic, "device.offline", device, reason="keepalive_expired")


async def test_a_deactivated_device_is_offline_closed(clinic: Clinic, admin: Member) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret):
        await eventually(clinic, PRESENCE, uuid.UUID(device), True)
        response = await clinic.client.post(f"{API}/{device}/deactivate", headers=admin.headers)
        assert response.status_code == 200, response.text
        row = await eventually(clinic, PRESENCE, uuid.UUID(device), False)
    assert row["offline_reason"] == "closed"


async def test_a_silent_assigned_device_raises_one_alert_for_the_care_team(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    nurse = await clinic.member("nurse")
    await join_care_team(clinic, patient, nurse)
    device, secret = await register(clinic, admin, patient)
    unassigned, unassigned_secret = await register(clinic, admin)
    for who, password in ((device, secret), (unassigned, unassigned_secret)):
        async with mqtt(clinic, who, password) as client:
            await client.publish(f"devices/{who}/telemetry", telemetry(("spo2", 97, "%")), qos=1)
        await eventually(clinic, PRESENCE, uuid.UUID(who), False)
    alert = await eventually(clinic, SILENCE_ALERT, uuid.UUID(device))
    assert (alert["patient"], alert["unit"], alert["bound"], alert["threshold"]) == (
        patient.id,
        "min",
        "above",
        0.03,  # 2 s in minutes, to 2 decimals: was 0.03333333333333333, shown with every digit
    )
    raised = await event_of(clinic, "device.alert_raised", device, metric="silence")
    assert raised["alert_id"] == str(alert["id"])
    told = await eventually(
        clinic,
        "SELECT id FROM notification WHERE recipient = $1 AND key = $2",
        nurse.id,
        f"device_alert:{alert['id']}:{nurse.id}",
        timeout=NOTIFIED_WITHIN,
    )
    mail = await eventually(
        clinic,
        "SELECT body_text FROM delivery WHERE notification = $1 AND channel = 'email'",
        told["id"],
        timeout=NOTIFIED_WITHIN,
    )
    assert "Pat Ient has sent nothing for" in mail["body_text"]
    assert "(alert after 0.03 min)" in mail["body_text"], mail["body_text"]
    await asyncio.sleep(1.5)  # three more checks: still one alert, none for the unassigned
    assert len(await clinic.fetch(SILENCE_ALERT, uuid.UUID(device))) == 1
    assert await clinic.fetch(SILENCE_ALERT, uuid.UUID(unassigned)) == []
    doctor = await clinic.member("doctor")
    url = f"{API}/alerts/{alert['id']}/acknowledge"
    assert (await clinic.client.post(url, headers=doctor.headers)).status_code == 200
    await asyncio.sleep(1.5)  # the same silence is not raised again once acknowledged
    assert len(await clinic.fetch(SILENCE_ALERT, uuid.UUID(device))) == 1
    async with mqtt(clinic, device, secret) as client:  # heard again, then silent again
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 96, "%")), qos=1)
    await eventually(clinic, SILENCE_ALERT + " AND acknowledged_at IS NULL", uuid.UUID(device))


async def test_an_assigned_device_that_never_connects_is_silent_from_its_assignment(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, _ = await register(clinic, admin, patient)
    alert = await eventually(clinic, SILENCE_ALERT, uuid.UUID(device))
    registered = await shown(clinic, admin, device)
    silent_since = alert["measured_at"] - datetime.fromisoformat(registered["created_at"])
    assert alert["patient"] == patient.id
    assert timedelta(0) <= silent_since < timedelta(seconds=1), "since it was assigned"


async def test_a_device_idle_while_unassigned_is_silent_from_its_assignment(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 97, "%")), qos=1)
    await eventually(clinic, PRESENCE, uuid.UUID(device), False)
    await eventually(clinic, "SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device))
    # On the shelf for an hour: no patient to tell.
    await clinic.execute(
        "UPDATE device SET last_seen_at = now() - interval '1 hour' WHERE id = $1",
        uuid.UUID(device),
    )
    before = datetime.now(UTC)
    url = f"{API}/{device}/patient"
    assigned = await clinic.client.put(
        url, json={"patient_id": str(patient.id)}, headers=admin.headers
    )
    assert assigned.status_code == 200, assigned.text
    await asyncio.sleep(1.2)  # two checks, within `silent_after` of the assignment
    assert await clinic.fetch(SILENCE_ALERT, uuid.UUID(device)) == []
    alert = await eventually(clinic, SILENCE_ALERT, uuid.UUID(device))
    assert alert["patient"] == patient.id and alert["measured_at"] >= before
    assert alert["value"] < 1, "minutes since the assignment, not since last seen"


async def test_the_devices_background_tasks_run_supervised(clinic: Clinic) -> None:
    """A failing writer or check is restarted and shown in /health/detailed, not lost silently."""
    background = (await clinic.health_detailed()).json()["checks"]["background"]["detail"]
    for task in ("telemetry-writer", "device-presence", "silent-devices"):
        assert background[task]["problem"] is None, (task, background)


async def test_a_device_given_to_another_patient_is_silent_for_them_too(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    """The former patient's open silence alert does not hide the new patient's."""
    device, _ = await register(clinic, admin, patient)
    former = await eventually(clinic, SILENCE_ALERT, uuid.UUID(device))
    other = await clinic.member("patient", first_name="Ann", last_name="Other")
    url = f"{API}/{device}/patient"
    moved = await clinic.client.put(url, json={"patient_id": str(other.id)}, headers=admin.headers)
    assert moved.status_code == 200, moved.text
    alert = await eventually(
        clinic, SILENCE_ALERT + " AND patient = $2", uuid.UUID(device), other.id
    )
    assert alert["acknowledged_at"] is None and alert["measured_at"] > former["measured_at"]
    kept = await clinic.fetch(SILENCE_ALERT + " AND patient = $2", uuid.UUID(device), patient.id)
    assert [a["acknowledged_at"] for a in kept] == [None], "still the former patient's to review"
