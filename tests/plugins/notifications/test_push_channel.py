"""The push channel with a recording publisher (the MQTT broker arrives with the devices plugin)."""

import json
import uuid

import pytest

from hduce.plugins.notifications.services.channels import (
    DeliveryError,
    OutgoingMessage,
    PushChannel,
)


class RecordingPublisher:
    """Keeps what it is asked to publish; fails with `failure` when one is set."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.published: list[tuple[str, bytes]] = []
        self.failure = failure

    async def publish(self, topic: str, payload: bytes) -> None:
        if self.failure is not None:
            raise self.failure
        self.published.append((topic, payload))


def message(to: str) -> OutgoingMessage:
    return OutgoingMessage(
        delivery_id=uuid.uuid4(), to=to, subject="Appointment booked", text="Tue 10:00 — Dr Ng"
    )


async def test_publishes_json_on_the_users_topic() -> None:
    publisher = RecordingPublisher()
    user = str(uuid.uuid4())
    sent = message(user)
    await PushChannel(lambda: publisher).send(sent)
    [(topic, payload)] = publisher.published
    assert topic == f"users/{user}/notifications"
    assert json.loads(payload) == {
        "id": str(sent.delivery_id),
        "subject": "Appointment booked",
        "text": "Tue 10:00 — Dr Ng",
    }


def test_configured_only_with_a_publisher() -> None:
    assert PushChannel(RecordingPublisher).configured
    assert not PushChannel(lambda: None).configured


async def test_without_a_publisher_sending_is_a_permanent_failure() -> None:
    with pytest.raises(DeliveryError) as caught:
        await PushChannel(lambda: None).send(message(str(uuid.uuid4())))
    assert caught.value.permanent


@pytest.mark.parametrize("to", ["", "a/b", "+", "#", "users/#"])
async def test_an_address_that_is_not_a_single_topic_level_is_refused(to: str) -> None:
    publisher = RecordingPublisher()
    with pytest.raises(DeliveryError) as caught:
        await PushChannel(lambda: publisher).send(message(to))
    assert caught.value.permanent
    assert publisher.published == []


async def test_a_broker_failure_is_retried_and_named() -> None:
    user = str(uuid.uuid4())
    publisher = RecordingPublisher(failure=ConnectionError("broker is shutting down"))
    with pytest.raises(DeliveryError) as caught:
        await PushChannel(lambda: publisher).send(message(user))
    assert not caught.value.permanent
    assert f"users/{user}/notifications" in str(caught.value)
    assert "broker is shutting down" in str(caught.value)
