"""What the index holds: one entry per searchable thing, whatever its kind."""

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Any

import msgspec

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One searchable thing; `patient_id` is whose data it is (the permission key)."""

    kind: str
    ref_id: uuid.UUID
    patient_id: uuid.UUID | None
    practitioner_id: uuid.UUID | None = None
    title: str
    body: str
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    updated_at: datetime
    """The source's version: an older version never replaces a newer one."""
    dated_at: datetime | None = None
    """When the thing happened (upload, appointment start), for date facets and filters."""
    entities: tuple[str, ...] = ()
    """`kind:value` keys such as `medication:metformin`, for entity facets and filters."""


def clean(text: str) -> str:
    """Text safe to index: control characters (our highlight markers among them) removed, NFC.

    As queries are: "fièvre" written with a combining accent (NFD) is the same word.
    """
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def joined(*parts: str | None) -> str:
    """The non-empty parts, cleaned, one per line."""
    return "\n".join(clean(part) for part in parts if part)
