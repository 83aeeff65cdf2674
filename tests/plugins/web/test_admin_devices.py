"""Devices for admins: registering shows a working MQTT secret once; rotating replaces it."""

import re
import uuid
from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import mqtt, refused
from tests.plugins.users.clinic import Clinic
from tests.plugins.web.clinical import clinical_clinic
from tests.plugins.web.helpers import Browser, signed_in
from tests.plugins.web.test_form_refusals import refused_as_typed

SECRET = re.compile(r'id="secret">([^<]+)<')
USERNAME = re.compile(r"<dt>Username</dt><dd class=\"secret\">([^<]+)<")
NEXT_PAGE = re.compile(r'<a href="(/admin/devices\?offset=\d+)">Next')


def shown(pattern: re.Pattern[str], page: str) -> str:
    """What `pattern`'s group matches on the page."""
    found = pattern.search(page)
    assert found, page
    return found[1]


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Clinic]:
    """The web clinic with documents, devices and search."""
    async with clinical_clinic(settings, tmp_path_factory.mktemp("documents")) as running:
        yield running


async def page_listing(admin: Browser, device: str) -> str:
    """The page of `/admin/devices` (oldest first, in pages) that lists `device`."""
    url: str | None = "/admin/devices"
    while url is not None:
        page = (await admin.get(url)).text
        if device in page:
            return page
        found = NEXT_PAGE.search(page)
        url = found[1] if found else None
    raise AssertionError(f"{device} is on no page of /admin/devices")


async def test_a_registered_devices_secret_works_once_shown_and_rotates(clinic: Clinic) -> None:
    patient = await clinic.member("patient", first_name="Hana", last_name="Sato")
    _, admin = await signed_in(clinic, "admin")
    form = {"kind": "thermometer", "name": "Ward thermometer", "serial": f"T-{patient.id.hex[:8]}"}
    created = await admin.submit(
        "/admin/devices", {**form, "patient_email": patient.email}, page="/admin/devices"
    )
    assert created.status_code == 201, created.text
    device, secret = shown(USERNAME, created.text), shown(SECRET, created.text)
    async with mqtt(clinic, device, secret):
        pass
    listed = await page_listing(admin, device)
    assert "Ward thermometer" in listed and "Hana Sato" in listed
    assert secret not in listed, "the secret is shown only once"
    rotated = await admin.submit(f"/admin/devices/{device}/rotate", {}, page="/admin/devices")
    assert rotated.status_code == 200, rotated.text
    new_secret = shown(SECRET, rotated.text)
    assert new_secret != secret
    assert await refused(clinic, device, secret)
    async with mqtt(clinic, device, new_secret):
        pass


async def test_registering_checks_the_form_and_the_role(clinic: Clinic) -> None:
    _, admin = await signed_in(clinic, "admin")
    form = {"kind": "scale", "name": "Scale", "serial": "S-1"}
    unknown = await admin.submit(
        "/admin/devices", {**form, "patient_email": "nobody@example.test"}, page="/admin/devices"
    )
    assert unknown.status_code == 422
    assert "no patient has the e-mail address" in unknown.text
    assert 'data-fields="patient_email"' in unknown.text  # the field at fault is marked
    bad_kind = await admin.submit(
        "/admin/devices", {**form, "kind": "toaster"}, page="/admin/devices"
    )
    assert bad_kind.status_code == 422
    # Seen: a 5,000-character name was "The name is not valid.", the limit unsaid.
    long_name = await admin.submit(
        "/admin/devices", {**form, "name": "n" * 5000}, page="/admin/devices"
    )
    refused_as_typed(long_name, "The name is up to 200 characters.")
    for role, home in (("doctor", "/clinic"), ("patient", "/portal")):
        _, browser = await signed_in(clinic, role)
        assert (await browser.get("/admin/devices")).status_code == 403, role
        refused_form = await browser.submit("/admin/devices", form, page=home)
        assert refused_form.status_code == 403, role
    rows = await clinic.fetch("SELECT 1 FROM device WHERE serial = 'S-1'")
    assert rows == []


async def test_a_refused_device_keeps_the_form(clinic: Clinic) -> None:
    _, admin = await signed_in(clinic, "admin")
    serial = f"KEEP-{uuid.uuid4().hex[:8]}"
    form = {"kind": "thermometer", "name": "keepme-name", "serial": serial}
    unknown = await admin.submit(
        "/admin/devices", {**form, "patient_email": "nobody@example.test"}, page="/admin/devices"
    )
    page = refused_as_typed(unknown, "no patient has the e-mail address", "keepme-name", serial)
    assert '<option value="thermometer" selected>' in page
    assert (await admin.submit("/admin/devices", form, page="/admin/devices")).status_code == 201
    taken = await admin.submit(
        "/admin/devices", {**form, "name": "second-name"}, page="/admin/devices"
    )
    assert taken.status_code == 409, taken.text
    assert "second-name" in taken.text and "Back to the start" not in taken.text
