"""The web console in a real Chromium against a real `hduce serve`: the main journeys.

Skipped with a reason when Debian's `chromium` is not installed (`apt-get install -y chromium`).
Screenshots of each main page go to `var/screenshots/` (git-ignored).
"""

import asyncio
import re
import time
import urllib.request
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiomqtt
import asyncpg
import msgspec
import pytest

from hduce.core.config import Settings
from hduce.runtime import free_port
from tests.conftest import TEST_JWT_SECRET
from tests.plugins.web.helpers import PASSWORD, PASSWORD_HASH
from tests.support.context import isolated, isolated_env
from tests.support.jwt_tokens import signed_token
from tests.support.processes import REPO_ROOT, hduce_env, hduce_process, wait_until
from tests.support.smtp import SmtpServer

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO_ROOT / "var" / "screenshots"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
    ),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
LINK = re.compile(r"(http://\S+/verify-email\?token=[A-Za-z0-9_\-]+)")


def api(base: str, method: str, path: str, token: str, body: object) -> dict:
    request = urllib.request.Request(
        f"{base}{path}",
        data=msgspec.json.encode(body),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return msgspec.json.decode(response.read())


def in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a loop of its own (Playwright's loop owns this thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def token_for(account_id: uuid.UUID, *roles: str) -> str:
    return signed_token({"sub": str(account_id), "roles": list(roles)}, key=TEST_JWT_SECRET)


async def add_account(database_url: str, role: str, first: str, last: str, status: str) -> str:
    account_id, tag = uuid.uuid4(), uuid.uuid4().hex[:10]
    email = f"{role}.{tag}@example.test"
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO account (id, email, username, password_hash, roles, status, "
            "email_verified_at) VALUES ($1, $2, $3, $4, $5, $6, now())",
            account_id,
            email,
            f"{role}_{tag}",
            PASSWORD_HASH,
            [role],
            status,
        )
        await connection.execute(
            "INSERT INTO profile (id, account, first_name, last_name, timezone) "
            "VALUES ($1, $2, $3, $4, 'UTC')",
            uuid.uuid4(),
            account_id,
            first,
            last,
        )
    finally:
        await connection.close()
    return email


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mqtt_port() -> int:
    """The port of the embedded MQTT broker of `server`."""
    return free_port()


@pytest.fixture
def server(settings: Settings, smtp: SmtpServer, tmp_path: Path, mqtt_port: int) -> Iterator[str]:
    """`hduce serve` on a free port, on the session's database and NATS, mailing to `smtp`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hduce_env(
        DATABASE_URL=settings.database.url,
        HDUCE_NATS__URL=settings.nats.url,
        JWT_SECRET=TEST_JWT_SECRET,
        HDUCE_DATA_DIR=str(tmp_path / "data"),
        HDUCE_SERVER__PORT=str(port),
        HDUCE_SERVER__PUBLIC_URL=base,
        SMTP_URL=f"smtp://{smtp.host}:{smtp.port}",
        SMTP_FROM="Clinic <noreply@clinic.test>",
        HDUCE_PLUGINS__AUTH__ARGON2_MEMORY_KIB="1024",
        HDUCE_PLUGINS__AUTH__ARGON2_TIME_COST="1",
        HDUCE_PLUGINS__APPOINTMENTS__MIN_NOTICE="0s",
        HDUCE_PLUGINS__DEVICES__PORT=str(mqtt_port),
        **isolated_env(isolated(settings)),
    )
    log = tmp_path / "serve.log"
    with hduce_process(["serve", "--no-migrate"], env, log):

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                    return answer.status == 200
            except OSError:
                return False

        assert wait_until(healthy, timeout=90, interval=0.3), log.read_text()[-3000:]
        yield base


def test_patient_desk_doctor_and_admin_journeys(
    server: str, settings: Settings, smtp: SmtpServer, mqtt_port: int
) -> None:
    base, database = server, settings.database.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin_email = in_thread(add_account(database, "admin", "Ines", "Admin", "active"))
    desk_email = in_thread(add_account(database, "receptionist", "Rosa", "Desk", "active"))
    doctor_email = in_thread(add_account(database, "doctor", "Ada", "Okafor", "pending_approval"))
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
            errors: list[str] = []  # CSP violations and script errors show up here
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def sign_in(email: str) -> None:
                page.goto(f"{base}/")
                page.get_by_label("E-mail or username").fill(email)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()

            def sign_out() -> None:
                page.get_by_role("button", name="Sign out").click()
                page.wait_for_url(f"{base}/login")

            # An admin approves the doctor who registered.
            sign_in(admin_email)
            page.goto(f"{base}/admin/users")
            page.get_by_role("button", name=f"Approve {doctor_email}").click()
            page.wait_for_url(f"{base}/admin/users")
            assert doctor_email not in page.content()
            page.screenshot(path=SHOTS / "admin-users.png", full_page=True)
            sign_out()

            # The doctor offers a visit type with opening hours (through the API).
            doctor_id = in_thread(account_id(database, doctor_email))
            admin_token = token_for(uuid.uuid4(), "admin")
            kind = api(
                base,
                "POST",
                "/api/v1/appointments/types",
                admin_token,
                {"name": "Consultation", "duration_minutes": 30, "practitioner_ids": [doctor_id]},
            )
            hours = [{"weekday": d, "start": "00:00", "end": "23:59:59"} for d in range(7)]
            api(
                base,
                "PUT",
                f"/api/v1/appointments/availability/{doctor_id}",
                token_for(uuid.UUID(doctor_id), "doctor"),
                {"timezone": "UTC", "weekly_hours": hours},
            )

            # A patient registers, verifies through the e-mail, books, and sees the confirmation.
            tag = uuid.uuid4().hex[:8]
            patient_email = f"lena.{tag}@example.test"
            page.goto(f"{base}/register")
            page.get_by_label("First name").fill("Lena")
            page.get_by_label("Last name").fill("Ortiz")
            page.get_by_label("E-mail address").fill(patient_email)
            page.get_by_label("Username").fill(f"lena_{tag}")
            page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
            page.get_by_role("button", name="Create my account").click()
            page.get_by_text("We sent a link to").wait_for()
            mail = in_thread(
                smtp.wait_for_message(lambda m: patient_email in str(m["To"]), timeout=30)
            )
            link = LINK.search(mail.get_body(("plain",)).get_content())
            assert link, mail
            page.goto(link[1])
            page.get_by_role("button", name="Confirm my e-mail address").click()
            page.get_by_text("E-mail address confirmed").wait_for()
            sign_in(patient_email)
            page.wait_for_url(f"{base}/portal")
            page.get_by_role("link", name="Book a visit").first.click()
            page.get_by_label("Visit type and practitioner").select_option(
                f"{kind['id']}:{doctor_id}"
            )
            slots = page.locator("#slots button[name=starts_at]")
            slots.first.wait_for()
            page.screenshot(path=SHOTS / "portal-book.png", full_page=True)
            slots.first.click()
            page.wait_for_url(re.compile(r".*/portal\?booked=1$"))
            assert "Ada Okafor" in page.content()
            page.goto(f"{base}/portal/inbox")
            page.get_by_text("Appointment booked").first.wait_for(timeout=30_000)
            page.screenshot(path=SHOTS / "portal-inbox.png", full_page=True)
            sign_out()

            # The receptionist sees the visit on the day view and checks the patient in.
            sign_in(desk_email)
            page.wait_for_url(f"{base}/desk")
            visit = page.locator("li.visit", has_text="Lena Ortiz")
            visit.get_by_role("button", name="Check in").click()
            page.wait_for_url(re.compile(r".*/desk\?day=.*"))
            page.locator("li.visit", has_text="Lena Ortiz").get_by_text("checked in").wait_for()
            page.screenshot(path=SHOTS / "desk-day.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=SHOTS / "desk-day-phone.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            sign_out()

            # The doctor opens the patient and acknowledges an alert a real device raised.
            patient_id = in_thread(account_id(database, patient_email))
            admin_id = in_thread(account_id(database, admin_email))
            device, secret = register_device(
                base, token_for(uuid.UUID(admin_id), "admin"), patient_id
            )
            in_thread(publish_low_spo2(mqtt_port, device, secret))
            in_thread(wait_for_alert(database, patient_id))
            sign_in(doctor_email)
            page.wait_for_url(f"{base}/clinic")
            page.locator("li.visit", has_text="Lena Ortiz").get_by_role(
                "button", name="Start"
            ).wait_for()
            page.screenshot(path=SHOTS / "clinic-day.png", full_page=True)
            page.get_by_role("link", name="Notes of the visit of Lena Ortiz").click()
            page.get_by_label("Clinical notes (only doctors and nurses read them)").fill(
                "SpO2 87 % at home; recheck."
            )
            page.screenshot(path=SHOTS / "clinic-notes.png", full_page=True)
            page.get_by_role("button", name="Save the notes").click()
            page.get_by_text("Notes saved.").wait_for()
            page.get_by_role("link", name="Lena Ortiz", exact=True).click()
            page.wait_for_url(f"{base}/clinic/patients/{patient_id}")
            page.locator("svg.spark").first.wait_for()
            page.screenshot(path=SHOTS / "clinic-patient.png", full_page=True)
            page.get_by_role("button", name="Acknowledge the spo2 alert").click()
            page.wait_for_url(re.compile(r".*\?acknowledged=1$"))
            page.get_by_text("No open alerts.").wait_for()
            search_until_found(page, base, "Ortiz")
            page.screenshot(path=SHOTS / "clinic-search.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(f"{base}/clinic/patients/{patient_id}")
            page.screenshot(path=SHOTS / "clinic-patient-phone.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            sign_out()

            # The admin's set-up and oversight pages, and a device registered in the browser.
            sign_in(admin_email)
            page.goto(f"{base}/admin/devices")
            page.get_by_label("Kind").select_option("thermometer")
            page.get_by_label("Name").fill("Ward thermometer")
            page.get_by_label("Serial number").fill(f"T-{tag}")
            page.get_by_label("Patient's e-mail address (optional)").fill(patient_email)
            page.get_by_role("button", name="Register").click()
            page.get_by_text("The secret is shown only now").wait_for()
            page.screenshot(path=SHOTS / "admin-device-secret.png", full_page=True)
            for name, path in (
                ("admin-devices", "/admin/devices"),
                ("admin-types", "/admin/types"),
                ("admin-hours", f"/admin/hours?practitioner={doctor_id}"),
                ("admin-deliveries", "/admin/deliveries"),
                ("admin-analytics", "/admin/analytics"),
                ("admin-audit", "/admin/audit?verify=1"),
            ):
                page.goto(f"{base}{path}")
                page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
            page.get_by_text("Intact:").wait_for()
        finally:
            chromium.close()
    assert errors == []


async def account_id(database_url: str, email: str) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        return str(await connection.fetchval("SELECT id FROM account WHERE email = $1", email))
    finally:
        await connection.close()


def register_device(base: str, admin_token: str, patient_id: str) -> tuple[str, str]:
    """A pulse oximeter registered for the patient through the API: its id and secret."""
    body = {
        "kind": "pulse_oximeter",
        "name": "Home oximeter",
        "serial": uuid.uuid4().hex,
        "patient_id": patient_id,
    }
    created = api(base, "POST", "/api/v1/devices", admin_token, body)
    return created["credentials"]["username"], created["credentials"]["secret"]


async def publish_low_spo2(port: int, device: str, secret: str) -> None:
    """Readings over a real MQTT connection to the embedded broker, the last below 92 %."""
    async with aiomqtt.Client("127.0.0.1", port, username=device, password=secret) as client:
        for rate, spo2 in ((72, 97), (76, 96), (81, 95), (84, 87)):
            body = {
                "readings": [
                    {"metric": "heart_rate", "value": rate, "unit": "bpm"},
                    {"metric": "spo2", "value": spo2, "unit": "%"},
                ]
            }
            await client.publish(f"devices/{device}/telemetry", msgspec.json.encode(body), qos=1)


async def wait_for_alert(database_url: str, patient_id: str, timeout: float = 30) -> None:
    """Wait until the patient has an open alert."""
    connection = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        query = "SELECT 1 FROM device_alert WHERE patient = $1 AND acknowledged_at IS NULL"
        while not await connection.fetchval(query, uuid.UUID(patient_id)):
            assert time.monotonic() < deadline, "no alert was raised"
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


def search_until_found(page: Any, base: str, text: str, tries: int = 40) -> None:
    """Search `text` until the patient hits show (indexing follows events asynchronously)."""
    for _ in range(tries):
        page.goto(f"{base}/clinic/search?q={text}")
        if page.locator("mark").count():
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"search never found {text!r}")
