"""SMS end to end: `notify` -> delivery task -> a real HTTP provider, with a retry."""

import gzip
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from hduce.contracts.notifications import Category
from hduce.core.config import Settings
from tests.plugins.notifications.conftest import notifications_settings
from tests.plugins.notifications.test_delivery import (
    delivery,
    notify,
    quiet_now,
    sms_to_someone_without_a_phone,
)
from tests.plugins.users.clinic import Clinic, Member, running_clinic
from tests.support.memory import peak_growth
from tests.support.sms_provider import Provider
from tests.support.smtp import SmtpServer

MB = 1024 * 1024


async def test_an_sms_reaches_the_provider_after_one_failure(
    sms_clinic: Clinic, provider: Provider
) -> None:
    provider.replies.append((503, '{"message": "try later"}'))
    member = await sms_clinic.member("patient", phone="+15550102030")
    notification_id = await notify(
        sms_clinic, member.id, "account_locked", {"until": "soon"}, category=Category.SECURITY
    )
    sent = await delivery(sms_clinic, notification_id, "sms", "status = 'sent'")
    assert sent["attempts"] == 2
    assert "503" in sent["last_error"]
    forms = [parse_qs(request.body.decode()) for request in provider.requests]
    assert len(forms) == 2
    assert forms[-1]["To"] == ["+15550102030"]
    assert forms[-1]["From"] == ["+15559990000"]
    assert "locked" in forms[-1]["Body"][0]


async def test_a_user_without_a_phone_number_gets_no_sms(sms_clinic: Clinic) -> None:
    reason = await sms_to_someone_without_a_phone(sms_clinic)
    assert reason == ("skipped", "no phone number on the profile")


async def test_a_gzip_bomb_of_an_error_reply_fails_the_delivery_in_little_memory(
    sms_clinic: Clinic, provider: Provider
) -> None:
    # The 4 KB cut applied after httpx had inflated a whole chunk: 50 MB of zeros, gzipped to
    # 50 KB (one chunk), came into memory at once.
    provider.encoding = "gzip"
    provider.replies.append((400, gzip.compress(b"bad number " + bytes(50 * MB))))
    member = await sms_clinic.member("patient", phone="+15550102031")
    with peak_growth() as growth:
        notification_id = await notify(
            sms_clinic, member.id, "account_locked", {"until": "soon"}, category=Category.SECURITY
        )
        failed = await delivery(sms_clinic, notification_id, "sms", "status = 'failed'")
    assert growth.bytes < 10 * MB, f"{growth.bytes / MB:.0f} MB"
    assert failed["attempts"] == 1
    assert failed["last_error"].startswith(f"SMS provider {provider.url}: HTTP 400: bad number")
    assert len(failed["last_error"]) < 400, failed["last_error"]


async def throttled_text(
    clinic: Clinic, provider: Provider, phone: str, wait: str, category: Category
) -> tuple[Member, uuid.UUID]:
    """A text to a new patient, its first attempt answered 429 `Retry-After: wait`; who, its id."""
    provider.headers["Retry-After"] = wait
    provider.replies.append((429, "slow down"))
    member = await clinic.member("patient", phone=phone)
    notification_id = await notify(
        clinic, member.id, "test_message", {"text": "later"}, category=category
    )
    return member, notification_id


async def test_a_provider_asking_to_wait_is_not_called_sooner(
    sms_clinic: Clinic, provider: Provider
) -> None:
    # Seen: `429, Retry-After: 60` was retried at +3, +9 and +21 s, then failed.
    _, notification_id = await throttled_text(
        sms_clinic, provider, "+15550102032", "60", Category.SECURITY
    )
    waiting = await delivery(sms_clinic, notification_id, "sms", "last_error IS NOT NULL")
    assert waiting["status"] == "pending"
    assert waiting["next_attempt_at"] >= waiting["updated_at"] + timedelta(seconds=59)
    assert "429" in waiting["last_error"]
    assert len(provider.requests) == 1


async def test_waits_a_provider_asks_for_do_not_spend_the_attempts(
    settings: Settings, smtp: SmtpServer, provider: Provider
) -> None:
    provider.headers["Retry-After"] = "1"
    provider.replies.extend([(429, "slow down")] * 3)
    sms = {"url": provider.url}
    with_two = notifications_settings(settings, smtp.port, sms=sms, max_attempts=2)
    async with running_clinic(with_two) as clinic:
        member = await clinic.member("patient", phone="+15550102033")
        notification_id = await notify(
            clinic, member.id, "account_locked", {"until": "soon"}, category=Category.SECURITY
        )
        sent = await delivery(clinic, notification_id, "sms", "status <> 'pending'")
    assert sent["status"] == "sent", sent["last_error"]
    assert len(provider.requests) == 4


async def test_a_retry_falling_in_quiet_hours_waits_for_their_end(
    sms_clinic: Clinic, provider: Provider
) -> None:
    # Seen: a 429-retried text went out at its `Retry-After`, inside the patient's quiet hours.
    member, notification_id = await throttled_text(
        sms_clinic, provider, "+15550102034", "2", Category.APPOINTMENTS
    )
    await delivery(sms_clinic, notification_id, "sms", "last_error IS NOT NULL")
    await quiet_now(sms_clinic, member)  # an hour either side of now
    held = await delivery(sms_clinic, notification_id, "sms", "status <> 'pending'")
    assert held["status"] == "deferred"
    assert held["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=50)
    assert len(provider.requests) == 1
