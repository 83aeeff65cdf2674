"""Anonymous requests cannot make the clinic text a phone number or flood an account's owner."""

import asyncio
import uuid
from urllib.parse import quote_plus

from tests.plugins.notifications.test_identity_messages import registration
from tests.plugins.users.clinic import Clinic
from tests.support.sms_provider import Provider, Request
from tests.support.smtp import SmtpServer

VICTIM = "+15550109999"


def texts_to_victim(provider: Provider) -> list[Request]:
    """The texts sent to `VICTIM` (a message an earlier test queued may reach the provider)."""
    return [request for request in provider.requests if quote_plus(VICTIM).encode() in request.body]


async def channels_of(clinic: Clinic, email: str, template: str) -> list[str]:
    """The channels of every `template` delivery to the account with this address."""
    rows = await clinic.fetch(
        "SELECT d.channel FROM delivery d JOIN notification n ON n.id = d.notification "
        "JOIN account a ON a.id = n.recipient WHERE a.email = $1 AND n.template = $2 "
        "ORDER BY d.channel",
        email,
        template,
    )
    return [row["channel"] for row in rows]


async def test_registering_with_a_phone_number_texts_nobody(
    sms_clinic: Clinic, smtp: SmtpServer, provider: Provider
) -> None:
    """Seen: each anonymous registration with a made-up address texted the phone it named
    (SMS pumping); its second registration (address still unverified) texted it again."""
    body = {**registration(), "phone": VICTIM}
    for _ in range(2):
        body["username"] = f"u{uuid.uuid4().hex[:10]}"
        answer = await sms_clinic.client.post("/api/v1/auth/register", json=body)
        assert answer.status_code == 202, answer.text
    for _ in range(2):
        await smtp.wait_for_message(lambda m: m["To"] == body["email"])
    assert await channels_of(sms_clinic, body["email"], "verify_email") == ["email", "email"]
    assert texts_to_victim(provider) == []


async def test_sign_up_attempts_with_a_known_address_send_one_email_a_day(
    sms_clinic: Clinic, smtp: SmtpServer, provider: Provider
) -> None:
    """Seen: every anonymous registration with a patient's address sent them an e-mail, a text
    and an inbox item, whatever their switches (no limit but the per-address request rate)."""
    member = await sms_clinic.member("patient", phone=VICTIM)
    for _ in range(3):
        answer = await sms_clinic.client.post(
            "/api/v1/auth/register", json=registration(member.email)
        )
        assert answer.status_code == 202, answer.text
    await smtp.wait_for_message(lambda m: m["To"] == member.email)
    await asyncio.sleep(2)  # the three attempts' events are handled by then
    assert await channels_of(sms_clinic, member.email, "registration_attempt") == ["email"]
    assert len([m for m in smtp.messages if m["To"] == member.email]) == 1
    assert texts_to_victim(provider) == []
