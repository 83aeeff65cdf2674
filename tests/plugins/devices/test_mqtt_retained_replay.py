"""At CONNECT, retained messages are replayed for the connecting session's own filters only.

amqtt 0.12.1 runs its retained-message replay once per topic filter held in the whole broker
at every CONNECT (each call then looked for the session among that filter's subscribers): with
a clinic's apps holding thousands of filters, every device reconnect cost as many calls, on
the event loop the API shares.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.plugins.devices.helpers import amqtt_of, broker_port, register, token_of
from tests.plugins.devices.raw_packets import SUBACK, RawClient, connect_raw, subscribe_packet
from tests.plugins.users.clinic import Clinic, Member

OTHERS_FILTERS = 30
CONNECT_REPLAY_QOS = 0


@contextmanager
def replays_recorded(broker: Any) -> Iterator[list[tuple[str, str]]]:
    """(client id, filter) of every replay the broker runs at a CONNECT in the block.

    amqtt asks those at QoS 0 (the SUBSCRIBEs here ask QoS 1, and their replays run after
    their SUBACKs, so one may come in the block).
    """
    replay = broker._publish_retained_messages_for_subscription
    calls: list[tuple[str, str]] = []

    async def recorded(subscription: tuple[str, int], session: Any) -> None:
        if subscription[1] == CONNECT_REPLAY_QOS:
            calls.append((session.client_id, subscription[0]))
        await replay(subscription, session)

    broker._publish_retained_messages_for_subscription = recorded
    try:
        yield calls
    finally:
        del broker._publish_retained_messages_for_subscription


async def subscribed(client: RawClient, topic_filter: str, packet_id: int = 1) -> None:
    """SUBSCRIBE at QoS 1 and wait for the SUBACK."""
    await client.send(subscribe_packet(topic_filter, packet_id=packet_id))
    assert (await client.read_packet())[0] == SUBACK


async def test_a_reconnect_replays_retained_messages_for_its_own_filters_only(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    port, broker, user = broker_port(clinic), amqtt_of(clinic), str(patient.id)
    device, secret = await register(clinic, admin)
    app, _, _ = await connect_raw(port, f"app-{user}", user, token_of(patient))
    try:
        for n in range(OTHERS_FILTERS):
            await subscribed(app, f"users/{user}/topic-{n}", n + 1)
        first, _, _ = await connect_raw(port, device, device, secret, clean=False)
        await subscribed(first, f"devices/{device}/cmd/#")
        first.drop()
        with replays_recorded(broker) as calls:
            again, present, _ = await connect_raw(port, device, device, secret, clean=False)
            try:
                assert present
                # Handled after the CONNECT's replay: that has run by the SUBACK.
                await subscribed(again, f"devices/{device}/cmd/x")
            finally:
                again.drop()
    finally:
        app.drop()
    assert calls == [(device, f"devices/{device}/cmd/#")]
