"""Push: a JSON message on the user's MQTT topic, published by the embedded broker."""

from collections.abc import Callable
from typing import ClassVar

import msgspec

from hduce.contracts.notifications import PushPublisher
from hduce.plugins.notifications.services.channels.base import DeliveryError, OutgoingMessage


def user_topic(user_id: str) -> str:
    """The topic a user's apps subscribe to."""
    return f"users/{user_id}/notifications"


class PushChannel:
    """Publishes `{"id", "subject", "text"}` to `users/<user id>/notifications`."""

    name: ClassVar[str] = "push"

    def __init__(self, find_publisher: Callable[[], PushPublisher | None]) -> None:
        # Looked up on use: the broker's plugin may register after this one is set up.
        self._find_publisher = find_publisher

    @property
    def configured(self) -> bool:
        """Only with a broker to publish through."""
        return self._find_publisher() is not None

    async def send(self, message: OutgoingMessage) -> None:
        """Publish the message; a broker failure is retried."""
        publisher = self._find_publisher()
        if publisher is None:
            raise DeliveryError("push: no MQTT broker is running", permanent=True)
        if not message.to or any(char in message.to for char in "/+#"):
            raise DeliveryError(f"push: {message.to!r} is not a user id", permanent=True)
        topic = user_topic(message.to)
        payload = msgspec.json.encode(
            {"id": str(message.delivery_id), "subject": message.subject, "text": message.text}
        )
        try:
            await publisher.publish(topic, payload)
        except Exception as exc:  # the broker's failure, whatever it is, is this delivery's
            raise DeliveryError(f"push to {topic}: {exc!r}") from exc
