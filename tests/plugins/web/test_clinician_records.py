"""The patient page for clinicians (documents, readings, alerts), the alert page and search;
the clocks of alerts, documents and messages."""

import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from hduce.contracts.appointments import SlotBoard
from hduce.contracts.notifications import Category, Notifier
from hduce.core.config import Settings
from hduce.plugins.web.routes._clinician_search import highlighted
from hduce.plugins.web.routes._days import own_zone
from hduce.plugins.web.services import WebServices
from tests.plugins.appointments.helpers import book, free_slots, open_practice
from tests.plugins.devices.helpers import NOTIFIED_WITHIN, eventually, mqtt, register, telemetry
from tests.plugins.documents.files import lab_report_pdf
from tests.plugins.documents.helpers import extracted, uploaded
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.clinical import clinical_clinic, raise_alert, reindex
from tests.plugins.web.helpers import Browser, signed_in
from tests.plugins.web.test_clinician import signed_in_as
from tests.plugins.web.test_portal_documents import upload

OPEN_ALERTS = "SELECT id FROM device_alert WHERE patient = $1 AND acknowledged_at IS NULL"
ALERT_MAIL = (
    "SELECT d.body_text FROM notification n JOIN delivery d ON d.notification = n.id "
    "AND d.channel = 'email' WHERE n.template = 'device_alert' AND n.recipient = $1"
)
ACKNOWLEDGE_LINK = re.compile(r"Acknowledge the alert once it is handled: https?://[^/\s]+(/\S+)")
PARIS = "Europe/Paris"
TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>( \([^)]*\))?')
SENT = (
    "SELECT 1 FROM delivery WHERE recipient = $1 AND channel = 'in_app' AND status = 'sent' "
    "AND body_text LIKE '%Clock note%'"
)


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """The web clinic with documents, devices and search."""
    async with clinical_clinic(settings, tmp_path_factory.mktemp("documents")) as running:
        yield running


async def test_the_patient_page_shows_documents_readings_and_alerts(clinic: Clinic) -> None:
    admin = await clinic.member("admin")
    patient = await clinic.member("patient", first_name="Ilse", last_name="Brandt")
    doctor, browser = await signed_in(clinic, "doctor", first_name="Omar", last_name="Diallo")
    added = await clinic.client.put(
        f"/api/v1/users/{patient.id}/care-team/{doctor.id}", headers=admin.headers
    )
    assert added.status_code == 200, added.text
    document = await uploaded(
        clinic,
        doctor,
        lab_report_pdf(),
        patient=patient,
        content_type="application/pdf",
        title="Lab report March",
    )
    assert (await extracted(clinic, document["id"]))["status"] == "done"
    alert = await raise_alert(clinic, admin, patient)
    page = await browser.get(f"/clinic/patients/{patient.id}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Ilse Brandt" in text and patient.email in text
    assert "Omar Diallo" in text, "the care team"
    assert "Lab report March" in text and "metformin" in text and "penicillin" in text
    assert text.count("<polyline") == 2, "one sparkline per metric (heart rate, SpO2)"
    assert "spo2 88.0 %" in text and "below the threshold of 92.0" in text
    done = await browser.submit(
        f"/clinic/alerts/{alert}/acknowledge", {}, page=f"/clinic/patients/{patient.id}"
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/clinic/patients/{patient.id}?acknowledged=1"
    assert await clinic.fetch(OPEN_ALERTS, patient.id) == []
    assert "No open alerts." in (await browser.get(f"/clinic/patients/{patient.id}")).text
    again = await browser.submit(f"/clinic/alerts/{alert}/acknowledge", {}, page="/clinic")
    assert again.status_code == 409


async def test_the_patient_page_shows_every_time_on_the_clock_of_its_visits(
    clinic: Clinic,
) -> None:
    practice = await open_practice(clinic, timezone=PARIS)
    admin, doctor = practice.admin, practice.doctor
    patient = await clinic.member("patient")
    await clinic.client.put(
        f"/api/v1/users/{patient.id}/care-team/{doctor.id}", headers=admin.headers
    )
    slot = (await free_slots(clinic, practice, admin, datetime.now(ZoneInfo(PARIS))))[0]
    assert (await book(clinic, practice, admin, slot["starts_at"], patient)).status_code == 201
    await uploaded(clinic, doctor, lab_report_pdf(), patient=patient, title="Paris report")
    await raise_alert(clinic, admin, patient)
    browser = await signed_in_as(clinic, doctor)
    page = (await browser.get(f"/clinic/patients/{patient.id}")).text
    shown = TIME.findall(page)
    assert len(shown) == 5, "the visit, the alert, the latest heart rate and SpO2, the document"
    for moment, text, label in shown:
        local = datetime.fromisoformat(moment).astimezone(ZoneInfo(PARIS))
        formats = ("%a %d %b %Y, %H:%M", "%d %b %H:%M", "%d %b %Y")
        assert text in {local.strftime(f) for f in formats}, (moment, text)
        assert label in ("", f" ({PARIS})"), label
    assert page.count(f"</time> ({PARIS})") >= 3, "the visit, the alert and the document"
    assert f"Latest ({PARIS})" in page, "the readings' column names the zone"
    assert "(UTC)" not in page


async def test_only_doctors_and_nurses_acknowledge_alerts(clinic: Clinic) -> None:
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    alert = await raise_alert(clinic, admin, patient)
    for role, home in (("patient", "/portal"), ("receptionist", "/desk"), ("admin", "/desk")):
        _, browser = await signed_in(clinic, role)
        refused = await browser.submit(f"/clinic/alerts/{alert}/acknowledge", {}, page=home)
        assert refused.status_code == 403, role
    _, doctor = await signed_in(clinic, "doctor")
    forged = await doctor.request("POST", f"/clinic/alerts/{alert}/acknowledge", data={})
    assert forged.status_code == 403, "no CSRF token, no acknowledgement"
    assert len(await clinic.fetch(OPEN_ALERTS, patient.id)) == 1


async def test_the_link_in_the_alert_message_opens_the_alert_to_acknowledge(
    clinic: Clinic,
) -> None:
    admin = await clinic.member("admin")
    patient = await clinic.member("patient", first_name="Rosa", last_name="Lindqvist")
    doctor, browser = await signed_in(clinic, "doctor")
    added = await clinic.client.put(
        f"/api/v1/users/{patient.id}/care-team/{doctor.id}", headers=admin.headers
    )
    assert added.status_code == 200, added.text
    alert = await raise_alert(clinic, admin, patient)
    mail = await eventually(clinic, ALERT_MAIL, doctor.id, timeout=NOTIFIED_WITHIN)
    found = ACKNOWLEDGE_LINK.search(mail["body_text"])
    assert found, mail["body_text"]
    link = found[1]
    assert link == f"/clinic/alerts/{alert}"
    page = await browser.get(link)
    assert page.status_code == 200, page.text
    for words in ("Rosa Lindqvist", "spo2", "88 %", "below 92 %", "Open", "Acknowledge"):
        assert words in page.text, words
    assert f'href="/clinic/patients/{patient.id}"' in page.text
    done = await browser.submit(f"/clinic/alerts/{alert}/acknowledge", {}, page=link)
    assert done.status_code == 303, done.text
    assert await clinic.fetch(OPEN_ALERTS, patient.id) == []
    after = await browser.get(link)
    assert after.status_code == 200 and "Acknowledged" in after.text
    assert f'action="/clinic/alerts/{alert}/acknowledge"' not in after.text
    read = await clinic.fetch(
        "SELECT 1 FROM audit_event WHERE action = 'devices.alert_read' AND actor_id = $1",
        doctor.id,
    )
    assert read, "reading an alert is audited like the API's reads"


async def test_the_alert_page_shows_the_reading_as_sent(clinic: Clinic) -> None:
    # "%g" showed a temperature of 39.0000004 as "39" beside "above 39".
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    device, secret = await register(clinic, admin, patient)
    async with mqtt(clinic, device, secret) as client:
        payload = telemetry(("temperature", 39.0000004, "°C"))
        await client.publish(f"devices/{device}/telemetry", payload, qos=1)
    alert = await eventually(clinic, OPEN_ALERTS, patient.id)
    _, nurse = await signed_in(clinic, "nurse")
    page = (await nurse.get(f"/clinic/alerts/{alert['id']}")).text
    assert "<dt>Reading</dt><dd>39.0000004 °C</dd>" in page, page
    assert "<dt>Threshold</dt><dd>above 39 °C</dd>" in page, page


async def test_the_alert_page_is_for_doctors_and_nurses_and_names_a_real_alert(
    clinic: Clinic,
) -> None:
    admin, patient = await clinic.member("admin"), await clinic.member("patient")
    alert = await raise_alert(clinic, admin, patient)
    _, nurse = await signed_in(clinic, "nurse")
    assert (await nurse.get(f"/clinic/alerts/{alert}")).status_code == 200
    for role in ("patient", "receptionist", "admin"):
        _, browser = await signed_in(clinic, role)
        refused = await browser.get(f"/clinic/alerts/{alert}")
        assert refused.status_code == 403, role
        assert refused.headers["content-type"].startswith("text/html")
    unknown = await nurse.get(f"/clinic/alerts/{uuid.uuid4()}")
    assert unknown.status_code == 404 and "no such alert" in unknown.text
    signed_out = await Browser(clinic).get(f"/clinic/alerts/{alert}")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/login?next=/clinic/alerts/{alert}"


async def test_search_groups_hits_by_kind_and_highlights_matches(clinic: Clinic) -> None:
    await clinic.member("patient", first_name="Quillon", last_name="Aberdeen")
    await reindex(clinic)
    _, browser = await signed_in(clinic, "doctor")
    page = await browser.get("/clinic/search?q=Quillon")
    assert page.status_code == 200, page.text
    assert "Patients (1)" in page.text
    assert "<mark>Quillon</mark>" in page.text
    assert "Nothing matches" in (await browser.get("/clinic/search?q=Zzyzxqv")).text
    _, patient = await signed_in(clinic, "patient")
    assert (await patient.get("/clinic/search?q=Quillon")).status_code == 403


def test_a_snippet_keeps_only_its_mark_tags() -> None:
    assert str(highlighted("a <mark>b</mark> c")) == "a <mark>b</mark> c"
    hostile = str(highlighted("<mark>x</mark><script>alert(1)</script>"))
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


async def test_bad_input_on_clinician_pages_is_a_clear_page_never_a_500(clinic: Clinic) -> None:
    _, doctor = await signed_in(clinic, "doctor")
    for url, words in (
        ("/clinic?day=yesterday", "day must be a date"),
        ("/clinic/search?q=%21%21%21", "at least one letter or digit"),
        (f"/clinic/search?q={'a' * 2000}", "at most"),
    ):
        page = await doctor.get(url)
        assert page.status_code == 422, (url, page.status_code)
        assert words in page.text, url
        assert page.headers["content-type"].startswith("text/html")


async def times_on(browser: Browser, url: str, zone: str) -> int:
    """How many times the page at `url` shows, each on `zone`'s clock and labelled with it."""
    page = await browser.get(url)
    assert page.status_code == 200, page.text
    assert zone == "UTC" or "(UTC)" not in page.text, url
    shown = TIME.findall(page.text)
    for moment, text, label in shown:
        local = datetime.fromisoformat(moment).astimezone(ZoneInfo(zone))
        assert text == f"{local:%a %d %b %Y, %H:%M}", (url, moment, text)
        assert label == f" ({zone})", (url, label)
    return len(shown)


async def test_alerts_documents_and_messages_are_on_the_viewers_clock(clinic: Clinic) -> None:
    practice = await open_practice(clinic, timezone=PARIS)
    patient, browser = await signed_in(clinic, "patient")
    alert = await raise_alert(clinic, practice.admin, patient)
    doctor = await signed_in_as(clinic, practice.doctor)
    url = f"/clinic/alerts/{alert}"
    assert await times_on(doctor, url, PARIS) == 2, "measured and raised"
    done = await doctor.submit(f"{url}/acknowledge", {}, page=url)
    assert done.status_code == 303, done.text
    assert await times_on(doctor, url, PARIS) == 3, "and acknowledged"
    # A patient's clock is the clinic's: the zone most practitioners work in (Paris when this
    # module runs alone; the session's other clinics' practitioners may outnumber them).
    board = SimpleNamespace(board=clinic.context.registry.get(SlotBoard))
    zone = await clinic.in_app(own_zone, cast(WebServices, board), patient.id)
    document = await upload(browser, lab_report_pdf(), "clock.pdf", title="Clock report")
    assert await times_on(browser, "/portal/documents", zone) == 1
    assert await times_on(browser, f"/portal/documents/{document}", zone) == 1
    notifier = clinic.context.registry.get(Notifier)

    async def send() -> None:
        async with clinic.context.db.transaction():
            await notifier.notify(
                patient.id, "test_message", {"text": "Clock note"}, Category.GENERAL
            )

    await clinic.in_app(send)
    await eventually(clinic, SENT, patient.id)
    assert await times_on(browser, "/portal/inbox", zone) >= 1
    assert await times_on(browser, "/portal", zone) >= 1
