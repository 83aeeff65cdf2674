"""iCalendar rendering of appointments (RFC 5545, via the `icalendar` library)."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.plugins.appointments.store import AppointmentRow

CALENDAR_MEDIA_TYPE = "text/calendar"
_EVENT_STATUS = {
    Status.HELD: "TENTATIVE",
    Status.BOOKED: "TENTATIVE",
    Status.CANCELLED: "CANCELLED",
    Status.NO_SHOW: "CANCELLED",
}
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def one_line(text: str) -> str:
    """`text` with each run of control characters (line breaks, tabs) as one space.

    Names are checked on the way in, but rows written before that may still hold line breaks,
    which `icalendar` refuses in a property it does not know (`X-WR-CALNAME`).
    """
    return " ".join(_CONTROLS.sub(" ", text).split())


def calendar(rows: Iterable[AppointmentRow], *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per appointment (times in UTC, no patient details)."""
    import icalendar  # 8 MB: loaded by the first calendar feed, not with every start

    cal = icalendar.Calendar()
    cal.add("prodid", "-//HDuce//appointments//EN")
    cal.add("version", "2.0")
    # An x-prop is TEXT by default (RFC 5545 3.8.8.2): `,` `;` `\` escaped as in SUMMARY.
    cal.add("x-wr-calname", icalendar.vText(one_line(name)))
    stamp = datetime.now(UTC)
    for row in rows:
        event = icalendar.Event()
        event.add("uid", f"{row.id}@hduce")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.starts_at.astimezone(UTC))
        event.add("dtend", row.ends_at.astimezone(UTC))
        event.add("summary", one_line(row.type_name))
        event.add("status", _EVENT_STATUS.get(Status(row.status), "CONFIRMED"))
        event.add("location", "Remote" if row.mode == "remote" else "In person")
        event.add("last-modified", row.updated_at.astimezone(UTC))
        cal.add_component(event)
    return cal.to_ical()
