"""SMS end to end: `notify` -> delivery task -> a real HTTP provider, with a retry."""

import gzip
from urllib.parse import parse_qs

from hduce.contracts.notifications import Category
from tests.plugins.notifications.test_delivery import (
    delivery,
    notify,
    sms_to_someone_without_a_phone,
)
from tests.plugins.users.clinic import Clinic
from tests.support.memory import peak_growth
from tests.support.sms_provider import Provider

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
