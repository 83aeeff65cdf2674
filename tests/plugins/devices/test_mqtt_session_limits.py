"""What one client may hold: topic filters, messages queued while offline, an offline session."""

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from hduce.contracts.notifications import PushPublisher
from hduce.core.config import Settings
from hduce.plugins.devices.services._acl import MAX_FILTER_LENGTH, MAX_FILTER_LEVELS
from tests.plugins.devices.helpers import (
    amqtt_of,
    broker_port,
    devices_settings,
    mqtt,
    refusals,
    register,
    token_of,
)
from tests.plugins.devices.raw_packets import (
    ACCEPTED,
    DISCONNECT,
    PUBLISH,
    SERVER_UNAVAILABLE,
    SUBACK,
    RawClient,
    _string,
    connect_raw,
    packet,
    subscribe_packet,
    takes_over,
    until,
)
from tests.plugins.users.clinic import Clinic, Member, running_clinic

MAX_FILTERS, MAX_QUEUED, MAX_SESSIONS = 3, 2, 2


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A broker with small limits, and offline sessions forgotten after two seconds."""
    limits = devices_settings(
        settings,
        max_subscriptions=MAX_FILTERS,
        max_queued_messages=MAX_QUEUED,
        max_sessions_per_identity=MAX_SESSIONS,
        session_expiry="2s",
    )
    async with running_clinic(limits) as running:
        yield running


async def subscribe(client: RawClient, topic_filter: str, packet_id: int) -> int:
    """SUBSCRIBE to one filter; the SUBACK's return code."""
    await client.send(subscribe_packet(topic_filter, packet_id=packet_id))
    first, body = await client.read_packet()
    assert first == SUBACK and body[:2] == struct.pack("!H", packet_id)
    return body[2]


@asynccontextmanager
async def signed_in(clinic: Clinic, device: str, secret: str) -> AsyncIterator[RawClient]:
    """A raw connection of `device` with its id as client id (clean session), dropped after."""
    client, _, code = await connect_raw(broker_port(clinic), device, device, secret)
    assert code == ACCEPTED
    try:
        yield client
    finally:
        client.drop()


async def left_offline(
    port: int, client_id: str, device: str, secret: str, topic_filter: str | None = None
) -> bool:
    """Connect with clean_session=0 (subscribing to `topic_filter`), then DISCONNECT; whether
    the broker had a session to resume."""
    client, present, code = await connect_raw(port, client_id, device, secret, clean=False)
    try:
        assert code == ACCEPTED
        if topic_filter is not None:
            assert await subscribe(client, topic_filter, 1) == 1
        await client.send(DISCONNECT)
    finally:
        client.drop()
    return present


async def test_a_client_holds_at_most_max_subscriptions_filters(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    filters = [f"devices/{device}/cmd/{n}" for n in range(MAX_FILTERS + 1)]
    async with signed_in(clinic, device, secret) as client:
        granted = [await subscribe(client, f, n + 1) for n, f in enumerate(filters)]
        assert granted == [1] * MAX_FILTERS + [0x80]
        assert await subscribe(client, filters[0], 10) == 1, "a filter held is granted again"
        await client.send(packet(0xA2, struct.pack("!H", 11) + _string(filters[0])))
        assert (await client.read_packet())[0] == 0xB0
        subscriptions = amqtt_of(clinic)._subscriptions
        await until(lambda: filters[0] not in subscriptions)  # no entry kept for nobody
        assert await subscribe(client, filters[-1], 12) == 1, "room again after UNSUBSCRIBE"


async def test_a_topic_filter_is_at_most_256_characters_and_16_levels(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    base = f"devices/{device}/cmd/"
    longest = base + "x" * (MAX_FILTER_LENGTH - len(base))
    deepest = base + "/".join("+" * (MAX_FILTER_LEVELS - 3))
    async with signed_in(clinic, device, secret) as client:
        assert await subscribe(client, longest + "x", 1) == 0x80
        assert await subscribe(client, deepest + "/+", 2) == 0x80
        assert await subscribe(client, longest, 3) == 1
        assert await subscribe(client, deepest, 4) == 1


async def test_a_subscribe_does_not_cost_a_repr_of_every_filter_held(
    clinic: Clinic, admin: Member
) -> None:
    # amqtt 0.12.1 logs repr(self._subscriptions) after every SUBSCRIBE, at any log level: each
    # SUBSCRIBE of anyone cost time and memory in proportion to every filter of every client.
    device, secret = await register(clinic, admin)
    held = f"devices/{device}/cmd/held"
    async with signed_in(clinic, device, secret) as client:
        assert await subscribe(client, held, 1) == 1
        assert held not in repr(amqtt_of(clinic)._subscriptions)


async def test_a_clean_session_starts_with_no_filter_counted(clinic: Clinic, admin: Member) -> None:
    # What a client holds is counted as it subscribes: the count goes with its session.
    device, secret = await register(clinic, admin)
    filters = [f"devices/{device}/cmd/{n}" for n in range(MAX_FILTERS)]
    for attempt in range(2):
        client, _, code = await connect_raw(broker_port(clinic), device, device, secret)
        assert code == ACCEPTED
        try:
            granted = [await subscribe(client, f, n + 1) for n, f in enumerate(filters)]
            assert granted == [1] * MAX_FILTERS, f"connection {attempt + 1}"
        finally:
            client.drop()
        await asyncio.sleep(0.2)  # the drop is handled


async def test_an_offline_session_keeps_only_the_newest_messages(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    port, commands = broker_port(clinic), f"devices/{device}/cmd/#"
    await left_offline(port, device, device, secret, commands)
    publisher = clinic.context.registry.get(PushPublisher)
    sessions = amqtt_of(clinic).sessions
    await asyncio.sleep(0.2)  # the DISCONNECT is handled
    for n in range(5):
        await clinic.in_app(publisher.publish, f"devices/{device}/cmd/set", f"command {n}".encode())
    client, present, _ = await connect_raw(port, device, device, secret, clean=False)
    try:
        assert present, sessions.keys()
        received = []
        for _ in range(MAX_QUEUED):
            first, body = await client.read_packet()
            assert first >> 4 == PUBLISH >> 4
            received.append(body[-9:])
        assert received == [b"command 3", b"command 4"]
        with pytest.raises(TimeoutError):
            await client.read_packet(timeout=1)
    finally:
        client.drop()


async def test_an_offline_persistent_session_is_forgotten_after_session_expiry(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    port = broker_port(clinic)
    await left_offline(port, device, device, secret, f"devices/{device}/cmd/#")
    present = await left_offline(port, device, device, secret)
    assert present, "kept while younger than session_expiry"
    # amqtt's monitor (every second) drops it once its whole seconds are past the expiry
    sessions = amqtt_of(clinic).sessions
    await until(lambda: device not in sessions, timeout=10)
    client, present, _ = await connect_raw(port, device, device, secret, clean=False)
    client.drop()
    assert not present, "forgotten after session_expiry"


async def test_an_identity_keeps_at_most_max_sessions_per_identity(
    clinic: Clinic, admin: Member
) -> None:
    # An app that makes up a client id for each connection, with clean_session=0, left a
    # session behind each time (each with its subscriptions, queuing every message for it)
    # for the whole session_expiry: thousands over a week.
    device, secret = await register(clinic, admin)
    port, commands = broker_port(clinic), f"devices/{device}/cmd/#"
    client_ids = [f"{device}-install-{n}" for n in range(MAX_SESSIONS + 2)]
    for client_id in client_ids:
        await left_offline(port, client_id, device, secret, commands)
        await asyncio.sleep(0.1)  # its DISCONNECT is handled: the next one finds it offline
    broker = amqtt_of(clinic)
    held = [cid for cid, (s, _) in broker.sessions.items() if s.username == device]
    assert sorted(held) == sorted(client_ids[-MAX_SESSIONS:]), "the longest offline are forgotten"
    subscribers = {s.client_id for s, _ in broker._subscriptions.get(commands, [])}
    assert subscribers == set(client_ids[-MAX_SESSIONS:])
    client, present, _ = await connect_raw(port, client_ids[-1], device, secret, clean=False)
    client.drop()
    assert present, "the newest session is resumed"


async def test_spellings_of_one_id_are_one_identity(clinic: Clinic, admin: Member) -> None:
    # uuid.UUID() reads an id in capitals, without dashes, in braces or as a URN: each spelling
    # kept its own sessions, beyond max_sessions_per_identity.
    device, secret = await register(clinic, admin)
    spellings = [device.upper(), device.replace("-", ""), f"{{{device}}}", f"urn:uuid:{device}"]
    client_ids = [f"{device}-spelt-{n}" for n in range(len(spellings))]
    for client_id, spelt in zip(client_ids, spellings, strict=True):
        await left_offline(broker_port(clinic), client_id, spelt, secret)
        await asyncio.sleep(0.1)  # its DISCONNECT is handled: the next one finds it offline
    sessions = amqtt_of(clinic).sessions
    held = [cid for cid in client_ids if cid in sessions]
    assert held == client_ids[-MAX_SESSIONS:], "one identity, whatever the spelling"
    assert {sessions[cid][0].username for cid in held} == {device}


async def test_an_identity_holds_at_most_max_sessions_per_identity_live_connections(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    # A patient app (username = user id, password = access token) opened every connection slot
    # of the broker with a fresh client id each time, locking every device out.
    port, user, token = broker_port(clinic), str(patient.id), token_of(patient)
    before = (await refusals(clinic))["refused_identity_cap"]
    held = []
    try:
        for n in range(MAX_SESSIONS + 2):
            client, _, code = await connect_raw(port, f"app-{n}", user, token, clean=n % 2 == 0)
            held.append(client)
            assert code == (ACCEPTED if n < MAX_SESSIONS else SERVER_UNAVAILABLE), n
        assert (await refusals(clinic))["refused_identity_cap"] == before + 2
        device, secret = await register(clinic, admin)
        async with mqtt(clinic, device, secret):
            pass  # another identity is not held back
        held.pop(0).drop()
        await until(lambda: len(live_sessions(clinic, user)) < MAX_SESSIONS)
        client, _, code = await connect_raw(port, "app-again", user, token)
        held.append(client)
        assert code == ACCEPTED, "a connection that ended gives its place back"
    finally:
        for client in held:
            client.drop()
    await until(lambda: not live_sessions(clinic, user))
    # A clean session ends with its connection, but amqtt's monitor drops it a moment later.
    await until(lambda: len(stored_sessions(clinic, user)) <= MAX_SESSIONS)


def stored_sessions(clinic: Clinic, username: str) -> list[str]:
    """The client ids of the sessions the broker keeps for `username`."""
    return [cid for cid, (s, _) in amqtt_of(clinic).sessions.items() if s.username == username]


def live_sessions(clinic: Clinic, username: str) -> list[str]:
    """Client ids of the identity's connected sessions."""
    sessions = amqtt_of(clinic).sessions.items()
    return [
        cid for cid, (s, _) in sessions if s.username == username and s.transitions.is_connected()
    ]


async def test_an_identity_at_its_cap_takes_its_own_client_id_over(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    port = broker_port(clinic)
    held = [await connect_raw(port, f"{device}-{n}", device, secret) for n in range(MAX_SESSIONS)]
    await takes_over(port, held, f"{device}-0", device, secret)
