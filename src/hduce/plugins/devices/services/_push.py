"""`PushPublisher` over NATS: any process publishes, every web process's broker delivers.

A user's app is connected to one `hduce serve` among possibly several, and deliveries may run in
`hduce worker`, which has no broker: so a push goes out on a NATS subject every broker listens to.
Delivery is at most once, like MQTT QoS 0 to an app that is offline.
"""

import logging
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from hduce.core.tasks import TaskBroker

logger = logging.getLogger("hduce.devices")
TOPIC_HEADER = "Mqtt-Topic"
Deliver = Callable[[str, bytes], Awaitable[None]]


def push_subject(broker: TaskBroker) -> str:
    """The subject of this deployment (named after its task stream, so tests stay apart)."""
    return f"hduce.push.{broker.settings.tasks_stream}"


def deliverable(topic: str) -> bool:
    """Only users' and devices' command topics are pushed; nothing else reaches the broker."""
    levels = topic.split("/")
    if any(level in ("", "+", "#") for level in levels):
        return False
    return (len(levels) >= 3 and levels[0] == "users") or (
        len(levels) >= 4 and levels[0] == "devices" and levels[2] == "cmd"
    )


class NatsPush:
    """Implements `PushPublisher` in every process."""

    def __init__(self, broker: TaskBroker) -> None:
        self._broker = broker

    async def publish(self, topic: str, payload: bytes) -> None:
        """Send `payload` for `topic` to every running MQTT broker."""
        if not deliverable(topic):
            raise ValueError(f"{topic!r} is not a user or device command topic")
        client = self._broker.client
        await client.publish(push_subject(self._broker), payload, headers={TOPIC_HEADER: topic})
        await client.flush()

    async def listen(self, deliver: Deliver) -> Subscription:
        """Hand every push to `deliver` (the web process's broker) until unsubscribed."""

        async def forward(message: Msg) -> None:
            topic = (message.headers or {}).get(TOPIC_HEADER, "")
            if not deliverable(topic):
                logger.warning("ignored a push for %r", topic)
                return
            try:
                await deliver(topic, message.data)
            except Exception:
                logger.exception("push to %s failed", topic)

        return await self._broker.client.subscribe(push_subject(self._broker), cb=forward)
