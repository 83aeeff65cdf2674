"""A clinic's template that renders to nothing fails its channel's delivery; others go out."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hduce.contracts.notifications import Category
from hduce.core.config import Settings
from tests.plugins.notifications.conftest import notifications_settings
from tests.plugins.notifications.test_delivery import delivery, notify
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.support import sms_provider
from tests.support.sms_provider import Provider
from tests.support.smtp import SmtpServer

provider = sms_provider.provider
NOTHING = "{% if false %}x{% endif %}\n"


@pytest.fixture
async def blank_clinic(
    settings: Settings, smtp: SmtpServer, provider: Provider, tmp_path: Path
) -> AsyncIterator[Clinic]:
    """SMS to `provider`; `account_locked`'s SMS and `test_message`'s subject render to nothing."""
    for file in ("account_locked/sms.txt", "test_message/subject.txt"):
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text(NOTHING, encoding="utf-8")
    sms = {"url": provider.url, "sender": "+15559990000"}
    config = notifications_settings(settings, smtp.port, sms=sms, template_dirs=[str(tmp_path)])
    async with running_clinic(config) as running:
        yield running


async def test_a_blank_message_fails_with_the_file_named_and_the_rest_is_sent(
    blank_clinic: Clinic, smtp: SmtpServer, provider: Provider
) -> None:
    # Regression: an empty SMS, e-mail subject and in-app subject were sent and recorded `sent`.
    member = await blank_clinic.member("patient", phone="+15550102030")
    locked = await notify(
        blank_clinic, member.id, "account_locked", {"until": "soon"}, category=Category.SECURITY
    )
    sms = await delivery(blank_clinic, locked, "sms", "status <> 'pending'")
    assert sms["status"] == "failed" and sms["attempts"] == 0
    assert "`account_locked/sms.txt` renders to nothing" in sms["last_error"]
    assert (await delivery(blank_clinic, locked, "email", "status = 'sent'"))["subject"]

    tested = await notify(
        blank_clinic, member.id, "test_message", {"text": "hello"}, category=Category.SECURITY
    )
    for channel in ("email", "in_app"):
        failed = await delivery(blank_clinic, tested, channel, "status <> 'pending'")
        assert failed["status"] == "failed", failed
        assert "`test_message/subject.txt` renders to nothing" in failed["last_error"]
    await delivery(blank_clinic, tested, "sms", "status = 'sent'")  # an SMS has no subject
    assert [r.body for r in provider.requests if b"hello" in r.body]
    assert not [
        r.body for r in provider.requests if b"Body=&" in r.body or r.body.endswith(b"Body=")
    ]
