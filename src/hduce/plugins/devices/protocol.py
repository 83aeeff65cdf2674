"""The per-connection MQTT protocol handler: amqtt 0.12.1's, with hduce's documented overrides."""

from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler

from hduce.plugins.devices.inbound import DurableInbound


class DeviceProtocolHandler(DurableInbound, BrokerProtocolHandler):
    """amqtt's broker-side handler; each mixin names the amqtt methods it replaces and why."""
