"""Which topics each MQTT client may use: its own `devices/<id>/...` or `users/<id>/...` only."""

from hduce.plugins.devices.credentials import ClientKind

PUBLISH, SUBSCRIBE, RECEIVE = "publish", "subscribe", "receive"
DEVICE_PUBLISH = ("telemetry", "status")


def telemetry_topic(device_id: str) -> str:
    """Where a device publishes its readings."""
    return f"devices/{device_id}/telemetry"


def allowed(kind: ClientKind | None, username: str, topic: str, action: str) -> bool:
    """Whether the client may publish, subscribe to or receive `topic` (always a bool)."""
    levels = topic.split("/")
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
