"""MQTT 3.1.1's rules for a packet's bytes, checked before amqtt decodes it.

amqtt 0.12.1 checks little of a packet's form: it acknowledges a PUBLISH at QoS 3 or with
packet id 0, grants a SUBSCRIBE asking QoS 3, answers packets whose fixed-header flags are
wrong, silently drops a PUBLISH to a wildcard topic and acknowledges one to an empty topic
before closing the connection. A protocol violation must close the
connection ([MQTT-4.8.0-1]); each rule below names the clause it enforces.
"""

import struct

from amqtt.mqtt.packet import (
    CONNACK,
    CONNECT,
    DISCONNECT,
    PINGREQ,
    PINGRESP,
    PUBACK,
    PUBCOMP,
    PUBLISH,
    PUBREC,
    PUBREL,
    RESERVED_0,
    RESERVED_15,
    SUBACK,
    SUBSCRIBE,
    UNSUBACK,
    UNSUBSCRIBE,
)

_FLAGS_0010 = (PUBREL, SUBSCRIBE, UNSUBSCRIBE)
_SERVER_ONLY = {CONNACK: "CONNACK", SUBACK: "SUBACK", UNSUBACK: "UNSUBACK", PINGRESP: "PINGRESP"}
_BODY_LENGTH = {PUBACK: 2, PUBREC: 2, PUBREL: 2, PUBCOMP: 2, PINGREQ: 0, DISCONNECT: 0}
_RESERVED, _WILL_FLAG, _WILL_QOS, _WILL_RETAIN = 0x01, 0x04, 0x18, 0x20
_PASSWORD, _USERNAME = 0x40, 0x80


class Malformed(ValueError):
    """A packet that breaks MQTT 3.1.1: the connection is closed, nothing is answered."""


class OtherVersion(ValueError):
    """An MQTT 3.1 CONNECT (`MQIsdp`): answered "unacceptable protocol version", then closed."""


def check_connect(first: int, body: bytes) -> None:
    """The first packet of a connection: an MQTT 3.1.1 CONNECT, whole and well formed.

    A CONNECT of another protocol level is left to amqtt, which answers "unacceptable protocol
    version" (an MQTT 5 client then tries 3.1.1); MQTT 3.1's (protocol name `MQIsdp`, which
    amqtt closes unanswered) raises `OtherVersion`, to get that answer too.
    """
    if first != CONNECT << 4:
        what = "CONNECT" if first >> 4 == CONNECT else f"packet type {first >> 4}"
        raise Malformed(f"the first packet is {what} with byte {first:#04x} [MQTT-3.1.0-1]")
    name, position = _string(body, 0)
    if name == "MQIsdp":
        raise OtherVersion("an MQTT 3.1 CONNECT (MQIsdp)")
    if name != "MQTT" or body[position : position + 1] != b"\x04":
        return
    if len(body) < position + 4:
        raise Malformed("CONNECT ends inside its variable header")
    flags = body[position + 1]
    if flags & _RESERVED:
        raise Malformed("the CONNECT flags' reserved bit is set [MQTT-3.1.2-3]")
    if flags & _PASSWORD and not flags & _USERNAME:
        raise Malformed("a password without a username [MQTT-3.1.2-22]")
    if not flags & _WILL_FLAG and flags & (_WILL_QOS | _WILL_RETAIN):
        raise Malformed("will QoS or retain set without the will flag [MQTT-3.1.2-13, -15]")
    if flags & _WILL_QOS == _WILL_QOS:
        raise Malformed("will QoS 3 [MQTT-3.1.2-14]")
    _, position = _string(body, position + 4)  # the client id
    if flags & _WILL_FLAG:
        will_topic, position = _string(body, position)
        _check_topic(will_topic, "a will on")
        position = _field_end(body, position)  # the will message: any bytes
    if flags & _USERNAME:
        _, position = _string(body, position)
    if flags & _PASSWORD:
        position = _field_end(body, position)
    if position != len(body):
        raise Malformed("CONNECT has bytes after its payload")


def check_packet(first: int, body: bytes) -> int:
    """Check a packet from a signed-in client (CONNECT again is amqtt's to refuse).

    Returns how many topic filters it carries (a SUBSCRIBE or UNSUBSCRIBE; else 0).
    """
    kind, flags = first >> 4, first & 0x0F
    if kind in (RESERVED_0, RESERVED_15):
        raise Malformed(f"reserved packet type {kind} [MQTT-2.2.1]")
    if kind in _SERVER_ONLY:
        raise Malformed(f"a client sent {_SERVER_ONLY[kind]}, which only a server sends")
    if kind == PUBLISH:
        _check_publish(flags, body)
        return 0
    if flags != (0b0010 if kind in _FLAGS_0010 else 0):
        raise Malformed(f"fixed-header flags {flags:#06b} on packet type {kind} [MQTT-2.2.2-2]")
    if kind in _BODY_LENGTH and len(body) != _BODY_LENGTH[kind]:
        raise Malformed(f"packet type {kind} with a {len(body)}-byte body")
    return _check_filters(kind, body) if kind in (SUBSCRIBE, UNSUBSCRIBE) else 0


def _check_topic(topic: str, what: str) -> None:
    """A topic name (a PUBLISH's, a will's) is not empty and has no wildcard."""
    if not topic:
        raise Malformed(f"{what} an empty topic [MQTT-4.7.3-1]")
    if "+" in topic or "#" in topic:
        raise Malformed(f"{what} a topic with a wildcard: {topic!r} [MQTT-3.3.2-2]")


def _check_publish(flags: int, body: bytes) -> None:
    qos = (flags >> 1) & 0b11
    if qos == 3:
        raise Malformed("PUBLISH with QoS 3 [MQTT-3.3.1-4]")
    if qos == 0 and flags & 0b1000:
        raise Malformed("PUBLISH with DUP set at QoS 0 [MQTT-3.3.1-2]")
    topic, end = _string(body, 0)
    _check_topic(topic, "PUBLISH to")
    if qos and _packet_id(body, end) == 0:
        raise Malformed("PUBLISH with packet id 0 [MQTT-2.3.1-1]")


def _check_filters(kind: int, body: bytes) -> int:
    name = "SUBSCRIBE" if kind == SUBSCRIBE else "UNSUBSCRIBE"
    if _packet_id(body, 0) == 0:
        raise Malformed(f"{name} with packet id 0 [MQTT-2.3.1-1]")
    position, filters = 2, 0
    while position < len(body):
        _, position = _string(body, position)
        filters += 1
        if kind == SUBSCRIBE:
            if position >= len(body):
                raise Malformed("SUBSCRIBE filter without its QoS byte")
            if body[position] > 2:  # reserved bits set, or QoS 3
                raise Malformed(f"SUBSCRIBE options byte {body[position]:#04x} [MQTT-3.8.3-4]")
            position += 1
    if not filters:
        raise Malformed(f"{name} without a topic filter [MQTT-3.8.3-3, MQTT-3.10.3-2]")
    return filters


def _string(body: bytes, position: int) -> tuple[str, int]:
    """The UTF-8 string at `position` and where it ends."""
    end = _field_end(body, position)
    try:
        text = body[position + 2 : end].decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("a string that is not UTF-8 [MQTT-1.5.3-1]") from None
    if "\0" in text:
        raise Malformed("a string with U+0000 [MQTT-1.5.3-2]")
    return text, end


def _field_end(body: bytes, position: int) -> int:
    """Where the length-prefixed field at `position` ends."""
    if position + 2 > len(body):
        raise Malformed("a field runs past the end of the packet")
    end = position + 2 + struct.unpack_from("!H", body, position)[0]
    if end > len(body):
        raise Malformed("a field runs past the end of the packet")
    return end


def _packet_id(body: bytes, position: int) -> int:
    if position + 2 > len(body):
        raise Malformed("the packet ends before its packet id")
    return int(struct.unpack_from("!H", body, position)[0])
