"""Without a relay, `email.log_when_unconfigured` (hduce.toml) puts e-mails in the log."""

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.notifications.conftest import notifications_settings
from tests.plugins.notifications.test_identity_messages import login, register
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.support.analytics import analytics_sections, this_hour
from tests.support.mail import token_in

LOGGER = "hduce.notifications.email"


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """Notifications with no SMTP relay, e-mail going to the log."""
    configured = notifications_settings(settings, 0, email={"log_when_unconfigured": True})
    async with running_clinic(configured) as running:
        yield running


async def logged_mail_to(caplog: pytest.LogCaptureFixture, address: str) -> str:
    """The logged e-mail to `address`, waiting for the delivery task."""
    for _ in range(200):
        for record in caplog.records:
            if record.name == LOGGER and record.args and record.args[0] == address:
                return record.getMessage()
        await asyncio.sleep(0.05)
    raise AssertionError(f"no e-mail to {address} in the log")


async def test_the_verification_link_can_be_followed_from_the_log(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    email = await register(clinic)
    logged = await logged_mail_to(caplog, email)
    assert "not sent" in logged and "Subject: " in logged
    verified = await clinic.client.post(
        "/api/v1/auth/verify-email", json={"token": token_in(logged)}
    )
    assert verified.status_code == 204, verified.text
    assert await login(clinic, email) == 200
    rows = await clinic.fetch(
        "SELECT d.status FROM delivery d WHERE d.channel = 'email' AND d.address = $1", email
    )
    assert [r["status"] for r in rows] == ["logged"], "written to the log is not sent"


async def test_analytics_count_logged_e_mails_apart_from_sent(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    admin = await clinic.member("admin")
    start, end = this_hour()
    before = (await analytics_sections(clinic, admin, start, end))["notifications"]
    await logged_mail_to(caplog, await register(clinic))
    after = (await analytics_sections(clinic, admin, start, end))["notifications"]
    email_before = before["by_channel"].get("email", {})
    email_after = after["by_channel"]["email"]
    assert email_after["logged"] > email_before.get("logged", 0)
    assert email_after.get("sent", 0) == email_before.get("sent", 0)
