"""The portal's account pages: profile, notification settings, two-factor set-up, my data."""

import asyncio
import base64
import re
from datetime import time

import msgspec
import pyotp

from hduce.contracts.notifications import Category, Notifier, OwnNotifications
from hduce.core.security import Principal
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.helpers import PASSWORD, Browser, person, signed_in

SECRET = re.compile(r'<code id="secret">([A-Z2-7]+)</code>')
QR = re.compile(r'<img class="qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


async def test_a_patient_changes_their_profile(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient", first_name="Ines", last_name="Moreau")
    page = await browser.get("/portal/account")
    assert 'value="Moreau"' in page.text
    data = {
        "first_name": "Inès",
        "last_name": "Moreau",
        "phone": "+32 470 12 34 56",
        "date_of_birth": "1990-05-17",
        "timezone": "Europe/Brussels",
    }
    saved = await browser.submit("/portal/account", data, page="/portal/account")
    assert saved.status_code == 303, saved.text
    (row,) = await clinic.fetch(
        "SELECT first_name, phone, date_of_birth, timezone, address FROM profile "
        "WHERE account = $1",
        patient.id,
    )
    assert (row["first_name"], row["phone"], row["timezone"]) == (
        "Inès",
        "+32 470 12 34 56",
        "Europe/Brussels",
    )
    assert row["date_of_birth"].isoformat() == "1990-05-17"
    assert row["address"] is None


async def test_text_stored_before_todays_checks_does_not_block_other_changes(
    clinic: Clinic,
) -> None:
    # Seen after an upgrade: a name with a line break and a contact name with ESC, which the
    # API accepted then, made every save of the form a 422 (or silently joined the name's
    # lines, as a one-line input shows it), though the patient changed only the phone.
    patient, browser = await signed_in(clinic, "patient", first_name="Ines", last_name="Moreau")
    await clinic.fetch(
        "UPDATE profile SET first_name = $2, emergency_contact_name = $3 WHERE account = $1",
        patient.id,
        "Zoë\nAnne",
        "Mère\x1b[31m",
    )
    data = {
        "first_name": "ZoëAnne",  # what the browser sends back of "Zoë\nAnne"
        "last_name": "Moreau",
        "emergency_contact_name": "Mère\x1b[31m",
        "phone": "+32 470 99 88 77",
        "timezone": "UTC",
    }
    saved = await browser.submit("/portal/account", data, page="/portal/account")
    assert saved.status_code == 303, saved.text
    (row,) = await clinic.fetch(
        "SELECT first_name, emergency_contact_name, phone FROM profile WHERE account = $1",
        patient.id,
    )
    assert tuple(row) == ("Zoë\nAnne", "Mère\x1b[31m", "+32 470 99 88 77")


async def test_a_bad_time_zone_is_refused_with_the_apis_reason(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient", first_name="Ines", last_name="Moreau")
    data = {"first_name": "Ines", "last_name": "Moreau", "timezone": "Mars/Olympus"}
    refused = await browser.submit("/portal/account", data, page="/portal/account")
    assert refused.status_code == 422
    assert "unknown time zone" in refused.text
    rows = await clinic.fetch("SELECT timezone FROM profile WHERE account = $1", patient.id)
    assert rows[0]["timezone"] == "UTC"
    # The reason names the field it refuses, so the page ties them (aria-invalid, focus).
    assert 'data-fields="timezone" role="alert">' in refused.text
    assert '<script src="/static/web/forms.js" defer></script>' in refused.text


async def test_notification_settings_and_quiet_hours_are_kept(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient")
    page = await browser.get("/portal/notifications")
    assert 'name="appointments.sms" aria-label="Appointments by text message" checked' in page.text
    data = {"appointments.email": "on", "general.in_app": "on"}
    data |= {"quiet_start": "22:00", "quiet_end": "07:30"}
    saved = await browser.submit("/portal/notifications", data, page="/portal/notifications")
    assert saved.status_code == 303, saved.text
    (row,) = await clinic.fetch(
        'SELECT channels, quiet_start, quiet_end FROM notification_preference WHERE "user" = $1',
        patient.id,
    )
    assert (row["quiet_start"], row["quiet_end"]) == (time(22), time(7, 30))
    channels = msgspec.json.decode(row["channels"])
    assert channels["appointments"] == {"email": True, "sms": False, "push": False, "in_app": False}
    page = await browser.get("/portal/notifications")
    assert 'value="22:00"' in page.text
    assert 'name="appointments.sms" aria-label="Appointments by text message">' in page.text
    # Both times left empty clear the quiet hours (the form always sends them).
    cleared = await browser.submit(
        "/portal/notifications",
        data | {"quiet_start": "", "quiet_end": ""},
        page="/portal/notifications",
    )
    assert cleared.status_code == 303, cleared.text
    (row,) = await clinic.fetch(
        'SELECT quiet_start FROM notification_preference WHERE "user" = $1', patient.id
    )
    assert row["quiet_start"] is None


async def test_security_messages_by_email_cannot_be_unticked(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient")
    page = await browser.get("/portal/notifications")
    assert 'aria-label="Security by e-mail" checked disabled' in page.text
    assert "clinical_alerts" not in page.text  # a patient never gets one: not offered
    # A disabled box is not sent: the form's other switches are saved, e-mail stays on.
    data = {"security.in_app": "on"}
    saved = await browser.submit("/portal/notifications", data, page="/portal/notifications")
    assert saved.status_code == 303, saved.text
    (row,) = await clinic.fetch(
        'SELECT channels FROM notification_preference WHERE "user" = $1', patient.id
    )
    security = msgspec.json.decode(row["channels"])["security"]
    assert security == {"email": True, "sms": False, "push": False, "in_app": True}


async def test_quiet_hours_need_both_ends(clinic: Clinic) -> None:
    _, browser = await signed_in(clinic, "patient")
    refused = await browser.submit(
        "/portal/notifications", {"quiet_start": "22:00"}, page="/portal/notifications"
    )
    assert refused.status_code == 422
    assert "a start and an end" in refused.text
    # Seen: 22:00+05:00 was kept as 22:00, the offset dropped without a word.
    offset = {"quiet_start": "22:00+05:00", "quiet_end": "07:00"}
    refused = await browser.submit("/portal/notifications", offset, page="/portal/notifications")
    assert refused.status_code == 422, refused.text
    assert "22:00+05:00 has a time offset" in refused.text, refused.text
    assert 'data-fields="quiet_start"' in refused.text  # the field at fault is marked
    late = {"quiet_start": "22:00", "quiet_end": "7 am"}
    refused = await browser.submit("/portal/notifications", late, page="/portal/notifications")
    assert 'data-fields="quiet_end"' in refused.text


async def test_a_patient_turns_on_two_factor_sign_in(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient")
    assert "Two-factor sign-in is off" in (await browser.get("/portal/security")).text
    enrolment = await browser.submit("/portal/security/enroll", {}, page="/portal/security")
    assert enrolment.status_code == 200, enrolment.text
    secret = SECRET.search(enrolment.text)
    qr = QR.search(enrolment.text)
    assert secret and qr, enrolment.text
    assert base64.b64decode(qr[1]).startswith(b"<svg")
    wrong = await browser.submit("/portal/security/confirm", {"code": "000000"}, page="/portal")
    assert wrong.status_code == 400
    assert "The code is wrong" in wrong.text
    assert "Set up two-factor sign-in" in wrong.text  # a new key is one click away
    code = pyotp.TOTP(secret[1]).now()
    confirmed = await browser.submit("/portal/security/confirm", {"code": code}, page="/portal")
    assert confirmed.status_code == 200, confirmed.text
    assert len(re.findall(r"<li><code>", confirmed.text)) == 10
    assert "Two-factor sign-in is on" in (await browser.get("/portal/security")).text
    # From now on the password alone does not sign in.
    fresh = Browser(clinic)
    data = {"login": patient.email, "password": PASSWORD}
    asked = await fresh.submit("/login", data, page="/login")
    assert asked.status_code == 401
    assert 'id="totp_code"' in asked.text
    said = re.search(r'role="alert"[^>]*>([^<]*)<', asked.text)
    assert said and "authenticator app" in said[1], asked.text
    assert "totp_code" not in said[1] and "TOTP" not in said[1], "the API's words, not the page's"
    wrong = await fresh.submit("/login", {**data, "totp_code": "000000"}, page="/login")
    assert wrong.status_code == 401
    said = re.search(r'role="alert"[^>]*>([^<]*)<', wrong.text)
    assert said and "TOTP" not in said[1] and "code" in said[1], wrong.text


async def test_my_data_downloads_as_json_of_oneself_only(clinic: Clinic) -> None:
    patient, browser = await signed_in(clinic, "patient", first_name="Ada", last_name="Lind")
    await signed_in(clinic, "patient", first_name="Bea", last_name="Other")
    answer = await browser.get("/portal/export")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith("attachment;")
    export = answer.json()
    assert export["user_id"] == str(patient.id)
    assert "Lind" in answer.text
    assert "Other" not in answer.text
    audited = await clinic.fetch(
        "SELECT 1 FROM audit_event WHERE action = 'users.data_exported' AND subject_id = $1",
        patient.id,
    )
    assert audited


async def test_account_pages_are_for_patients(clinic: Clinic) -> None:
    _, desk = await signed_in(clinic, "receptionist")
    for url in ("/portal/account", "/portal/notifications", "/portal/security", "/portal/export"):
        assert (await desk.get(url)).status_code == 403, url
    anonymous = Browser(clinic)
    answer = await anonymous.get("/portal/export")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/portal/export"


async def test_the_live_inbox_brings_a_new_message_at_once(clinic: Clinic) -> None:
    patient = await person(clinic, "patient")  # not signed in: no new-sign-in message comes
    principal = Principal(id=patient.id, roles=frozenset({"patient"}))
    token, _ = clinic.context.tokens.issue(principal)
    live = clinic.context.registry.get(OwnNotifications)
    notifier = clinic.context.registry.get(Notifier)

    async def first_entry() -> str:
        entries = live.live(principal, token)
        waiting = asyncio.ensure_future(anext(entries))
        await asyncio.sleep(0.3)
        async with clinic.context.db.transaction():
            await notifier.notify(
                patient.id, "test_message", {"text": "Live from the clinic"}, Category.GENERAL
            )
        entry = await asyncio.wait_for(waiting, 10)
        await entries.aclose()
        assert entry is not None
        return entry.text

    assert "Live" in await clinic.in_app(first_entry)


async def test_the_inbox_page_loads_the_live_reader_and_the_stream_is_for_patients(
    clinic: Clinic,
) -> None:
    _, browser = await signed_in(clinic, "patient")
    page = await browser.get("/portal/inbox")
    assert '<script src="/static/web/inbox-live.js" defer></script>' in page.text
    assert 'data-stream="/portal/inbox/stream"' in page.text
    script = await browser.get("/static/web/inbox-live.js")
    assert script.status_code == 200
    _, desk = await signed_in(clinic, "receptionist")
    assert (await desk.get("/portal/inbox/stream")).status_code == 403
