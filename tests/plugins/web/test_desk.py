"""The front desk's remainder: reschedule, the waitlist view, registering a patient."""

import re
from collections import Counter
from html.parser import HTMLParser

from tests.plugins.appointments.helpers import open_practice
from tests.plugins.devices.helpers import eventually
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import new_id, signed_in
from tests.plugins.web.test_portal import book_first_slot, visit_ids
from tests.plugins.web.test_portal_visits import a_booked_visit, in_days, other_slot, start_of


async def test_the_desk_moves_a_visit(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    patient, browser = await signed_in(clinic, "patient", first_name="Mira", last_name="Sato")
    booked = await book_first_slot(browser, offer, "/portal/book", in_days(2))
    (visit,) = await visit_ids(clinic, patient.id)
    _, desk = await signed_in(clinic, "receptionist")
    day = await desk.get(f"/desk?day={booked[:10]}")
    assert f"/desk/visits/{visit}/reschedule" in day.text
    url = f"/desk/visits/{visit}/reschedule"
    page = await desk.get(url)
    assert "Mira Sato" in page.text
    new_start = await other_slot(desk, f"{url}?day={in_days(3)}", booked)
    moved = await desk.submit(url, {"starts_at": new_start}, page="/desk")
    assert moved.status_code == 303, moved.text
    assert moved.headers["location"] == f"/desk?day={new_start[:10]}"
    assert (await start_of(clinic, visit)).isoformat() == new_start


async def test_the_desk_sees_who_waits(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    offer = f"{practice.type_id}:{practice.doctor_id}"
    _, browser = await signed_in(clinic, "patient", first_name="Omar", last_name="Vidal")
    data = {"offer": offer, "from_date": in_days(1), "to_date": in_days(4)}
    assert (await browser.submit("/portal/waitlist", data, page="/portal")).status_code == 303
    _, desk = await signed_in(clinic, "receptionist")
    page = await desk.get("/desk/waitlist")
    assert page.status_code == 200
    assert "Omar Vidal" in page.text
    assert "/claim" not in page.text  # the desk sees entries; patients claim their offers
    assert (await browser.get("/desk/waitlist")).status_code == 403


async def test_the_desk_registers_a_patient_who_is_mailed_a_password_link(
    clinic: Clinic,
) -> None:
    _, desk = await signed_in(clinic, "receptionist")
    email = f"nell.{new_id()[:8]}@example.test"
    data = {
        "first_name": "Nell",
        "last_name": "Baptiste",
        "email": email,
        "phone": "+33 6 12 34 56 78",
        "date_of_birth": "1984-03-09",
    }
    answer = await desk.submit("/desk/patients/new", data, page="/desk/patients/new")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/desk/book?q=Nell+Baptiste")
    (account,) = await clinic.fetch(
        "SELECT a.id, a.roles, a.status, a.must_reset_password, p.date_of_birth, p.phone "
        "FROM account a JOIN profile p ON p.account = a.id WHERE a.email = $1",
        email,
    )
    assert account["roles"] == ["patient"]
    assert account["status"] == "active"
    # An invitation (the reset-password page takes its link), not "someone asked to reset".
    mails = "SELECT subject, body_text FROM delivery WHERE recipient = $1 AND channel = 'email'"
    invitation = await eventually(
        clinic, f"{mails} AND body_text LIKE '%opened an account for you%'", account["id"]
    )
    assert "reset" not in invitation["subject"].lower(), invitation["subject"]
    assert await clinic.fetch(f"{mails} AND body_text LIKE '%asked to reset%'", account["id"]) == []
    assert account["date_of_birth"].isoformat() == "1984-03-09"
    assert account["phone"] == "+33 6 12 34 56 78"
    booking = await desk.get(answer.headers["location"])
    assert str(account["id"]) in booking.text  # the new patient is already picked


async def test_registering_a_taken_address_shows_the_reason_and_keeps_the_form(
    clinic: Clinic,
) -> None:
    existing, desk = await signed_in(clinic, "receptionist")
    data = {"first_name": "Tom", "last_name": "Reyes", "email": existing.email}
    answer = await desk.submit("/desk/patients/new", data, page="/desk/patients/new")
    assert answer.status_code == 409
    assert "already has an account" in answer.text
    assert 'data-fields="email"' in answer.text  # the field at fault is marked
    assert 'value="Reyes"' in answer.text
    data = {"first_name": "Tom", "last_name": "Reyes", "email": "x@example.test"}
    bad = await desk.submit(
        "/desk/patients/new", {**data, "date_of_birth": "09/03/1984"}, page="/desk"
    )
    assert bad.status_code == 422
    assert "date like" in bad.text


async def test_patients_and_clinicians_cannot_register_patients(clinic: Clinic) -> None:
    for role, home in (("patient", "/portal"), ("doctor", "/desk")):
        _, browser = await signed_in(clinic, role)
        assert (await browser.get("/desk/patients/new")).status_code == 403
        data = {"first_name": "Eve", "last_name": "Stone", "email": f"{new_id()}@example.test"}
        refused = await browser.submit("/desk/patients/new", data, page=home)
        assert refused.status_code == 403
        rows = await clinic.fetch("SELECT 1 FROM account WHERE email = $1", data["email"])
        assert rows == []


async def test_the_desk_nav_links_to_the_new_pages(clinic: Clinic) -> None:
    _, desk = await signed_in(clinic, "receptionist")
    page = await desk.get("/desk")
    for href in ("/desk/waitlist", "/desk/patients/new"):
        assert re.search(rf'href="{href}"', page.text)


class Fields(HTMLParser):
    """A page's form fields (their id or name), the labels' `for`, and every id."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []  # (id, name) of each field a person fills
        self.labelled: set[str] = set()
        self.ids: Counter[str] = Counter()
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note the ids, the labels' targets and the visible fields."""
        said = {name: value or "" for name, value in attrs}
        if "id" in said:
            self.ids[said["id"]] += 1
        if tag == "label" and "for" in said:
            self.labelled.add(said["for"])
        hidden = said.get("type") in ("hidden", "submit", "button")
        if tag in ("input", "select", "textarea") and not hidden and "aria-label" not in said:
            self.fields.append((said.get("id", ""), said.get("name", "")))


async def test_every_field_of_the_desk_day_has_its_label(clinic: Clinic) -> None:
    _, visit, booked = await a_booked_visit(clinic)
    _, desk = await signed_in(clinic, "receptionist")
    day = await desk.get(f"/desk?day={booked[:10]}")
    page = Fields(day.text)
    assert (f"reason-{visit}", "reason") in page.fields, "the cancel form's reason field"
    assert re.search(rf'<label for="reason-{visit}"[^>]*>Reason for cancelling', day.text)
    unlabelled = [field for field in page.fields if field[0] not in page.labelled]
    assert unlabelled == [], "fields without a <label for> naming their id"
    assert [i for i, n in page.ids.items() if n > 1] == [], "ids are unique"


async def test_check_in_is_offered_from_the_visits_day_and_a_refusal_stays_on_the_desk(
    clinic: Clinic,
) -> None:
    # Seen: "Check in" on a visit days ahead, and pressing it left the desk for a bare error
    # page ("too early"); the desk's controls did not say whose visit they act on.
    _, visit, booked = await a_booked_visit(clinic)
    name = await clinic.fetch(
        "SELECT first_name || ' ' || last_name AS name FROM profile WHERE account = "
        "(SELECT patient FROM appointment WHERE id = $1::uuid)",
        visit,
    )
    who = name[0]["name"]
    _, desk = await signed_in(clinic, "receptionist")
    day = await desk.get(f"/desk?day={booked[:10]}")
    assert f"/desk/visits/{visit}/check-in" not in day.text
    assert f'aria-label="Reschedule the visit of {who}"' in day.text
    assert f'aria-label="Cancel the visit of {who}"' in day.text
    assert f"Reason for cancelling the visit of {who} (optional)" in day.text
    early = await desk.submit(f"/desk/visits/{visit}/check-in", {}, page="/desk")
    assert early.status_code == 409, early.text
    assert "<h1>Front desk</h1>" in early.text, "the day's page, not the error page"
    beside = early.text.split(f'id="visit-{visit}"')[1].split("</li>")[0]
    assert "too early" in beside
