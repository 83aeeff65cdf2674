"""A refused change to a visit (move, claim, cancel) comes back on its own page, in words."""

from datetime import datetime

from tests.plugins.appointments.helpers import open_practice
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import signed_in
from tests.plugins.web.test_clinician import a_doctors_visit
from tests.plugins.web.test_form_refusals import refused_as_typed
from tests.plugins.web.test_portal_visits import (
    OFFERED,
    SOON,
    a_booked_visit,
    a_freed_time,
    in_days,
    other_slot,
    start_of,
)

HELD_OFFER = "SELECT offered_appointment FROM waitlist_entry WHERE id = $1::uuid"
EXPIRED = "UPDATE appointment SET hold_until = now() - interval '1 minute' WHERE id = $1"


async def test_a_refused_move_is_the_reschedule_page_with_the_reason(clinic: Clinic) -> None:
    browser, visit, booked = await a_booked_visit(clinic)
    url = f"/portal/visits/{visit}/reschedule"
    day = in_days(4)
    taken = await other_slot(browser, f"{url}?day={day}", booked)
    _, someone = await signed_in(clinic, "patient")
    same_offer = {"offer": await _offer_of(clinic, visit), "starts_at": taken}
    booked_by_other = await someone.submit("/portal/book", same_offer, page="/portal/book")
    assert booked_by_other.status_code == 303, booked_by_other.text
    answer = await browser.submit(url, {"starts_at": taken, "day": day}, page="/portal")
    page = refused_as_typed(answer, "taken", day, status=409)
    assert "Change the time of a visit" in page
    past = f"{in_days(-1)}T09:00:00+00:00"
    answer = await browser.submit(url, {"starts_at": past, "day": day}, page="/portal")
    refused_as_typed(answer, "too soon", day)
    await clinic.execute(SOON, visit)
    answer = await browser.submit(url, {"starts_at": taken, "day": day}, page="/portal")
    page = refused_as_typed(answer, "too late to change", status=409)
    assert "Too late to change online: call the clinic" in page
    _, desk = await signed_in(clinic, "receptionist")
    desk_url = f"/desk/visits/{visit}/reschedule"
    answer = await desk.submit(desk_url, {"starts_at": taken, "day": day}, page="/desk")
    refused_as_typed(answer, "taken", day, status=409)
    assert await start_of(clinic, visit) != datetime.fromisoformat(taken)


async def _offer_of(clinic: Clinic, visit: str) -> str:
    rows = await clinic.fetch(
        "SELECT appointment_type, practitioner FROM appointment WHERE id = $1::uuid", visit
    )
    return f"{rows[0]['appointment_type']}:{rows[0]['practitioner']}"


async def test_a_cancelled_visit_cannot_be_moved_and_says_so(clinic: Clinic) -> None:
    browser, visit, booked = await a_booked_visit(clinic)
    url = f"/portal/visits/{visit}/reschedule"
    start = await other_slot(browser, f"{url}?day={in_days(4)}", booked)
    await browser.submit(f"/portal/visits/{visit}/cancel", {}, page="/portal")
    answer = await browser.submit(url, {"starts_at": start}, page="/portal")
    assert answer.status_code == 409, answer.text
    assert "Back to the start" not in answer.text
    assert "cannot be moved" in answer.text


async def test_an_expired_offer_is_the_waitlist_page_with_the_reason(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    _, _, browser = await a_freed_time(clinic, offer, in_days(6))
    entry = OFFERED.search((await browser.get("/portal/waitlist")).text)
    assert entry, "the freed time is on offer"
    (held,) = await clinic.fetch(HELD_OFFER, entry[1])
    await clinic.execute(EXPIRED, held["offered_appointment"])
    answer = await browser.submit(f"/portal/waitlist/{entry[1]}/claim", {}, page="/portal")
    page = refused_as_typed(answer, "the offer has expired", status=409)
    assert "Your entries" in page and "Join the waitlist" in page


async def test_a_desk_cancel_with_a_too_long_reason_keeps_it(clinic: Clinic) -> None:
    _, visit, booked = await a_booked_visit(clinic)
    _, desk = await signed_in(clinic, "receptionist")
    day = await desk.get(f"/desk?day={booked[:10]}")
    assert 'name="reason"' in day.text, "the desk's cancel asks for a reason"
    reason = "KeepWhy " * 70
    answer = await desk.submit(f"/desk/visits/{visit}/cancel", {"reason": reason}, page="/desk")
    refused_as_typed(answer, "500 characters", reason.strip())
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["status"] == "booked"
    said = {"reason": "the patient is abroad"}
    done = await desk.submit(f"/desk/visits/{visit}/cancel", said, page="/desk")
    assert done.status_code == 303, done.text
    rows = await clinic.fetch(
        "SELECT cancellation_reason FROM appointment WHERE id = $1::uuid", visit
    )
    assert rows[0]["cancellation_reason"] == "the patient is abroad"


async def test_a_portal_cancel_too_late_is_the_visits_page_with_the_reason(
    clinic: Clinic,
) -> None:
    browser, visit, _ = await a_booked_visit(clinic)
    await clinic.execute(SOON, visit)
    answer = await browser.submit(f"/portal/visits/{visit}/cancel", {}, page="/portal")
    page = refused_as_typed(answer, "too late to change", status=409)
    assert "Upcoming visits" in page


async def test_too_long_notes_come_back_in_the_form(clinic: Clinic) -> None:
    doctor, _, visit, _ = await a_doctors_visit(clinic)
    url = f"/clinic/visits/{visit}/notes"
    notes = "KeepNotes " * 1001
    answer = await doctor.submit(url, {"notes": notes}, page=url)
    page = refused_as_typed(answer, "up to 10,000 characters")
    assert f">{notes}</textarea>" in page, "the typed notes are kept"
    rows = await clinic.fetch("SELECT notes FROM appointment WHERE id = $1::uuid", visit)
    assert rows[0]["notes"] is None
