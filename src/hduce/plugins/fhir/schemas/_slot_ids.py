"""Slot ids: a practitioner, an appointment type and a start packed into one FHIR id."""

import base64
import binascii
import uuid
from datetime import UTC, datetime, timedelta

import msgspec

_ROOM = timedelta(days=2)
"""How far from the calendar's ends a start must be: a visit and any time zone's day fit."""
_FIRST_START = datetime.min.replace(tzinfo=UTC) + _ROOM
_LAST_START = datetime.max.replace(tzinfo=UTC) - _ROOM


class SlotKey(msgspec.Struct, frozen=True):
    """What names a slot: with whom, which kind of visit, when it starts."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime


def slot_id(key: SlotKey) -> str:
    """64 base32 characters (FHIR's longest id): two UUIDs and the start's Unix second."""
    seconds = int(key.starts_at.timestamp()).to_bytes(8, "big", signed=True)
    packed = key.practitioner_id.bytes + key.type_id.bytes + seconds
    return base64.b32encode(packed).decode().lower()


def slot_key(text: str) -> SlotKey | None:
    """The key packed into a slot id, or None when `text` is not one."""
    try:
        packed = base64.b32decode(text.upper()) if len(text) == 64 else b""
    except binascii.Error:
        return None
    if len(packed) != 40:
        return None
    seconds = int.from_bytes(packed[32:], "big", signed=True)
    try:
        start = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if not _FIRST_START <= start <= _LAST_START:
        return None  # no slot so near the calendar's ends (the searches would overflow)
    return SlotKey(uuid.UUID(bytes=packed[:16]), uuid.UUID(bytes=packed[16:32]), start)
