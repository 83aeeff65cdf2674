"""The events webhooks may carry, and the fields withheld from their payloads."""

import fnmatch
from collections.abc import Iterable
from typing import Any

import msgspec

from hduce.contracts.appointments import VISIT_FACTS, AppointmentCancelled, AppointmentTypeRenamed
from hduce.contracts.auth import UserApproved, UserRegistered, UserRolesChanged, UserStatusChanged
from hduce.contracts.devices import (
    DeviceAlertRaised,
    DeviceCameOnline,
    DeviceRegistered,
    DeviceWentOffline,
)
from hduce.contracts.documents import (
    DocumentDeleted,
    DocumentExtracted,
    DocumentProcessed,
    DocumentUpdated,
    DocumentUploaded,
)
from hduce.core.events import Event

# Security events (logins, lockouts, one-time links) stay inside: they carry addresses and
# would let a subscriber watch people's sessions.
OFFERED: tuple[type[Event], ...] = (
    *VISIT_FACTS,
    AppointmentTypeRenamed,
    DocumentUploaded,
    DocumentProcessed,
    DocumentUpdated,
    DocumentDeleted,
    DeviceRegistered,
    DeviceAlertRaised,
    DeviceCameOnline,
    DeviceWentOffline,
    UserRegistered,
    UserApproved,
    UserRolesChanged,
    UserStatusChanged,
)
EVENT_NAMES: tuple[str, ...] = tuple(event.name for event in OFFERED)

# An older name of an offered event, published with it (the same fact, another event id).
# Offered once, it is still sent to a webhook that subscribed to it then, unless the webhook
# also takes the current name: one delivery per fact either way.
FORMER: dict[type[Event], str] = {DocumentExtracted: DocumentProcessed.name}
SENT: tuple[type[Event], ...] = (*OFFERED, *FORMER)
"""Every event a webhook may receive."""
_FORMER_NAMES = {event.name: current for event, current in FORMER.items()}

# Free text a patient or clinician typed, contact details, and a patient's measurements (admins
# register webhooks and may not read readings) never leave the clinic.
WITHHELD: dict[str, frozenset[str]] = {
    AppointmentCancelled.name: frozenset({"reason"}),
    UserRegistered.name: frozenset({"email"}),
    DeviceAlertRaised.name: frozenset({"value", "threshold"}),
}


def matches(patterns: Iterable[str], event_name: str) -> bool:
    """Whether any pattern (`appointment.*`, `device.alert_raised`, `*`) names the event."""
    return any(fnmatch.fnmatchcase(event_name, pattern) for pattern in patterns)


def wanted(patterns: Iterable[str], event_name: str) -> bool:
    """Whether a webhook with these patterns is sent the event (a former name: see `FORMER`)."""
    patterns = list(patterns)
    current = _FORMER_NAMES.get(event_name)
    if current is not None and matches(patterns, current):
        return False
    return matches(patterns, event_name)


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    """The patterns that name no event sent (typos a subscriber would wait on forever)."""
    names = (*EVENT_NAMES, *_FORMER_NAMES)
    return [p for p in patterns if not any(fnmatch.fnmatchcase(n, p) for n in names)]


def public_fields(event: Event) -> dict[str, Any]:
    """The event's own fields, without the withheld ones."""
    fields: dict[str, Any] = msgspec.to_builtins(event)
    for field in WITHHELD.get(event.name, ()):
        fields.pop(field, None)
    return fields
