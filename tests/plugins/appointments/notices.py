"""What the real notifications plugin made of the messages to patients: rows and rendered e-mail."""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.plugins.appointments.helpers import eventually
from tests.plugins.users.clinic import Clinic, Member

# Every user has an e-mail delivery, rendered even while the e-mail channel is not configured.
SENT = """
SELECT n.category, n.created_at, d.subject, d.body_text AS text
FROM notification n JOIN delivery d ON d.notification = n.id AND d.channel = 'email'
WHERE n.template = $1 AND n.recipient = $2
ORDER BY n.created_at
"""


@dataclass(frozen=True)
class Notice:
    """One notification: its category, when it was queued, and its e-mail subject and text."""

    category: str
    created_at: datetime
    subject: str
    text: str


async def notices(clinic: Clinic, template: str, recipient: Member) -> list[Notice]:
    """Every `template` notification to `recipient`, oldest first."""
    return [Notice(**row) for row in await clinic.fetch(SENT, template, recipient.id)]


async def next_notice(clinic: Clinic, template: str, recipient: Member) -> Notice:
    """The first `template` notification to `recipient`, waiting for it to be queued."""
    return Notice(**await eventually(clinic, SENT + " LIMIT 1", template, recipient.id))


def local_time(moment: datetime, zone: str) -> str:
    """How messages write a moment: local date and time and the zone's name."""
    return f"{moment.astimezone(ZoneInfo(zone)):%a %d %b %Y, %H:%M} ({zone})"


def confirm_token(text: str, appointment_id: str) -> str:
    """The token of the link in `text` that confirms `appointment_id`."""
    found = re.search(rf"/appointments/{appointment_id}/confirm\?token=([\w.\-]+)", text)
    assert found, text
    return found[1]


def claimed_entry(text: str) -> str:
    """The waitlist entry whose held slot the link in `text` claims."""
    found = re.search(r"/appointments/waitlist/([0-9a-f-]{36})/claim\b", text)
    assert found, text
    return found[1]
