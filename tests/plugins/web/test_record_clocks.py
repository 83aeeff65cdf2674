"""Alerts, documents and messages show their times on the viewer's clock, the zone named."""

import re
from collections.abc import AsyncIterator
from datetime import datetime
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from hduce.contracts.appointments import SlotBoard
from hduce.contracts.notifications import Category, Notifier
from hduce.core.config import Settings
from hduce.plugins.web.routes._days import own_zone
from hduce.plugins.web.services import WebServices
from tests.plugins.appointments.helpers import open_practice
from tests.plugins.devices.helpers import eventually
from tests.plugins.documents.files import lab_report_pdf
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.clinical import clinical_clinic, raise_alert
from tests.plugins.web.helpers import Browser, signed_in
from tests.plugins.web.test_clinician import signed_in_as
from tests.plugins.web.test_portal_documents import upload

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
