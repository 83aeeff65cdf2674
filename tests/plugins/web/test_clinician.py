"""Clinicians' day: status steps with the API's rules, and who reaches a patient's page."""

from datetime import UTC, datetime

from httpx import Response

from tests.plugins.appointments.helpers import (
    AROUND_THE_CLOCK,
    book,
    free_slots,
    open_practice,
    zone_where_it_is,
)
from tests.plugins.users.clinic import Clinic, Member
from tests.plugins.web.clinical import with_password
from tests.plugins.web.helpers import Browser, new_id, signed_in
from tests.plugins.web.test_form_refusals import refused_as_typed

MIDDAY = zone_where_it_is(12)  # the first free slot is today: its check-in is open


async def signed_in_as(clinic: Clinic, member: Member) -> Browser:
    """A browser signed in as an existing `member` (given the test password first)."""
    browser = Browser(clinic)
    await browser.sign_in((await with_password(clinic, member)).email)
    return browser


def beside_the_visit(answer: Response, visit: str, reason: str) -> str:
    """The clinician's day again (not the error page) with `reason` in the visit's own item."""
    page = refused_as_typed(answer, reason, status=409)
    at = page.index(f"/clinic/visits/{visit}/notes")
    item = page[page.rindex("<li", 0, at) : page.index("</li>", at)]
    assert 'role="alert"' in item, "the reason is beside its visit"
    return page


async def test_a_doctor_starts_and_completes_a_visit_of_their_day(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=MIDDAY)
    patient = await clinic.member("patient", first_name="Nora", last_name="Vance")
    slot = (await free_slots(clinic, practice, practice.admin, datetime.now(UTC)))[0]
    booked = await book(clinic, practice, practice.admin, slot["starts_at"], patient)
    assert booked.status_code == 201, booked.text
    visit, day_of_visit = booked.json()["id"], slot["starts_at"][:10]
    doctor = await signed_in_as(clinic, practice.doctor)
    day = await doctor.get(f"/clinic?day={day_of_visit}")
    assert day.status_code == 200, day.text
    assert "Nora Vance" in day.text
    assert f"/clinic/patients/{patient.id}" in day.text
    assert f"/clinic/visits/{visit}/start" not in day.text, "not checked in yet"
    early = await doctor.submit(f"/clinic/visits/{visit}/no-show", {}, page="/clinic")
    beside_the_visit(early, visit, "has not started cannot be a no-show")
    unstarted = await doctor.submit(f"/clinic/visits/{visit}/complete", {}, page="/clinic")
    beside_the_visit(unstarted, visit, "a booked appointment cannot become completed")
    checked = await clinic.client.post(
        f"/api/v1/appointments/{visit}/check-in", headers=practice.admin.headers
    )
    assert checked.status_code == 200, checked.text
    for step, status in (("start", "in_progress"), ("complete", "completed")):
        page = f"/clinic?day={day_of_visit}"
        assert f"/clinic/visits/{visit}/{step}" in (await doctor.get(page)).text
        moved = await doctor.submit(f"/clinic/visits/{visit}/{step}", {}, page=page)
        assert moved.status_code == 303, moved.text
        rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
        assert rows[0]["status"] == status
    # Seen: a visit completed before its planned end was listed under "Upcoming visits".
    record = (await doctor.get(f"/clinic/patients/{patient.id}")).text
    upcoming, past = record.split('id="upcoming-heading"')[1].split('id="past-heading"')
    assert "completed" not in upcoming
    assert "completed" in past


async def test_a_visit_the_desk_cancelled_meanwhile_says_so_on_the_day(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=MIDDAY)
    patient = await clinic.member("patient")
    slot = (await free_slots(clinic, practice, practice.admin, datetime.now(UTC)))[0]
    visit = (await book(clinic, practice, practice.admin, slot["starts_at"], patient)).json()["id"]
    doctor = await signed_in_as(clinic, practice.doctor)
    day = f"/clinic?day={slot['starts_at'][:10]}"
    assert "Back to the start" not in (await doctor.get(day)).text
    cancelled = await clinic.client.post(
        f"/api/v1/appointments/{visit}/cancel",
        json={"reason": "ill"},
        headers=practice.admin.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    late = await doctor.submit(f"/clinic/visits/{visit}/no-show", {}, page=day)
    page = beside_the_visit(late, visit, "a cancelled appointment cannot become")
    assert "Times in" in page, "the clinician's day"


async def test_status_steps_keep_the_apis_roles(clinic: Clinic) -> None:
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK, timezone=MIDDAY)
    patient, patient_browser = await signed_in(clinic, "patient")
    slot = (await free_slots(clinic, practice, practice.admin, datetime.now(UTC)))[0]
    visit = (await book(clinic, practice, practice.admin, slot["starts_at"], patient)).json()["id"]
    await clinic.client.post(
        f"/api/v1/appointments/{visit}/check-in", headers=practice.admin.headers
    )
    refused = await patient_browser.submit(f"/clinic/visits/{visit}/start", {}, page="/portal")
    assert refused.status_code == 403
    _, desk = await signed_in(clinic, "receptionist")
    assert (await desk.get("/clinic")).status_code == 403
    assert (await desk.submit(f"/clinic/visits/{visit}/start", {}, page="/desk")).status_code == 403
    _, other_doctor = await signed_in(clinic, "doctor")
    hidden = await other_doctor.submit(f"/clinic/visits/{visit}/start", {}, page="/clinic")
    assert hidden.status_code == 404, "another doctor's visit is not theirs to see"
    unknown = await other_doctor.submit(f"/clinic/visits/{visit}/reopen", {}, page="/clinic")
    assert unknown.status_code == 422
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["status"] == "checked_in"


async def test_only_doctors_and_nurses_reach_a_patients_page(clinic: Clinic) -> None:
    patient = await clinic.member("patient", first_name="Wilma", last_name="Stroud")
    for role in ("patient", "receptionist", "admin"):
        _, browser = await signed_in(clinic, role)
        refused = await browser.get(f"/clinic/patients/{patient.id}")
        assert refused.status_code == 403, role
        assert "Wilma" not in refused.text and patient.email not in refused.text
    signed_out = await Browser(clinic).get(f"/clinic/patients/{patient.id}")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")
    nurse, browser = await signed_in(clinic, "nurse")
    assert (await browser.get(f"/clinic/patients/{patient.id}")).status_code == 200
    assert (await browser.get(f"/clinic/patients/{new_id()}")).status_code == 404
    assert (await browser.get(f"/clinic/patients/{nurse.id}")).status_code == 404, "not a patient"


async def a_doctors_visit(clinic: Clinic) -> tuple[Browser, Browser, str, str]:
    """A new doctor's first free slot booked for a new patient, both signed in.

    The doctor's browser, the patient's, the visit's id and its start.
    """
    practice = await open_practice(clinic, hours=AROUND_THE_CLOCK)
    patient, patient_browser = await signed_in(clinic, "patient")
    start = (await free_slots(clinic, practice, practice.admin, datetime.now(UTC)))[0]["starts_at"]
    visit = (await book(clinic, practice, practice.admin, start, patient)).json()["id"]
    return await signed_in_as(clinic, practice.doctor), patient_browser, visit, start


async def test_a_doctor_keeps_visit_notes_that_others_cannot_read(clinic: Clinic) -> None:
    doctor, patient_browser, visit, start = await a_doctors_visit(clinic)
    url = f"/clinic/visits/{visit}/notes"
    assert url in (await doctor.get(f"/clinic?day={start[:10]}")).text
    saved = await doctor.submit(url, {"notes": "BP 150/95, recheck in 2 weeks"}, page=url)
    assert saved.status_code == 303, saved.text
    rows = await clinic.fetch("SELECT notes FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["notes"] == "BP 150/95, recheck in 2 weeks"
    assert "BP 150/95, recheck in 2 weeks" in (await doctor.get(url)).text
    too_long = await doctor.submit(url, {"notes": "x" * 10_001}, page=url)
    assert too_long.status_code == 422
    _, desk = await signed_in(clinic, "receptionist")
    assert (await desk.get(url)).status_code == 403
    assert (await desk.submit(url, {"notes": "changed"}, page="/desk")).status_code == 403
    assert (await patient_browser.get(url)).status_code == 403
    _, other_doctor = await signed_in(clinic, "doctor")
    assert (await other_doctor.get(url)).status_code == 404
    rows = await clinic.fetch("SELECT notes FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["notes"] == "BP 150/95, recheck in 2 weeks"
