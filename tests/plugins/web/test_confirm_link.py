"""The reminder's "Please confirm" link: a page without login whose button confirms the visit."""

import re
import uuid
from datetime import timedelta

from tests.plugins.appointments.helpers import (
    API,
    DOCTOR_NAME,
    book,
    bring_forward,
    events_named,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.appointments.notices import local_time, next_notice
from tests.plugins.users.clinic import Clinic, Member
from tests.plugins.web.helpers import CSRF, Browser

LINK = re.compile(r"https?://[^/\s]+(/appointments/[0-9a-f-]{36}/confirm\?token=\S+)")
ZONE = "Europe/Paris"


async def reminded(clinic: Clinic) -> tuple[str, str, str]:
    """A booked visit whose reminder went out: its id, its local start, and the mailed link."""
    practice = await open_practice(clinic, timezone=ZONE)
    patient: Member = await clinic.member("patient")
    start = two_days_ahead_at(11) + timedelta(days=3)
    booked = await book(clinic, practice, await clinic.member("receptionist"), start, patient)
    assert booked.status_code == 201, booked.text
    visit = booked.json()["id"]
    await bring_forward(clinic, visit, "appointments.reminder_due")
    reminder = await next_notice(clinic, "appointment_reminder", patient)
    found = LINK.search(reminder.text)
    assert found, reminder.text
    return visit, local_time(start, ZONE), found[1]


async def status_of(clinic: Clinic, visit: str) -> str:
    rows = await clinic.fetch("SELECT status FROM appointment WHERE id = $1::uuid", visit)
    return str(rows[0]["status"])


async def confirm_form(browser: Browser, link: str) -> tuple[str, str, dict[str, str]]:
    """Open the link: the page's text, and where and what its button posts."""
    page = await browser.get(link)
    assert page.status_code == 200, page.text
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    csrf = CSRF.search(page.text)
    assert form and token and csrf, page.text
    return page.text, form[1], {"csrf_token": csrf[1], "token": token[1]}


async def test_the_mailed_link_shows_the_visit_and_its_button_confirms_it(
    clinic: Clinic,
) -> None:
    visit, when, link = await reminded(clinic)
    browser = Browser(clinic)
    shown, action, data = await confirm_form(browser, link)
    assert "Confirm my visit" in shown
    assert when in shown and DOCTOR_NAME in shown
    answer = await browser.request("POST", action, data=data)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "confirmed" in answer.text and when in answer.text
    assert await status_of(clinic, visit) == "confirmed"

    for again in (await browser.request("POST", action, data=data), await browser.get(link)):
        assert again.status_code == 200, again.text
        assert again.headers["content-type"].startswith("text/html")
        assert "already confirmed" in again.text and when in again.text
        assert "Confirm my visit" not in again.text
    assert len(await events_named(clinic, "appointment.confirmed", visit)) == 1


async def test_opening_the_link_confirms_nothing_and_the_button_needs_the_pages_form(
    clinic: Clinic,
) -> None:
    visit, _, link = await reminded(clinic)
    scanner = Browser(clinic)
    for _ in range(2):  # a mail scanner follows the link, maybe twice
        assert (await scanner.get(link)).status_code == 200
    assert await status_of(clinic, visit) == "booked"
    token = link.split("token=", 1)[1]
    forged = await scanner.request("POST", link.split("?")[0], data={"token": token})
    assert forged.status_code == 403
    assert await status_of(clinic, visit) == "booked"


async def test_a_bad_or_stale_link_is_a_page_in_words(clinic: Clinic) -> None:
    visit, _, link = await reminded(clinic)
    browser = Browser(clinic)
    for url, status in ((link + "x", 400), (link.split("?")[0], 422)):
        page = await browser.get(url)
        assert page.status_code == status, (url, page.text)
        assert page.headers["content-type"].startswith("text/html")
        assert "Confirm my visit" not in page.text
    # A page whose address carries the token sends no referrer, its refusal too (same-origin).
    for url in (link, link + "x"):
        assert (await browser.get(url)).headers["referrer-policy"] == "no-referrer"

    desk = await clinic.member("receptionist")
    reason = {"reason": "the doctor is away"}
    cancelled = await clinic.client.post(f"{API}/{visit}/cancel", json=reason, headers=desk.headers)
    assert cancelled.status_code == 200, cancelled.text
    page = await browser.get(link)
    assert page.status_code == 400
    assert "no longer valid" in page.text
    assert "Confirm my visit" not in page.text


async def test_a_link_whose_time_is_not_ascii_digits_is_not_valid(clinic: Clinic) -> None:
    # Seen: `²` passes `str.isdigit`, which int() refuses: a 500 page.
    browser = Browser(clinic)
    for stamp in ("²²²", "①②"):
        page = await browser.get(
            f"/appointments/{uuid.uuid4()}/confirm", params={"token": f"{stamp}.x"}
        )
        assert page.status_code == 400, page.text
        assert "this confirmation link is not valid" in page.text, page.text
