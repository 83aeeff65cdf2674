"""Which topics each MQTT client may use: its own `devices/<id>/...` or `users/<id>/...` only."""

from hduce.plugins.devices.services._credentials import ClientKind

PUBLISH, SUBSCRIBE, RECEIVE = "publish", "subscribe", "receive"
DEVICE_PUBLISH = ("telemetry", "status")
MAX_FILTER_LENGTH, MAX_FILTER_LEVELS = 256, 16
"""The longest topic filter a client may subscribe to, in characters and in levels: every
filter held is matched against every message the broker routes, for as long as it is held."""


def telemetry_topic(device_id: str) -> str:
    """Where a device publishes its readings."""
    return f"devices/{device_id}/telemetry"


def allowed(kind: ClientKind | None, username: str, topic: str, action: str) -> bool:
    """Whether the client may publish, subscribe to or receive `topic` (always a bool)."""
    levels = topic.split("/")
    if action == SUBSCRIBE and (len(topic) > MAX_FILTER_LENGTH or len(levels) > MAX_FILTER_LEVELS):
        return False
    if kind is ClientKind.DEVICE:
        if action == PUBLISH:
            return (
                len(levels) == 3
                and levels[:2] == ["devices", username]
                and (levels[2] in DEVICE_PUBLISH)
            )
        return len(levels) >= 4 and levels[:3] == ["devices", username, "cmd"]
    if kind is ClientKind.USER and action != PUBLISH:
        return len(levels) >= 3 and levels[:2] == ["users", username]
    return False


def retain_allowed(kind: ClientKind | None, username: str, topic: str) -> bool:
    """Whether the client may leave a retained message on `topic`: only in its own namespace."""
    namespace = "devices" if kind is ClientKind.DEVICE else "users"
    own = topic.split("/")[:2] == [namespace, username]
    return own and allowed(kind, username, topic, PUBLISH)


def will_allowed(
    kind: ClientKind | None, username: str, topic: str, qos: int, retain: bool
) -> bool:
    """Whether a Last Will set at CONNECT passes the publish ACL (and the retain rule)."""
    if qos not in (0, 1, 2) or not allowed(kind, username, topic, PUBLISH):
        return False
    return not retain or retain_allowed(kind, username, topic)
