"""Messages to patients: the template data every appointment message carries.

The notification templates render with strict variables, so every message gets the same core keys
(`type_name`, `practitioner_name`, `starts_at` ...) plus the ones its template needs.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.contracts.auth import DirectoryEntry
from hduce.contracts.notifications import Category, Notifier
from hduce.contracts.users import UserDirectory, contact_of
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._tokens import ConfirmationTokens
from hduce.plugins.appointments.store import AppointmentRow

FALLBACK_NAME = "your practitioner"
REMINDER = "appointment_reminder"


def reminders_about(appointment_id: uuid.UUID) -> str:
    """What an appointment's reminders are `about`, so they can be withdrawn together."""
    return f"appointment:{appointment_id}:reminder"


def readable(moment: datetime, zone: str) -> str:
    """A local date and time for people, e.g. `Mon 23 Nov 2026, 09:00 (Europe/Paris)`.

    A time a fall-back night reads twice names its side of the change, e.g. `01:30 EST`
    (`UTC+10:30` where the zone has no lettered abbreviation).
    """
    local = moment.astimezone(ZoneInfo(zone))
    text = f"{local:%a %d %b %Y, %H:%M}"
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {_abbreviation(local)}"
    return f"{text} ({zone})"


def _abbreviation(local: datetime) -> str:
    """The zone's abbreviation of `local` (`EST`), or its UTC offset (`UTC+10:30`)."""
    name = local.tzname() or ""
    if name.isalpha():
        return name
    offset = f"{local:%z}"
    return f"UTC{offset[:3]}:{offset[3:5]}"


async def display_name(directory: UserDirectory, account_id: uuid.UUID) -> str:
    """How patients are shown a practitioner: their name, else their username."""
    return name_of(await directory.get(account_id))


def name_of(entry: DirectoryEntry | None) -> str:
    """How patients are shown the practitioner of `entry`: their name, else their username."""
    if entry is None:
        return FALLBACK_NAME
    return f"{entry.first_name} {entry.last_name}".strip() or entry.username


@dataclass(frozen=True, eq=False)
class PatientMessages:
    """Builds the data of appointment messages and hands them to the `Notifier`."""

    config: AppointmentsConfig
    public_url: str
    """`server.public_url` without a trailing slash."""
    schedules: Schedules
    tokens: ConfirmationTokens
    directory: UserDirectory
    notifier: Notifier

    async def remind(self, row: AppointmentRow) -> None:
        """Send the reminder: never after the visit starts, withdrawn by `withdraw_reminders`.

        `confirmed` lets it leave out the request to confirm once the patient has.
        """
        await self.send(
            row,
            REMINDER,
            about=reminders_about(row.id),
            send_before=row.starts_at,
            confirmed=row.status == Status.CONFIRMED,
        )

    async def withdraw_reminders(self, appointment_id: uuid.UUID, why: str) -> None:
        """Take back the appointment's reminders still waiting to go out (e.g. quiet hours)."""
        await self.notifier.withdraw(reminders_about(appointment_id), why)

    async def send(
        self,
        row: AppointmentRow,
        template: str,
        *,
        zone: str | None = None,
        about: str | None = None,
        send_before: datetime | None = None,
        **extra: Any,
    ) -> None:
        """Send `template` about `row` to its patient; datetimes in `extra` become local text.

        `zone` is the practitioner's time zone, read here unless the caller already has it;
        `about` and `send_before` as in `Notice`.
        """
        zone = zone or await self.schedules.timezone(row.practitioner)
        people = await self.directory.get_many((row.practitioner, row.patient))
        patient = people.get(row.patient)
        public_url = self.public_url
        token = self.tokens.issue(row.id, row.starts_at)
        data: dict[str, Any] = {
            "appointment_id": str(row.id),
            "type_name": row.type_name,
            "mode": row.mode,
            "practitioner_id": str(row.practitioner),
            "practitioner_name": name_of(people.get(row.practitioner)),
            "starts_at": readable(row.starts_at, zone),
            "ends_at": readable(row.ends_at, zone),
            "starts_at_utc": row.starts_at.isoformat(),
            "timezone": zone,
            "confirm_token": token,
            "confirm_url": self.config.confirm_url.format(
                public_url=public_url, appointment_id=row.id, token=token
            ),
        }
        for key, value in extra.items():
            data[key] = readable(value, zone) if isinstance(value, datetime) else value
        if "entry_id" in extra:
            data["claim_url"] = self.config.claim_url.format(
                public_url=public_url, entry_id=extra["entry_id"]
            )
        contact = None if patient is None else contact_of(patient)
        await self.notifier.notify(
            row.patient,
            template,
            data,
            Category.APPOINTMENTS,
            contact=contact,
            about=about,
            send_before=send_before,
        )
