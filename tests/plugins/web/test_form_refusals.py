"""A refused form comes back as typed with its reason in words; no booking form ever GETs."""

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from httpx import Response

from tests.plugins.appointments.helpers import AROUND_THE_CLOCK, open_practice, zone_where_it_is
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in
from tests.plugins.web.test_portal import SLOT, visit_ids
from tests.plugins.web.test_portal_visits import in_days

ALERT = re.compile(r'role="alert">(.*?)</p>', re.S)


def refused_as_typed(answer: Response, reason: str, *typed: str, status: int = 422) -> str:
    """The form page again (not the error page), with `reason` beside it and the typed values."""
    assert answer.status_code == status, answer.text
    assert "Back to the start" not in answer.text, "the form, not the error page"
    said = ALERT.search(answer.text)
    assert said, answer.text
    alert = html.unescape(said[1])
    assert reason in alert, alert
    assert "_" not in alert and "$." not in alert, f"internal names in {alert!r}"
    for value in typed:
        assert f'value="{value}"' in answer.text, f"{value} is lost"
    return answer.text


async def test_no_booking_form_submits_by_get_and_the_reason_is_kept(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    _, patient = await signed_in(clinic, "patient")
    _, desk = await signed_in(clinic, "receptionist")
    for browser, url in ((patient, "/portal/book"), (desk, "/desk/book")):
        page = await browser.get(f"{url}?offer={offer}&day={in_days(2)}")
        assert page.status_code == 200, page.text
        # Enter in a text field clicks the form's first submit button: a GET would put the
        # session's CSRF token in the address bar, the history and the proxies' logs.
        assert 'formmethod="get"' not in page.text, url
        shown = await browser.submit(
            url, {"offer": offer, "day": in_days(2), "reason": "my knee hurts"}, page=url
        )
        assert shown.status_code in (200, 422), shown.text
        assert 'value="my knee hurts"' in shown.text, "the typed reason is kept"
        assert SLOT.search(shown.text), "the free times of the offer show"


async def test_a_refused_booking_keeps_the_form(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, browser = await signed_in(clinic, "patient")
    yesterday = f"{in_days(-1)}T09:00:00+00:00"
    typed = {"offer": offer, "day": in_days(2), "reason": "KeepReason", "starts_at": yesterday}
    past = await browser.submit("/portal/book", typed, page="/portal")
    page = refused_as_typed(past, "too soon", "KeepReason", in_days(2))
    assert f'value="{offer}" selected' in page
    assert SLOT.search(page), "the free times of the offer show again"
    assert await visit_ids(clinic, patient.id) == []
    someone, _ = await signed_in(clinic, "patient", first_name="Keren", last_name="Ashby")
    _, desk = await signed_in(clinic, "receptionist")
    chosen = {**typed, "q": "Keren Ash", "patient_id": str(someone.id)}
    at_desk = await desk.submit("/desk/book", chosen, page="/desk")
    page = refused_as_typed(at_desk, "too soon", "KeepReason", "Keren Ash")
    assert re.search(rf'value="{someone.id}" required checked', page), page
    nobody = await desk.submit("/desk/book", {**chosen, "patient_id": ""}, page="/desk")
    refused_as_typed(nobody, "Choose the patient", "KeepReason", "Keren Ash")
    # Seen: a 501-character reason was "The reason is not valid.", the limit unsaid.
    too_long = await browser.submit("/portal/book", {**typed, "reason": "r" * 501}, page="/portal")
    refused_as_typed(too_long, "The reason is up to 500 characters.")


async def test_the_desk_lands_on_the_day_of_the_visit_it_booked(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=zone_where_it_is(12))
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, _ = await signed_in(clinic, "patient", first_name="Ilse", last_name="Brandt")
    _, desk = await signed_in(clinic, "receptionist")
    page = await desk.get(f"/desk/book?offer={offer}&day={in_days(3)}")
    start = SLOT.findall(page.text)[2]
    data = {"offer": offer, "starts_at": start, "patient_id": str(patient.id)}
    booked = await desk.submit("/desk/book", data, page="/desk")
    assert booked.status_code == 303, booked.text
    (visit,) = await visit_ids(clinic, patient.id)
    local = datetime.fromisoformat(start).astimezone(ZoneInfo(practice.timezone))
    expected = f"/desk?day={local.date().isoformat()}&booked=1&visit={visit}"
    assert booked.headers["location"] == expected
    landing = await desk.get(booked.headers["location"])
    notice = re.search(r'role="status">([^<]*)<', landing.text)
    assert notice, landing.text
    assert html.unescape(notice[1]) == f"Booked: Ilse Brandt, {local:%a %d %b, %H:%M}"


async def test_a_refused_profile_keeps_what_was_typed(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    typed = {
        "first_name": "Keepfirst",
        "last_name": "Keeplast",
        "date_of_birth": "1980-01-02",
        "address": "12 rue KeepAddr",
        "timezone": "Paris",
    }
    zone = await browser.submit("/portal/account", typed, page="/portal/account")
    refused_as_typed(zone, "unknown time zone", "Keepfirst", "12 rue KeepAddr", "Paris")
    future = {**typed, "timezone": "Europe/Paris", "date_of_birth": "2099-01-02"}
    born = await browser.submit("/portal/account", future, page="/portal/account")
    refused_as_typed(born, "date of birth is in the future", "Keepfirst", "2099-01-02")


async def test_a_refused_waitlist_entry_keeps_the_dates(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    _, browser = await signed_in(clinic, "patient")
    data = {"offer": offer, "from_date": in_days(9), "to_date": in_days(2)}
    reversed_range = await browser.submit("/portal/waitlist", data, page="/portal")
    page = refused_as_typed(
        reversed_range, "the last day is before the first day", in_days(9), in_days(2)
    )
    assert f'value="{offer}" selected' in page
    past = {"offer": offer, "from_date": "2020-01-01", "to_date": "2020-01-02"}
    ended = await browser.submit("/portal/waitlist", past, page="/portal")
    refused_as_typed(ended, "already ended", "2020-01-01")


async def test_a_refused_visit_type_keeps_the_form(clinic: Clinic) -> None:
    # The form lists the first 200 practitioners by name; the shared test database holds more.
    doctor = await clinic.member("doctor", first_name="Aaab", last_name="Aaab")
    _, admin = await signed_in(clinic, "admin")
    form = {"name": "KeepTypeName", "duration_minutes": "3", "practitioners": [str(doctor.id)]}
    short = await admin.submit("/admin/types", form, page="/admin/types")
    page = refused_as_typed(short, "5 to 480 minutes", "KeepTypeName", "3")
    assert re.search(rf'value="{doctor.id}" checked', page), "the ticked practitioner is kept"
    words = await admin.submit(
        "/admin/types", {**form, "duration_minutes": "abc"}, page="/admin/types"
    )
    refused_as_typed(words, "whole number of minutes", "KeepTypeName", "abc")
    added = await admin.submit(
        "/admin/types", {**form, "duration_minutes": "20"}, page="/admin/types"
    )
    assert added.status_code == 303, added.text
    (row,) = await clinic.fetch("SELECT id FROM appointment_type WHERE name = 'KeepTypeName'")
    changed = {**form, "name": "KeepRenamed", "duration_minutes": "600"}
    edit = await admin.submit(f"/admin/types/{row['id']}", changed, page="/admin/types")
    page = refused_as_typed(edit, "5 to 480 minutes", "KeepRenamed", "600")
    assert "<details open>" in page, "the refused type's form is open"


async def test_refused_hours_and_exceptions_keep_the_form(clinic: Clinic) -> None:
    nurse = await clinic.member("nurse")
    _, admin = await signed_in(clinic, "admin")
    url, page = f"/admin/hours/{nurse.id}", f"/admin/hours?practitioner={nurse.id}"
    rows = {"timezone": "Europe/Paris", "weekday_0": "2", "start_0": "18:00", "end_0": "17:00"}
    reversed_row = await admin.submit(url, rows, page=page)
    shown = refused_as_typed(reversed_row, "start must be before end", "18:00", "Europe/Paris")
    assert re.search(r'<option value="2" selected>Wednesday', shown), "the weekday is kept"
    day = in_days(10)
    off = {"on_date": day, "kind": "time_off", "start": "14:00", "end": "13:00", "reason": "Keep"}
    for changes, reason in (
        ({}, "start must be before end"),
        ({"end": ""}, "give both start and end"),
        ({"on_date": "2020-01-05", "start": "", "end": ""}, "in the past"),
    ):
        typed = {**off, **changes}
        answer = await admin.submit(f"{url}/exceptions", typed, page=page)
        refused_as_typed(answer, reason, "Keep", typed["on_date"])
    recorded = "SELECT 1 FROM availability_exception WHERE practitioner = $1"
    assert await clinic.fetch(recorded, nurse.id) == []
