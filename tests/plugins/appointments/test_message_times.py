"""The times in messages to patients: local, and unambiguous in the hour a fall-back repeats."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.plugins.appointments.helpers import AROUND_THE_CLOCK, book, open_practice
from tests.plugins.appointments.notices import next_notice
from tests.plugins.users.clinic import Clinic

NEW_YORK = ZoneInfo("America/New_York")
REPEATED = time(1, 30)  # read twice on a fall-back night in New York, 01:00-02:00


def next_fall_back(zone: ZoneInfo) -> date:
    """The first local date from two days on whose `REPEATED` time occurs twice."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    while True:
        first, second = (datetime.combine(day, REPEATED, zone).replace(fold=f) for f in (0, 1))
        if first.utcoffset() != second.utcoffset():
            return day
        day += timedelta(days=1)


async def test_the_repeated_hour_of_a_fall_back_night_is_told_apart(clinic: Clinic) -> None:
    practice = await open_practice(clinic, timezone=NEW_YORK.key, hours=AROUND_THE_CLOCK)
    day = next_fall_back(NEW_YORK)
    moments = {  # the first 01:30 (daylight time), the second (standard time), a plain hour
        "EDT": datetime.combine(day, REPEATED, NEW_YORK),
        "EST": datetime.combine(day, REPEATED, NEW_YORK).replace(fold=1),
        "": datetime.combine(day, time(9), NEW_YORK),
    }
    for abbreviation, moment in moments.items():
        patient = await clinic.member("patient")
        booked = await book(clinic, practice, patient, moment)
        assert booked.status_code == 201, booked.text
        notice = await next_notice(clinic, "appointment_booked", patient)
        clock = f"{moment:%H:%M} {abbreviation}".strip()
        assert f"{moment:%a %d %b %Y}, {clock} (America/New_York)" in notice.subject
