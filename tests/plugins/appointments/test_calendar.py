"""iCalendar: one appointment as `.ics`, and a practitioner's revocable subscription feed."""

from datetime import timedelta

import icalendar

from tests.plugins.appointments.helpers import API, book, open_practice, two_days_ahead_at
from tests.plugins.users.clinic import Clinic


async def test_an_appointment_as_ics_for_those_who_may_see_it(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient, stranger = await clinic.member("patient"), await clinic.member("patient")
    start = two_days_ahead_at(9)
    appointment = (await book(clinic, practice, patient, start)).json()
    response = await clinic.client.get(f"{API}/{appointment['id']}.ics", headers=patient.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event["uid"] == f"{appointment['id']}@hduce"
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + timedelta(minutes=30)
    assert str(event["summary"]) == appointment["type_name"]
    hidden = await clinic.client.get(f"{API}/{appointment['id']}.ics", headers=stranger.headers)
    assert hidden.status_code == 404
    garbage = await clinic.client.get(f"{API}/not-an-id.ics", headers=patient.headers)
    assert garbage.status_code == 404


async def test_a_feed_serves_the_schedule_until_it_is_revoked(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    doctor = practice.doctor
    kept = (await book(clinic, practice, patient, two_days_ahead_at(9))).json()
    dropped = (await book(clinic, practice, patient, two_days_ahead_at(11))).json()
    await clinic.client.post(
        f"{API}/{dropped['id']}/cancel", json={"reason": "x"}, headers=doctor.headers
    )
    created = await clinic.client.post(
        f"{API}/feeds", json={"label": "phone"}, headers=doctor.headers
    )
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    path = url[url.index("/api/") :]

    feed = await clinic.client.get(path)
    assert feed.status_code == 200
    uids = [str(e["uid"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")]
    assert uids == [f"{kept['id']}@hduce"]
    listed = await clinic.client.get(f"{API}/feeds", headers=doctor.headers)
    assert [f["label"] for f in listed.json()] == ["phone"] and "url" not in listed.json()[0]

    revoked = await clinic.client.delete(
        f"{API}/feeds/{created.json()['id']}", headers=doctor.headers
    )
    assert revoked.status_code == 204
    assert (await clinic.client.get(path)).status_code == 404
    assert (await clinic.client.get(path.removesuffix(".ics"))).status_code == 404


async def test_type_names_are_one_line_and_old_multiline_names_still_make_a_calendar(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    admin = practice.admin.headers
    body = {"name": "Visit\nsecond line", "duration_minutes": 10}
    created = await clinic.client.post(f"{API}/types", json=body, headers=admin)
    assert created.status_code == 422, created.text
    assert created.headers["content-type"].startswith("application/problem+json")
    assert "control characters" in created.json()["detail"]
    for name in ("Visit\r\nX", "Tab\there", "Bell\x07"):
        renamed = await clinic.client.patch(
            f"{API}/types/{practice.type_id}", json={"name": name}, headers=admin
        )
        assert renamed.status_code == 422, (name, renamed.text)

    patient = await clinic.member("patient")
    appointment = (await book(clinic, practice, patient, two_days_ahead_at(9))).json()
    # A row written before names were checked: the calendar escapes it instead of failing.
    await clinic.execute(
        "UPDATE appointment_type SET name = $1 WHERE id = $2::uuid",
        "Old\r\nname\x07",
        practice.type_id,
    )
    response = await clinic.client.get(f"{API}/{appointment['id']}.ics", headers=patient.headers)
    assert response.status_code == 200, response.text
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Old name"
    assert str(calendar["x-wr-calname"]) == "Old name"


async def test_the_calendar_name_is_escaped_as_text(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    name = 'Consult, follow-up; "quick" \\ test: ok'
    renamed = await clinic.client.patch(
        f"{API}/types/{practice.type_id}", json={"name": name}, headers=practice.admin.headers
    )
    assert renamed.status_code == 200, renamed.text
    patient = await clinic.member("patient")
    appointment = (await book(clinic, practice, patient, two_days_ahead_at(9))).json()
    response = await clinic.client.get(f"{API}/{appointment['id']}.ics", headers=patient.headers)
    escaped = 'Consult\\, follow-up\\; "quick" \\\\ test: ok'
    lines = response.text.splitlines()
    assert f"X-WR-CALNAME:{escaped}" in lines and f"SUMMARY:{escaped}" in lines, lines
