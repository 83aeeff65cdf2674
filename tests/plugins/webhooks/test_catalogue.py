"""What webhook payloads may carry: every text field of an offered event was reviewed."""

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from hduce.contracts.appointments import AppointmentCancelled
from hduce.contracts.auth import UserRegistered
from hduce.contracts.devices import DeviceAlertRaised
from hduce.plugins.webhooks.services import (
    EVENT_NAMES,
    SENT,
    WITHHELD,
    matches,
    public_fields,
)

README = Path(__file__).resolve().parents[3] / "README.md"
FAMILY = re.compile(r"`(\w+)\.\*` \(([^)]*)\)")

# Text that is an enumeration, a name the clinic chose or a technical fact, never typed by a
# patient or clinician. A new text field on an offered event must be added here or withheld.
REVIEWED_TEXT = {
    ("appointment.type_renamed", "type_name"),
    ("document.uploaded", "content_type"),
    ("document.uploaded", "sha256"),
    ("device.registered", "kind"),
    ("device.registered", "serial"),
    ("device.alert_raised", "metric"),
    ("device.alert_raised", "unit"),
    ("device.alert_raised", "bound"),
    ("device.offline", "reason"),
    ("user.status_changed", "status"),
}


def text_fields(event: type) -> set[str]:
    return {
        field.name
        for field in msgspec.structs.fields(event)
        if field.type is str or field.type == (str | None)
    }


def test_every_text_field_is_reviewed_or_withheld() -> None:
    unreviewed = {
        (event.name, name)
        for event in SENT
        for name in text_fields(event) - WITHHELD.get(event.name, frozenset())
    } - REVIEWED_TEXT
    assert unreviewed == set()


def test_every_measurement_is_withheld() -> None:
    """A number an event carries is a patient's measurement (no other kind exists so far)."""
    measurements = {
        (event.name, field.name)
        for event in SENT
        for field in msgspec.structs.fields(event)
        if field.type in (float, float | None)
    }
    assert measurements
    assert {(name, field) for name, field in measurements if field not in WITHHELD[name]} == set()


def test_free_text_and_contact_details_are_dropped() -> None:
    now = datetime.now(UTC)
    cancelled = AppointmentCancelled(
        appointment_id=uuid.uuid4(),
        patient_id=uuid.uuid4(),
        practitioner_id=uuid.uuid4(),
        type_id=uuid.uuid4(),
        starts_at=now,
        ends_at=now,
        cancelled_by=uuid.uuid4(),
        reason="feeling worse",
    )
    registered = UserRegistered(
        user_id=uuid.uuid4(), email="a@example.test", roles=["patient"], pending_approval=False
    )
    assert "reason" not in public_fields(cancelled)
    assert public_fields(registered) == {
        "user_id": str(registered.user_id),
        "roles": ["patient"],
        "pending_approval": False,
    }


def spo2_alert() -> DeviceAlertRaised:
    """A patient's oxygen saturation below their threshold."""
    return DeviceAlertRaised(
        alert_id=uuid.uuid4(),
        device_id=uuid.uuid4(),
        patient_id=uuid.uuid4(),
        metric="spo2",
        value=88.0,
        unit="%",
        bound="below",
        threshold=92.0,
        measured_at=datetime.now(UTC),
    )


def test_an_alert_names_the_crossing_without_the_patients_measurements() -> None:
    """Admins register webhooks and may not read readings: the value and threshold stay in."""
    assert set(public_fields(spo2_alert())) == {
        "alert_id",
        "device_id",
        "patient_id",
        "metric",
        "unit",
        "bound",
        "measured_at",
    }


def test_patterns() -> None:
    assert matches(["appointment.*"], "appointment.booked")
    assert matches(["*"], "device.alert_raised")
    assert not matches(["appointment.booked"], "appointment.cancelled")
    assert not matches(["document.*"], "documents.extracted")


def readme_catalogue() -> list[str]:
    """The event names README's webhooks section offers (`family.*` (a, b) and single names)."""
    text = README.read_text(encoding="utf-8")
    bullet = text.split("- `events` are names or patterns: ", 1)[1]
    bullet = bullet.split("`GET /api/v1/webhooks` lists", 1)[0]
    names = [
        f"{family}.{name.strip()}"
        for family, listed in FAMILY.findall(bullet)
        for name in listed.split(",")
    ]
    return names + re.findall(r"`(\w+\.\w+)`", FAMILY.sub("", bullet))


def test_readme_lists_the_offered_events() -> None:
    # It listed `document.extracted` and not `document.processed`; both were offered.
    assert sorted(readme_catalogue()) == sorted(EVENT_NAMES)
