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
