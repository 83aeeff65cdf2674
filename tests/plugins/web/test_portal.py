"""The patient portal and the front desk: booking from free slots, check-in, and who sees what."""

import re
from datetime import UTC, datetime, timedelta

from tests.plugins.appointments.helpers import AROUND_THE_CLOCK, open_practice, zone_where_it_is
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import Browser, signed_in

SLOT = re.compile(r'name="starts_at" value="([^"]+)"')


async def book_first_slot(
    browser: Browser, offer: str, url: str, day: str = "", **extra: str
) -> str:
    """Show the offer's free slots (from `day`) and book the first; returns its start."""
    page = await browser.get(f"{url}?offer={offer}&day={day}")
    assert page.status_code == 200, page.text
    start = SLOT.search(page.text)
    assert start, page.text
    data = {"offer": offer, "starts_at": start[1], **extra}
    booked = await browser.submit(url, data, page=url)
    assert booked.status_code == 303, booked.text
    return start[1]


async def visit_ids(clinic: Clinic, patient_id: object) -> list[str]:
    rows = await clinic.fetch(
        "SELECT id FROM appointment WHERE patient = $1 ORDER BY starts_at", patient_id
    )
    return [str(r["id"]) for r in rows]


async def test_a_patient_books_a_free_slot_and_sees_it(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, browser = await signed_in(clinic, "patient", first_name="Lena", last_name="Ortiz")
    later = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    await book_first_slot(browser, offer, "/portal/book", later)
    (visit,) = await visit_ids(clinic, patient.id)
    portal = await browser.get("/portal")
    assert "Ada Okafor" in portal.text
    assert f"/portal/visits/{visit}/calendar.ics" in portal.text
    ics = await browser.get(f"/portal/visits/{visit}/calendar.ics")
    assert ics.status_code == 200
    assert ics.text.startswith("BEGIN:VCALENDAR")
    cancelled = await browser.submit(f"/portal/visits/{visit}/cancel", {}, page="/portal")
    assert cancelled.status_code == 303
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["status"] == "cancelled"


async def test_a_patient_never_reaches_another_patients_visit(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    owner, owner_browser = await signed_in(clinic, "patient")
    await book_first_slot(owner_browser, offer, "/portal/book")
    (visit,) = await visit_ids(clinic, owner.id)
    _, other = await signed_in(clinic, "patient")
    assert (await other.get(f"/portal/visits/{visit}/calendar.ics")).status_code == 404
    refused = await other.submit(f"/portal/visits/{visit}/cancel", {}, page="/portal")
    assert refused.status_code == 404
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["status"] == "booked"
    assert (await other.get("/desk")).status_code == 403
    assert (await other.get("/desk/patients?q=Te")).status_code == 403


async def test_the_front_desk_books_for_a_patient_and_checks_them_in(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=zone_where_it_is(12))
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, _ = await signed_in(clinic, "patient", first_name="Zofia", last_name="Quinlan")
    _, desk = await signed_in(clinic, "receptionist")
    found = await desk.get("/desk/patients?q=Zofia Q")
    assert str(patient.id) in found.text
    start = await book_first_slot(desk, offer, "/desk/book", patient_id=str(patient.id))
    (visit,) = await visit_ids(clinic, patient.id)
    day = await desk.get(f"/desk?day={start[:10]}")
    assert "Zofia Quinlan" in day.text
    assert f"/desk/visits/{visit}/check-in" in day.text
    checked = await desk.submit(f"/desk/visits/{visit}/check-in", {}, page="/desk")
    assert checked.status_code == 303
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["status"] == "checked_in"
    week = await desk.get(f"/desk?day={start[:10]}&view=week")
    assert "checked in" in week.text


async def test_a_patient_cannot_check_in(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, browser = await signed_in(clinic, "patient")
    await book_first_slot(browser, offer, "/portal/book")
    (visit,) = await visit_ids(clinic, patient.id)
    refused = await browser.submit(f"/desk/visits/{visit}/check-in", {}, page="/portal")
    assert refused.status_code == 403


async def test_an_admin_approves_a_pending_doctor(clinic: Clinic) -> None:
    doctor = await clinic.member("doctor", status="pending_approval")
    _, admin = await signed_in(clinic, "admin")
    listed = await admin.get(f"/admin/users?q={doctor.username}")
    assert doctor.email in listed.text
    approved = await admin.submit(f"/admin/users/{doctor.id}/approve", {}, page="/admin/users")
    assert approved.status_code == 303
    rows = await clinic.fetch("SELECT status FROM account WHERE id = $1", doctor.id)
    assert rows[0]["status"] == "active"
    _, patient = await signed_in(clinic, "patient")
    assert (await patient.get("/admin/users")).status_code == 403


async def test_a_patient_without_visits_gets_a_link_to_book_one(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    portal = await browser.get("/portal")
    assert portal.status_code == 200
    # The empty state is markup of the page's own, not text to escape.
    assert '<p>No visits booked. <a href="/portal/book">Book a visit</a>.</p>' in portal.text


async def test_a_deactivated_practitioner_is_not_offered_and_a_live_refusal_shows(
    clinic: Clinic,
) -> None:
    # Seen: a deactivated nurse was still a choice on both booking pages; choosing her answered
    # the htmx request 422, which htmx dropped (the page kept "Choose a visit type first"), and
    # the plain form said she "does not offer this appointment type".
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    _, patient = await signed_in(clinic, "patient")
    _, desk = await signed_in(clinic, "receptionist")
    assert offer in (await patient.get("/portal/book")).text
    url = f"/api/v1/users/{practice.doctor_id}/deactivate"
    off = await clinic.client.post(url, headers=practice.admin.headers)
    assert off.status_code == 200, off.text
    assert offer not in (await patient.get("/portal/book")).text
    assert offer not in (await desk.get("/desk/book")).text
    live = await patient.get(f"/portal/slots?offer={offer}", headers={"HX-Request": "true"})
    assert live.status_code == 422
    assert live.text.startswith('<p class="error" role="alert" id="refusal">'), live.text
    assert "account is deactivated: they take no visits" in live.text
    # The pages tell htmx to show such a refusal where the fragment would go.
    book = await patient.get("/portal/book")
    assert '{"code": "4..", "swap": true, "error": true, "select": "#refusal"}' in book.text
