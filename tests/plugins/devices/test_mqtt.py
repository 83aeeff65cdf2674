"""Devices and apps on the real broker: sign-in, topic ACL, telemetry storage, push."""

import uuid
from datetime import UTC, datetime, timedelta

import aiomqtt
import msgspec
import pytest

from hduce.bootstrap import build_context, load_plugins, setup_plugins
from hduce.contracts.notifications import Category, Notifier, PushPublisher
from hduce.core.lifecycle import running_broker
from hduce.plugins.devices import DevicesPlugin
from tests.conftest import TEST_JWT_SECRET
from tests.plugins.devices.helpers import (
    API,
    broker_port,
    eventually,
    mqtt,
    next_message,
    refused,
    register,
    telemetry,
    token_of,
)
from tests.plugins.users.clinic import Clinic, Member
from tests.support.jwt_tokens import signed_token

SPO2 = ("spo2", 97, "%")
READING_OF = "SELECT * FROM reading WHERE device = $1 AND value = $2"


async def test_a_device_signs_in_and_its_readings_are_stored(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    async with mqtt(clinic, device, secret) as client:
        payload = telemetry(("systolic", 128, "mmHg"), ("diastolic", 84, "mmHg"))
        await client.publish(f"devices/{device}/telemetry", payload, qos=1)
        row = await eventually(clinic, READING_OF, uuid.UUID(device), 84.0)
    assert (row["metric"], row["unit"], row["patient"]) == ("diastolic", "mmHg", patient.id)
    rows = await clinic.fetch("SELECT metric FROM reading WHERE device = $1", uuid.UUID(device))
    assert sorted(r["metric"] for r in rows) == ["diastolic", "systolic"]
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert shown["last_seen_at"] is not None
    assert "secret" not in shown


async def test_wrong_unknown_and_malformed_credentials_are_refused(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    assert "authorized" in (await refused(clinic, device, secret + "x")).lower()
    await refused(clinic, str(uuid.uuid4()), secret)
    await refused(clinic, "not-a-uuid", secret)
    await refused(clinic, device, "")


async def test_a_rotated_secret_replaces_the_old_one(clinic: Clinic, admin: Member) -> None:
    device, old = await register(clinic, admin)
    rotated = await clinic.client.post(f"{API}/{device}/rotate-secret", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    await refused(clinic, device, old)
    async with mqtt(clinic, device, new):
        pass


async def test_deactivating_closes_the_connection_and_refuses_the_next(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        response = await clinic.client.post(f"{API}/{device}/deactivate", headers=admin.headers)
        assert response.status_code == 200, response.text
        assert response.json()["active"] is False
        with pytest.raises(aiomqtt.MqttError):  # the broker closed the connection
            await next_message(client)
    await refused(clinic, device, secret)


async def test_a_device_cannot_publish_as_another_device(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    other, _ = await register(clinic, admin, patient)
    async with mqtt(clinic, device, secret) as client:
        # QoS 1: the broker acknowledges the refused message and drops it.
        await client.publish(f"devices/{other}/telemetry", telemetry(("spo2", 91, "%")), qos=1)
        await client.publish(f"users/{patient.id}/notifications", b"{}", qos=1)
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 96, "%")), qos=1)
        await eventually(clinic, READING_OF, uuid.UUID(device), 96.0)
    assert await clinic.fetch("SELECT 1 FROM reading WHERE device = $1", uuid.UUID(other)) == []


async def test_subscriptions_are_limited_to_the_clients_own_topics(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin)
    other, _ = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        assert _code((await client.subscribe(f"devices/{device}/cmd/#", qos=1))[0]) == 1
        for refused_filter in (f"devices/{other}/cmd/#", "devices/#", "#", f"users/{patient.id}/#"):
            codes = await client.subscribe(refused_filter, qos=1)
            assert _code(codes[0]) == 0x80, refused_filter
    async with mqtt(clinic, str(patient.id), token_of(patient)) as app:
        assert _code((await app.subscribe(f"users/{patient.id}/#", qos=1))[0]) == 1
        for refused_filter in ("users/#", "users/+/notifications", f"devices/{device}/cmd/#"):
            assert _code((await app.subscribe(refused_filter, qos=1))[0]) == 0x80, refused_filter
        await app.publish(f"devices/{device}/telemetry", telemetry(("spo2", 77, "%")), qos=1)
    async with mqtt(clinic, device, secret) as client:
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 95, "%")), qos=1)
        await eventually(clinic, READING_OF, uuid.UUID(device), 95.0)
    assert not await clinic.fetch(READING_OF, uuid.UUID(device), 77.0)


def _code(granted: object) -> int:
    return granted if isinstance(granted, int) else granted.value  # type: ignore[attr-defined]


async def test_the_app_sends_commands_to_its_devices(clinic: Clinic, admin: Member) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        await client.subscribe(f"devices/{device}/cmd/#", qos=1)
        publisher = clinic.context.registry.get(PushPublisher)
        await clinic.in_app(publisher.publish, f"devices/{device}/cmd/sync-clock", b"now")
        message = await next_message(client)
    assert (str(message.topic), message.payload) == (f"devices/{device}/cmd/sync-clock", b"now")


async def test_invalid_telemetry_is_dropped_counted_and_the_broker_keeps_working(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    bad = [
        b"not json",
        b'{"readings": []}',
        telemetry(("spo2", 97, "percent")),
        telemetry(("blood_type", 1, "")),
        b'{"readings": [{"metric": "spo2", "value": "high", "unit": "%"}]}',
        b'{"ts": "2026-01-01T00:00:00", '
        b'"readings": [{"metric": "spo2", "value": 97, "unit": "%"}]}',
    ]
    async with mqtt(clinic, device, secret) as client:
        for payload in bad:
            await client.publish(f"devices/{device}/telemetry", payload, qos=1)
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 98, "%")), qos=1)
        await eventually(clinic, READING_OF, uuid.UUID(device), 98.0)
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert shown["invalid_messages"] == len(bad)
    assert "UTC offset" in shown["last_error"]
    health = (await clinic.health_detailed()).json()["checks"]["mqtt"]
    assert health["ok"] is True
    assert health["detail"]["messages_invalid"] >= len(bad)
    assert health["detail"]["messages_refused"] == 0


async def test_a_users_app_receives_push_notifications(clinic: Clinic) -> None:
    user = await clinic.member("patient")
    async with mqtt(clinic, str(user.id), token_of(user)) as app:
        await app.subscribe(f"users/{user.id}/notifications", qos=1)

        async def notify() -> uuid.UUID:
            notifier = clinic.context.registry.get(Notifier)
            async with clinic.context.db.transaction():
                return await notifier.notify(
                    user.id, "test_message", {"text": "over MQTT"}, Category.GENERAL
                )

        notification = await clinic.in_app(notify)
        message = await next_message(app, timeout=10)
    body = msgspec.json.decode(message.payload)
    assert str(message.topic) == f"users/{user.id}/notifications"
    assert "over MQTT" in body["text"]
    row = await eventually(
        clinic,
        "SELECT status FROM delivery WHERE notification = $1 AND channel = 'push'",
        notification,
    )
    assert row["status"] in ("pending", "sent")


async def test_an_app_needs_its_own_valid_token(clinic: Clinic) -> None:
    user = await clinic.member("patient")
    someone = await clinic.member("patient")
    await refused(clinic, str(user.id), token_of(someone))
    await refused(clinic, str(user.id), "not.a.jwt")


async def test_refused_connections_leave_no_session_behind(clinic: Clinic) -> None:
    broker = clinic.client.app.plugins.get(DevicesPlugin).broker
    assert broker is not None and broker._broker is not None
    strangers = [str(uuid.uuid4()) for _ in range(3)]
    for stranger in strangers:
        await refused(clinic, stranger, "wrong")
    usernames = {s.username for s, _ in broker._broker.sessions.values()}
    assert usernames.isdisjoint(strangers)
    health = (await clinic.health_detailed()).json()["checks"]["mqtt"]
    assert health["detail"]["clients"] == 0


@pytest.mark.parametrize("clean_session", [True, False], ids=["clean", "persistent"])
async def test_a_wrong_secret_cannot_take_over_a_connected_device(
    clinic: Clinic, admin: Member, patient: Member, clean_session: bool
) -> None:
    device, secret = await register(clinic, admin, patient)
    port = broker_port(clinic)
    commands = f"devices/{device}/cmd/#"
    connected = aiomqtt.Client(
        "127.0.0.1",
        port,
        username=device,
        password=secret,
        identifier=device,
        clean_session=False,
        timeout=5,
    )
    intruder = aiomqtt.Client(
        "127.0.0.1",
        port,
        username=device,
        password="guess",
        identifier=device,
        clean_session=clean_session,
        timeout=5,
    )
    async with connected:
        await connected.subscribe(commands, qos=1)
        with pytest.raises(aiomqtt.MqttError, match=r"(?i)authorized"):
            async with intruder:
                pass
        reading = telemetry(("spo2", 96.5, "%"))
        await connected.publish(f"devices/{device}/telemetry", reading, qos=1)
        stored = await eventually(
            clinic, "SELECT value FROM reading WHERE device = $1", uuid.UUID(device)
        )
        assert stored["value"] == 96.5, "the device kept its session and its rights"
        broker = clinic.client.app.plugins.get(DevicesPlugin).broker
        assert broker is not None
        await clinic.in_app(broker.publish, f"devices/{device}/cmd/ping", b"still there?")
        message = await next_message(connected)
        assert message.payload == b"still there?", "its subscription survived"


async def test_health_reports_the_listening_broker(clinic: Clinic) -> None:
    report = (await clinic.health_detailed()).json()
    mqtt_check = report["checks"]["mqtt"]
    assert mqtt_check["ok"] is True
    assert mqtt_check["detail"]["listening"] is True
    assert mqtt_check["detail"]["spool_full"] is False
    metrics = await clinic.metrics()
    assert 'hduce_device_messages_total{outcome="stored"}' in metrics


async def test_readings_published_just_before_disconnecting_are_kept(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    count = 150
    async with mqtt(clinic, device, secret) as client:
        for n in range(count):
            payload = telemetry(("heart_rate", 50 + n % 50, "bpm"))
            await client.publish(f"devices/{device}/telemetry", payload, qos=1)
    await eventually(
        clinic,
        "SELECT 1 FROM reading WHERE device = $1 HAVING count(*) = $2",
        uuid.UUID(device),
        count,
    )


async def test_a_worker_process_pushes_through_the_web_processs_broker(clinic: Clinic) -> None:
    user = await clinic.member("patient")
    settings = clinic.context.settings
    worker = build_context(settings, "worker", settings.database.url, settings.nats.url)
    setup_plugins(worker, load_plugins(settings))
    async with running_broker(worker), mqtt(clinic, str(user.id), token_of(user)) as app:
        await app.subscribe(f"users/{user.id}/notifications", qos=1)
        await worker.registry.get(PushPublisher).publish(
            f"users/{user.id}/notifications", b'{"text": "from a worker"}'
        )
        message = await next_message(app)
    assert message.payload == b'{"text": "from a worker"}'


async def test_an_app_is_disconnected_when_its_access_token_expires(clinic: Clinic) -> None:
    user = await clinic.member("patient")
    soon = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)  # exp: whole s
    token = signed_token(
        {"sub": str(user.id), "roles": ["patient"], "exp": soon}, key=TEST_JWT_SECRET
    )
    async with mqtt(clinic, str(user.id), token) as client:
        await client.subscribe(f"users/{user.id}/notifications", qos=1)
        with pytest.raises(aiomqtt.MqttError):  # closed by the broker, not a timeout
            await next_message(client, timeout=8)
    assert datetime.now(UTC) >= soon


async def test_an_app_is_disconnected_when_its_account_is_deactivated(clinic: Clinic) -> None:
    user = await clinic.member("patient")
    async with mqtt(clinic, str(user.id), token_of(user)) as client:
        await client.subscribe(f"users/{user.id}/notifications", qos=1)
        await clinic.execute("UPDATE account SET status = 'deactivated' WHERE id = $1", user.id)
        with pytest.raises(aiomqtt.MqttError):  # closed by the broker within a recheck or two
            await next_message(client, timeout=8)
    assert "authorized" in (await refused(clinic, str(user.id), token_of(user))).lower()
