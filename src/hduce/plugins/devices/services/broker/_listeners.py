"""The broker's listeners in amqtt's terms: plain TCP always, TLS and WebSocket when configured."""

from typing import Any

from hduce.plugins.devices.config import OFF, DevicesConfig

DEFAULT, TLS, WS = "default", "tls", "ws"


def listeners(config: DevicesConfig) -> dict[str, dict[str, Any]]:
    """The `listeners` section of the amqtt config (connection caps are enforced by the broker)."""
    host = config.host
    found: dict[str, dict[str, Any]] = {DEFAULT: {"type": "tcp", "bind": f"{host}:{config.port}"}}
    if config.tls_port != OFF:
        found[TLS] = {
            "type": "tcp",
            "bind": f"{host}:{config.tls_port}",
            "ssl": True,
            "certfile": config.tls_cert,
            "keyfile": config.tls_key,
        }
    if config.ws_port != OFF:
        found[WS] = {"type": "ws", "bind": f"{host}:{config.ws_port}"}
    return found


def bound_port(server: Any) -> int:
    """The port an amqtt server instance (asyncio or websockets) really listens on."""
    return int(next(iter(server.sockets)).getsockname()[1])
