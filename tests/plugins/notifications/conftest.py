"""Fixtures of the notifications tests: a real SMTP server and the app that sends to it."""

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, identity_settings, running_clinic
from tests.support import sms_provider
from tests.support.sms_provider import Provider
from tests.support.smtp import SmtpServer

provider = sms_provider.provider

SENDER = "Test Clinic <noreply@clinic.test>"


def notifications_settings(settings: Settings, smtp_port: int, **overrides: Any) -> Settings:
    """The identity plugins plus notifications, e-mail to `smtp_port`, fast retries."""
    base = identity_settings(settings, auth={"verify_email_per_hour_per_account": 1000})
    section = {
        "clinic_name": "Test Clinic",
        "email": {"url": f"smtp://127.0.0.1:{smtp_port}", "from_address": SENDER},
        "retry_base": "200ms",
        "retry_max": "1s",
        "stream_max_duration": "1500ms",
        **overrides,
    }
    plugins = msgspec.structs.replace(
        base.plugins,
        enabled=(*IDENTITY_PLUGINS, "notifications"),
        sections={**base.plugins.sections, "notifications": section},
    )
    return msgspec.structs.replace(base, plugins=plugins)


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[SmtpServer]:
    """One SMTP server for the module (tests that stop it start it again)."""
    async with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
async def clinic(settings: Settings, smtp: SmtpServer) -> AsyncIterator[Clinic]:
    """The app with notifications, sending e-mail to `smtp`."""
    async with running_clinic(notifications_settings(settings, smtp.port)) as running:
        yield running


@pytest.fixture
async def sms_clinic(
    settings: Settings, smtp: SmtpServer, provider: Provider
) -> AsyncIterator[Clinic]:
    """The app with the SMS channel pointed at `provider`."""
    sms = {"url": provider.url, "auth_header": "Basic dGVzdA==", "sender": "+15559990000"}
    async with running_clinic(notifications_settings(settings, smtp.port, sms=sms)) as running:
        yield running
