"""Days and times on the pages are the practitioner's: their local day, clock and zone name."""

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.plugins.appointments.helpers import TEST_RULES, Practice, book, open_practice
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import new_id, signed_in
from tests.plugins.web.test_clinician import signed_in_as
from tests.plugins.web.test_portal_visits import a_freed_time

LA = "America/Los_Angeles"
NINE_TO_FIVE = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(7)]
LOCAL_VISITS = (time(10), time(16, 30))
"""Both on one local day; the second is on the next day in UTC."""
HORIZON = timedelta(days=int(TEST_RULES["horizon"].removesuffix("d")))
"""The furthest start anyone may book in the tests' clinics."""
SLOT_LABEL = re.compile(r'name="starts_at" value="[^"]+"[^>]*>([^<]+)<')


async def visits_in_los_angeles(clinic: Clinic, name: str) -> tuple[Practice, date]:
    """A doctor working 09-17 in Los Angeles; two visits of a patient `name` on one local day."""
    practice = await open_practice(clinic, timezone=LA, hours=NINE_TO_FIVE)
    first, last = name.split()
    patient = await clinic.member("patient", first_name=first, last_name=last)
    day = datetime.now(ZoneInfo(LA)).date() + timedelta(days=10)
    for clock in LOCAL_VISITS:
        starts_at = datetime.combine(day, clock, ZoneInfo(LA))
        booked = await book(clinic, practice, practice.admin, starts_at, patient)
        assert booked.status_code == 201, booked.text
    return practice, day


async def offer_in_los_angeles(clinic: Clinic, hours: list[dict[str, Any]] = NINE_TO_FIVE) -> str:
    """The offer (`type:practitioner`) of a new doctor working `hours` in Los Angeles."""
    practice = await open_practice(clinic, timezone=LA, hours=hours)
    return f"{practice.type_id}:{practice.doctor_id}"


def times_of(page: str, name: str) -> list[str]:
    """The `HH:MM-HH:MM` of the visits of the patient `name` listed on a day page."""
    visits = re.findall(r'<li class="visit.*?</li>', page, re.S)
    spans = (re.findall(r"(\d\d:\d\d)\u2013(\d\d:\d\d)", v)[0] for v in visits if name in v)
    return ["-".join(span) for span in spans]


async def test_the_desk_and_the_clinicians_day_are_the_practitioners_local_day(
    clinic: Clinic,
) -> None:
    name = f"Iris Tz{new_id()[:8]}"
    practice, day = await visits_in_los_angeles(clinic, name)
    _, desk = await signed_in(clinic, "receptionist")
    doctor = await signed_in_as(clinic, practice.doctor)
    for browser, path in ((desk, "/desk"), (doctor, "/clinic")):
        page = await browser.get(f"{path}?day={day}")
        assert page.status_code == 200, page.text
        assert times_of(page.text, name) == ["10:00-10:30", "16:30-17:00"], path
        assert LA in page.text, "the times are labelled with the zone"
        after = await browser.get(f"{path}?day={day + timedelta(days=1)}")
        assert times_of(after.text, name) == [], path
    today = datetime.now(ZoneInfo(LA)).date()
    assert today.strftime("%A %d %B %Y") in (await doctor.get("/clinic")).text


async def test_slots_and_the_portals_visits_are_in_the_practitioners_zone(
    clinic: Clinic,
) -> None:
    offer = await offer_in_los_angeles(clinic)
    _, browser = await signed_in(clinic, "patient")
    day = datetime.now(ZoneInfo(LA)).date() + timedelta(days=10)
    page = await browser.get(f"/portal/book?offer={offer}&day={day}")
    assert page.status_code == 200, page.text
    assert SLOT_LABEL.findall(page.text)[0] == day.strftime("%a %d %b, 09:00")
    assert f"Free times ({LA})" in page.text
    first = re.search(r'name="starts_at" value="([^"]+)"', page.text)
    assert first
    data = {"offer": offer, "starts_at": first[1]}
    booked = await browser.submit("/portal/book", data, page="/portal")
    assert booked.status_code == 303, booked.text
    portal = await browser.get("/portal")
    assert f"<strong>{day:%a %d %b %Y}, 09:00</strong> ({LA})" in portal.text, portal.text


async def test_a_waitlist_offers_deadline_is_on_the_practitioners_clock(clinic: Clinic) -> None:
    offer = await offer_in_los_angeles(clinic)
    day = (datetime.now(ZoneInfo(LA)).date() + timedelta(days=10)).isoformat()
    _, _, browser = await a_freed_time(clinic, offer, day)
    page = (await browser.get("/portal/waitlist")).text
    until = re.search(r'until <time datetime="([^"]+)">([^<]+)</time> \(([^)]+)\)', page)
    assert until, page
    local = datetime.fromisoformat(until[1]).astimezone(ZoneInfo(LA))
    assert (until[2], until[3]) == (f"{local:%a %d %b %Y, %H:%M}", LA)


async def test_a_day_past_the_booking_horizon_names_the_furthest_bookable_day(
    clinic: Clinic,
) -> None:
    offer = await offer_in_los_angeles(clinic)
    _, patient = await signed_in(clinic, "patient")
    _, desk = await signed_in(clinic, "receptionist")
    last = (datetime.now(ZoneInfo(LA)) + HORIZON).date()
    for browser, path in ((patient, "/portal/book"), (desk, "/desk/slots")):
        page = await browser.get(f"{path}?offer={offer}&day={last + timedelta(days=30)}")
        assert page.status_code == 200, page.text
        assert f"Visits can be booked up to {last:%a %d %b %Y}" in page.text, path
        assert "Try a later day" not in page.text, path
        near = await browser.get(f"{path}?offer={offer}&day={last - timedelta(days=2)}")
        assert SLOT_LABEL.findall(near.text), "the days up to the horizon still offer times"
    # Working only on the weekday after the horizon's day: the last six days have no time.
    weekday = (last + timedelta(days=1)).weekday()
    hours = [{"weekday": weekday, "start": "09:00", "end": "17:00"}]
    offer = await offer_in_los_angeles(clinic, hours)
    page = await patient.get(f"/portal/book?offer={offer}&day={last - timedelta(days=5)}")
    assert f"No free time from this day up to {last:%a %d %b %Y}, the furthest" in page.text


async def test_days_beyond_the_accepted_range_are_a_clear_422_page(clinic: Clinic) -> None:
    practice = await open_practice(clinic, timezone=LA, hours=NINE_TO_FIVE)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    _, patient = await signed_in(clinic, "patient")
    _, desk = await signed_in(clinic, "receptionist")
    doctor = await signed_in_as(clinic, practice.doctor)
    refused = (
        (patient, f"/portal/book?offer={offer}&day=9999-12-31"),
        (patient, f"/portal/slots?offer={offer}&day=9999-12-31"),
        (desk, "/desk?day=9999-12-31"),
        (desk, "/desk?day=0001-01-01&view=week"),
        (doctor, "/clinic?day=9999-12-31"),
        (doctor, "/clinic?day=0001-01-01"),
    )
    for browser, url in refused:
        page = await browser.get(url)
        assert page.status_code == 422, (url, page.text)
        assert "the day must be between 1900-01-01 and 2999-12-31" in page.text, url
    for url in ("/desk?day=2999-12-31&view=week", "/desk?day=1900-01-01"):
        assert (await desk.get(url)).status_code == 200, url


async def test_a_past_day_says_it_is_past(clinic: Clinic) -> None:
    # Seen: 2020-01-01 said "No free time in the seven days from this day. Try a later day."
    offer = await offer_in_los_angeles(clinic)
    _, patient = await signed_in(clinic, "patient")
    _, desk = await signed_in(clinic, "receptionist")
    today = datetime.now(ZoneInfo(LA)).date()
    for browser, path in ((patient, "/portal/book"), (desk, "/desk/slots")):
        page = await browser.get(f"{path}?offer={offer}&day=2020-01-01")
        assert page.status_code == 200, page.text
        assert "Wed 01 Jan 2020 is past" in page.text, path
        assert f"today ({today:%a %d %b %Y}) or a later day" in page.text, path
        assert "Try a later day" not in page.text, path
