"""The portal's visit changes: moving one's own visit and the waitlist, never another's."""

import re
from datetime import UTC, datetime, timedelta

from tests.plugins.appointments.helpers import DOCTOR_NAME, open_practice
from tests.plugins.users.clinic import Clinic, Member
from tests.plugins.web.helpers import Browser, signed_in
from tests.plugins.web.test_portal import SLOT, book_first_slot, visit_ids

OFFERED = re.compile(r'action="/portal/waitlist/([0-9a-f-]+)/claim"')


def in_days(days: int) -> str:
    """The ISO date `days` from today (UTC)."""
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


async def start_of(clinic: Clinic, visit: str) -> datetime:
    rows = await clinic.fetch("SELECT starts_at FROM appointment WHERE id = $1::uuid", visit)
    return rows[0]["starts_at"]


async def other_slot(browser: Browser, url: str, taken: str) -> str:
    """A free start on the reschedule page at `url` other than `taken`."""
    page = await browser.get(url)
    assert page.status_code == 200, page.text
    starts = [s for s in SLOT.findall(page.text) if s != taken]
    assert starts, page.text
    return starts[0]


async def a_booked_visit(clinic: Clinic) -> tuple[Browser, str, str]:
    """A new patient signed in, with a visit booked in three days: its id and its start."""
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, browser = await signed_in(clinic, "patient")
    booked = await book_first_slot(browser, offer, "/portal/book", in_days(3))
    (visit,) = await visit_ids(clinic, patient.id)
    return browser, visit, booked


async def test_a_patient_moves_their_visit_to_another_free_time(clinic: Clinic) -> None:
    browser, visit, booked = await a_booked_visit(clinic)
    assert f"/portal/visits/{visit}/reschedule" in (await browser.get("/portal")).text
    url = f"/portal/visits/{visit}/reschedule"
    new_start = await other_slot(browser, f"{url}?day={in_days(4)}", booked)
    moved = await browser.submit(url, {"starts_at": new_start}, page="/portal")
    assert moved.status_code == 303, moved.text
    assert moved.headers["location"] == "/portal?moved=1"
    assert "Your visit has its new time." in (await browser.get(moved.headers["location"])).text
    assert await start_of(clinic, visit) == datetime.fromisoformat(new_start)


async def test_a_patient_cannot_move_another_patients_visit(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    owner, owner_browser = await signed_in(clinic, "patient")
    booked = await book_first_slot(owner_browser, offer, "/portal/book", in_days(3))
    (visit,) = await visit_ids(clinic, owner.id)
    _, other = await signed_in(clinic, "patient")
    assert (await other.get(f"/portal/visits/{visit}/reschedule")).status_code == 404
    later = datetime.fromisoformat(booked) + timedelta(days=1)
    data = {"starts_at": later.isoformat()}
    refused = await other.submit(f"/portal/visits/{visit}/reschedule", data, page="/portal")
    assert refused.status_code == 404
    assert await start_of(clinic, visit) == datetime.fromisoformat(booked)
    desk_page = await other.get(f"/desk/visits/{visit}/reschedule")
    assert desk_page.status_code == 403


async def test_a_bad_start_is_a_page_with_the_reason(clinic: Clinic) -> None:
    browser, visit, _ = await a_booked_visit(clinic)
    url = f"/portal/visits/{visit}/reschedule"
    answer = await browser.submit(url, {"starts_at": "next tuesday"}, page="/portal")
    assert answer.status_code == 422
    assert "not a date and time" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


async def a_freed_time(clinic: Clinic, offer: str, day: str) -> tuple[Browser, Member, Browser]:
    """A visit of `offer` on `day` cancelled while another patient waits for that day.

    The browser of the patient who cancelled, and the waiting patient with theirs.
    """
    first, first_browser = await signed_in(clinic, "patient")
    await book_first_slot(first_browser, offer, "/portal/book", day)
    (visit,) = await visit_ids(clinic, first.id)
    waiting, browser = await signed_in(clinic, "patient")
    wish = {"offer": offer, "from_date": day, "to_date": day}
    joined = await browser.submit("/portal/waitlist", wish, page="/portal/waitlist")
    assert joined.status_code == 303, joined.text
    assert "waiting" in (await browser.get("/portal/waitlist")).text
    cancelled = await first_browser.submit(f"/portal/visits/{visit}/cancel", {}, page="/portal")
    assert cancelled.status_code == 303
    return first_browser, waiting, browser


async def test_a_freed_time_is_offered_to_the_waiting_patient_who_books_it(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    first_browser, waiting, browser = await a_freed_time(clinic, offer, in_days(5))
    page = await browser.get("/portal/waitlist")
    assert "Ada Okafor" in page.text
    entry = OFFERED.search(page.text)
    assert entry, page.text
    # Seen: the offer said until when it was held, never which time it was.
    (held,) = await clinic.fetch(
        "SELECT starts_at FROM appointment WHERE patient = $1 AND status = 'held'", waiting.id
    )
    when = held["starts_at"]
    assert f'<time datetime="{when.isoformat()}">{when:%a %d %b %Y, %H:%M}</time>' in page.text
    # Neither the patient who cancelled nor anyone else may take or drop this entry.
    theft = await first_browser.submit(f"/portal/waitlist/{entry[1]}/claim", {}, page="/portal")
    assert theft.status_code == 404
    dropped = await first_browser.submit(f"/portal/waitlist/{entry[1]}/leave", {}, page="/portal")
    assert dropped.status_code == 404
    claimed = await browser.submit(f"/portal/waitlist/{entry[1]}/claim", {}, page="/portal")
    assert claimed.status_code == 303, claimed.text
    rows = await clinic.fetch("SELECT status FROM appointment WHERE patient = $1", waiting.id)
    assert [r["status"] for r in rows] == ["booked"]


async def test_a_patient_leaves_the_waitlist(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, browser = await signed_in(clinic, "patient")
    data = {"offer": offer, "from_date": in_days(2), "to_date": in_days(9)}
    assert (await browser.submit("/portal/waitlist", data, page="/portal")).status_code == 303
    page = await browser.get("/portal/waitlist")
    (entry,) = re.findall(r'action="/portal/waitlist/([0-9a-f-]+)/leave"', page.text)
    # A practitioner deactivated meanwhile is offered no more, but the entry still names them.
    url = f"/api/v1/users/{practice.doctor_id}/deactivate"
    assert (await clinic.client.post(url, headers=practice.admin.headers)).status_code == 200
    page = await browser.get("/portal/waitlist")
    assert f'<option value="{offer}"' not in page.text
    assert f"with {DOCTOR_NAME}</td>" in page.text
    left = await browser.submit(f"/portal/waitlist/{entry}/leave", {}, page="/portal")
    assert left.status_code == 303
    rows = await clinic.fetch("SELECT status FROM waitlist_entry WHERE patient = $1", patient.id)
    assert [r["status"] for r in rows] == ["left"]


SOON = (  # within the default 24 h notice: the patient may no longer change it online
    "UPDATE appointment SET starts_at = now() + interval '3 hours', "
    "ends_at = now() + interval '3 hours 30 minutes', blocked_from = now() + interval '3 hours', "
    "blocked_until = now() + interval '3 hours 30 minutes' WHERE id = $1::uuid"
)


async def test_a_visit_within_the_notice_offers_no_change_online(clinic: Clinic) -> None:
    browser, visit, _ = await a_booked_visit(clinic)
    await clinic.execute(SOON, visit)
    portal = (await browser.get("/portal")).text
    assert "Too late to change online: call the clinic" in portal
    assert f"/portal/visits/{visit}/reschedule" not in portal
    assert f"/portal/visits/{visit}/cancel" not in portal
    page = await browser.get(f"/portal/visits/{visit}/reschedule")
    assert page.status_code == 200, page.text
    assert "Too late to change online: call the clinic" in page.text
    assert not SLOT.search(page.text)
    _, desk = await signed_in(clinic, "receptionist")
    assert SLOT.search((await desk.get(f"/desk/visits/{visit}/reschedule")).text)
